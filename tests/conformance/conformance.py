#!/usr/bin/python3
"""Judges vigie-agent --probe --json outputs against the sensors LibreNMS reads from the same recordings.

  conformance.py --probes DIR [--verbose] [--min 95] [NAME ...]

DIR holds CLASS/NAME.json (one probe output per recording; CLASS is the recording's folder). Every
device must get its class right; every LibreNMS sensor (expected/CLASS/NAME.sensors.json of the corpus
or of ../shared/librenms) is matched to at most one vigie metric of the same kind with the same value
(within 1 %, or 0.01), one to one (a maximum bipartite matching per device). Sensors listed in
exceptions.tsv are left out of the count, with their reason. Prints a table per device and the totals,
and exits 1 when a class is wrong, an exception is stale, or fewer than --min percent match.
Rules in README.md ("The conformance test")."""
import argparse
import json
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# LibreNMS sensor class -> (accepted vigie units with a factor to LibreNMS's unit, name pattern or None)
KINDS = {
    "temperature": ({"degC": 1}, None),
    "humidity": ({"%RH": 1, "%": 1}, r"humid"),
    "voltage": ({"V": 1}, None),
    "current": ({"A": 1}, None),
    "frequency": ({"Hz": 1}, None),
    "dbm": ({"dBm": 1}, None),
    "power": ({"W": 1, "VA": 1, "kW": 1000, "kVA": 1000}, None),
    "cooling": ({"W": 1, "kW": 1000}, None),
    "power_consumed": ({"kWh": 1, "Wh": 0.001}, None),
    # LibreNMS keeps a power factor as a ratio for most devices, as the raw hundredths for others
    # (Raritan, Conteg: 98 for 0.98): both are the same quantity
    "power_factor": ({"ratio": (1, 100)}, None),
    "eer": ({"ratio": 1}, None),
    "load": ({"%": 1}, r"load|capacity|usage|utili"),
    "charge": ({"%": 1}, r"charge"),
    "percent": ({"%": 1, "%RH": 1, "ratio": 100}, None),   # a ratio is a percent /100 (power factors)
    "fanspeed": ({"rpm": 1, "%": 1}, r"fan|rpm|speed"),
    "runtime": ({"s": 1 / 60.0}, None),
    "delay": ({"s": 1, "min": 1}, None),
    "count": ({"count": 1, "ratio": 1}, None),
    "pressure": ({"kPa": 1, "Pa": 0.001, "bar": 100}, None),
    "waterflow": ({"l/min": 1, "l/s": 60, "m3/h": 1000 / 60.0}, None),
    "airflow": ({"%": 1, "m3/h": 1, "l/s": 1}, None),
}
SEVERITY = {0: "ok", 1: "warning", 2: "critical", 3: "unknown", -1: "ok"}


def norm(word):
    return re.sub(r"[^a-z0-9]", "", str(word).lower())


def load_tsv(path, ncols):
    rows = []
    if not os.path.exists(path):
        return rows
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < ncols:
            sys.exit(f"{path}:{n}: expected {ncols} tab-separated columns, got {len(parts)}")
        rows.append((n, parts))
    return rows


def close(got, want):
    return abs(got - want) <= max(0.01 * abs(want), 0.01)


def state_word(sensor):
    for st in sensor.get("states") or []:
        if st.get("value") == sensor["value"]:
            return st.get("descr"), st.get("generic")
    return None, None


def candidates(sensor, metrics, synonyms):
    """Indexes of vigie metrics that can stand for this LibreNMS sensor."""
    cls, want = sensor["class"], sensor["value"]
    out = []
    if cls == "state":
        word, generic = state_word(sensor)
        words = {norm(word)} | synonyms.get(norm(word), set()) if word is not None else set()
        for i, m in enumerate(metrics):
            if m["unit"] not in ("state", "bool", ""):
                continue
            if word is not None and norm(m["text"]) in words:
                out.append(i)
            elif want is not None and m["value"] == want and (
                    generic is None or SEVERITY.get(generic) == m["severity"] or m["severity"] == "none"):
                out.append(i)
        return out
    if cls not in KINDS or want is None:
        return out
    units, pattern = KINDS[cls]
    for i, m in enumerate(metrics):
        if m["unit"] not in units:
            continue
        if pattern and m["unit"] == "%" and not re.search(pattern, m["name"]):
            continue
        factors = units[m["unit"]] if isinstance(units[m["unit"]], tuple) else (units[m["unit"]],)
        if any(close(m["value"] * f, want) for f in factors):
            out.append(i)
    return out


def first_factor(f):
    return f[0] if isinstance(f, tuple) else f


def match(cands):
    """Maximum bipartite matching (augmenting paths): sensor index -> metric index."""
    owner = {}

    def augment(s, seen):
        for m in cands[s]:
            if m in seen:
                continue
            seen.add(m)
            if m not in owner or augment(owner[m], seen):
                owner[m] = s
                return True
        return False

    for s in range(len(cands)):
        augment(s, set())
    return {s: m for m, s in owner.items()}


def expected_file(name, cls, shared):
    for base in (os.path.join(HERE, "corpus", "expected"), os.path.join(shared, "librenms", "expected")):
        p = os.path.join(base, cls, name + ".sensors.json")
        if os.path.exists(p):
            return p
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--probes", required=True, help="folder of CLASS/NAME.json probe outputs")
    ap.add_argument("--shared", default=os.environ.get("VIGIE_SHARED", os.path.join(HERE, "..", "..", "..", "shared")))
    ap.add_argument("--min", type=float, default=95.0, help="percent of sensors that must match (95)")
    ap.add_argument("--verbose", "-v", action="store_true", default=os.environ.get("CONFORMANCE_VERBOSE") == "1")
    ap.add_argument("--summary", help="write the per-device results and the total here (JSON)")
    ap.add_argument("names", nargs="*", help="only these devices")
    a = ap.parse_args()

    synonyms = {}
    for _, (lib, ours) in load_tsv(os.path.join(HERE, "states.tsv"), 2):
        synonyms.setdefault(norm(lib), set()).add(norm(ours))
    exceptions = {}
    for n, row in load_tsv(os.path.join(HERE, "exceptions.tsv"), 5):
        exceptions[(row[0], row[1], row[2], row[3])] = [n, row[4], False]

    probes = sorted((os.path.basename(d), f[:-5]) for d in [os.path.join(a.probes, c) for c in os.listdir(a.probes)]
                    if os.path.isdir(d) for f in os.listdir(d) if f.endswith(".json"))
    if a.names:
        probes = [p for p in probes if p[1] in a.names]
    if not probes:
        sys.exit(f"no probe output in {a.probes}")
    failed = False
    totals, per_class = [0, 0, 0], {}
    summary = {"devices": [], "stale_exceptions": []}
    print(f"{'device':34} {'class':8} {'matched':>9} {'excepted':>8}  class  profiles")
    for cls, name in probes:
        try:
            got = json.load(open(os.path.join(a.probes, cls, name + ".json"), encoding="utf-8"))
        except (OSError, ValueError) as e:
            print(f"{name:34} {cls:8} probe output unreadable: {e}")
            failed = True
            continue
        dev = got.get("device", {})
        profiles = ",".join(dev.get("profiles") or [dev.get("profile", "?")])
        class_ok = dev.get("class") == cls
        failed |= not class_ok
        path = expected_file(name, cls, a.shared)
        sensors = json.load(open(path, encoding="utf-8")) if path else []
        kept = []
        for s in sensors:
            key = (name, s["class"], s["oid"], str(s["index"]))
            if key in exceptions:
                exceptions[key][2] = True
                if a.verbose:
                    print(f"    excepted {s['class']} {s['descr']!r} {s['oid']}: {exceptions[key][1]}")
            else:
                kept.append(s)
        metrics = got.get("metrics", [])
        cands = [candidates(s, metrics, synonyms) for s in kept]
        pairs = match(cands)
        nex = len(sensors) - len(kept)
        shown = f"{len(pairs)}/{len(kept)}" if sensors else "-"
        print(f"{name:34} {cls:8} {shown:>9} {nex:>8}  {'ok' if class_ok else 'WRONG(' + str(dev.get('class')) + ')':5}  {profiles}")
        summary["devices"].append({"name": name, "class": cls, "got_class": dev.get("class"), "matched": len(pairs),
                                   "sensors": len(kept), "excepted": nex, "profiles": profiles})
        pc = per_class.setdefault(cls, [0, 0])
        pc[0] += len(pairs)
        pc[1] += len(kept)
        totals[0] += len(pairs)
        totals[1] += len(kept)
        totals[2] += nex
        if a.verbose:
            for i, s in enumerate(kept):
                if i in pairs:
                    continue
                units = KINDS.get(s["class"], ({}, None))[0]
                same = [m for m in metrics if m["unit"] in units or (s["class"] == "state" and m["unit"] in ("state", "bool"))]
                near = sorted(same, key=lambda m: abs(m["value"] * first_factor(units.get(m["unit"], 1)) - (s["value"] or 0)))[:3]
                word = f" ({state_word(s)[0]})" if s["class"] == "state" else ""
                print(f"    miss {s['class']:12} {s['descr'][:36]!r:38} {s['oid']} = {s['value']}{word}; nearest: " +
                      (", ".join(f"{m['name']}[{m['instance']}]={m['value']:g}{' ' + m['text'] if m['text'] else ''}" for m in near) or "none"))
    for key, (line, reason, used) in exceptions.items():
        if not used and (not a.names or key[0] in a.names):
            print(f"exceptions.tsv:{line}: {key[0]} {key[2]} matches no LibreNMS sensor (stale exception)")
            summary["stale_exceptions"].append(line)
            failed = True
    print()
    for cls, (m, t) in sorted(per_class.items()):
        print(f"class {cls:8} {m:5}/{t:<5} {100.0 * m / t if t else 100:6.1f} %")
    pct = 100.0 * totals[0] / totals[1] if totals[1] else 100.0
    print(f"total {totals[0]}/{totals[1]} LibreNMS sensors matched: {pct:.1f} % ({totals[2]} excepted; "
          f"at least {a.min:g} % needed)")
    if pct < a.min:
        failed = True
    if a.summary:
        summary.update(matched=totals[0], sensors=totals[1], excepted=totals[2], percent=pct)
        with open(a.summary, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

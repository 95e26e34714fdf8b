#!/usr/bin/python3
"""Verify a conformance corpus of SNMP recordings and their LibreNMS sensors.

Usage: verify_corpus.py [--table] [CORPUS_DIR ...]   (default: ./corpus beside
this script)

A corpus has SOURCES.tsv, snmprec/CLASS/NAME.snmprec and
expected/CLASS/NAME.sensors.json.  For every row of SOURCES.tsv it checks:
  * both files exist, in the row's class directory;
  * the recording's length and git blob id equal those recorded in
    SOURCES.tsv (when the columns are present), so the file is byte for
    byte the one at the named commit;
  * every line of the recording parses as snmpsim's OID|TYPE|VALUE;
  * every sensor's OID is in the recording, and its value re-derives from
    the recording: raw / divisor * multiplier, then LibreNMS's user_func if
    one is named, within 1e-6 relative (state sensors: the raw value, or the
    state whose name the raw string is).
It also reports files in the corpus that SOURCES.tsv does not name.
Prints one line per device and a summary; exits 1 if anything fails.
Standard library only.
"""
import hashlib
import json
import math
import os
import re
import sys

CLASSES = ("ups", "pdu", "cooling", "env", "olt")
INT_TYPES = {"2", "65", "66", "67", "70"}
# 5 NULL, 68 Opaque, 128-130 noSuchObject/noSuchInstance/endOfMibView.
# snmpsim allows a suffix on any tag: x = value in hex, e = Python escapes.
TYPES = INT_TYPES | {"4", "5", "6", "64", "68", "128", "129", "130"}
ESCAPES = {"\\": 92, "'": 39, '"': 34, "a": 7, "b": 8, "f": 12, "n": 10,
           "r": 13, "t": 9, "v": 11}
OID_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")
NUM_RE = re.compile(r'^\s*"?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)')
REL_TOL = 1e-6
ABS_TOL = 1e-9
MAX_ERRORS_SHOWN = 5


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def parse_recording(data):
    """Return ({oid: (type, value)}, [errors]).

    An OID repeated with the same type and value (LibreNMS joins walks) is
    harmless; one repeated with another value makes the recording ambiguous.
    """
    recs, errors = {}, []
    text = data.decode("utf-8", errors="surrogateescape")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for no, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        parts = line.split("|", 2)
        if len(parts) != 3:
            errors.append("line %d: not OID|TYPE|VALUE: %.60r" % (no, line))
            continue
        oid, typ, val = parts
        base, enc = (typ[:-1], typ[-1]) if typ[-1:] in ("x", "e") else (typ, "")
        if not OID_RE.match(oid):
            errors.append("line %d: bad OID %.60r" % (no, oid))
        elif base not in TYPES:
            errors.append("line %d: unknown type %r" % (no, typ))
        elif not enc and base in INT_TYPES and not re.match(r"^-?[0-9]+$", val):
            errors.append("line %d: type %s value not an integer: %.40r" % (no, typ, val))
        elif enc == "x" and (len(val) % 2 or not re.match(r"^[0-9a-fA-F]*$", val)):
            errors.append("line %d: bad hex string" % no)
        elif enc == "e" and unescape(val) is None:
            errors.append("line %d: bad escaped string" % no)
        elif oid in recs and recs[oid] != (typ, val):
            errors.append("line %d: OID %s again with another value" % (no, oid))
        else:
            recs[oid] = (typ, val)
    return recs, errors


def unescape(val):
    """Decode snmpsim's 'e' encoding (Python string escapes) to bytes."""
    out, i = bytearray(), 0
    while i < len(val):
        c = val[i]
        if c != "\\":
            out += c.encode("utf-8", errors="surrogateescape")
            i += 1
        elif val[i + 1:i + 2] == "x" and re.match(r"^[0-9a-fA-F]{2}$", val[i + 2:i + 4]):
            out.append(int(val[i + 2:i + 4], 16))
            i += 4
        elif val[i + 1:i + 2] in ESCAPES:
            out.append(ESCAPES[val[i + 1]])
            i += 2
        else:
            return None
    return bytes(out)


def raw_text(typ, val):
    if typ.endswith("x") or typ.endswith("e"):
        data = bytes.fromhex(val) if typ.endswith("x") else unescape(val)
        try:
            return data.decode("ascii")
        except (AttributeError, UnicodeDecodeError):
            return None
    return val


def raw_number(typ, val):
    text = raw_text(typ, val)
    if text is None:
        return None
    m = NUM_RE.match(text)
    return float(m.group(1)) if m else None


def apply_user_func(name, v):
    short = name.rsplit("\\", 1)[-1].rsplit(":", 1)[-1]
    if short == "fahrenheit_to_celsius":
        return round((v - 32) / 1.8, 2)
    if short in ("string_to_float",):
        return round(v, 2)
    if short in ("round", "cast"):
        return round(v) if short == "round" else v
    if short == "uw_to_dbm":
        return None if v < 0 else (-60 if v == 0 else 10 * math.log10(v / 1000))
    if short == "mw_to_dbm":
        return None if v < 0 else (-60 if v == 0 else 10 * math.log10(v))
    raise KeyError(name)


def close(a, b):
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)


def check_sensor(s, recs):
    """Return an error string or None."""
    for k in ("class", "descr", "oid", "index", "divisor", "multiplier", "value"):
        if k not in s:
            return "sensor lacks %r" % k
    oid = s["oid"].lstrip(".")
    if oid not in recs:
        return "%s %r: OID %s not in recording" % (s["class"], s["descr"], s["oid"])
    typ, val = recs[oid]
    if s["value"] is None:
        return "%s %r: no value" % (s["class"], s["descr"])
    if s["class"] == "state":
        states = s.get("states") or []
        if not states:
            return "state %r: no state translations" % s["descr"]
        raw = raw_number(typ, val)
        if raw is None:
            text = (raw_text(typ, val) or "").strip().strip('"')
            hit = [st["value"] for st in states if st["descr"] == text]
            raw = hit[0] if hit else None
        if raw is None or not close(raw, float(s["value"])):
            return "state %r: value %r, recording has %r" % (s["descr"], s["value"], val)
        return None
    raw = raw_number(typ, val)
    if raw is None:
        return "%s %r: recording value %.40r not numeric" % (s["class"], s["descr"], val)
    v = raw
    if s["divisor"]:
        v /= s["divisor"]
    if s["multiplier"]:
        v *= s["multiplier"]
    if s.get("user_func"):
        try:
            v = apply_user_func(s["user_func"], v)
        except KeyError:
            return "%s %r: unknown user_func %s" % (s["class"], s["descr"], s["user_func"])
        if v is None:
            return "%s %r: user_func gives no value" % (s["class"], s["descr"])
    if not close(v, float(s["value"])):
        return "%s %r: value %r, re-derived %r (raw %s)" % (
            s["class"], s["descr"], s["value"], v, val)
    return None


def read_sources(corpus):
    with open(os.path.join(corpus, "SOURCES.tsv"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"))) for line in lines[1:] if line]


# ../shared beside the project (or $VIGIE_SHARED): the recordings it already holds are used from
# there by path, never copied into the corpus, which then keeps only their LibreNMS sensors.
SHARED = os.environ.get("VIGIE_SHARED") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared")


def recording_path(corpus, cls, name):
    own = os.path.join(corpus, "snmprec", cls, name + ".snmprec")
    shared = os.path.join(SHARED, "snmprec", cls, name + ".snmprec")
    return own if os.path.exists(own) or not os.path.exists(shared) else shared


def verify_device(corpus, row):
    """Return (sensor counts by class, [errors])."""
    name, cls = row["name"], row["class"]
    errors = []
    if cls not in CLASSES:
        return {}, ["class %r is not one of %s" % (cls, ", ".join(CLASSES))]
    rec_file = recording_path(corpus, cls, name)
    exp_file = os.path.join(corpus, "expected", cls, name + ".sensors.json")
    try:
        with open(rec_file, "rb") as f:
            data = f.read()
        with open(exp_file, encoding="utf-8") as f:
            sensors = json.load(f)
    except (OSError, ValueError) as e:
        return {}, [str(e)]
    if row.get("snmprec_bytes") and int(row["snmprec_bytes"]) != len(data):
        errors.append("recording is %d bytes, SOURCES.tsv says %s" % (len(data), row["snmprec_bytes"]))
    if row.get("snmprec_git_blob") and git_blob_id(data) != row["snmprec_git_blob"]:
        errors.append("recording's git blob id differs from SOURCES.tsv")
    recs, perr = parse_recording(data)
    errors += perr
    counts = {}
    if not isinstance(sensors, list) or not sensors:
        errors.append("expected file holds no sensors")
        sensors = []
    for s in sensors:
        counts[s.get("class", "?")] = counts.get(s.get("class", "?"), 0) + 1
        err = check_sensor(s, recs)
        if err:
            errors.append(err)
    return counts, errors


def unlisted(corpus, rows):
    named = {(r["class"], r["name"]) for r in rows}
    out = []
    for sub, ext in (("snmprec", ".snmprec"), ("expected", ".sensors.json")):
        for cls in sorted(os.listdir(os.path.join(corpus, sub))):
            for fn in sorted(os.listdir(os.path.join(corpus, sub, cls))):
                if fn.endswith(ext) and (cls, fn[:-len(ext)]) not in named:
                    out.append(os.path.join(sub, cls, fn))
    return out


def main(argv):
    table = "--table" in argv
    corpora = [a for a in argv if a != "--table"] or [
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")]
    failed = devices = nsensors = 0
    by_class = {}
    for corpus in corpora:
        rows = read_sources(corpus)
        for row in rows:
            counts, errors = verify_device(corpus, row)
            devices += 1
            n = sum(counts.values())
            nsensors += n
            by_class[row["class"]] = by_class.get(row["class"], 0) + 1
            desc = ", ".join("%d %s" % (c, k) for k, c in sorted(counts.items(), key=lambda x: (-x[1], x[0])))
            if table:
                print("| %s | %s | %s | %d (%s) |" % (row["name"], row["class"], row.get("librenms_os", ""), n, desc))
            status = "FAIL" if errors else "ok"
            if not table or errors:
                print("%-4s %-40s %-8s %4d sensors (%s)" % (status, row["name"], row["class"], n, desc))
            for e in errors[:MAX_ERRORS_SHOWN]:
                print("       " + e)
            if len(errors) > MAX_ERRORS_SHOWN:
                print("       ... and %d more" % (len(errors) - MAX_ERRORS_SHOWN))
            failed += bool(errors)
        for path in unlisted(corpus, rows):
            print("FAIL %s: not named in SOURCES.tsv" % os.path.join(corpus, path))
            failed += 1
    print("%d devices (%s), %d sensors, %d failed" % (
        devices, ", ".join("%s %d" % (c, by_class.get(c, 0)) for c in CLASSES), nsensors, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

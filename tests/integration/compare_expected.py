#!/usr/bin/env python3
"""Compares vigie-agent --probe --json output with a hand-written expected-values file.

Expected file lines: `profile NAME`, `class NAME`, and `METRIC INSTANCE VALUE TEXT` ('-' for empty),
'#' starts a comment. Every expected value must be found and no other may appear; values compare
with a relative tolerance of 1e-6. Prints what differs and exits 1 on a difference."""
import json
import math
import sys


def parse_expected(path):
    want = {}
    meta = {}
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if parts[0] in ("profile", "class") and len(parts) == 2:
            meta[parts[0]] = parts[1]
            continue
        if len(parts) != 4:
            sys.exit(f"{path}:{n}: expected 'metric instance value text', got: {raw.strip()}")
        metric, inst, value, text = parts
        key = (metric, "" if inst == "-" else inst)
        if key in want:
            sys.exit(f"{path}:{n}: {metric} {inst} listed twice")
        want[key] = (float(value), None if text == "-" else text, n)
    return meta, want


def main():
    probe_path, expected_path = sys.argv[1], sys.argv[2]
    meta, want = parse_expected(expected_path)
    got_json = json.load(open(probe_path, encoding="utf-8"))
    problems = []
    dev = got_json["device"]
    for k in ("profile", "class"):
        if k in meta and dev.get(k) != meta[k]:
            problems.append(f"{k}: expected {meta[k]}, got {dev.get(k)}")
    got = {}
    for m in got_json["metrics"]:
        got[(m["name"], m["instance"])] = (m["value"], m["text"])
    for key, (value, text, line) in sorted(want.items()):
        if key not in got:
            problems.append(f"line {line}: {key[0]} [{key[1]}] = {value:g} missing")
            continue
        gv, gt = got[key]
        if not math.isclose(gv, value, rel_tol=1e-6, abs_tol=1e-9):
            problems.append(f"line {line}: {key[0]} [{key[1]}]: expected {value:g}, got {gv:g}")
        if text is not None and gt != text:
            problems.append(f"line {line}: {key[0]} [{key[1]}]: expected text {text}, got {gt!r}")
    for key in sorted(set(got) - set(want)):
        problems.append(f"unexpected: {key[0]} [{key[1]}] = {got[key][0]:g} {got[key][1]}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

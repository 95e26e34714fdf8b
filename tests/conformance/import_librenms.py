#!/usr/bin/python3
"""Import device recordings and their sensors from a LibreNMS git checkout.

Usage: import_librenms.py --git-dir DIR [--corpus DIR] [--repo NAME] NAME:CLASS ...

For each NAME it copies tests/snmpsim/NAME.snmprec byte for byte to
corpus/snmprec/CLASS/NAME.snmprec, reduces tests/data/NAME.json's
sensors -> discovery -> sensors list (with state translations from
state_indexes, and each value as LibreNMS's poller stored it when the data
file has a poller section) to corpus/expected/CLASS/NAME.sensors.json, and adds or
replaces NAME's row in corpus/SOURCES.tsv.  Both files are read from the
checkout's HEAD commit.  Run verify_corpus.py afterwards: this script
does not judge whether a pair is usable.  Standard library only.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

CLASSES = ("ups", "pdu", "cooling", "env", "olt")
COLUMNS = ("name", "class", "snmprec_path", "snmprec_commit", "data_path",
           "data_commit", "librenms_os", "repository", "snmprec_bytes",
           "snmprec_git_blob")


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir=" + gitdir, *args], check=True,
                          stdout=subprocess.PIPE).stdout


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def poller_values(data):
    """LibreNMS's values after its poller ran, by sensor.

    Some of LibreNMS's discovery code stores the raw value as sensor_current
    (e.g. 163 for a divisor of 10); the poller then stores raw / divisor *
    multiplier.  The polled value is what LibreNMS shows, so it is the oracle.
    """
    poller = data.get("sensors", {}).get("poller")
    if not isinstance(poller, dict):        # "matches discovery"
        return {}
    return {(s["sensor_class"], s["sensor_type"], s["sensor_index"], s["sensor_oid"]):
            s["sensor_current"] for s in poller.get("sensors", []) or []}


def reduce_sensors(data):
    disc = data.get("sensors", {}).get("discovery", {})
    polled = poller_values(data)
    states = {}
    for st in disc.get("state_indexes", []) or []:
        states.setdefault(st["state_name"], []).append(
            {"value": st["state_value"], "descr": st["state_descr"],
             "generic": st["state_generic_value"]})
    out = []
    for s in disc.get("sensors", []) or []:
        e = {"class": s["sensor_class"], "descr": s["sensor_descr"],
             "oid": s["sensor_oid"], "index": s["sensor_index"],
             "divisor": s["sensor_divisor"],
             "multiplier": s["sensor_multiplier"],
             "value": polled.get((s["sensor_class"], s["sensor_type"],
                                  s["sensor_index"], s["sensor_oid"]),
                                 s["sensor_current"])}
        if s.get("user_func"):
            e["user_func"] = s["user_func"]
        if s["sensor_class"] == "state":
            e["states"] = states.get(s.get("state_name"), [])
        out.append(e)
    return out


def read_sources(path):
    rows = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for line in lines[1:]:
            cols = line.split("\t")
            rows[cols[0]] = cols
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--git-dir", required=True)
    ap.add_argument("--corpus", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus"))
    ap.add_argument("--repo", default="librenms/librenms",
                    help="repository the commit belongs to (for SOURCES.tsv)")
    ap.add_argument("items", nargs="+", metavar="NAME:CLASS")
    a = ap.parse_args()
    commit = git(a.git_dir, "rev-parse", "HEAD").decode().strip()
    src_path = os.path.join(a.corpus, "SOURCES.tsv")
    rows = read_sources(src_path)
    for item in a.items:
        name, _, cls = item.partition(":")
        if cls not in CLASSES:
            sys.exit("%s: class must be one of %s" % (item, ", ".join(CLASSES)))
        rec_path = "tests/snmpsim/%s.snmprec" % name
        data_path = "tests/data/%s.json" % name
        rec = git(a.git_dir, "show", "%s:%s" % (commit, rec_path))
        data = json.loads(git(a.git_dir, "show", "%s:%s" % (commit, data_path)))
        os_name = ((data.get("os") or {}).get("discovery", {}).get(
            "devices", [{}])[0].get("os") or name.split("_")[0])
        for sub in ("snmprec", "expected"):
            os.makedirs(os.path.join(a.corpus, sub, cls), exist_ok=True)
        with open(os.path.join(a.corpus, "snmprec", cls, name + ".snmprec"), "wb") as f:
            f.write(rec)
        with open(os.path.join(a.corpus, "expected", cls, name + ".sensors.json"),
                  "w", encoding="utf-8") as f:
            json.dump(reduce_sensors(data), f, indent=1, ensure_ascii=False)
            f.write("\n")
        rows[name] = [name, cls, rec_path, commit, data_path, commit, os_name,
                      a.repo, str(len(rec)), git_blob_id(rec)]
    with open(src_path, "w", encoding="utf-8") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for name in sorted(rows):
            f.write("\t".join(rows[name]) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The soak's table (tests/soak/README.md says what each line counts), from the files soak.sh left in
its folder: the agents' debug logs, the server's vigie.db and RRD files, the fault and RSS logs.
Exit status 1 when a sample was lost or doubled or a poll came more than 1 s late."""
import argparse
import collections
import glob
import os
import re
import sqlite3
import subprocess
import sys

RUN = re.compile(r" agent: soak-a\d+: polling \d+ device\(s\) every")
CYCLE = re.compile(r" agent: cycle at (\d+): (\d+) of (\d+) devices answered, (\d+) values")
SPOOLED = re.compile(r" spool: batch (\d+) spooled: polled at (\d+), (\d+) samples")


def parse_agent(path):
    """Runs (one per process) of cycles [(t, values, answered, devices)], batches spooled {seq: n}, and
    the samples spooled in a run after its last cycle line (a kill -9 between the two lines)."""
    runs, spooled, cut = [], {}, 0
    pending = 0
    with open(path, errors="replace") as f:
        for line in f:
            if RUN.search(line):
                cut += pending
                pending = 0
                runs.append([])
            elif (m := CYCLE.search(line)) and runs:
                runs[-1].append((int(m[1]), int(m[4]), int(m[2]), int(m[3])))
                pending = 0
            elif m := SPOOLED.search(line):
                spooled[int(m[1])] = int(m[3])
                pending += int(m[3])
    return runs, spooled, cut + pending


def rrd_rows(path, start, end, step):
    """The times of the rows of an RRD file that hold a value."""
    out = subprocess.run(["rrdtool", "fetch", path, "AVERAGE", "-r", str(step), "-s", str(start), "-e", str(end)],
                         capture_output=True, text=True).stdout
    rows = set()
    for line in out.splitlines():
        t, _, v = line.partition(":")
        if t.strip().isdigit() and v.strip() and "nan" not in v.lower():
            rows.add(int(t))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--agents", type=int, required=True)
    ap.add_argument("--interval", type=int, required=True)
    ap.add_argument("--rss-start", default="?")
    ap.add_argument("--rss-end", default="?")
    ap.add_argument("--minutes", default="?")
    ap.add_argument("--seed", default="?")
    a = ap.parse_args()
    tmp, step = a.tmp, a.interval
    db = sqlite3.connect("file:%s/server-data/vigie.db?mode=ro" % tmp, uri=True)
    tot = collections.Counter()
    worst = (-1e9, "")
    notes = []
    for i in range(1, a.agents + 1):
        agent = "soak-a%d" % i
        runs, spooled, cut = parse_agent("%s/agent-%d.log" % (tmp, i))
        stored = dict(db.execute("select seq, samples from batches where agent = ?", (agent,)).fetchall())
        polled = sum(v for r in runs for _, v, _, _ in r) + cut
        n_spooled = sum(spooled.values())
        lost_batches = {s: n for s, n in spooled.items() if s not in stored}
        unlogged = {s: n for s, n in stored.items() if s not in spooled}  # sent without a copy (disk full)
        accepted = sum(stored.values())
        lost = sum(lost_batches.values()) + max(0, polled - n_spooled - sum(unlogged.values()))
        doubled = max(0, accepted - (polled - lost))
        if lost_batches:
            notes.append("%s: batches spooled and never stored: %s" % (agent, sorted(lost_batches)[:20]))
        if unlogged:
            notes.append("%s: %d batch(es) stored without a spool copy (%d samples)" %
                         (agent, len(unlogged), sum(unlogged.values())))
        if polled != n_spooled:
            notes.append("%s: %d samples polled, %d spooled" % (agent, polled, n_spooled))
        # poll delay: the gaps between consecutive polls of one agent process
        for r in runs:
            for (t0, *_), (t1, *_) in zip(r, r[1:]):
                if t1 - t0 - step > worst[0]:
                    worst = (t1 - t0 - step, "%s, poll at %d after %d" % (agent, t1, t0))
        partial = sum(1 for r in runs for _, _, ans, n in r if ans != n)
        # the RRD files: every step in which the agent polled holds a value in each of its series
        buckets = {-(-t // step) * step for r in runs for t, *_ in r}
        files = glob.glob("%s/server-data/rrd/s%d/*/*.rrd" % (tmp, i))
        missing, gappy = 0, 0
        if buckets:
            # the first poll of a series creates its file, which holds no value for it (RRD starts there)
            first = min(buckets)
            want = buckets - {first}
            for f in files:
                rows = rrd_rows(f, first, max(buckets), step)
                gone = sorted(b for b in want if b not in rows)
                missing += len(gone)
                gappy += bool(gone)
                if gone and gappy <= 3:
                    notes.append("%s: %s has no value at %d step(s), first %s" %
                                 (agent, os.path.relpath(f, tmp), len(gone), gone[:5]))
            buckets = want
        if gappy > 3:
            notes.append("%s: %d series with steps missing in all" % (agent, gappy))
        tot.update(polled=polled, spooled=n_spooled, accepted=accepted, lost=lost, doubled=doubled,
                   runs=len(runs), polls=sum(len(r) for r in runs), partial=partial,
                   rrd_expected=len(buckets) * len(files), rrd_missing=missing, series=len(files))
    faults = collections.Counter()
    if os.path.exists(tmp + "/faults.log"):
        for line in open(tmp + "/faults.log"):
            w = line.split(None, 1)[1]
            for k in ("kill -9 agent", "kill -9 server", "SIGSTOP server", "spool disk full", "garbage batch"):
                if w.startswith(k) or k in w:
                    faults[k] += 1
    rss = [int(x.split()[1]) for x in open(tmp + "/rss.log") if len(x.split()) == 2] if os.path.exists(
        tmp + "/rss.log") else []
    aside = collections.Counter()
    for f in glob.glob(tmp + "/spool-status-*.txt"):
        for line in open(f):
            k, _, v = line.partition(": ")
            if k in ("rejected", "corrupt", "dead", "duplicate", "dropped") and v.strip().isdigit():
                aside[k] += int(v)
    data_lost = sum(open(f, errors="replace").read().count("DATA LOST") for f in glob.glob(tmp + "/agent-*.log"))
    hostile = [l.split(None, 1) for l in open(tmp + "/hostile.out")] if os.path.exists(tmp + "/hostile.out") else []

    ok = tot["lost"] == 0 and tot["doubled"] == 0 and worst[0] <= 1
    w = sys.stdout.write
    w("soak: %s minute(s), %d agents, %d series, poll every %d s, seed %s\n" %
      (a.minutes, a.agents, tot["series"], step, a.seed))
    w("faults: %s\n" % (", ".join("%s %d" % kv for kv in sorted(faults.items())) or "none"))
    answers = collections.Counter()
    for n, k in hostile:
        answers[k.strip().rpartition(": ")[2] if ": " in k else k.strip()] += int(n)
    w("hostile clients: %s\n" % ", ".join("%s %d" % kv for kv in sorted(answers.items())))
    w("\n| what | value |\n| --- | --- |\n")
    rows = [
        ("samples sent (polled by the agents: their `cycle at` lines)", tot["polled"]),
        ("samples spooled (their `batch ... spooled` lines)", tot["spooled"]),
        ("samples stored (in the batches vigie.db accepted)", tot["accepted"]),
        ("lost: sent and never stored (must be 0)", tot["lost"]),
        ("doubled: stored more than once (must be 0)", tot["doubled"]),
        ("series-steps polled / holding a value in the RRD files (first poll left out)", "%d / %d" % (
            tot["rrd_expected"], tot["rrd_expected"] - tot["rrd_missing"])),
        ("polls (agent processes)", "%d (%d)" % (tot["polls"], tot["runs"])),
        ("polls where a device did not answer", tot["partial"]),
        ("maximum poll delay (gap - interval, within a process)", "%+d s (%s)" % worst),
        ("server RSS at start / end (the last instance)", "%s / %s kB" % (a.rss_start, a.rss_end)),
        ("server RSS min / max over the soak (every 5 s)", "%s / %s kB" % (min(rss) if rss else "?",
                                                                           max(rss) if rss else "?")),
        ("spools at the end: rejected, corrupt, dead, duplicate, dropped", "%d, %d, %d, %d, %d" % (
            aside["rejected"], aside["corrupt"], aside["dead"], aside["duplicate"], aside["dropped"])),
        ("`DATA LOST` lines in the agents' logs", data_lost),
    ]
    for k, v in rows:
        w("| %s | %s |\n" % (k, v))
    w("\nresult: %s\n" % ("PASS" if ok else "FAIL"))
    for n in notes:
        w("# %s\n" % n)
    return 0 if ok else 1


sys.exit(main())

"""demo_public: the demo's public sites (server.yaml `public_sites:`) and their past, for
scripts/demo_history.py. Python 3 standard library only.

The sites are a CSV of scripts/gen_public_sites.py (a fixed seed, loopback addresses 127.1.x.y behind
the NROs of Doullens and Péronne) where police stations and traffic lights are on the `prioritaire`
contract (24x7, GTR 2 h) and the rest on `standard` (business hours, GTR 4 h): the generator draws
contracts at random, the demo wants them by category, as a délégataire's contract would.

Their past is what the checking agent (dc-italie) would have pushed for them: device = the site id,
link.reachable (critical when 0), link.rtt and link.loss, at the times of EVERY below.
PUBLIC_SCENARIO makes the délégataire's report of the previous month hand-checkable
(tests/integration/demo_past.sh computes its figures)."""
import csv
import datetime
import io
import os
import subprocess
import sys
import zoneinfo

ZONE = zoneinfo.ZoneInfo("Europe/Paris")

PRIORITY = ("police", "traffic")  # categories on the prioritaire contract
SEED = 19
NROS = "doullens,peronne"
# The volume: what costs the server is a device's observation (health, a step's samples of a device),
# and 60 sites a minute with rtt and loss every 5 min were 4.4 million samples, 3.3 million
# observations against the estate's 0.9 million: a fill five times as long (measured). So
# link.reachable comes every 90 s (health joins observations at most 1.5 steps apart, inclusive:
# server/store/db_health.c), plus one at each outage's start and end so that those fall on the
# minute; link.rtt and link.loss every 180 s (the RRD heartbeat of 3 steps: a longer gap is unknown
# rows) over the last RECENT seconds only, the dashboard's graphs: about 2.2 million samples on the
# 7th of a month, which add about a minute to the fill.
EVERY = 90
EVERY_RTT = 180
RECENT = 86400

# Days of the previous month are given as (weekday, first day): the first such weekday on or after
# that day that is no French public holiday (nor, with a third element n, the day n days later), so
# that the GTR figures (business hours Monday-Friday 08:00-18:00) are the same whatever the month;
# those of March and October fall before the 25th, away from the last Sunday's clock change.
MON, TUE, WED, THU, FRI, SAT = range(6)
NRO_OUTAGE = ((TUE, 8), "09:00", 300, "peronne")  # Péronne's OLT down 09:00-14:00 (demo_history.SCENARIO)
# (day, local start, minutes, (NRO, contract, rank): the rank-th site of that contract behind that
# NRO in the file's order, what it shows)
PUBLIC_SCENARIO = [
    ((FRI, 4, 3), "17:00", 3870, ("doullens", "standard", 0),
     "a weekend: down Friday 17:00 to Monday 09:30 (64.5 h), 2.5 h of business hours: no breach"),
    ((WED, 8), "10:00", 240, ("doullens", "standard", 1),
     "down 10:00-14:00, restored at its GTR deadline exactly: no breach"),
    ((THU, 15), "09:00", 310, ("doullens", "standard", 2),
     "down 09:00-14:10, 1 h 10 past its GTR: 2 started hours of penalty"),
    ((SAT, 15), "22:00", 210, ("doullens", "prioritaire", 0),
     "prioritaire, 24x7: down Saturday 22:00 to Sunday 01:30, 1 h 30 past its 2 h GTR"),
]


def easter(year):
    """Easter Sunday (the anonymous Gregorian algorithm), as (month, day)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l) // 433
    return (h + l - 7 * m + 114) // 31, (h + l - 7 * m + 114) % 31 + 1


def fr_holidays(year):
    """The French public holidays of a year, as dates."""
    e = datetime.date(year, *easter(year))
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    return {datetime.date(year, m, d) for m, d in fixed} | {e + datetime.timedelta(days=n) for n in (1, 39, 50)}


def scenario_day(year, month, spec):
    """The day of the month a day spec names: an int is itself, (weekday, first[, n]) see above."""
    if isinstance(spec, int):
        return spec
    weekday, first, span = (tuple(spec) + (0,))[:3]
    hol = fr_holidays(year)
    for day in range(first, 29):
        d = datetime.date(year, month, day)
        if d.weekday() == weekday and d not in hol and d + datetime.timedelta(days=span) not in hol:
            return day
    raise ValueError(f"no day {spec} in {year}-{month:02d}")


def make_csv(count, out):
    """Writes the demo's CSV of COUNT sites to OUT (atomically), contracts by category."""
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen_public_sites.py")
    run = subprocess.run([sys.executable, gen, "-n", str(count), "--nro", NROS, "--seed", str(SEED)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"demo_history: sites {count}: {run.stderr.strip().splitlines()[-1] if run.stderr.strip() else 'gen_public_sites.py failed'}")
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    for r in rows:
        r["contract"] = "prioritaire" if r["category"] in PRIORITY else "standard"
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, out)
    return rows


def read_csv(path):
    """The rows of a public-sites CSV, with the columns the history needs (one a site at least)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise SystemExit(f"demo_history: {path}: {e}")
    need = {"id", "nro", "contract", "category"}
    if not rows or not need <= set(rows[0]):
        raise SystemExit(f"demo_history: {path}: no public site, or not the columns {', '.join(sorted(need))}")
    return rows


def pick(rows, nro, contract, rank):
    """The rank-th site of that contract behind that NRO, in the file's order (None: fewer sites)."""
    ids = [r["id"] for r in rows if r["nro"] == nro and r["contract"] == contract]
    return ids[rank] if rank < len(ids) else None


def outages(rows, month_start, local_time):
    """[(site id, start, end, what)] of the previous month (local_time: demo_history's); a few sites
    (VIGIE_DEMO_PUBLIC_SITES) may have no site for some lines of PUBLIC_SCENARIO: those are left out."""
    m = datetime.datetime.fromtimestamp(month_start, ZONE)
    out = []
    spec, hhmm, minutes, nro = NRO_OUTAGE
    start = local_time(month_start, scenario_day(m.year, m.month, spec), hhmm)
    for r in rows:
        if r["nro"] == nro:
            out.append((r["id"], start, start + minutes * 60, f"behind NRO {nro}, down with it"))
    for spec, hhmm, minutes, who, what in PUBLIC_SCENARIO:
        start = local_time(month_start, scenario_day(m.year, m.month, spec), hhmm)
        site = pick(rows, *who)
        if site:
            out.append((site, start, start + minutes * 60, what))
    return out



class Public:
    """The samples of the public sites at a time, as the checking agent would push them (its severities:
    agent/check/check_samples.c)."""

    def __init__(self, rows, downs, rnd, now):
        self.rows, self.downs = rows, {}
        self.edges = set()
        for site, a, b, _ in downs:
            self.downs.setdefault(site, []).append((a, b))
            self.edges |= {a, b}
        self.rtt = {r["id"]: 2 + 10 * rnd.random() for r in rows}  # FTTH: a few ms to the data center
        self.rnd, self.recent = rnd, now - RECENT
        self.DEVICES = [(r["id"], "link", "") for r in rows]
        self.per_ts_max = 3 * len(rows)

    def times(self, start, end):
        """When samples are pushed in [start, end] (start a multiple of EVERY_RTT)."""
        return sorted(set(range(start, end + 1, EVERY)) | {t for t in self.edges if start <= t <= end})

    def full(self, ts):
        return ts % EVERY_RTT == 0 and ts >= self.recent

    def down(self, site, ts):
        return any(a <= ts < b for a, b in self.downs.get(site, ()))

    def samples(self, ts):
        out = []
        full = self.full(ts)
        for r in self.rows:
            site = r["id"]
            down = self.down(site, ts)
            out.append(sample(site, "link.reachable", 0 if down else 1, "bool", ts, "critical" if down else "ok"))
            if not full:
                continue
            if down:
                out.append(sample(site, "link.loss", 100, "%", ts, "warning"))
            else:
                out.append(sample(site, "link.loss", 0, "%", ts, "ok"))
                out.append(sample(site, "link.rtt", round(self.rtt[site] + abs(self.rnd.gauss(0, 0.3)), 2), "ms", ts, "ok"))
        return out


def sample(device, metric, value, unit, ts, sev):
    return {"device": device, "metric": metric, "instance": "", "value": value, "unit": unit, "ts": ts, "severity": sev}

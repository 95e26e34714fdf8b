#!/usr/bin/python3
"""demo_history: made-up history for the demo estate (demo/snmprec: the data center Italie and the NRO
shelters of Doullens and Péronne), pushed to a vigie-server through the real ingest API
(POST /api/v1/ingest, lib/push.h's format) with the agents' own tokens, so that the dashboard, the
availability figures and the monthly report have a past to show. Python 3 standard library only.

    demo_history.py fill URL TOKENS [--step 60] [--public CSV]
        the previous calendar month (Europe/Paris) and this month up to now, with the incidents of
        SCENARIO and the maintenance windows of WINDOWS (declared with the ADMIN token); what
        scripts/demo.sh runs before the agents start, and tests/integration/demo_past.sh checks.
        With --public, the public sites of CSV too, as their checking agent dc-italie would have
        pushed them, with the outages of demo_public.PUBLIC_SCENARIO (the contract report's month)
    demo_history.py recent URL HOURS STEP [TOKENS]
        HOURS of plain history up to now, no incident and no meter, as the live estate (tests/integration/demo_estate.sh)
    demo_history.py sites COUNT CSV
        writes the demo's public sites (scripts/gen_public_sites.py, contracts by category: demo_public.py)

TOKENS is a file of lines NAME=TOKEN: ITALIE, DOULLENS and PERONNE (the agents') and ADMIN (an
admin API token), as scripts/demo.sh writes demo-data/tokens; `recent` without it uses the tokens of
tests/integration/demo_estate.sh.

Why one sample a step: RRD only takes a sample newer than its file's last update, so the history is
pushed oldest first and before the agents start; its heartbeat is 3 steps, and health runs join two
observations at most 1.5 steps apart (server/sla/health.c, state_tol), so one sample every step keeps
both the graphs and the health runs whole. Only what a figure reads is pushed: the series the sites'
services judge, the power series of energy and PUE, the self-test, and the report's graphs.

Values follow a daily wave with a little noise, around the demo recordings' readings (demo/README.md),
with the severities their profiles give. Batches carry sequence numbers from 10^9 up, out of the
agents' way."""
import datetime
import json
import math
import multiprocessing
import os
import random
import sys
import time
import urllib.error
import urllib.request
import zoneinfo

import demo_public

ZONE = zoneinfo.ZoneInfo("Europe/Paris")
AGENTS = {"italie": ("dc-italie", "ITALIE"), "doullens": ("nro-doullens", "DOULLENS"), "peronne": ("nro-peronne", "PERONNE")}
TEST_TOKENS = {"ITALIE": "demo-estate-token-italie", "DOULLENS": "demo-estate-token-doullens",
               "PERONNE": "demo-estate-token-peronne", "ADMIN": "demo-estate-admin-token-01"}
SEQ0 = 10**9
BATCH_SAMPLES = 18000  # under the server's 20,000 a batch (PUSH_MAX_SAMPLES) and its 8 MiB body

# What happens in the previous month: (day, local start, minutes, site, devices, kind, what it is).
# Days 4 to 22 exist in every month and are away from the daylight-saving changes (last Sundays).
SCENARIO = [
    (4, "10:15", 20, "italie", ("ups-a",), "on_battery",
     "feed A lost upstream: ups-a on battery 20 min, ups-b carries the load (power is 1 of 2 UPS)"),
    (9, "10:00", 1.5, "italie", ("ups-a",), "self_test",
     "ups-a's monthly self-test: in_progress 90 s on battery, then passed"),
    (10, "10:00", 1.5, "italie", ("ups-b",), "self_test",
     "ups-b's monthly self-test, the day after: in_progress 90 s on battery, then passed"),
    (12, "14:02", 6, "italie", ("ups-a", "ups-b"), "on_battery",
     "mains failure and the generator did not start: both UPS on battery 6 min, a site outage"),
    (18, "03:10", 40, "italie", ("clim-1",), "cooling_alarm",
     "clim-1 in alarm 40 min, its supply air rising to 33 °C; clim-2 and clim-3 hold the room (N+1)"),
    (19, "09:40", 45, "italie", ("ups-a", "ups-b"), "output_off",
     "LV switchboard work: both UPS off, load on the maintenance bypass 09:40-10:25, past its window"),
    (22, "21:30", 15, "peronne", ("olt",), "board_fault",
     "Péronne OLT: GPON board 0/1 faulty 15 min, the shelter's network down"),
    (*demo_public.NRO_OUTAGE[:3], "peronne", ("olt",), "board_fault",
     "Péronne OLT down 5 h on a weekday: the shelter's network, and every public site behind it"),
]
# Maintenance windows: (day or "1TU", local start, minutes, site, service, reason, rrule).
WINDOWS = [
    (19, "09:00", 60, "italie", "power", "Travaux sur le TGBT : onduleurs sur bypass de maintenance", ""),
    ("1TU", "09:00", 60, "italie", "power", "Essai mensuel du groupe électrogène", "FREQ=MONTHLY;BYDAY=1TU"),
]


def wave(ts):
    """-1 .. 1 over a day: coolest and lightest at 05:00 UTC."""
    return math.sin(2 * math.pi * ((ts % 86400) - 5 * 3600) / 86400 - math.pi / 2)


def judge(value, rule):
    """The severity a profile's health thresholds give: rule = (warn_below, crit_below, warn_above, crit_above)."""
    wb, cb, wa, ca = rule
    if (cb is not None and value < cb) or (ca is not None and value > ca):
        return "critical"
    if (wb is not None and value < wb) or (wa is not None and value > wa):
        return "warning"
    return "ok"


class Timeline:
    """The scripted events of one site: whether a device is in an event of a kind at a time, and its
    batteries' charge after the discharges (recharging at 0.3 %/min)."""

    DRAIN = {"on_battery": 1.5, "self_test": 0.5}  # % a minute on battery

    def __init__(self, site, month_start, scenario=SCENARIO):
        self.month_start = month_start
        self.month_len = month_bounds(month_start + 40 * 86400)[1] - month_start
        self.events = []
        for day, hhmm, minutes, s, devices, kind, _ in scenario:
            if s != site:
                continue
            start = local_time(month_start, day, hhmm)
            for d in devices:
                self.events.append((d, kind, start, start + int(minutes * 60)))

    def active(self, device, kind, ts):
        return any(d == device and k == kind and a <= ts < b for d, k, a, b in self.events)

    def since(self, device, kind, ts):
        """Seconds since the start of the event of that kind the device is in at ts (None: none)."""
        for d, k, a, b in self.events:
            if d == device and k == kind and a <= ts < b:
                return ts - a
        return None

    def weather(self, ts):
        """-1 .. 1, three spells of warmer and cooler days a month, which average out over the month."""
        return math.sin(2 * math.pi * 3 * (ts - self.month_start) / self.month_len)

    def charge(self, device, ts):
        deficit = 0.0
        for d, k, a, b in self.events:
            if d != device or k not in self.DRAIN or ts < a:
                continue
            deficit += self.DRAIN[k] * (min(ts, b) - a) / 60
            if ts >= b:
                deficit = max(0.0, deficit - 0.3 * (ts - b) / 60)
        return max(5.0, 100.0 - deficit)


def local_time(month_start, day, hhmm):
    """Unix time of DAY HH:MM, Europe/Paris, in the month that starts at month_start (DAY: a day of the
    month, or a weekday rule of demo_public.scenario_day)."""
    m = datetime.datetime.fromtimestamp(month_start, ZONE)
    day = demo_public.scenario_day(m.year, m.month, day)
    h, mi = (int(x) for x in hhmm.split(":"))
    return int(datetime.datetime(m.year, m.month, day, h, mi, tzinfo=ZONE).timestamp())


def first_weekday(month_start, weekday):
    """Day of the month of its first WEEKDAY (Monday 0)."""
    m = datetime.datetime.fromtimestamp(month_start, ZONE)
    return 1 + (weekday - datetime.date(m.year, m.month, 1).weekday()) % 7


def month_bounds(now):
    """(start of the previous month, start of this month), Europe/Paris, Unix time."""
    n = datetime.datetime.fromtimestamp(now, ZONE)
    this = datetime.datetime(n.year, n.month, 1, tzinfo=ZONE)
    prev = datetime.datetime(n.year - (n.month == 1), 12 if n.month == 1 else n.month - 1, 1, tzinfo=ZONE)
    return int(prev.timestamp()), int(this.timestamp())


# ---- the devices: what each pushes at a time ------------------------------------------------------

def s(device, metric, value, unit, ts, inst="", label="", text="", sev=""):
    o = {"device": device, "metric": metric, "instance": inst, "value": value, "unit": unit, "ts": ts}
    if label:
        o["label"] = label
    if text:
        o["text"] = text
    if sev:
        o["severity"] = sev
    return o


class Site:
    """A site of the estate: its devices (name, class, profile) and its samples at a time."""

    def __init__(self, site, timeline, rnd, now):
        self.site, self.tl, self.rnd, self.now = site, timeline, rnd, now

    def noise(self, sd):
        return self.rnd.gauss(0, sd)


class Italie(Site):
    DEVICES = [("ups-a", "ups", "ups-apc-powernet"), ("ups-b", "ups", "ups-apc-powernet"),
               ("clim-1", "cooling", "cooling-apc-airirrc"), ("clim-2", "cooling", "cooling-apc-airirrc"),
               ("clim-3", "cooling", "cooling-apc-airirrc"), ("pdu-a", "pdu", "pdu-apc-rpdu2"),
               ("pdu-b", "pdu", "pdu-apc-rpdu2"), ("env", "env", "env-akcp-sensorprobe"),
               ("meter", "generic", "generic")]
    UPS = {"ups-a": (3173, 2370), "ups-b": (2990, 2580)}  # output W, runtime s (the recordings')
    CLIM = {"clim-1": (19.6, 33.2), "clim-2": (20.1, 33.0), "clim-3": (20.0, 32.8)}
    PDU = {"pdu-a": (1580, "italie-pdu-a"), "pdu-b": (1500, "italie-pdu-b")}
    SUPPLY = (10, None, 27, 32)   # cooling-apc-airirrc's thresholds
    RETURN = (None, None, 40, 48)
    ROOM = (15, 10, 32, 40)       # env-akcp-sensorprobe's
    HUMID = (20, 10, 70, 80)

    def samples(self, ts):
        out = []
        w = wave(ts)
        mains = 0.0  # what the LV board's meter sees: the UPS inputs, a load on bypass, the cooling
        for dev in ("ups-a", "ups-b"):
            samples, from_mains = self.ups(dev, ts, w)
            out += samples
            mains += from_mains
        alarm_heat = 0.0
        for dev, (sup, ret) in self.CLIM.items():
            t = self.tl.since(dev, "cooling_alarm", ts)
            rise = 0.0 if t is None else min(1.0, t / 600)  # 10 min to reach its worst
            if t is not None:
                alarm_heat = rise
            sup_v = round(sup + 0.4 * w + 14 * rise + self.noise(0.02), 1)
            ret_v = round(ret + 1.2 * w + 5 * rise + self.noise(0.04), 1)
            on = t is None
            out += [s(dev, "cooling.state", 2 if on else 3, "state", ts, text="on" if on else "idle", sev="ok" if on else "warning"),
                    s(dev, "cooling.alarm", 0 if on else 1, "state", ts, text="ok" if on else "alarm", sev="ok" if on else "critical"),
                    s(dev, "cooling.supply.temperature", sup_v, "degC", ts, sev=judge(sup_v, self.SUPPLY)),
                    s(dev, "cooling.return.temperature", ret_v, "degC", ts, sev=judge(ret_v, self.RETURN))]
        for dev, (watts, label) in self.PDU.items():
            p = round(watts + 80 * w + self.noise(6))
            out += [s(dev, "input.realpower", p, "W", ts, inst="1", label=label),
                    s(dev, "input.current", round(p / 231 / 0.95, 1), "A", ts, inst="L1")]
        room = round(22.2 + 0.7 * w + 1.6 * alarm_heat + self.noise(0.03), 1)
        aisle = round(21.4 + 0.5 * w + 1.9 * alarm_heat + self.noise(0.03), 1)
        hum = round(45 + 3 * w + self.noise(0.15))
        out += [s("env", "env.temperature", room, "degC", ts, inst="0", label="Room S1 ambient", sev=judge(room, self.ROOM)),
                s("env", "env.temperature", aisle, "degC", ts, inst="1", label="Cold aisle row A", sev=judge(aisle, self.ROOM)),
                s("env", "env.humidity", hum, "%RH", ts, inst="0", label="Room S1 humidity", sev=judge(hum, self.HUMID)),
                s("env", "env.leak", 2, "state", ts, inst="3", label="Raised floor leak", text="dry", sev="ok")]
        # the facility's meter (demo/snmprec has none: only the history has it), for the PUE: cooling
        # (the units' fans and the chilled water's share, more by day and in warm spells) and lighting
        # beside the UPS; about 9.14 kW on average, for 6.16 kW of IT
        if mains > 0:
            mains += 2400 + 350 * w + 300 * self.tl.weather(ts) - 700 * alarm_heat + 250
        out.append(s("meter", "input.realpower", round(mains + self.noise(15) if mains else 0), "W", ts))
        return out

    def ups(self, dev, ts, w):
        watts, runtime = self.UPS[dev]
        tl = self.tl
        testing = tl.active(dev, "self_test", ts)
        battery = tl.active(dev, "on_battery", ts) or testing
        off = tl.active(dev, "output_off", ts)
        out_w = 0 if off else round(watts + 150 * w + self.noise(8))
        charge = round(tl.charge(dev, ts), 1)
        # the batteries age: runtime at full charge falls about 0.1 % a day (the trend helper's case)
        age = 1 + 0.001 * (self.now - ts) / 86400
        rt = round(runtime * age * charge / 100 * (1 - 0.1 * w))
        if off:
            status = (7, "OFF", "critical")
        elif battery:
            status = (3, "OB", "critical")  # a plain onBattery, during the test too: the card says no more
        else:
            status = (2, "OL", "ok")
        inp = 0 if battery else (120 if off else round(out_w / 0.95 + (100 - charge) * 20))
        bypass = 0 if not off else round(watts + 150 * w)  # the load, fed by the maintenance bypass
        return [s(dev, "ups.status", status[0], "state", ts, text=status[1], sev=status[2]),
                s(dev, "ups.test.result", 4 if testing else 1, "state", ts, text="in_progress" if testing else "passed", sev="ok"),
                s(dev, "battery.charge", charge, "%", ts),
                s(dev, "battery.runtime", rt, "s", ts),
                s(dev, "ups.load", round(out_w / 93.3, 1), "%", ts, sev="ok"),
                s(dev, "ups.realpower", out_w, "W", ts),
                s(dev, "input.realpower", inp, "W", ts)], inp + bypass


class Nro(Site):
    DEVICES = [("ups", "ups", "ups-rfc1628"), ("clim", "cooling", "cooling-stulz-wib8000"),
               ("env", "env", "env-akcp-sensorprobe"), ("olt", "olt", "olt-huawei-smartax")]
    # ambient, supply, return, UPS load %, cooling alarm (Péronne's unit struggles: demo/README.md)
    VALUES = {"doullens": (24.6, 18.4, 26.0, 24, False), "peronne": (28.9, 23.8, 41.5, 27, True)}
    SUPPLY = (10, None, 27, 32)   # cooling-stulz-wib8000's thresholds
    RETURN = (None, None, 40, 48)
    ROOM = (15, 10, 32, 40)
    CHARGE = (50, 20, None, None)  # ups-rfc1628's

    def samples(self, ts):
        temp, sup, ret, load, alarm = self.VALUES[self.site]
        label = "CLIM " + self.site.upper()
        w = wave(ts)
        fault = self.tl.active("olt", "board_fault", ts)
        sup_v = round(sup + 0.5 * w + self.noise(0.02), 1)
        ret_v = round(ret + (0.6 if alarm else 0.8) * w + self.noise(0.04), 1)
        amb = round(temp + 1.2 * w + self.noise(0.04), 1)
        return [s("ups", "ups.status", 3, "state", ts, text="OL", sev="ok"),
                s("ups", "battery.charge", 100, "%", ts, sev=judge(100, self.CHARGE)),
                s("ups", "ups.load", round(load + 3 * w + self.noise(0.2)), "%", ts, inst="L1", sev="ok"),
                s("clim", "cooling.state", 1, "state", ts, inst="1.1.1", label=label, text="on", sev="ok"),
                s("clim", "cooling.alarm", 1 if alarm else 0, "state", ts, inst="1.1.1", label=label,
                  text="alarm" if alarm else "ok", sev="warning" if alarm else "ok"),
                s("clim", "cooling.supply.temperature", sup_v, "degC", ts, inst="1.1.1", label=label, sev=judge(sup_v, self.SUPPLY)),
                s("clim", "cooling.return.temperature", ret_v, "degC", ts, inst="1.1.1", label=label, sev=judge(ret_v, self.RETURN)),
                s("env", "env.temperature", amb, "degC", ts, inst="0", label="Shelter ambient", sev=judge(amb, self.ROOM)),
                s("env", "env.leak", 2, "state", ts, inst="2", label="Floor water leak", text="dry", sev="ok"),
                s("olt", "olt.board.status", 3 if fault else 2, "state", ts, inst="0/1", label="H805GPBD",
                  text="fault" if fault else "normal", sev="critical" if fault else "ok")]


SITES = {"italie": Italie, "doullens": Nro, "peronne": Nro}
PUBLIC = "public"  # the pusher of the public sites: their checking agent's token, seq numbers of its own
PUBLIC_AGENT, PUBLIC_SEQ0 = ("dc-italie", "ITALIE"), SEQ0 + 5 * 10**8


def generator(site, month_start, scenario, now, public):
    """What SITE (or PUBLIC: the rows of the public sites' CSV) pushes at a time."""
    if site == PUBLIC:
        downs = demo_public.outages(public, month_start, local_time) if scenario else []
        return demo_public.Public(public, downs, random.Random(PUBLIC), now)
    return SITES[site](site, Timeline(site, month_start, scenario), random.Random(site), now)


# ---- pushing ---------------------------------------------------------------------------------------

def post(url, token, path, doc, method="POST"):
    """(status, reply) of a JSON request (doc None: a GET); the reply of a refusal too."""
    data = None if doc is None else json.dumps(doc).encode()
    req = urllib.request.Request(url + path, data=data, method="GET" if doc is None else method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        body = e.read().decode(errors="replace")
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, {"error": body}


def push_site(url, tokens, site, month_start, scenario, start, end, step, now, skip, public, counter):
    """Pushes [start, end] of SITE, oldest first, a batch covering every device (but those of SKIP)
    for a stretch of time."""
    agent, key = AGENTS.get(site, PUBLIC_AGENT)
    gen = generator(site, month_start, scenario, now, public)
    devices = [{"name": n, "class": c, "profile": p} for n, c, p in gen.DEVICES if n not in skip]
    seq = PUBLIC_SEQ0 if site == PUBLIC else SEQ0
    times = gen.times(start, end) if site == PUBLIC else range(start, end + 1, step)
    per_ts = gen.per_ts_max if site == PUBLIC else len(gen.samples(start))
    chunk = max(1, BATCH_SAMPLES // per_ts)
    for i in range(0, len(times), chunk):
        samples = [x for ts in times[i:i + chunk] for x in gen.samples(ts) if x["device"] not in skip]
        seq += 1
        code, reply = post(url, tokens[key], "/api/v1/ingest", {"agent": agent, "seq": seq, "devices": devices, "samples": samples})
        if code != 200 or reply.get("stored") != len(samples):
            raise SystemExit(f"demo_history: {site}: batch {seq} of {len(samples)} samples: HTTP {code} {json.dumps(reply)[:400]}")
        with counter.get_lock():
            counter.value += len(samples)


def quietly(fn, *args):
    """fn(*args) in a pushing process, which a Ctrl-C ends with no traceback (the parent says it)."""
    try:
        fn(*args)
    except KeyboardInterrupt:
        sys.exit(130)


def planned(site, month_start, scenario, start, end, step, now, skip, public):
    times = range(start, end + 1, step)
    if site == PUBLIC:  # rtt and loss at some times only: count them
        gen = generator(site, month_start, scenario, now, public)
        return sum(len(gen.samples(ts)) if gen.full(ts) else len(public) for ts in gen.times(start, end))
    gen = SITES[site](site, Timeline(site, start, []), random.Random(0), now)
    return len(times) * len([x for x in gen.samples(start) if x["device"] not in skip])


def push_all(url, tokens, month_start, scenario, start, end, step, now, what, skip=(), public=None):
    """The sites in parallel (one process each, one for the public sites), with a progress line every 5 %."""
    sites = list(AGENTS) + ([PUBLIC] if public else [])
    total = sum(planned(x, month_start, scenario, start, end, step, now, skip, public) for x in sites)
    counter = multiprocessing.Value("q", 0)
    t0 = time.monotonic()
    procs = [multiprocessing.Process(target=quietly, daemon=True,
                                     args=(push_site, url, tokens, x, month_start, scenario, start, end, step, now, skip,
                                           public, counter))
             for x in sites]
    for p in procs:
        p.start()
    shown = 0
    while any(p.is_alive() for p in procs):
        time.sleep(0.5)
        done = counter.value
        if done * 20 // total > shown:
            shown = done * 20 // total
            print(f"  history: {100 * done // total:3d} % ({done:,} of {total:,} samples, {time.monotonic() - t0:.0f} s)", flush=True)
        if any(p.exitcode not in (None, 0) for p in procs):
            for p in procs:
                p.terminate()
            raise SystemExit("demo_history: pushing the history failed (see above)")
    for p in procs:
        p.join()
    if any(p.exitcode != 0 for p in procs):
        raise SystemExit("demo_history: pushing the history failed (see above)")
    secs = time.monotonic() - t0
    print(f"{counter.value:,} samples of history pushed ({what}) in {secs:.1f} s", flush=True)
    return secs


def declare_windows(url, token, month_start):
    """The maintenance windows of WINDOWS, through POST /api/v1/maintenance (a recurring one from its
    first occurrence in the month)."""
    for day, hhmm, minutes, site, service, reason, rrule in WINDOWS:
        start = local_time(month_start, first_weekday(month_start, 1) if day == "1TU" else day, hhmm)
        doc = {"site": site, "service": service, "start": start, "end": start + minutes * 60, "reason": reason}
        if rrule:
            doc["rrule"] = rrule
        code, reply = post(url, token, "/api/v1/maintenance", doc)
        if code != 201:
            raise SystemExit(f"demo_history: maintenance window '{reason}': HTTP {code} {reply}")
        print(f"  maintenance window {reply['id']}: {site}/{service} {fmt(start)}, {minutes} min"
              f"{', ' + rrule if rrule else ''}: {reason}", flush=True)


def fmt(ts):
    return datetime.datetime.fromtimestamp(ts, ZONE).strftime("%Y-%m-%d %H:%M")


def read_tokens(path):
    tokens = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                tokens[k] = v
    missing = [k for k in ("ITALIE", "DOULLENS", "PERONNE", "ADMIN") if not tokens.get(k)]
    if missing:
        raise SystemExit(f"demo_history: {path}: no {', '.join(missing)}")
    return tokens


def fill(url, tokens, step, public=None):
    """Returns the seconds the fill took, None when the server already had data (not filled again:
    RRD files would refuse samples older than their last update)."""
    code, reply = post(url, tokens["ADMIN"], "/api/v1/devices", None)
    if code != 200:
        raise SystemExit(f"demo_history: {url}/api/v1/devices: HTTP {code} {reply}")
    if reply.get("devices"):
        print("vigie demo: the server already has data: its history is kept, not filled again", flush=True)
        return None
    now = int(time.time())
    month_start, this_month = month_bounds(now)
    # an hour before the month, so that its first minute is already judged; up to the last whole step
    start = month_start - 3600
    end = now - now % step - step
    print(f"vigie demo: history of {fmt(month_start)[:7]} and {fmt(this_month)[:7]} up to now "
          f"({(end - start) / 86400:.1f} days, one sample every {step} s)", flush=True)
    for day, hhmm, minutes, site, devices, kind, what in SCENARIO:
        print(f"  {fmt(local_time(month_start, day, hhmm))}  {site:8s} {what}", flush=True)
    if public:
        downs = demo_public.outages(public, month_start, local_time)
        behind = sum(1 for x in downs if x[3].startswith("behind"))
        print(f"  {len(public)} public sites checked by dc-italie: link.reachable every {demo_public.EVERY} s, rtt and "
              f"loss every {demo_public.EVERY_RTT} s over the last {demo_public.RECENT // 3600} h; {behind} of them behind "
              f"Péronne, down with its OLT", flush=True)
        for site, a, b, what in downs[behind:]:
            print(f"  {fmt(a)}  {site} {what}", flush=True)
    declare_windows(url, tokens["ADMIN"], month_start)
    return push_all(url, tokens, month_start, SCENARIO, start, end, step, now, f"{step} s steps", public=public)


def recent(url, hours, step, tokens):
    now = int(time.time())
    end = now - step
    start = end - int(hours * 3600)
    start -= start % step
    # no meter: the live demo estate has none (the fill's is for the previous month's PUE)
    return push_all(url, tokens, start, [], start, end, step, now, f"{hours} h at {step} s", skip=("meter",))


def main(argv):
    opts = dict(zip(argv[3::2], argv[4::2]))
    if argv[:1] == ["fill"] and len(argv) in (3, 5, 7) and set(opts) <= {"--step", "--public"} and len(opts) * 2 == len(argv) - 3:
        public = demo_public.read_csv(opts["--public"]) if "--public" in opts else None
        if public and int(opts.get("--step", 60)) != 60:
            raise SystemExit("demo_history: --public needs the demo's step, 60 s (demo_public.EVERY is 1.5 steps)")
        fill(argv[1], read_tokens(argv[2]), int(opts.get("--step", 60)), public)
    elif argv[:1] == ["sites"] and len(argv) == 3 and argv[1].isdigit():
        rows = demo_public.make_csv(int(argv[1]), argv[2])
        print(f"{argv[2]}: {len(rows)} public sites", flush=True)
    elif len(argv) in (4, 5) and argv[0] == "recent":
        recent(argv[1], float(argv[2]), int(argv[3]), read_tokens(argv[4]) if len(argv) == 5 else TEST_TOKENS)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt:
        raise SystemExit("demo_history: interrupted, the history is incomplete")

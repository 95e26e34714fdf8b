#!/usr/bin/env python3
"""Pushes HOURS of made-up history for the demo estate to a vigie-server, through the real ingest
API with the agents' tokens, so that the dashboard's graphs and availability have a past to show.

    demo_history.py SERVER_URL HOURS STEP

One sample per STEP seconds (the RRD heartbeat is 3 steps) for a few series of each device that the
sites' default services judge: UPS, cooling units, OLTs and the environment conditions (temperature,
humidity, leak), plus the PDU currents. Values follow a daily wave with a little noise, around the
demo recordings' own readings (demo/README.md). Run it before the agents start: RRD only takes
samples newer than a file's last update. The batches use sequence numbers from 10^9 up, out of the
agents' way."""
import json
import math
import random
import sys
import time
import urllib.request

URL, HOURS, STEP = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])

AGENTS = {
    "italie": ("dc-italie", "demo-estate-token-italie"),
    "doullens": ("nro-doullens", "demo-estate-token-doullens"),
    "peronne": ("nro-peronne", "demo-estate-token-peronne"),
}
# site, device, class, profile, [(metric, instance, unit, label, base, amplitude, noise, text, warn_above)]
DEVICES = [
    ("italie", "env", "env", "env-akcp-sensorprobe", [
        ("env.temperature", "0", "degC", "Room S1 ambient", 22.2, 0.7, 0.03, "", None),
        ("env.temperature", "1", "degC", "Cold aisle row A", 21.4, 0.5, 0.03, "", None),
        ("env.humidity", "0", "%RH", "Room S1 humidity", 45, 3, 0.15, "", None),
        ("env.leak", "3", "state", "Raised floor leak", 2, 0, 0, "dry", None)]),
    ("italie", "ups-a", "ups", "ups-apc-powernet", [
        ("ups.load", "", "%", "", 34, 5, 0.25, "", None), ("battery.charge", "", "%", "", 100, 0, 0, "", None)]),
    ("italie", "ups-b", "ups", "ups-apc-powernet", [
        ("ups.load", "", "%", "", 32, 5, 0.25, "", None), ("battery.charge", "", "%", "", 100, 0, 0, "", None)]),
    ("italie", "clim-1", "cooling", "cooling-apc-airirrc", [
        ("cooling.supply.temperature", "", "degC", "", 19.6, 0.4, 0.02, "", None),
        ("cooling.return.temperature", "", "degC", "", 33.2, 1.2, 0.04, "", None)]),
    ("italie", "clim-2", "cooling", "cooling-apc-airirrc", [
        ("cooling.supply.temperature", "", "degC", "", 20.1, 0.4, 0.02, "", None),
        ("cooling.return.temperature", "", "degC", "", 33.0, 1.2, 0.04, "", None)]),
    ("italie", "clim-3", "cooling", "cooling-apc-airirrc", [
        ("cooling.supply.temperature", "", "degC", "", 20.0, 0.4, 0.02, "", None),
        ("cooling.return.temperature", "", "degC", "", 32.8, 1.2, 0.04, "", None)]),
    ("italie", "pdu-a", "pdu", "pdu-apc-rpdu2", [("input.current", "L1", "A", "", 7.2, 0.9, 0.06, "", None)]),
    ("italie", "pdu-b", "pdu", "pdu-apc-rpdu2", [("input.current", "L1", "A", "", 6.9, 0.9, 0.06, "", None)]),
]
for site, temp, hum, ret, sup, load in (("doullens", 24.6, 48, 26.0, 18.4, 24), ("peronne", 28.9, 41, 41.5, 23.8, 27)):
    label = "CLIM " + site.upper()
    DEVICES += [
        (site, "env", "env", "env-akcp-sensorprobe", [
            ("env.temperature", "0", "degC", "Shelter ambient", temp, 1.2, 0.04, "", None),
            ("env.humidity", "0", "%RH", "Shelter humidity", hum, 3, 0.15, "", None),
            ("env.leak", "2", "state", "Floor water leak", 2, 0, 0, "dry", None)]),
        (site, "ups", "ups", "ups-rfc1628", [
            ("ups.load", "L1", "%", "", load, 3, 0.2, "", None), ("battery.charge", "", "%", "", 100, 0, 0, "", None)]),
        (site, "clim", "cooling", "cooling-stulz-wib8000", [
            ("cooling.supply.temperature", "1.1.1", "degC", label, sup, 0.5, 0.02, "", None),
            ("cooling.return.temperature", "1.1.1", "degC", label, ret, 0.8, 0.04, "", 40)]),
        (site, "olt", "olt", "olt-huawei-smartax", [("device.reachable", "", "bool", "", 1, 0, 0, "", None)]),
    ]

MAX_SAMPLES = 19000
rnd = random.Random(42)
now = int(time.time())
end = now - STEP
start = end - int(HOURS * 3600)
start -= start % STEP
seq = 10**9
pushed = 0
for site, device, cls, profile, series in DEVICES:
    agent, token = AGENTS[site]
    per_batch = max(1, MAX_SAMPLES // len(series))
    times = list(range(start, end + 1, STEP))
    for i in range(0, len(times), per_batch):
        samples = []
        for ts in times[i:i + per_batch]:
            day = math.sin(2 * math.pi * ((ts % 86400) - 5 * 3600) / 86400 - math.pi / 2)  # coolest at 05:00 UTC
            for metric, inst, unit, label, base, amp, noise, text, warn in series:
                value = round(base + amp * day + rnd.gauss(0, noise), 2)
                s = {"device": device, "metric": metric, "instance": inst, "value": value, "unit": unit, "ts": ts}
                if label:
                    s["label"] = label
                if text:
                    s["text"] = text
                    s["severity"] = "ok"
                elif warn is not None:
                    s["severity"] = "warning" if value > warn else "ok"
                samples.append(s)
        seq += 1
        body = json.dumps({"agent": agent, "seq": seq, "devices": [{"name": device, "class": cls, "profile": profile}],
                           "samples": samples}).encode()
        req = urllib.request.Request(URL + "/api/v1/ingest", data=body, method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            reply = json.load(r)
            if reply.get("stored", 0) != len(samples):
                sys.exit(f"{site}/{device}: {reply}")
        pushed += len(samples)
print(f"{pushed} samples of history pushed ({HOURS} h at {STEP} s)")

#!/bin/bash
# Energy, PUE, headroom and trends end to end: a day of a data center's power (two UPS, two PDUs, a
# sample a minute, pdu-b silent for two hours) is pushed through POST /api/v1/ingest, and
# GET /api/v1/energy gives its kWh, coverage and PUE, worked out by hand: facility = the UPS inputs,
# 2000 + 1000 W; IT = the PDU inputs, 700 + 500 + 1200 W. Then the present: UPS loads and a PDU phase
# for GET /api/v1/headroom (2N), room temperature rising 1 °C/h for GET /api/v1/trends ("27 °C in
# 3 h"), and the monthly report, read back with pdftotext, CSV and JSON, shows the kWh and the PUE.
. "${top_srcdir:-.}/tests/integration/lib.sh"

command -v pdftotext >/dev/null || bail "pdftotext is not installed (Debian package poppler-utils)"
AGENT_TOKEN=energy-agent-token-0001
READER=energy-read-token-00001
server_start energy "step: 60
sites:
  - id: italie
    name: Data center Italie
    kind: datacenter
    power_redundancy: 2N
    energy: {pue_min_coverage: 1}
agents: [{id: dc-italie, token: $AGENT_TOKEN, site: italie}]
api_tokens: [{name: wall, token: $READER}]
web_dir: $(cd "$top_srcdir/web" && pwd)"

# D0: local midnight of the day before yesterday (Europe/Paris), a whole day in the past and in one month
read -r D0 D1 MONTH HOURS < <(python3 - <<'PY'
import datetime, zoneinfo
tz = zoneinfo.ZoneInfo("Europe/Paris")
d = datetime.datetime.now(tz).date() - datetime.timedelta(days=2)
a = datetime.datetime(d.year, d.month, d.day, tzinfo=tz)
n = d + datetime.timedelta(days=1)
b = datetime.datetime(n.year, n.month, n.day, tzinfo=tz)
print(int(a.timestamp()), int(b.timestamp()), d.strftime("%Y-%m"), (int(b.timestamp()) - int(a.timestamp())) // 3600)
PY
)
NOW=$(date +%s)
push() { # push FILE: 200 or bail
    local code
    code=$(curl -s -o "$T_TMP/push.out" -w '%{http_code}' -H "Authorization: Bearer $AGENT_TOKEN" \
        --data-binary @"$1" "$SERVER_URL/api/v1/ingest")
    [ "$code" = 200 ] || bail "push $1 refused: $code $(cat "$T_TMP/push.out")"
}
# The day, every 60 s, in batches of 4 hours; pdu-b sends nothing from 10:00 to 12:00 (its samples
# at 10:01 .. 12:00 are missing: the RRD hours 10-11 and 11-12 are unknown).
python3 - "$T_TMP" "$D0" "$D1" <<'PY'
import json, sys
out, d0, d1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
devices = [{"name": n, "class": c, "profile": "test"} for n, c in
           (("ups-a", "ups"), ("ups-b", "ups"), ("pdu-a", "pdu"), ("pdu-b", "pdu"), ("env", "env"))]
def s(dev, metric, inst, value, unit, ts):
    return {"device": dev, "metric": metric, "instance": inst, "value": value, "unit": unit, "ts": ts}
seq, batch = 0, []
def flush():
    global seq, batch
    if batch:
        seq += 1
        json.dump({"agent": "dc-italie", "seq": seq, "devices": devices, "samples": batch},
                  open("%s/day-%03d.json" % (out, seq), "w"))
        batch = []
for ts in range(d0, d1 + 1, 60):
    batch += [s("ups-a", "input.realpower", "", 2000, "W", ts), s("ups-a", "ups.realpower", "", 1800, "W", ts),
              s("ups-b", "input.realpower", "", 1000, "W", ts), s("ups-b", "ups.realpower", "", 900, "W", ts),
              s("pdu-a", "input.realpower", "1", 700, "W", ts), s("pdu-a", "input.realpower", "2", 500, "W", ts)]
    if not (d0 + 10 * 3600 < ts <= d0 + 12 * 3600):
        batch.append(s("pdu-b", "input.realpower", "1", 1200, "W", ts))
    if (ts - d0) % (4 * 3600) == 0:
        flush()
flush()
PY
for f in "$T_TMP"/day-*.json; do push "$f"; done
ok 0 "a day of power samples is pushed through /api/v1/ingest ($(ls "$T_TMP"/day-*.json | wc -l) batches, $HOURS h)"

get() { # get PATH OUT: the HTTP status
    curl -s -o "$2" -w '%{http_code}' -H "Authorization: Bearer $READER" "$SERVER_URL$1"
}
code=$(get "/api/v1/energy?site=italie&month=$MONTH" "$T_TMP/energy.json")
[ "$code" = 200 ]
ok $? "GET /api/v1/energy answers ($code)"
check "the day's kWh, coverage and PUE are the hand-computed ones" python3 - "$T_TMP/energy.json" "$D0" "$HOURS" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["energy"]
d0, hours = int(sys.argv[2]), int(sys.argv[3])
day = [d for d in j["days"] if d["from"] == d0]
assert len(day) == 1, [d["from"] for d in j["days"]]
d = day[0]
fac, it = 3.0 * hours, 2.4 * (hours - 2)            # kWh: 3000 W all day, 2400 W but for pdu-b's 2 h
assert j["facility"]["source"] == "ups_input" and j["facility"]["partial"], j["facility"]
assert j["it"]["source"] == "pdu_input" and len(j["it"]["series"]) == 3, j["it"]
assert abs(d["facility_kwh"] - fac) < 1e-6 and abs(d["it_kwh"] - it) < 1e-6, d
assert abs(d["it_coverage"] - round(100.0 * (hours - 2) / hours, 2)) < 1e-6 and d["facility_coverage"] == 100, d
assert d["pue_status"] == "ok" and abs(d["pue"] - 1.25) < 1e-9, d   # 3 / 2.4 over the common hours
# the month: the same energy (nothing else was pushed), a PUE since the site asks 1 % of the hours
assert abs(j["facility"]["kwh"] - fac) < 1e-6 and abs(j["it"]["kwh"] - it) < 1e-6, j
assert j["pue"]["status"] == "ok" and abs(j["pue"]["value"] - 1.25) < 1e-9 and j["min_coverage"] == 1, j["pue"]
assert j["facility"]["coverage"] < 100 and j["facility"]["hours_known"] == hours, j["facility"]
others = [x for x in j["days"] if x["from"] != d0 and x["from"] < d0]
assert all(x["pue"] is None and x["pue_status"] == "low_coverage" for x in others), others[:2]
PY

# The present: loads, a PDU phase at 40 % of its rating, and room temperature rising 1 °C/h to 24 °C.
python3 - "$T_TMP/now.json" "$NOW" <<'PY'
import json, sys
out, now = sys.argv[1], int(sys.argv[2])
now -= now % 60
def s(dev, metric, inst, value, unit, ts):
    return {"device": dev, "metric": metric, "instance": inst, "value": value, "unit": unit, "ts": ts}
samples = []
for ts in range(now - 200 * 60, now + 1, 60):
    samples.append(s("env", "env.temperature", "", round(24 - (now - ts) / 3600.0, 4), "degC", ts))
samples += [s("ups-a", "ups.realpower", "", 1800, "W", now), s("ups-a", "ups.realpower.nominal", "", 10000, "W", now),
            s("ups-b", "ups.realpower", "", 900, "W", now), s("ups-b", "ups.realpower.nominal", "", 10000, "W", now),
            s("pdu-a", "input.current", "L1", 8, "A", now), s("pdu-a", "input.load", "L1", 40, "%", now)]
devices = [{"name": "env", "class": "env", "profile": "test"}]
json.dump({"agent": "dc-italie", "seq": 1000, "devices": devices, "samples": samples}, open(out, "w"))
PY
push "$T_TMP/now.json"
code=$(get "/api/v1/headroom?site=italie" "$T_TMP/headroom.json")
check "GET /api/v1/headroom: 2N, 10 kW usable of 20 kW, 2700 W carried: 7300 W (73 %); pdu-a L1 8 A at 40 %: 20 A, 60 % left" \
    python3 - "$T_TMP/headroom.json" "$code" <<'PY'
import json, sys
assert sys.argv[2] == "200", sys.argv[2]
h = json.load(open(sys.argv[1]))["headroom"]
p = h["power"]
assert h["mode"] == "now" and p["rule"] == "2N" and p["rule_from"] == "config" and p["units"] == 2, p
assert (p["capacity_w"], p["usable_w"], p["load_w"], p["headroom_w"], p["headroom_pct"]) == (20000, 10000, 2700, 7300, 73), p
ph = [x for x in h["pdu"] if x["device"] == "pdu-a" and x["phase"] == "L1"][0]
assert ph["rating_from"] == "input.load" and ph["rating_a"] == 20 and ph["headroom_pct"] == 60, ph
assert h["cooling"]["status"] == "not_reported" and h["cooling"]["missing"]["en"] == "no cooling unit at the site", h["cooling"]
PY
code=$(get "/api/v1/trends?site=italie" "$T_TMP/trends.json")
check "GET /api/v1/trends: room temperature rising 1 °C/h, at this rate 27 °C in about 3 h, in French and English" \
    python3 - "$T_TMP/trends.json" "$code" <<'PY'
import json, sys
assert sys.argv[2] == "200", sys.argv[2]
t = json.load(open(sys.argv[1]))["trends"]
w = [x for x in t["warnings"] if x["kind"] == "temperature" and x["device"] == "env"]
assert len(w) == 1, t
w = w[0]
assert w["level"] == 27 and abs(w["slope_per_hour"] - 1.0) < 0.02 and abs(w["eta_s"] - 3 * 3600) < 600, w
assert w["text"]["fr"].startswith("env : à ce rythme 27 °C dans ") and "(+1,0 °C/h)" in w["text"]["fr"], w["text"]
assert w["text"]["en"].startswith("env: at this rate 27 °C in ") and "(+1.0 °C/h)" in w["text"]["en"], w["text"]
s = [x for x in t["series"] if x["device"] == "env"][0]
assert s["state"] == "rising" and s["points"] >= 150, s
PY

# Refusals, each naming its field.
code=$(get "/api/v1/energy" "$T_TMP/e1")
[ "$code" = 400 ] && grep -q '"field":"site"' "$T_TMP/e1"
ok $? "the site is required (400 naming site: $code)"
code=$(get "/api/v1/energy?site=nowhere" "$T_TMP/e2")
[ "$code" = 404 ]
ok $? "an unknown site is 404 ($code)"
code=$(get "/api/v1/energy?site=italie&month=2026-13" "$T_TMP/e3")
[ "$code" = 400 ] && grep -q '"field":"month"' "$T_TMP/e3"
ok $? "a bad month is refused naming it ($code)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL/api/v1/headroom?site=italie")
[ "$code" = 401 ]
ok $? "the routes need an API token ($code)"

# The monthly report of that month shows the energy and the PUE, in every format.
for lang in fr en; do
    for fmt in pdf csv json; do
        code=$(get "/api/v1/report?month=$MONTH&site=italie&format=$fmt&lang=$lang" "$T_TMP/report-$lang.$fmt")
        [ "$code" = 200 ] || echo "$fmt $lang $code" >>"$T_TMP/failed"
    done
done
[ ! -s "$T_TMP/failed" ]
ok $? "the report is rendered in pdf, csv and json, fr and en ($(cat "$T_TMP/failed" 2>/dev/null))"
pdftotext -layout "$T_TMP/report-fr.pdf" "$T_TMP/report-fr.txt"
pdftotext -layout "$T_TMP/report-en.pdf" "$T_TMP/report-en.txt"
FAC=$(python3 -c "print('%.1f' % (3.0 * $HOURS))")
IT=$(python3 -c "print('%.1f' % (2.4 * ($HOURS - 2)))")
check "the French PDF shows the facility and IT kWh, the PUE and the headroom" \
    sh -c "grep -q 'Énergie et PUE' '$T_TMP/report-fr.txt' && grep -q '${FAC/./,} kWh' '$T_TMP/report-fr.txt' &&
           grep -q '${IT/./,} kWh' '$T_TMP/report-fr.txt' && grep -q 'PUE du mois *1,250' '$T_TMP/report-fr.txt' &&
           grep -q 'entrées des onduleurs' '$T_TMP/report-fr.txt' && grep -q 'PUE par jour' '$T_TMP/report-fr.txt' &&
           grep -q '2N : la charge doit tenir' '$T_TMP/report-fr.txt'"
check "the English PDF too" \
    sh -c "grep -q 'Energy and PUE' '$T_TMP/report-en.txt' && grep -q '$FAC kWh' '$T_TMP/report-en.txt' &&
           grep -q 'PUE of the month *1.250' '$T_TMP/report-en.txt' && grep -q 'headroom' '$T_TMP/report-en.txt'"
check "the report's JSON has the energy and the headroom at the month's peak, its CSV the energy section" \
    python3 - "$T_TMP/report-en.json" "$T_TMP/report-en.csv" "$T_TMP/report-fr.csv" "$HOURS" <<'PY'
import csv, json, sys
hours = int(sys.argv[4])
s = json.load(open(sys.argv[1]))["sites"][0]
assert abs(s["energy"]["facility"]["kwh"] - 3.0 * hours) < 1e-6 and s["energy"]["pue"]["value"] == 1.25, s["energy"]["pue"]
h = s["headroom"]
assert h["mode"] == "peak" and h["power"]["load_w"] == 2700 and h["power"]["headroom_w"] == 7300, h["power"]
for path, sep, dec in ((sys.argv[2], ",", "."), (sys.argv[3], ";", ",")):
    rows = list(csv.reader(open(path, encoding="utf-8-sig", newline=""), delimiter=sep))
    head, sec = None, {}
    for r in rows:
        if r[0] == "section":
            head = r
        else:
            sec.setdefault(r[0], []).append(dict(zip(head, r)))
    e = sec["energy"][0]
    assert float(e["facility_kwh"].replace(dec, ".")) == 3.0 * hours and e["pue"] == "1%s250" % dec, e
    assert e["pue_status"] == "ok" and sec["headroom"][0]["rule"] == "2N", sec["headroom"]
    assert any(d["pue"] == "1%s250" % dec for d in sec["energy_days"]), sec["energy_days"][:3]
PY
# The dashboard's energy section (web/energy.js) in headless Chromium, as browser.sh runs it: Debian's
# chromium and tests/browser's playwright-core are required (npm ci --prefix tests/browser).
browser_checks energy.mjs 7 "$SERVER_URL" "$READER"
check "vigie-server stops cleanly" server_stop
finish

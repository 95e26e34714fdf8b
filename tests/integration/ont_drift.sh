#!/bin/bash
# Optical levels of ONTs end to end (issue 17): a rule on olt.ont.rx.power with level thresholds below
# zero and a `drift:`, fed over HTTP with 17 simulated days of hourly samples of three ONTs of one OLT
# (one series per "port/ont"), as a slow sweep would send them, ending in the past. ONT 1/1 is
# steady, 1/2 loses 0.5 dB a day for 5 days after a steady week and then stays where it is, 1/3 is
# steady at -28.5 dBm (badly attenuated, not drifting). The drift alert of 1/2 fires (warning, then critical) and is notified with its drift
# in dB/week and its window, the steady ONT raises nothing, 1/3 gets a level alert of its own, and the
# drift alert resolves by itself once the level holds, with a RESOLVED message.
. "${top_srcdir:-.}/tests/integration/lib.sh"
TOKEN=ont-drift-agent-token-01
READ=ont-drift-read-token-001
HOOK_PORT=$(free_port tcp)
REC="$T_TMP/received.jsonl"
: >"$REC"
/usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$HOOK_PORT" "$REC" &
T_PIDS="$T_PIDS $!"
server_start server "step: 60
sites: [{id: nro, kind: nro}]
agents: [{id: nro-agent, token: $TOKEN, site: nro}]
api_tokens: [{name: wall, token: $READ}]
alerting:
  group_wait: 0
  heartbeat_steps: 100
  repeat: {warning: 0, critical: 0}
  contacts: [{name: noc, webhook: http://127.0.0.1:$HOOK_PORT/hook}]
  rules:
    - {metric: olt.ont.rx.power, warning_below: -27, critical_below: -28, clear_hysteresis: 0.5,
       drift: {warning: 2, critical: 3, clear_hysteresis: 0.5, min_span: 86400, direction: down}}"

# day 0 of the simulation: the UTC midnight 19 days ago, so that hour 400 is well in the past
S=$(( $(date +%s) / 86400 * 86400 - 19 * 86400 ))
SEQ=0
push_hours() { # push_hours FROM TO: the three ONTs' samples of hours [FROM, TO), one push per day
    local from=$1 to=$2 h next
    for ((h = from; h < to; h = next)); do
        next=$(( (h / 24 + 1) * 24 )); [ "$next" -gt "$to" ] && next=$to
        SEQ=$((SEQ + 1))
        python3 - "$S" "$h" "$next" "$SEQ" >"$T_TMP/push.json" <<'PY'
import json, sys
s, a, b, seq = (int(x) for x in sys.argv[1:])
def ont2(days):  # steady a week, -0.5 dB/day for 5 days, then where it got to
    return -20.0 - 0.5 * min(max(days - 7, 0), 5)
samples = []
for h in range(a, b):
    t = s + h * 3600 + 1800
    days = (t - s) / 86400
    for inst, v in (("1/1", -20.0 + (0.05 if h % 2 else -0.05)), ("1/2", ont2(days)),
                    ("1/3", -28.5)):
        samples.append({"device": "olt", "metric": "olt.ont.rx.power", "instance": inst, "value": round(v, 3),
                        "unit": "dBm", "ts": t})
print(json.dumps({"agent": "nro-agent", "seq": seq, "samples": samples}))
PY
        curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" --data-binary @"$T_TMP/push.json" \
            "$SERVER_URL/api/v1/ingest" || return 1
    done
}
hook_has() { python3 - "$REC" "$@" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"] != "/hook":
        continue
    b = json.loads(r["body"])
    if all(w in b["subject"] + "\n" + b["text"] or w == b["event"] for w in sys.argv[2:]):
        sys.exit(0)
sys.exit(1)
PY
}

push_hours 0 290
ok $? "11 simulated days of three ONTs are accepted (hourly samples, one push per day)"
# the reference model (tests/unit/drift_test.c): warning at hour 264, -2.1 dB/week over 6 days
wait_for 10 hook_has firing "drift -2." "dB/week over 6.0 days"
ok $? "the declining ONT's drift alert is notified with its drift in dB/week and its window"
[ "$(db_count alerts "kind = 'drift' and instance = '1/2' and severity = 'warning' and state = 'firing'")" = 1 ]
ok $? "the drift alert is one alert of its own kind (drift) for the series olt.ont.rx.power@1/2"
[ "$(db_count alerts "instance = '1/1'")" = 0 ] && [ "$(db_count alert_drift "instance = '1/1' and known = 1")" = 1 ]
ok $? "the steady ONT has a drift estimate and no alert"
check "each tracker holds at most 8 days of buckets, whatever the sampling" python3 - "$SERVER_DATA/vigie.db" <<'PY'
import sqlite3, sys
for (days,) in sqlite3.connect(sys.argv[1]).execute("select days from alert_drift"):
    assert 1 <= len(days.split(";")) <= 8, days
PY

push_hours 290 330
wait_for 10 hook_has firing "CRITICAL" "drift -3."
ok $? "past 3 dB/week the drift alert becomes critical and is notified again"

push_hours 330 400
wait_for 10 hook_has resolved "drift"
ok $? "once the level holds, the drift falls back and the alert resolves, with a RESOLVED message"
[ "$(db_count alerts "kind = 'drift' and state = 'resolved'")" = 1 ] && [ "$(db_count alerts "kind = 'drift'")" = 1 ]
ok $? "one drift alert over the whole episode (hysteresis: no flapping on the way down)"
[ "$(db_count alerts "kind = 'metric' and instance = '1/3' and severity = 'critical' and state = 'firing'")" = 1 ]
ok $? "an ONT at -28.5 dBm gets a critical level alert of its own (critical_below: -28)"
[ "$(db_count alerts "kind = 'drift' and instance = '1/3'")" = 0 ]
ok $? "a low but steady level is no drift"
curl -sf -H "Authorization: Bearer $READ" "$SERVER_URL/api/v1/alerts" >"$T_TMP/alerts.json"
check "the API lists the drift alert with its kind and the drift as its value" python3 - "$T_TMP/alerts.json" <<'PY'
import json, sys
a = [x for x in json.load(open(sys.argv[1]))["alerts"] if x["kind"] == "drift"]
assert len(a) == 1 and a[0]["instance"] == "1/2" and a[0]["value"] < -2.0, a
assert "dB/week" in a[0]["summary"], a
PY
finish

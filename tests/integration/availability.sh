#!/bin/bash
# End to end: snmpsimd serves a UPS whose output source can be changed with snmpset (snmpsim's
# writecache), an agent polls it every 5 s, the server judges the site. The UPS goes on battery
# (power down, site down) and comes back: the incident and the downtime appear with the real
# duration, within one poll interval. Then the simulator stops: the UPS becomes unknown, which is
# not downtime (an unreachable card is not a power cut).
. "${top_srcdir:-.}/tests/integration/lib.sh"
data="$T_TMP/sim"
mkdir -p "$data"
cp "$top_srcdir/tests/fixtures/switchable/ups-switch.snmprec" "$data/"
chmod -R a+rwX "$data"
sim_start "$data"
TOKEN=avail-agent-token-0001
server_start server "step: 5
sites:
  - id: nro
    kind: nro
    services:
      power: {devices: [ups], min_up: 1}
agents: [{id: nro-agent, token: $TOKEN, site: nro}]
api_tokens: [{name: ops, token: avail-admin-token-01, role: admin}, {name: wall, token: avail-read-token-0001}]"
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN=avail-admin-token-01
START=$(date +%s)
agent_start agent "agent: nro-agent
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
interval: 5
timeout: 0.5
retries: 1
devices:
  - {name: ups, host: 127.0.0.1, port: $SIM_PORT, community: ups-switch}" --profiles "$MIBS_DIR"
set_source() { snmpset -v2c -c ups-switch -t 1 -r 2 "127.0.0.1:$SIM_PORT" .1.3.6.1.2.1.33.1.4.1.0 i "$1" >/dev/null; }
site_state() { "$CLI" events --site nro --from "$START" --to $(( $(date +%s) + 60 )) --json 2>/dev/null |
    python3 -c "import json,sys; e=[x for x in json.load(sys.stdin)['events'] if x['scope']=='site']; print(e[-1]['state'] if e else 'none')"; }
site_is() { [ "$(site_state)" = "$1" ]; }
wait_for 20 site_is up
ok $? "the site is up once the UPS has been polled"

FAIL=$(date +%s)
check "the UPS goes on battery (snmpset upsOutputSource = battery)" set_source 5
wait_for 20 site_is down
ok $? "the site goes down"
sleep 12
RECOVER=$(date +%s)
set_source 3
wait_for 20 site_is up
ok $? "the site comes back up"
sleep 6
"$CLI" availability --site nro --from "$START" --to $(( $(date +%s) + 1 )) --json >"$T_TMP/avail.json"
check "one incident, lasting as long as the outage within one poll interval (5 s)" python3 - "$T_TMP/avail.json" $(( RECOVER - FAIL )) <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); real = int(sys.argv[2])
s = j['sites'][0]; inc = s['incidents']
assert len(inc) == 1, inc
d = inc[0]['duration']
assert abs(d - real) <= 6, (d, real)
assert s['figures']['downtime'] == d, s['figures']
assert inc[0]['services'] == 'power' and 'ups.status=OB' in inc[0]['cause'], inc[0]
print("# outage", real, "s, incident", d, "s")
PY
down_before=$(json_get "$T_TMP/avail.json" "j['sites'][0]['figures']['downtime']")

# A maintenance window declared after the fact over the outage takes it out of the downtime.
"$CLI" maintenance add --site nro --service power --start $((FAIL - 30)) --end $((RECOVER + 30)) \
    --reason "Batteries de l'onduleur" >"$T_TMP/maint.out" 2>&1
ok $? "vigie maintenance add declares a window ($(cat "$T_TMP/maint.out"))"
WID=$(sed -n 's/^maintenance window \([0-9]*\):.*/\1/p' "$T_TMP/maint.out")
"$CLI" availability --site nro --from "$START" --to $(( $(date +%s) + 1 )) --json >"$T_TMP/avail-m.json"
check "inside the window the outage is not downtime and the incident is marked excluded" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['sites'][0]
assert s['figures']['downtime'] == 0 and s['incidents'][0]['excluded'], s['figures']
assert s['services'][0]['maintenance'] > 0, s['services']" "$T_TMP/avail-m.json"
VIGIE_TOKEN=avail-read-token-0001 "$CLI" maintenance delete "$WID" >"$T_TMP/m403" 2>&1
[ $? -eq 1 ] && grep -q "403" "$T_TMP/m403"
ok $? "a read-only token cannot delete it (403)"
"$CLI" maintenance add --site nro --start 2026-11-20T10:00 --end 2026-11-20T09:00 --reason x >"$T_TMP/m400" 2>&1
[ $? -eq 1 ] && grep -q "400: end: must be after start" "$T_TMP/m400"
ok $? "an end before the start is refused, naming the field ($(cat "$T_TMP/m400"))"
"$CLI" maintenance delete "$WID" >/dev/null && [ "$("$CLI" maintenance list --site nro --from "$START" --to $(( $(date +%s) + 60 )) | wc -l)" = 1 ]
ok $? "the admin deletes it and the list is empty again"
sim_stop
sleep 12
"$CLI" availability --site nro --from "$START" --to $(( $(date +%s) + 1 )) --json >"$T_TMP/avail2.json"
check "an unreachable UPS is unknown time, not downtime" python3 - "$T_TMP/avail2.json" "$down_before" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))['sites'][0]['figures']
assert f['downtime'] == int(sys.argv[2]), f
assert f['unknown'] >= 5, f
PY
check "a silent device is retried with backoff" grep -q "no answer 2 times in a row, next try in 2 cycles" "$T_TMP/agent.log"
"$CLI" availability --site nro --from "$START" --to $(( $(date +%s) + 1 )) >"$T_TMP/avail.txt"
check "vigie availability prints the site with one incident" grep -Eq "^nro .* 1 " "$T_TMP/avail.txt"
check "the agent stops cleanly on SIGTERM (exit 0)" agent_stop
finish

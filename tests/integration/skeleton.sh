#!/bin/bash
# The walking skeleton with real processes on loopback: snmpsimd serves a recording, vigie-agent
# polls it and pushes to vigie-server, and the RRD files and /api/v1/status hold the recording's
# values. Then the device stops answering: reachability goes to 0 and nothing crashes. Finally a
# push with a bad token (401) and a malformed push (400) change no stored file.
. "${top_srcdir:-.}/tests/integration/lib.sh"

sim_start "$top_srcdir/tests/fixtures/snmprec"
TOKEN=skeleton-agent-token-01
server_start server "step: 5
sites: [{id: italie, kind: datacenter}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}]
api_tokens: [{name: ops, token: skeleton-read-token-01}]"

agent_start agent "agent: dc-italie
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
interval: 5
timeout: 0.5
retries: 0
devices:
  - {name: ups1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}"

export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN=skeleton-read-token-01
status_json() { "$CLI" status --json > "$T_TMP/status.json" 2>>"$T_TMP/cli.log"; }
reachable() { json_get "$T_TMP/status.json" "[d.get('reachable') for d in j['devices'] if d['device']=='ups1']"; }
reachable_is() { status_json && [ "$(reachable)" = "[$1]" ]; }
wait_for 15 reachable_is True
ok $? "the agent's first push reaches the server and the device is reachable"

RRD="$SERVER_DATA/rrd/italie/ups1"
last() { rrd_last "$RRD/$1.rrd"; }
# Values from tests/fixtures/snmprec/skeleton-ups.snmprec:
check "device.uptime = sysUpTime 12345600 ticks / 100" num_eq "$(last device.uptime)" 123456
check "device.reachable = 1" num_eq "$(last device.reachable)" 1
check "battery.charge = upsEstimatedChargeRemaining 97" num_eq "$(last battery.charge)" 97
check "battery.runtime = upsEstimatedMinutesRemaining 42 min in s" num_eq "$(last battery.runtime)" 2520
check "battery.voltage = upsBatteryVoltage 545 x 0.1" num_eq "$(last battery.voltage)" 54.5
check "input.voltage@L1 = upsInputVoltage.1 231" num_eq "$(last input.voltage@L1)" 231
check "output.current@L1 = upsOutputCurrent.1 52 x 0.1" num_eq "$(last output.current@L1)" 5.2
check "ups.status = upsOutputSource 3 (normal)" num_eq "$(last ups.status)" 3
check "the database's latest battery.charge is the RRD file's (97)" num_eq "$(db_latest ups1 battery.charge)" 97

check "status shows battery.charge 97 with its age" python3 - "$T_TMP/status.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
d = [d for d in j['devices'] if d['device'] == 'ups1'][0]
m = [m for m in d['metrics'] if m['name'] == 'battery.charge'][0]
assert m['value'] == 97 and 0 <= m['age'] < 30 and d['site'] == 'italie', (m, d)
s = [m for m in d['metrics'] if m['name'] == 'ups.status'][0]
assert s['text'] == 'OL', s
PY
check "vigie status prints the device as reachable" sh -c "LC_ALL=C LANG=C '$CLI' status | grep -E '^italie +ups1 +reachable'"

# The device stops answering.
sim_stop
wait_for 20 reachable_is False
ok $? "a silent device is reported unreachable"
check "device.reachable = 0 in the RRD file" num_eq "$(last device.reachable)" 0
# a row of the file is known once an update reaches past its step: wait for the next poll's if need be
reach_rows() { [ "$(rrd_count "$RRD/device.reachable.rrd")" -ge 1 ]; }
wait_for 15 reach_rows
ok $? "device.reachable's RRD file holds values of the polls (rrdtool fetch: $(rrd_count "$RRD/device.reachable.rrd"))"
check "the agent is still running" kill -0 "$AGENT_PID"

# Refused pushes change nothing on disk.
check "the agent stops cleanly on SIGTERM (exit 0)" agent_stop
snapshot() { (cd "$SERVER_DATA/rrd" && find . -type f -exec md5sum {} + | sort); }
before=$(snapshot)
NOW=$(date +%s)
BODY="{\"agent\":\"dc-italie\",\"seq\":1,\"samples\":[{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":1,\"ts\":$NOW}]}"
code=$(curl -s -o "$T_TMP/r401" -w '%{http_code}' -H "Authorization: Bearer wrong-token-1234567" -d "$BODY" "$SERVER_URL/api/v1/ingest")
[ "$code" = 401 ] && [ "$(snapshot)" = "$before" ]
ok $? "a push with a bad token gets 401 ($code) and changes no file"
BAD="{\"agent\":\"dc-italie\",\"seq\":2,\"samples\":[{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":\"x\",\"ts\":$NOW}]}"
code=$(curl -s -o "$T_TMP/r400" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -d "$BAD" "$SERVER_URL/api/v1/ingest")
[ "$code" = 400 ] && grep -q '"field":"samples\[0\].value"' "$T_TMP/r400" && [ "$(snapshot)" = "$before" ]
ok $? "a malformed push gets 400 naming samples[0].value ($code: $(cat "$T_TMP/r400")) and changes no file"
finish

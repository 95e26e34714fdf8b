#!/bin/bash
# SNMP traps and informs: vigie-agent listens on a loopback port (trap_listen), Net-SNMP's snmptrap
# sends a v2c trap, a v2c inform, a v1 trap, SNMPv3 authPriv traps and an inform; each reaches the
# server's /api/v1/status as the metric its profile maps it to, within about a second (a burst waits
# 0.2 s, a batch goes 1 s after the one before; the next poll is a minute away). An unknown trap
# arrives as device.trap, a wrong community is dropped.
. "${top_srcdir:-.}/tests/integration/lib.sh"

TOKEN=traps-agent-token-0001
server_start server "step: 5
sites: [{id: doullens, kind: nro}]
agents: [{id: nro-traps, token: $TOKEN, site: doullens}]
api_tokens: [{name: ops, token: traps-reader-token-01}]
alerting: {heartbeat_steps: 100, group_wait: 1}"
TRAP_PORT=$(free_port udp)
DEAD_PORT=$(free_port udp)   # nothing answers there: the device is only heard through its traps
ENGINE=0x80001f8880aabbccdd01
agent_start agent "agent: nro-traps
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
interval: 60
timeout: 0.3
retries: 0
trap_listen: 127.0.0.1:$TRAP_PORT
trap_community: site-traps
trap_users:
  - {user: ups-notifier, level: authPriv, auth_protocol: SHA-256, auth_password: trap-auth-4242,
     priv_protocol: AES, priv_password: trap-priv-4242, engine_id: "$ENGINE"}
devices:
  - {name: ups1, host: 127.0.0.1, port: $DEAD_PORT, profile: ups-apc-powernet}" --profiles "$MIBS_DIR" --log-level info
wait_for 5 grep -q "listening for traps" "$AGENT_LOG"
ok $? "the agent listens for traps on 127.0.0.1:$TRAP_PORT"

export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN=traps-reader-token-01
# The first poll (device silent) has been pushed once device.reachable is in the status.
metric_text() { # metric_text METRIC: prints "value text" of ups1's METRIC in /api/v1/status
    "$CLI" status --json 2>/dev/null | python3 -c "
import json, sys
j = json.load(sys.stdin)
for d in j['devices']:
    if d['device'] == 'ups1':
        for m in d['metrics']:
            if m['name'] == sys.argv[1]:
                print('%g %s' % (m['value'], m.get('text', '')))" "$1"
}
metric_is() { [ "$(metric_text "$1")" = "$2" ]; }
metric_known() { [ -n "$(metric_text "$1")" ]; }
wait_for 10 metric_known device.reachable
ok $? "the first poll (device silent) reaches the status"

# wait_metric METRIC "VALUE TEXT": polls the status through the CLI (each call costs ~0.1 s); ok when it
# shows within 3 s (ELAPSED: how long it took)
wait_metric() {
    local start; start=$(date +%s.%N)
    wait_for 3 metric_is "$1" "$2"
    local rc=$?
    ELAPSED=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
    [ "$rc" -eq 0 ] && awk -v t="$ELAPSED" -v k="$T_TIME_SCALE" 'BEGIN { exit !(t <= 3 * k) }'
}

sent=$(date +%s.%N)
snmptrap -v2c -c site-traps "127.0.0.1:$TRAP_PORT" '' .1.3.6.1.4.1.318.0.5 >"$T_TMP/send.log" 2>&1
# the alert, polled every 50 ms straight from the API
for _ in $(seq 60); do
    curl -s -H "Authorization: Bearer traps-reader-token-01" "$SERVER_URL/api/v1/alerts" >"$T_TMP/alerts.json"
    grep -q '"ups.status"' "$T_TMP/alerts.json" && break
    sleep 0.05 # finer than wait_for's 0.1 s: the assertion is about the second
done
ALERT_AFTER=$(awk -v s="$sent" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
python3 -c "
import json, sys
a = [x for x in json.load(open(sys.argv[1]))['alerts'] if x.get('metric') == 'ups.status' and x.get('device') == 'ups1']
assert a and a[0]['state'] == 'firing' and a[0]['severity'] == 'critical', a
assert float(sys.argv[2]) <= 1.0, sys.argv[2]" "$T_TMP/alerts.json" "$ALERT_AFTER" >"$T_TMP/alert.out" 2>&1
ok $? "v2c trap upsOnBattery → a firing critical alert on the server within a second (${ALERT_AFTER}s)"
wait_metric ups.status "3 OB"
ok $? "... and ups1 ups.status 3 OB in the status (${ELAPSED}s)"

snmptrap -Ci -t 1 -r 1 -v2c -c site-traps "127.0.0.1:$TRAP_PORT" '' .1.3.6.1.4.1.318.0.9 >>"$T_TMP/send.log" 2>&1
ok $? "the v2c inform powerRestored is acknowledged"
wait_metric ups.status "2 OL"
ok $? "v2c inform powerRestored → ups.status 2 OL (${ELAPSED}s)"

snmptrap -v1 -c site-traps "127.0.0.1:$TRAP_PORT" .1.3.6.1.4.1.318 127.0.0.1 6 7 '' >>"$T_TMP/send.log" 2>&1
wait_metric battery.status "3 low"
ok $? "v1 trap enterprise apc specific 7 (lowBattery) → battery.status 3 low (${ELAPSED}s)"

V3=(-v3 -e "$ENGINE" -u ups-notifier -l authPriv -a SHA-256 -A trap-auth-4242 -x AES -X trap-priv-4242)
snmptrap "${V3[@]}" "127.0.0.1:$TRAP_PORT" '' .1.3.6.1.4.1.318.0.11 >>"$T_TMP/send.log" 2>&1
wait_metric battery.status "2 ok"
ok $? "v3 authPriv trap returnFromLowBattery → battery.status 2 ok (${ELAPSED}s)"

snmptrap "${V3[@]/$ENGINE/0x80001f8880aabbccdd02}" -A wrong-auth-4242 "127.0.0.1:$TRAP_PORT" '' .1.3.6.1.4.1.318.0.5 \
    >>"$T_TMP/send.log" 2>&1
snmptrap -v2c -c wrong-community "127.0.0.1:$TRAP_PORT" '' .1.3.6.1.4.1.318.0.5 >>"$T_TMP/send.log" 2>&1
sleep 1
[ "$(metric_text ups.status)" = "2 OL" ]
ok $? "a v3 trap with a wrong key and a v2c trap with a wrong community change nothing"

snmptrap -Ci -t 1 -r 1 -v3 -u ups-notifier -l authPriv -a SHA-256 -A trap-auth-4242 -x AES -X trap-priv-4242 \
    "127.0.0.1:$TRAP_PORT" '' .1.3.6.1.4.1.318.0.5 >>"$T_TMP/send.log" 2>&1
ok $? "the v3 authPriv inform is acknowledged"
wait_metric ups.status "3 OB"
ok $? "v3 inform upsOnBattery → ups.status 3 OB (${ELAPSED}s)"

snmptrap -v2c -c site-traps "127.0.0.1:$TRAP_PORT" '' .1.3.6.1.4.1.99999.0.42 >>"$T_TMP/send.log" 2>&1
wait_metric device.trap "1 .1.3.6.1.4.1.99999.0.42"
ok $? "an unknown trap arrives as device.trap with the trap OID as text (${ELAPSED}s)"

check "no secret in the agent's log" sh -c "! grep -E 'trap-auth-4242|trap-priv-4242|site-traps' '$AGENT_LOG'"
check "the agent stops cleanly on SIGTERM (exit 0)" agent_stop
finish

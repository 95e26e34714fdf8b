#!/bin/bash
# SNMPv3 authPriv (SHA-256 + AES-128) against snmpsimd in v3-only mode: the probe and the daemon read
# the device; a wrong key gets nothing; secrets never reach the logs.
. "${top_srcdir:-.}/tests/integration/lib.sh"
FIX="$top_srcdir/tests/fixtures"
data="$T_TMP/v3-data" cache="$T_TMP/v3-cache"
mkdir -p "$data" "$cache"; chmod 777 "$cache"; chmod 755 "$data"
cp "$FIX/snmprec/skeleton-ups.snmprec" "$data/"; chmod 644 "$data"/*
PORT=$(free_port udp)
user=(); [ "$(id -u)" -eq 0 ] && user=(--process-user=nobody --process-group=nogroup)
snmpsimd --data-dir="$data" --cache-dir="$cache" --agent-udpv4-endpoint="127.0.0.1:$PORT" "${user[@]}" \
    --logging-method=null --v3-only --v3-user=vigie --v3-auth-key=auth-secret-42 --v3-auth-proto=SHA256 \
    --v3-priv-key=priv-secret-42 --v3-priv-proto=AES >"$T_TMP/snmpsimd.log" 2>&1 &
T_PIDS="$T_PIDS $!"
V3=(--version 3 --user vigie --level authPriv --auth-protocol SHA-256 --auth-password auth-secret-42
    --priv-protocol AES --priv-password priv-secret-42 --context skeleton-ups)
wait_for 15 snmpget -v3 -l authPriv -u vigie -a SHA-256 -A auth-secret-42 -x AES -X priv-secret-42 -n skeleton-ups \
    -t 0.3 -r 0 "127.0.0.1:$PORT" .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1
ok $? "snmpsimd answers SNMPv3 authPriv (Net-SNMP's snmpget)"
"$AGENT" --profiles "$MIBS_DIR" --probe "127.0.0.1:$PORT" "${V3[@]}" --json --log-level debug \
    >"$T_TMP/v3.json" 2>"$T_TMP/v3.err"
check "SNMPv3 authPriv SHA-256/AES: the probe reads the values of the recording" \
    python3 "$top_srcdir/tests/integration/compare_expected.py" "$T_TMP/v3.json" "$FIX/snmprec/skeleton-ups.expected"
"$AGENT" --profiles "$MIBS_DIR" --probe "127.0.0.1:$PORT" --version 3 --user vigie --auth-password wrong-secret-42 \
    --priv-password priv-secret-42 --context skeleton-ups --timeout 0.5 --retries 0 --json >"$T_TMP/bad.json" 2>"$T_TMP/bad.err"
rc=$?
[ $rc -eq 1 ] && grep -q '"name": "device.reachable"' "$T_TMP/bad.json" && ! grep -q battery "$T_TMP/bad.json"
ok $? "a wrong auth key gets no value and exit status 1 (got $rc)"

TOKEN=v3-agent-token-00001
server_start server "step: 5
agents: [{id: v3, token: $TOKEN}]
api_tokens: [{name: ops, token: v3-reader-token-0001}]"
agent_config agent "agent: v3
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
interval: 5
timeout: 1
devices:
  - name: ups
    host: 127.0.0.1
    port: $PORT
    version: 3
    user: vigie
    auth_password: auth-secret-42
    priv_password: priv-secret-42
    context: skeleton-ups"
"$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --once --log-level debug 2>"$AGENT_LOG"
ok $? "the daemon polls the SNMPv3 device and pushes (--once)"
last=$(rrd_last "$SERVER_DATA/rrd/v3/ups/battery.charge.rrd")
num_eq "$last" 97
ok $? "battery.charge over SNMPv3 reaches the RRD file ($last)"
cat "$T_TMP"/*.err "$AGENT_LOG" "$SERVER_LOG" >"$T_TMP/all-logs"
! grep -q -e auth-secret-42 -e priv-secret-42 -e "$TOKEN" "$T_TMP/all-logs"
ok $? "no SNMP secret nor token in any log, even at debug level"
cat >"$T_TMP/nouser.yaml" <<YAML
agent: v3
server: $SERVER_URL
token: $TOKEN
devices:
  - {name: ups, host: 127.0.0.1, version: 3, auth_password: short}
YAML
"$AGENT" -c "$T_TMP/nouser.yaml" --check-config >"$T_TMP/nouser.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "nouser.yaml:5:5: key 'user'" "$T_TMP/nouser.out"
ok $? "an SNMPv3 device without a user is refused with file:line:column (exit $rc: $(cat "$T_TMP/nouser.out"))"
finish

#!/bin/bash
# A device replaced by another model at the same address: the agent reads sysObjectID at the start of
# every cycle, sees it change, detects the new device's profile and pushes its metrics, without a
# restart. Here a UPS (RFC 1628) gives way to an APC rack PDU behind the same port and community.
. "${top_srcdir:-.}/tests/integration/lib.sh"
plan 4
TOKEN=replaced-agent-token-01
PORT=$(free_port udp)
# sim_at RECORDING: snmpsimd on PORT, serving RECORDING under the community "dev"
sim_at() {
    local data="$T_TMP/sim-$RANDOM" cache="$T_TMP/cache-$RANDOM" user=()
    mkdir -p "$data" "$cache"
    chmod 755 "$data"
    chmod 777 "$cache"
    ln -s "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" "$data/dev.snmprec"
    [ "$(id -u)" -eq 0 ] && user=(--process-user=nobody --process-group=nogroup)
    snmpsimd --data-dir="$data" --cache-dir="$cache" --agent-udpv4-endpoint="127.0.0.1:$PORT" "${user[@]}" \
        --logging-method=null >>"$T_TMP/snmpsimd.log" 2>&1 &
    SIM_PID=$!
    T_PIDS="$T_PIDS $SIM_PID"
    for _ in $(seq 100); do
        snmpget -v2c -c dev -t 0.3 -r 0 "127.0.0.1:$PORT" .1.3.6.1.2.1.1.2.0 >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    bail "snmpsimd did not start on port $PORT"
}
server_start server "step: 5
agents: [{id: replaced, token: $TOKEN}]"
sim_at "$top_srcdir/tests/fixtures/snmprec/skeleton-ups.snmprec"
cat >"$T_TMP/agent.yaml" <<YAML
agent: replaced
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
profiles: $MIBS_DIR
interval: 5
timeout: 1
retries: 1
devices:
  - {name: rack-b3, host: 127.0.0.1, port: $PORT, community: dev}
YAML
chmod 600 "$T_TMP/agent.yaml"
"$AGENT" -c "$T_TMP/agent.yaml" 2>"$T_TMP/agent.log" &
T_PIDS="$T_PIDS $!"
RRD="$SERVER_DATA/rrd/replaced/rack-b3"
wait_for() { local n=$1; shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done; return 1; }
wait_for 100 test -f "$RRD/battery.charge.rrd"
ok $? "first a UPS: detected as such and its battery.charge stored"

sim_stop # the UPS goes; a PDU answers at the same address
sim_at "$top_srcdir/demo/snmprec/italie-pdu-a.snmprec"
wait_for 150 grep -q "rack-b3: sysObjectID changed from .1.3.6.1.4.1.8072.3.2.10 to .1.3.6.1.4.1.318.1.3.4.6" \
    "$T_TMP/agent.log"
ok $? "the agent sees sysObjectID change at the next cycle and says so"
check "... and detects the new device's profile" grep -q "rack-b3: sysObjectID .1.3.6.1.4.1.318.1.3.4.6, profile pdu-apc-rpdu2" \
    "$T_TMP/agent.log"
wait_for 100 sh -c "ls '$RRD' | grep -q '^outlet\\.'"
ok $? "the PDU's outlet metrics are stored under the same device name ($(ls "$RRD" | grep -c '^outlet\.') outlet files)"
finish

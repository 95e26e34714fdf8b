#!/bin/bash
# A device replaced by another model at the same address: the agent reads sysObjectID at the start of
# every cycle, sees it change, detects the new device's profile and pushes its metrics, without a
# restart. Here a UPS (RFC 1628) gives way to an APC rack PDU behind the same port and community.
. "${top_srcdir:-.}/tests/integration/lib.sh"
TOKEN=replaced-agent-token-01
PORT=$(free_port udp)
# sim_at RECORDING: snmpsimd on PORT, serving RECORDING under the community "dev"
sim_at() {
    local src="$T_TMP/rec-$RANDOM"
    mkdir -p "$src"
    ln -s "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" "$src/dev.snmprec"
    sim_start "$src" "$PORT"
}
server_start server "step: 5
agents: [{id: replaced, token: $TOKEN}]"
sim_at "$top_srcdir/tests/fixtures/snmprec/skeleton-ups.snmprec"
agent_start agent "agent: replaced
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
profiles: $MIBS_DIR
interval: 5
timeout: 1
retries: 1
devices:
  - {name: rack-b3, host: 127.0.0.1, port: $PORT, community: dev}" --log-level info
RRD="$SERVER_DATA/rrd/replaced/rack-b3"
wait_for 20 test -f "$RRD/battery.charge.rrd"
ok $? "first a UPS: detected as such and its battery.charge stored"

sim_stop # the UPS goes; a PDU answers at the same address
sim_at "$top_srcdir/demo/snmprec/italie-pdu-a.snmprec"
wait_for 30 grep -q "rack-b3: sysObjectID changed from .1.3.6.1.4.1.8072.3.2.10 to .1.3.6.1.4.1.318.1.3.4.6" \
    "$T_TMP/agent.log"
ok $? "the agent sees sysObjectID change at the next cycle and says so"
# detection runs its probes after that line, so the profile's line comes a few replies later
wait_for 20 grep -q "rack-b3: sysObjectID .1.3.6.1.4.1.318.1.3.4.6, profile pdu-apc-rpdu2" "$T_TMP/agent.log"
ok $? "... and detects the new device's profile"
wait_for 20 sh -c "ls '$RRD' | grep -q '^outlet\\.'"
ok $? "the PDU's outlet metrics are stored under the same device name ($(ls "$RRD" | grep -c '^outlet\.') outlet files)"
check "the agent stops cleanly on SIGTERM (exit 0)" agent_stop
finish

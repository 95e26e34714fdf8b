#!/bin/bash
# What real agents do, on recordings of our own: every profile feature on an edge-case OLT (counts,
# filters on an index part, joined labels, mW to dBm, per-row divisor, per-instance scalars,
# sentinels, a missing OID, an empty table, an out-of-range value), the same over SNMPv1, an agent
# that answers GETBULK with an error (GETNEXT fallback), a Counter32 that wraps, and a device whose
# sysUpTime goes back (reboot).
. "${top_srcdir:-.}/tests/integration/lib.sh"
FIX="$top_srcdir/tests/fixtures"
PROF="$T_TMP/profiles"
mkdir -p "$PROF"
cp "$MIBS_DIR/vocabulary.yaml" "$MIBS_DIR/generic.yaml" "$MIBS_DIR/ups-rfc1628.yaml" "$FIX/profiles/test-edge.yaml" "$PROF/"
COMPARE="python3 $top_srcdir/tests/integration/compare_expected.py"

sim_start "$FIX/edge"
"$AGENT" --profiles "$PROF" --probe "127.0.0.1:$SIM_PORT" --community edge-olt --json >"$T_TMP/v2.json" 2>"$T_TMP/v2.err"
check "v2c: every schema feature gives the hand-derived values" $COMPARE "$T_TMP/v2.json" "$FIX/edge/edge-olt.expected"
check "v2c: the out-of-range humidity (250 %RH) is reported, not stored" \
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert any('env.humidity' in p and '250' in p for p in j['problems']), j['problems']" "$T_TMP/v2.json"
"$AGENT" --profiles "$PROF" --probe "127.0.0.1:$SIM_PORT" --community edge-olt --version 1 --json >"$T_TMP/v1.json" 2>"$T_TMP/v1.err"
check "v1: the same values through GET/GETNEXT and noSuchName" $COMPARE "$T_TMP/v1.json" "$FIX/edge/edge-olt.expected"
"$AGENT" --profiles "$PROF" --probe "127.0.0.1:$SIM_PORT" --community edge-olt --profile ups-rfc1628 --json >"$T_TMP/forced.json" 2>"$T_TMP/forced.err"
check "--profile forces a profile (no UPS-MIB here: generic values only)" \
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['device']['profile']=='ups-rfc1628' and {m['name'] for m in j['metrics']} <= {'device.reachable','device.uptime'}, j" "$T_TMP/forced.json"

# An agent that refuses GETBULK.
NB_PORT=$(free_port udp)
/usr/bin/python3 "$top_srcdir/tests/tools/nobulk_agent.py" "$FIX/snmprec/skeleton-ups.snmprec" "$NB_PORT" 2>"$T_TMP/nobulk.log" &
T_PIDS="$T_PIDS $!"
wait_for 5 snmpget -v2c -c x -t 0.2 -r 0 "127.0.0.1:$NB_PORT" .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1
ok $? "the agent without GETBULK answers GET"
"$AGENT" --profiles "$MIBS_DIR" --probe "127.0.0.1:$NB_PORT" --json --log-level info >"$T_TMP/nobulk.json" 2>"$T_TMP/nobulk.err"
check "an agent that answers GETBULK with genErr is walked with GETNEXT" $COMPARE "$T_TMP/nobulk.json" "$FIX/snmprec/skeleton-ups.expected"
check "... and the fallback is logged" grep -q "walking with GETNEXT" "$T_TMP/nobulk.err"
"$AGENT" --profiles "$MIBS_DIR" --probe "127.0.0.1:$NB_PORT" --version 1 --json >"$T_TMP/nobulk1.json" 2>"$T_TMP/nobulk1.err"
check "the same agent over SNMPv1" $COMPARE "$T_TMP/nobulk1.json" "$FIX/snmprec/skeleton-ups.expected"

# Over several polls: a wrapping counter and a rebooting device.
TOKEN=edge-agent-token-0001
server_start server "step: 5
agents: [{id: edge, token: $TOKEN}]"
agent_start agent "agent: edge
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
profiles: $PROF
interval: 5
timeout: 0.5
retries: 1
devices:
  - {name: olt, host: 127.0.0.1, port: $SIM_PORT, community: edge-olt}
  - {name: rebooter, host: 127.0.0.1, port: $SIM_PORT, community: edge-reboot}" --log-level info
RRD="$SERVER_DATA/rrd/edge"
rates() { rrd_fetch "$RRD/olt/if.in.octets.rrd" -120 now 5 | awk '{printf "%.0f ", $2}'; }
two_rates_and_a_reboot() { [ "$(rates | wc -w)" -ge 3 ] && [ -f "$RRD/rebooter/device.reboot.rrd" ]; }
wait_for 25 two_rates_and_a_reboot
r=$(rates)
[ "$(echo "$r" | wc -w)" -ge 2 ]
ok $? "a counter rate is stored from the second poll on (rates: $r)"
# snmpsimd's counter moves in whole seconds, and the first poll (GETBULK refused, then GETNEXT) answers
# later in its interval than the next ones, so the first rate is 4,000 B over about 4.6 s: its row
# (known since the RRD file starts at the step boundary before the first sample) is left out.
bad=0
for v in ${r#* }; do [ "$v" -ge 950 ] && [ "$v" -le 1050 ] || bad=1; done
ok $bad "the rate stays 1000 B/s across the Counter32 wrap (rates after the first: ${r#* })"
check "sysUpTime going back is a reboot event" test -f "$RRD/rebooter/device.reboot.rrd"
check "... and is logged" grep -q "rebooted" "$AGENT_LOG"
check "the agent stops cleanly on SIGTERM (exit 0)" agent_stop
finish

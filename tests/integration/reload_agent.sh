#!/bin/bash
# The agent's configuration read again on SIGHUP (issue 21): a device added to agent.yaml is polled
# within one interval, the devices already there go on without a gap (every batch numbered and stored:
# the sequence has no hole), a broken file is refused naming file:line:column while the running
# configuration keeps polling, and a changed spool_dir is kept until a restart.
. "${top_srcdir:-.}/tests/integration/lib.sh"
TOKEN=reload-agent-token-01
PORT=$(free_port udp)
src="$T_TMP/rec"
mkdir -p "$src"
ln -s "$(cd "$top_srcdir/tests/fixtures/snmprec" && pwd)/skeleton-ups.snmprec" "$src/ups.snmprec"
ln -s "$(cd "$top_srcdir/demo/snmprec" && pwd)/italie-pdu-a.snmprec" "$src/pdu.snmprec"
sim_start "$src" "$PORT"
server_start server "step: 5
agents: [{id: rld, token: $TOKEN}]"
agent_yaml() { # agent_yaml EXTRA-DEVICE-LINE
    printf 'agent: rld\nserver: %s\ntoken: %s\nspool_dir: %s\nprofiles: %s\ninterval: 5\ntimeout: 1\nretries: 1\ndevices:\n  - {name: ups-a, host: 127.0.0.1, port: %s, community: ups}\n%s\n' \
        "$SERVER_URL" "$TOKEN" "$T_TMP/spool" "$MIBS_DIR" "$PORT" "$1"
}
agent_start agent "$(agent_yaml "")" --log-level info
RRD="$SERVER_DATA/rrd/rld"
wait_for 20 test -f "$RRD/ups-a/battery.charge.rrd"
ok $? "the UPS is polled and stored"
# the batches stored and the span of their numbers (the spool numbers them from one instant on, one by one)
seqs() { db_query "SELECT count(*) || ' ' || (max(seq) - min(seq) + 1) FROM batches WHERE agent='rld'"; }

# ---- a device added ----
agent_yaml "  - {name: pdu-b, host: 127.0.0.1, port: $PORT, community: pdu}" >"$AGENT_YAML"
kill -HUP "$AGENT_PID"
t0=$(date +%s)
wait_for 15 grep -q "reloaded: 2 device(s)" "$T_TMP/agent.log"
ok $? "the agent says it read agent.yaml again: 2 devices"
wait_for 12 sh -c "ls '$RRD/pdu-b' 2>/dev/null | grep -q '^outlet\\.'"
ok $? "the new PDU is polled and stored within one interval of the reload ($(( $(date +%s) - t0 )) s)"
check "the agent is the same process (no restart)" kill -0 "$AGENT_PID"
sleep 6
read -r n span <<<"$(seqs)"
ok $([ -n "$n" ] && [ "$n" = "$span" ] && [ "$n" -ge 3 ]; echo $?) "every batch is stored, numbers without a hole: $n batches over $span numbers"
age=$(( $(date +%s) - $(rrdtool last "$RRD/ups-a/battery.charge.rrd") ))
check "the UPS went on being polled through the reload (its last sample ${age} s old)" test "$age" -le 10

# ---- a broken file ----
cp "$AGENT_YAML" "$T_TMP/good.yaml"
{ cat "$T_TMP/good.yaml"; echo "colour: blue"; } >"$AGENT_YAML"
before=$(db_count batches "agent = 'rld'")
kill -HUP "$AGENT_PID"
wait_for 15 grep -q "reload refused, the running configuration is kept" "$T_TMP/agent.log"
ok $? "a file with an unknown key is refused"
check "naming the file, line and key" grep -Eq "reload refused, the running configuration is kept: $AGENT_YAML:[0-9]+:[0-9]+: .*colour" "$T_TMP/agent.log"
wait_for 15 t_count_ge $((before + 2)) batches "agent = 'rld'"
ok $? "the running configuration goes on polling and pushing ($before batches before; now $(seqs | cut -d' ' -f1))"
read -r n span <<<"$(seqs)"
check "still without a hole in the numbers ($n over $span)" test "$n" = "$span"
check "both devices still: the PDU's outlets keep coming" sh -c "[ \$(( \$(date +%s) - \$(rrdtool last '$RRD/ups-a/battery.charge.rrd') )) -le 10 ]"

# ---- a key a running agent keeps ----
sed "s#^spool_dir: .*#spool_dir: $T_TMP/other-spool#" "$T_TMP/good.yaml" >"$AGENT_YAML"
kill -HUP "$AGENT_PID"
wait_for 15 grep -q "agent and spool_dir changed: a running agent keeps them until it restarts" "$T_TMP/agent.log"
ok $? "a changed spool_dir is said, and kept until a restart"
check "no spool was made there" test ! -e "$T_TMP/other-spool"
cp "$T_TMP/good.yaml" "$AGENT_YAML"
check "the agent stops cleanly on SIGTERM (exit 0)" agent_stop
finish

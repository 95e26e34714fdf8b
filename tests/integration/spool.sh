#!/bin/bash
# Nothing lost: vigie-agent polls snmpsimd every 5 s while vigie-server is stopped for ~12 s. The
# batches of the outage wait in the agent's spool (files on disk), survive a kill -9 of the agent and
# its restart, and are replayed in order once the server is back on the same port and data: the RRD
# file holds a value for every poll of the outage at its own time, and the server's batches table
# holds every batch the agent made, once.
. "${top_srcdir:-.}/tests/integration/lib.sh"

sim_start "$top_srcdir/tests/fixtures/snmprec"
TOKEN=spool-agent-token-0001
server_start server "step: 5
sites: [{id: italie, kind: datacenter}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}]"

SPOOL="$T_TMP/spool"
agent_config agent "agent: dc-italie
server: $SERVER_URL
token: $TOKEN
interval: 5
timeout: 0.5
retries: 0
spool_dir: $SPOOL
spool_max_mb: 1
devices:
  - {name: ups1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}"
run_agent() { # run_agent RUN: its debug log (one line per batch spooled) is agent-RUN.log
    AGENT_LOG="$T_TMP/agent-$1.log"
    agent_launch --profiles "$MIBS_DIR" --log-level debug
}
spooled() { ls "$SPOOL" 2>/dev/null | grep -cE '^[0-9]{20}\.json$'; }
spooled_ge() { [ "$(spooled)" -ge "$1" ]; }
spool_empty() { [ "$(spooled)" -eq 0 ]; }

run_agent 1
agent_wait_pushed 1 10
ok $? "the first batch reaches the server"

# The server goes away; the agent goes on polling and spools every batch.
server_stop
ok $? "the server stops cleanly on SIGTERM (exit 0)"
DOWN=$(date +%s)
wait_for 8 spooled_ge 1
ok $? "batches are written to the spool while the server is away ($(spooled) file(s))"

# kill -9 between two polls: the spooled batches stay, and the restarted agent goes on.
sleep 0.5
BEFORE_KILL=$(ls "$SPOOL" | grep -E '^[0-9]{20}\.json$' | sort)
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
[ -n "$BEFORE_KILL" ] && [ "$(ls "$SPOOL" | grep -E '^[0-9]{20}\.json$' | sort)" = "$BEFORE_KILL" ]
ok $? "the spooled batches survive kill -9 of the agent"
run_agent 2
n_kill=$(echo "$BEFORE_KILL" | wc -l)
wait_for 5 spooled_ge $((n_kill + 1))
ok $? "the restarted agent spools its batches after the old ones"

# ~16 s of outage in all (at least three 5 s polls strictly inside it, wherever it starts on the
# polls' grid), then the server is back on the same port, with the same data.
while [ "$(date +%s)" -lt $((DOWN + 16)) ]; do sleep 0.2; done
check "the agent kept polling and spooling during the outage (>= 3 batches waiting)" test "$(spooled)" -ge 3
check "each spooled file is its batch, samples stamped with their own poll time" \
    python3 - "$SPOOL" "$T_TMP/agent-1.log" "$T_TMP/agent-2.log" <<'PY'
import json, os, re, sys
spool, logs = sys.argv[1], sys.argv[2:4]
polled = {int(s): int(t) for f in logs for s, t in re.findall(r'batch (\d+) spooled: polled at (\d+)', open(f).read())}
files = sorted(f for f in os.listdir(spool) if re.fullmatch(r'\d{20}\.json', f))
assert files
for f in files:
    b = json.load(open(os.path.join(spool, f)))
    assert b['seq'] == int(f[:20]) and b['agent'] == 'dc-italie', f
    assert {s['ts'] for s in b['samples']} == {polled[b['seq']]}, (f, polled.get(b['seq']))
PY
server_launch
ok $? "the server restarts on the same port and data folder"
UP=$(date +%s)
wait_for 10 spool_empty
ok $? "the spool is replayed until empty once the server is back"
sleep 0.3

check "nothing was set aside, dropped or left half-written" \
    sh -c "[ -z \"\$(find '$SPOOL/rejected' '$SPOOL/corrupt' '$SPOOL' -name '*.tmp' -o -type f -path '*/rejected/*' -o -type f -path '*/corrupt/*')\" ] && [ ! -e '$SPOOL/dropped' ]"

# Every batch the agent spooled (its debug log names them) is in the server's batches table, once.
db_rows "select seq from batches where agent = 'dc-italie'" >"$T_TMP/stored.seqs"
check "the batches table holds every batch the agent made, once, and those of the killed agent" \
    python3 - "$T_TMP/stored.seqs" "$T_TMP/agent-1.log" "$T_TMP/agent-2.log" "$BEFORE_KILL" <<'PY'
import re, sys
seqs, logs, killed = sys.argv[1], sys.argv[2:4], sys.argv[4].split()
made = [int(m.group(1)) for f in logs for m in re.finditer(r'batch (\d+) spooled', open(f).read())]
rows = [int(s) for s in open(seqs).read().split()]
assert len(rows) == len(set(rows)), f"duplicates in batches: {sorted(rows)}"
assert len(made) == len(set(made)), f"a sequence number was used twice: {made}"
assert sorted(rows) == sorted(made), f"agent made {sorted(made)}, server stored {sorted(rows)}"
missing = [k for k in killed if int(k.split('.')[0]) not in rows]
assert not missing, f"batches spooled by the killed agent not stored: {missing}"
print(len(rows), "batches")
PY
check "after the restart the sequence numbers go on from the last one used" \
    python3 - "$T_TMP/agent-1.log" "$T_TMP/agent-2.log" "$SPOOL/seq" <<'PY'
import re, sys
runs = [[int(x) for x in re.findall(r'batch (\d+) spooled', open(f).read())] for f in sys.argv[1:3]]
assert runs[0] and runs[1], runs
assert runs[1][0] == max(runs[0]) + 1, runs
assert int(open(sys.argv[3]).read()) == max(runs[1]), "seq file behind"
PY

# The RRD file holds a value for every poll of the outage, at the poll's own time.
RRD="$SERVER_DATA/rrd/italie/ups1/device.reachable.rrd"
rrd_fetch "$RRD" $((DOWN - 10)) $((UP + 10)) 5 >"$T_TMP/outage.values"
check "device.reachable has a value for every poll time of the outage (rrdtool fetch)" \
    python3 - "$T_TMP/outage.values" "$DOWN" "$UP" "$T_TMP/agent-1.log" "$T_TMP/agent-2.log" <<'PY'
import re, sys
values, down, up = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
polls = sorted(int(t) for f in sys.argv[4:6] for t in re.findall(r'spooled: polled at (\d+)', open(f).read()))
outage = [t for t in polls if down < t < up]  # strictly: a poll in the second of the kill may have been sent
assert len(outage) >= 3, f"polls {polls}, outage {down}..{up}"
vals = {int(t): float(v) for t, v in (line.split() for line in open(values))}  # NaN rows left out
for t in outage:
    row = -(-t // 5) * 5  # the 5 s step that holds time t (an update exactly on a step boundary may
    got = [vals.get(r) for r in (row, row + 5)]  # be consolidated into the next row)
    assert any(v == 1 for v in got), f"poll at {t}: rows {row}, {row + 5} = {got}\n{vals}"
print(len(outage), "polls of the outage found")
PY
check "rrdtool last is a poll after the server came back" test "$(rrd_last_time "$RRD")" -ge $((UP - 5))
check "the agent is still running" kill -0 "$AGENT_PID"
check "the agent stops cleanly on SIGTERM (exit 0)" agent_stop
finish

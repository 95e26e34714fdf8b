#!/bin/bash
# Nothing lost: vigie-agent polls snmpsimd every 5 s while vigie-server is stopped for ~12 s. The
# batches of the outage wait in the agent's spool (files on disk), survive a kill -9 of the agent and
# its restart, and are replayed in order once the server is back on the same port and data: the RRD
# file holds a value for every poll of the outage at its own time, and the server's batches table
# holds every batch the agent made, once.
. "${top_srcdir:-.}/tests/integration/lib.sh"
plan 14

sim_start "$top_srcdir/tests/fixtures/snmprec"
TOKEN=spool-agent-token-0001
server_start server "step: 5
sites: [{id: italie, kind: datacenter}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}]"

SPOOL="$T_TMP/spool"
cat > "$T_TMP/agent.yaml" <<YAML
agent: dc-italie
server: $SERVER_URL
token: $TOKEN
interval: 5
timeout: 0.5
retries: 0
spool_dir: $SPOOL
spool_max_mb: 1
devices:
  - {name: ups1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}
YAML
chmod 600 "$T_TMP/agent.yaml"
agent_start() { # agent_start RUN: its debug log (one line per batch spooled) is agent-RUN.log
    "$AGENT" -c "$T_TMP/agent.yaml" --profiles "$MIBS_DIR" --log-level debug 2>"$T_TMP/agent-$1.log" &
    AGENT_PID=$!
    T_PIDS="$AGENT_PID $T_PIDS"
}
DB="$SERVER_DATA/vigie.db"
stored() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from batches').fetchone()[0])" "$DB" 2>/dev/null || echo 0; }
spooled() { ls "$SPOOL" 2>/dev/null | grep -cE '^[0-9]{20}\.json$'; }
stored_ge() { [ "$(stored)" -ge "$1" ]; }
spooled_ge() { [ "$(spooled)" -ge "$1" ]; }
spool_empty() { [ "$(spooled)" -eq 0 ]; }
wait_for() { # wait_for TENTHS-OF-SECONDS COMMAND...: until the command succeeds
    local n="$1"; shift
    for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}

agent_start 1
wait_for 100 stored_ge 1
ok $? "the first batch reaches the server"

# The server goes away; the agent goes on polling and spools every batch.
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
DOWN=$(date +%s)
wait_for 80 spooled_ge 1
ok $? "batches are written to the spool while the server is away ($(spooled) file(s))"

# kill -9 between two polls: the spooled batches stay, and the restarted agent goes on.
sleep 0.5
BEFORE_KILL=$(ls "$SPOOL" | grep -E '^[0-9]{20}\.json$' | sort)
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
[ -n "$BEFORE_KILL" ] && [ "$(ls "$SPOOL" | grep -E '^[0-9]{20}\.json$' | sort)" = "$BEFORE_KILL" ]
ok $? "the spooled batches survive kill -9 of the agent"
agent_start 2
n_kill=$(echo "$BEFORE_KILL" | wc -l)
wait_for 50 spooled_ge $((n_kill + 1))
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
"$SERVER" -c "$SERVER_YAML" --log-level warn 2>>"$T_TMP/server.log" &
SERVER_PID=$!
T_PIDS="$T_PIDS $SERVER_PID"
wait_for 100 curl -sf "$SERVER_URL/api/v1/health" -o /dev/null
ok $? "the server restarts on the same port and data folder"
UP=$(date +%s)
wait_for 100 spool_empty
ok $? "the spool is replayed until empty once the server is back"
sleep 0.3

check "nothing was set aside, dropped or left half-written" \
    sh -c "[ -z \"\$(find '$SPOOL/rejected' '$SPOOL/corrupt' '$SPOOL' -name '*.tmp' -o -type f -path '*/rejected/*' -o -type f -path '*/corrupt/*')\" ] && [ ! -e '$SPOOL/dropped' ]"

# Every batch the agent spooled (its debug log names them) is in the server's batches table, once.
check "the batches table holds every batch the agent made, once, and those of the killed agent" \
    python3 - "$DB" "$T_TMP/agent-1.log" "$T_TMP/agent-2.log" "$BEFORE_KILL" <<'PY'
import re, sqlite3, sys
db, logs, killed = sys.argv[1], sys.argv[2:4], sys.argv[4].split()
made = [int(m.group(1)) for f in logs for m in re.finditer(r'batch (\d+) spooled', open(f).read())]
rows = [r[0] for r in sqlite3.connect(db).execute("select seq from batches where agent='dc-italie'")]
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
check "device.reachable has a value for every poll time of the outage (rrdtool fetch)" \
    python3 - "$RRD" "$DOWN" "$UP" "$T_TMP/agent-1.log" "$T_TMP/agent-2.log" <<'PY'
import math, re, subprocess, sys
rrd, down, up = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
polls = sorted(int(t) for f in sys.argv[4:6] for t in re.findall(r'spooled: polled at (\d+)', open(f).read()))
outage = [t for t in polls if down < t < up]  # strictly: a poll in the second of the kill may have been sent
assert len(outage) >= 3, f"polls {polls}, outage {down}..{up}"
out = subprocess.run(["rrdtool", "fetch", rrd, "AVERAGE", "-r", "5", "-s", str(down - 10), "-e", str(up + 10)],
                     capture_output=True, text=True, check=True).stdout
vals = {}
for line in out.splitlines():
    m = re.match(r'\s*(\d+):\s+(\S+)', line)
    if m:
        vals[int(m.group(1))] = float(m.group(2))
for t in outage:
    row = -(-t // 5) * 5  # the 5 s step that holds time t (an update exactly on a step boundary may
    got = [vals.get(r, float('nan')) for r in (row, row + 5)]  # be consolidated into the next row)
    assert any(not math.isnan(v) and v == 1 for v in got), f"poll at {t}: rows {row}, {row + 5} = {got}\n{out}"
print(len(outage), "polls of the outage found")
PY
check "rrdtool lastupdate is a poll after the server came back" \
    sh -c "[ \"\$(rrdtool lastupdate '$RRD' | awk -F: 'NR==3 {print \$1}')\" -ge $((UP - 5)) ]"
check "the agent is still running" kill -0 "$AGENT_PID"
finish

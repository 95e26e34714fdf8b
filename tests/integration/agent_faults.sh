#!/bin/bash
# The agent under server faults (issue 16), with real processes on loopback:
# 1. a "server" that accepts connections and never answers: the agent keeps polling every 5 s (the
#    poll times of its batches keep their interval, ±1 s), since pushes run on their own thread;
#    once a real vigie-server replaces it on the same port, every batch made arrives, in sequence order,
#    and the RRD file holds a value for every poll of the hang;
# 2. a batch the server answers 500 for, for the same reason, 3 times: moved to SPOOL/dead/, logged
#    once with the reason, and the batches behind it go; --spool-status shows it;
# 3. a sequence number that cannot be recorded: --once exits non-zero, nothing is sent, no number is
#    used; once it can be recorded, the batch goes with the next number;
# 4. a reused sequence number (the seq file lost): the server's "duplicate" is a loud error naming the
#    batch, which is kept in SPOOL/duplicate/, and --once exits non-zero;
# 5. SIGTERM while a push hangs: the agent stops within seconds, the batch stays in the spool.
. "${top_srcdir:-.}/tests/integration/lib.sh"

sim_start "$top_srcdir/tests/fixtures/snmprec"
TOKEN=faults-agent-token-0001
FAKE="$top_srcdir/tests/tools/fake_ingest.py"
SPOOL="$T_TMP/spool"
PORT=$(free_port tcp)
agent_yaml() { # agent_yaml INTERVAL
    agent_config agent "agent: dc-italie
server: http://127.0.0.1:$PORT
token: $TOKEN
interval: $1
timeout: 0.5
retries: 0
spool_dir: $SPOOL
spool_max_mb: 4
devices:
  - {name: ups1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}"
}
spooled() { ls "$SPOOL" 2>/dev/null | grep -cE '^[0-9]{20}\.json$'; }
spool_empty() { [ "$(spooled)" -eq 0 ]; }
fake_start() { # fake_start MODE RECORD
    python3 "$FAKE" "$PORT" "$1" "$2" 2>>"$T_TMP/fake.log" &
    FAKE_PID=$!
    T_PIDS="$T_PIDS $FAKE_PID"
    wait_for 10 python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$PORT" ||
        bail "fake_ingest.py $1 did not start"
}
fake_stop() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }
# the poll times of the batches the agent spooled (its debug log), in order
poll_times() { sed -n 's/.*batch [0-9]* spooled: polled at \([0-9]*\),.*/\1/p' "$AGENT_LOG"; }

# ---- 1. a server that hangs ------------------------------------------------------------------
fake_start hang "$T_TMP/hang.rec"
agent_yaml 5
agent_launch --profiles "$MIBS_DIR" --log-level debug
HANG_START=$(date +%s)
sleep 32 # past the agent's 30 s push timeout: it tries again, and polling still does not wait
connects=$(grep -c '^connect' "$T_TMP/hang.rec" 2>/dev/null)
check "the hanging server was reached by the agent ($connects connection(s)) and never answered" test "$connects" -ge 1
check "the agent spooled the batches of the hang ($(spooled) waiting)" test "$(spooled)" -ge 5
poll_times >"$T_TMP/polls-hang"
check "polling kept its 5 s interval (±1 s) while the server hung: $(tr '\n' ' ' <"$T_TMP/polls-hang")" \
    python3 - "$T_TMP/polls-hang" <<'PY'
import sys
t = [int(x) for x in open(sys.argv[1]).read().split()]
t = t[1:]  # the first poll is at the start; the next ones on the interval's grid
gaps = [b - a for a, b in zip(t, t[1:])]
print("# gaps:", gaps)
sys.exit(0 if len(t) >= 6 and all(4 <= g <= 6 for g in gaps) else 1)
PY
fake_stop

# the real server on the same port: every batch the agent made arrives, once, oldest first
SERVER_PORT=$PORT
SERVER_YAML="$T_TMP/server.yaml"
SERVER_DATA="$T_TMP/server-data"
SERVER_LOG="$T_TMP/server.log"
SERVER_URL="http://127.0.0.1:$PORT"
printf 'listen: 127.0.0.1:%s\ndata_dir: %s\nmibs_dir: %s\nstep: 5\nagents: [{id: dc-italie, token: %s, site: italie}]\nsites: [{id: italie, kind: datacenter}]\n' \
    "$PORT" "$SERVER_DATA" "$MIBS_DIR" "$TOKEN" >"$SERVER_YAML"
chmod 600 "$SERVER_YAML"
server_launch
wait_for 60 spool_empty
ok $? "once a real server answers on the same port, the spool empties"
sleep 1
agent_stop
ok $? "the agent stops cleanly on SIGTERM (exit 0)"
check "every batch the agent made is stored once, in sequence order, with all its samples" python3 - \
    "$AGENT_LOG" "$SERVER_DATA/vigie.db" <<'PY'
import re, sqlite3, sys
log = open(sys.argv[1]).read()
made = {int(s): int(n) for s, n in re.findall(r'batch (\d+) spooled: polled at \d+, (\d+) samples', log)}
rows = sqlite3.connect(sys.argv[2]).execute(
    "select seq, samples from batches where agent = 'dc-italie' order by rowid").fetchall()
seqs = [r[0] for r in rows]
print("# made %d batches (%d samples), stored %d (%d samples)" % (len(made), sum(made.values()), len(rows),
      sum(r[1] for r in rows)))
ok = set(seqs) == set(made) and len(seqs) == len(set(seqs)) and seqs == sorted(seqs)
ok = ok and all(made[s] == n for s, n in rows)
sys.exit(0 if ok else 1)
PY
RRD="$SERVER_DATA/rrd/italie/ups1/device.reachable.rrd"
# every poll of the hang on the interval's grid has its value in the RRD file, at its own time. The
# first poll, at the start, made the file (last update just before it) and shares its 5 s step with the
# second: RRD leaves a step unknown when more than half of it is, so that step is known only when the
# start fell early enough in it; the polls after it are compared.
tail -n +3 "$T_TMP/polls-hang" >"$T_TMP/grid-hang"
LAST_POLL=$(sort -n "$T_TMP/grid-hang" | tail -1) # the fetch reaches the last poll, however long the hang
rrd_fetch "$RRD" "$((HANG_START - 10))" "$((LAST_POLL + 5))" 5 | cut -d' ' -f1 >"$T_TMP/rrd-hang"
n_polls=$(wc -l <"$T_TMP/grid-hang")
n_rrd=$(grep -cxFf "$T_TMP/grid-hang" "$T_TMP/rrd-hang")
check "the RRD file holds a value for every poll of the hang ($n_rrd for $n_polls polls)" test "$n_rrd" -eq "$n_polls" -a "$n_polls" -ge 4
server_stop
ok $? "the server stops cleanly on SIGTERM (exit 0)"

# ---- 2. the same refusal three times: dead letter --------------------------------------------
fake_start fail-first "$T_TMP/fail.rec"
AGENT_LOG="$T_TMP/agent-dead.log"
agent_launch --profiles "$MIBS_DIR" --log-level info
dead_one() { [ "$(ls "$SPOOL/dead" 2>/dev/null | wc -l)" -eq 1 ]; }
wait_for 30 dead_one
ok $? "a batch answered 500 for the same reason is moved to $SPOOL/dead/"
first=$(head -1 "$T_TMP/fail.rec" | cut -d' ' -f1)
sent_after() { awk -v f="$first" '$1 != f && $2 == 200' "$T_TMP/fail.rec" | grep -q .; }
wait_for 15 sent_after
ok $? "the batches behind it go on"
check "it was tried exactly 3 times ($(grep -c "^$first " "$T_TMP/fail.rec"))" test "$(grep -c "^$first " "$T_TMP/fail.rec")" -eq 3
check "logged once, naming the batch and the reason" test "$(grep -c "batch $first refused 3 times for the same reason, moved to .*/dead/: .*File name too long" "$AGENT_LOG")" -eq 1
agent_stop
ok $? "the agent stops cleanly on SIGTERM (exit 0)"
fake_stop
"$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --spool-status >"$T_TMP/status.txt" 2>>"$AGENT_LOG"
ok $? "vigie-agent --spool-status exits 0"
sed 's/^/# /' "$T_TMP/status.txt"
check "--spool-status shows the dead letter and the last push" grep -q '^dead: 1$' "$T_TMP/status.txt"
check "... and the waiting batches, rejected/, corrupt/ and duplicate/" \
    sh -c "grep -q '^waiting: [0-9]* batch(es), [0-9]* bytes' '$T_TMP/status.txt' && grep -q '^rejected: 0$' '$T_TMP/status.txt' &&
           grep -q '^corrupt: 0$' '$T_TMP/status.txt' && grep -q '^duplicate: 0$' '$T_TMP/status.txt' &&
           grep -q '^last push: [0-9T:Z-]* \(sent\|retry\) ' '$T_TMP/status.txt'"

# ---- 3. a sequence number that cannot be recorded ----------------------------------------------
server_launch
rm -f "$SPOOL"/*.json
last=$(cat "$SPOOL/seq")
rm -f "$SPOOL/seq" && mkdir -p "$SPOOL/seq/x" # its rename fails, as on a full disk
before=$(db_count batches "agent = 'dc-italie'")
AGENT_LOG="$T_TMP/agent-seq.log"
"$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --once 2>>"$AGENT_LOG"
rc=$?
check "--once exits non-zero when no sequence number can be recorded ($rc)" test "$rc" -ne 0
check "the error is logged" grep -q "no sequence number can be recorded" "$AGENT_LOG"
check "nothing was sent" test "$(db_count batches "agent = 'dc-italie'")" -eq "$before"
rm -rf "$SPOOL/seq" && echo "$last" >"$SPOOL/seq"
"$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --once 2>>"$AGENT_LOG"
ok $? "once the number can be recorded, --once exits 0"
check "the batch went with the next number ($((last + 1)))" test "$(db_count batches "agent = 'dc-italie' and seq = $((last + 1))")" -eq 1

# ---- 4. a number used twice: "duplicate" is a loud error ---------------------------------------
echo "$last" >"$SPOOL/seq" # as if the seq file had been lost: the agent gives last + 1 again
AGENT_LOG="$T_TMP/agent-dup.log"
"$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --once 2>>"$AGENT_LOG"
rc=$?
check "--once exits non-zero on a duplicate answer for a batch never sent ($rc)" test "$rc" -ne 0
check "logged as an error naming the batch" grep -q "error spool: DATA LOST: batch $((last + 1)) was never stored by this agent" "$AGENT_LOG"
check "the batch is kept in $SPOOL/duplicate/" test -f "$SPOOL/duplicate/$(printf '%020d' $((last + 1))).json"
"$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --spool-status >"$T_TMP/status2.txt" 2>>"$AGENT_LOG"
check "--spool-status counts it" grep -q '^duplicate: 1$' "$T_TMP/status2.txt"
server_stop
ok $? "the server stops cleanly on SIGTERM (exit 0)"

# ---- 5. stopping while the server hangs ---------------------------------------------------------
fake_start hang "$T_TMP/hang2.rec"
AGENT_LOG="$T_TMP/agent-stop.log"
agent_launch --profiles "$MIBS_DIR" --log-level info
hung() { grep -q '^connect' "$T_TMP/hang2.rec" 2>/dev/null; }
wait_for 10 hung
ok $? "the agent is sending to the hanging server"
sleep 1
t0=$(t_now_ms)
agent_stop
ok $? "SIGTERM while a push hangs: the agent stops cleanly (exit 0)"
ms=$(($(t_now_ms) - t0))
check "... within 5 s ($ms ms): the hanging push is ended, its batch stays in the spool" test "$ms" -lt 5000 -a "$(spooled)" -ge 1
fake_stop
finish

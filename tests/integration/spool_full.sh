#!/bin/bash
# The spool's quota fills up: the server is away, the agent (100 devices, big batches) spools until
# spool_max_mb is reached, then drops the oldest batches loudly and counts them (DIR/dropped), never
# grows past its bound, and keeps polling. When the server comes, every batch still in the spool is
# stored, and what was dropped is exactly what the agent said it dropped.
. "${top_srcdir:-.}/tests/integration/lib.sh"
plan 5
sim_start "$top_srcdir/tests/fixtures/snmprec"
TOKEN=full-agent-token-00001
SERVER_PORT=$(free_port tcp)
SPOOL="$T_TMP/spool"
{
    printf 'agent: dc-italie\nserver: http://127.0.0.1:%s\ntoken: %s\ninterval: 5\ntimeout: 1\nretries: 0\n' "$SERVER_PORT" "$TOKEN"
    printf 'spool_dir: %s\nspool_max_mb: 1\ndevices:\n' "$SPOOL"
    for i in $(seq 1 100); do printf '  - {name: ups%03d, host: 127.0.0.1, port: %s, community: skeleton-ups}\n' "$i" "$SIM_PORT"; done
} >"$T_TMP/agent.yaml"
chmod 600 "$T_TMP/agent.yaml"
"$AGENT" -c "$T_TMP/agent.yaml" --profiles "$MIBS_DIR" --log-level debug 2>"$T_TMP/agent.log" &
AGENT_PID=$!
T_PIDS="$AGENT_PID $T_PIDS"
for _ in $(seq 600); do grep -q "DATA LOST" "$T_TMP/agent.log" && break; sleep 0.1; done
grep -q "DATA LOST: spool .* is over its bound of 1 MB" "$T_TMP/agent.log"
ok $? "with the server away, a full spool says so loudly (DATA LOST ...)"
sleep 6 # one more poll while full
size=$(du -sb "$SPOOL" --exclude=rejected --exclude=corrupt | cut -f1)
batch=$(ls -l "$SPOOL"/*.json | awk 'NR==1 {print $5}')
[ "$size" -le $((1048576 + 2 * batch)) ]
ok $? "the spool stays within its bound ($size bytes, batches of $batch bytes)"
dropped=$(cat "$SPOOL/dropped")
[ "$dropped" -ge 1 ]
ok $? "the dropped batches are counted in $SPOOL/dropped ($dropped)"
check "the agent keeps polling" kill -0 "$AGENT_PID"

waiting=$(ls "$SPOOL" | grep -cE '^[0-9]{20}\.json$')
SERVER_YAML="$T_TMP/server.yaml"
SERVER_DATA="$T_TMP/server-data"
printf 'listen: 127.0.0.1:%s\ndata_dir: %s\nstep: 5\nagents: [{id: dc-italie, token: %s, site: italie}]\nsites: [{id: italie}]\n' \
    "$SERVER_PORT" "$SERVER_DATA" "$TOKEN" >"$SERVER_YAML"
chmod 600 "$SERVER_YAML"
"$SERVER" -c "$SERVER_YAML" --log-level warn 2>"$T_TMP/server.log" &
T_PIDS="$T_PIDS $!"
for _ in $(seq 300); do [ "$(ls "$SPOOL" | grep -cE '^[0-9]{20}\.json$')" -eq 0 ] && break; sleep 0.2; done
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
check "every batch left in the spool is stored, and only the dropped ones are missing" python3 - \
    "$SERVER_DATA/vigie.db" "$T_TMP/agent.log" "$(cat "$SPOOL/dropped")" <<'PY'
import re, sqlite3, sys
db, log, dropped = sys.argv[1], open(sys.argv[2]).read(), int(sys.argv[3])
made = [int(x) for x in re.findall(r'batch (\d+) spooled', log)]
stored = {r[0] for r in sqlite3.connect(db).execute("select seq from batches")}
lost = [s for s in made if s not in stored]
said = sum(int(n) for n in re.findall(r'DATA LOST: spool .*?: (\d+) oldest batch', log))
assert len(lost) == dropped == said, (len(made), len(stored), lost, dropped, said)
assert lost == sorted(made)[:len(lost)], "the oldest ones are the ones dropped"
print(len(made), "made,", len(stored), "stored,", dropped, "dropped")
PY
finish

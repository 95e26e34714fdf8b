#!/bin/bash
# The long-running daemons under valgrind: vigie-server and vigie-agent run for several poll cycles
# (three devices, tables, counters, a reboot, pushes), stop on SIGTERM, and valgrind must report no
# error and nothing definitely or indirectly lost.
. "${top_srcdir:-.}/tests/integration/lib.sh"
if ldd "$SERVER" | grep -q -E 'libasan|libtsan'; then
    # said out loud, not hidden: valgrind cannot run what a sanitizer instruments
    skip_all "built with --enable-sanitizers: valgrind runs on the normal build (scripts/test.sh)"
fi
command -v valgrind >/dev/null || bail "valgrind is not installed (scripts/deps.sh installs it)"
FIX="$top_srcdir/tests/fixtures"
PROF="$T_TMP/profiles"
mkdir -p "$PROF" "$T_TMP/sim"
cp "$MIBS_DIR"/*.yaml "$FIX/profiles/test-edge.yaml" "$PROF/"
cp "$FIX/snmprec/skeleton-ups.snmprec" "$FIX"/edge/*.snmprec "$T_TMP/sim/"
sim_start "$T_TMP/sim"
VG=(valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
    --error-exitcode=99 --track-fds=no)
TOKEN=valgrind-agent-token-01
PORT=$(free_port tcp)
cat >"$T_TMP/server.yaml" <<YAML
listen: 127.0.0.1:$PORT
data_dir: $T_TMP/data
step: 5
agents: [{id: vg, token: $TOKEN}]
api_tokens: [{name: ops, token: valgrind-read-token-01}]
YAML
cat >"$T_TMP/agent.yaml" <<YAML
agent: vg
server: http://127.0.0.1:$PORT
token: $TOKEN
spool_dir: $T_TMP/spool
profiles: $PROF
interval: 5
timeout: 1
devices:
  - {name: ups, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}
  - {name: olt, host: 127.0.0.1, port: $SIM_PORT, community: edge-olt}
  - {name: rebooter, host: 127.0.0.1, port: $SIM_PORT, community: edge-reboot}
  - {name: dead, host: 127.0.0.1, port: $(free_port udp), community: nobody}
YAML
chmod 600 "$T_TMP"/*.yaml
"${VG[@]}" --log-file="$T_TMP/vg-server.txt" "$SERVER" -c "$T_TMP/server.yaml" 2>"$T_TMP/server.log" &
SPID=$!
wait_for 20 curl -sf "http://127.0.0.1:$PORT/api/v1/health" -o /dev/null
ok $? "vigie-server answers under valgrind"
"${VG[@]}" --log-file="$T_TMP/vg-agent.txt" "$AGENT" -c "$T_TMP/agent.yaml" 2>"$T_TMP/agent.log" &
APID=$!
sleep 32   # six poll cycles
curl -sf -H "Authorization: Bearer valgrind-read-token-01" "http://127.0.0.1:$PORT/api/v1/status" >"$T_TMP/status.json"
n=$(json_get "$T_TMP/status.json" "len(j['devices'])")
[ "$n" = 4 ]
ok $? "four devices polled and stored under valgrind ($n)"
batches=$(DB="$T_TMP/data/vigie.db" db_count batches)
[ "$batches" -ge 5 ]
ok $? "at least five cycles pushed ($batches batches)"
kill -TERM "$APID"; wait "$APID"; arc=$?
kill -TERM "$SPID"; wait "$SPID"; src=$?
ok "$arc" "vigie-agent: no valgrind error nor leak after $batches cycles (exit $arc)"
[ "$arc" -eq 0 ] || grep -A15 -E "definitely lost in|Invalid|uninitialised" "$T_TMP/vg-agent.txt" | head -40 | sed 's/^/#   /'
ok "$src" "vigie-server: no valgrind error nor leak (exit $src)"
[ "$src" -eq 0 ] || grep -A15 -E "definitely lost in|Invalid|uninitialised" "$T_TMP/vg-server.txt" | head -40 | sed 's/^/#   /'
grep -q "definitely lost: 0 bytes" "$T_TMP/vg-agent.txt" || grep -q "All heap blocks were freed" "$T_TMP/vg-agent.txt"
ok $? "the agent's leak summary says nothing lost"
finish

#!/bin/bash
# One agent pushing to a pair of servers (agent.yaml `server:` as a list; each server its own data
# folder and SQLite database). Server B is killed -9 while the agent polls: A keeps storing every
# batch, the spool keeps B's, and once B is back it gets them oldest first; both end with the same
# batches and the same sample count. Then B stays away past its backlog bound (server_backlog_mb,
# 100 devices for big batches): it is marked behind (logged, --spool-status, agent.server.behind on A),
# A still has every batch (no number missing), nothing is dropped, and the spool stays bounded; B back
# gets what was kept for it and is no longer behind. Last, a server that hangs (accepts, never
# answers) never delays the other.
. "${top_srcdir:-.}/tests/integration/lib.sh"

sim_start "$top_srcdir/tests/fixtures/snmprec"
TOKEN=pair-agent-token-000001
CONF="step: 5
sites: [{id: italie, kind: datacenter}]
agents: [{id: dc-pair, token: $TOKEN, site: italie}]"
server_start a "$CONF"
A_URL=$SERVER_URL A_PID=$SERVER_PID A_DATA=$SERVER_DATA A_YAML=$SERVER_YAML A_LOG=$SERVER_LOG
server_start b "$CONF"
B_URL=$SERVER_URL B_PID=$SERVER_PID B_DATA=$SERVER_DATA B_YAML=$SERVER_YAML B_LOG=$SERVER_LOG

SPOOL="$T_TMP/spool"
# the servers' databases
qa() { DB="$A_DATA/vigie.db" db_query "$1"; }
qb() { DB="$B_DATA/vigie.db" db_query "$1"; }
nbatches() { DB="$1/vigie.db" db_count batches "agent = 'dc-pair'"; }
spooled() { ls "$SPOOL" 2>/dev/null | grep -cE '^[0-9]{20}\.json$'; }
start_b() { # B again on its port and data
    SERVER_URL=$B_URL SERVER_YAML=$B_YAML SERVER_LOG=$B_LOG server_launch
    B_PID=$SERVER_PID
}

agent_start agent "agent: dc-pair
server: [$A_URL, $B_URL]
token: $TOKEN
interval: 5
timeout: 0.5
retries: 0
spool_dir: $SPOOL
devices:
  - {name: ups1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}"
both_have() { [ "$(nbatches "$A_DATA")" -ge "$1" ] && [ "$(nbatches "$B_DATA")" -ge "$1" ]; }
wait_for 15 both_have 1
ok $? "the agent's first batch reaches both servers"

# B dies; A goes on receiving, the spool keeps what B lacks
kill -9 "$B_PID"; wait "$B_PID" 2>/dev/null
a0=$(nbatches "$A_DATA")
spooled_ge() { [ "$(spooled)" -ge "$1" ]; }
wait_for 20 spooled_ge 3
ok $? "with B killed, the batches B lacks wait in the spool ($(spooled))"
[ "$(nbatches "$A_DATA")" -ge $((a0 + 2)) ]
ok $? "A keeps storing every poll while B is away ($a0 -> $(nbatches "$A_DATA") batches)"
"$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --spool-status >"$T_TMP/status1.txt" 2>&1
grep -q "server $B_URL: [1-9][0-9]* batch(es) waiting for it" "$T_TMP/status1.txt"
ok $? "--spool-status names B and what waits for it"

start_b
spool_empty() { [ "$(spooled)" -eq 0 ]; }
wait_for 30 spool_empty
ok $? "B back: its backlog is sent, and the spool empties"
agent_stop
ok $? "the agent stops cleanly"
na=$(nbatches "$A_DATA") nb=$(nbatches "$B_DATA")
[ "$na" -eq "$nb" ] && [ "$na" -ge 4 ]
ok $? "both servers hold the same number of batches ($na, $nb)"
sa=$(qa "select sum(samples) from batches where agent = 'dc-pair'")
sb=$(qb "select sum(samples) from batches where agent = 'dc-pair'")
[ -n "$sa" ] && [ "$sa" = "$sb" ]
ok $? "and the same number of samples ($sa, $sb)"
[ "$(qa "select group_concat(seq) from (select seq from batches where agent = 'dc-pair' order by seq)")" = \
  "$(qb "select group_concat(seq) from (select seq from batches where agent = 'dc-pair' order by seq)")" ]
ok $? "the very same batches"
# B stored its backlog in order: in the order rows were inserted, the numbers only grow
order=$(qb "select group_concat(seq) from (select seq from batches where agent = 'dc-pair' order by rowid)")
sorted=$(echo "$order" | tr , '\n' | sort -n | paste -sd,)
[ -n "$order" ] && [ "$order" = "$sorted" ]
ok $? "B got its backlog oldest first"

# ---- past the bound: 100 devices, B away -------------------------------------------------------
kill -9 "$B_PID"; wait "$B_PID" 2>/dev/null
big_yaml() {
    printf 'agent: dc-pair\nserver: [%s, %s]\ntoken: %s\ninterval: 5\ntimeout: 1\nretries: 0\n' "$A_URL" "$B_URL" "$TOKEN"
    printf 'spool_dir: %s\nspool_max_mb: 4\nserver_backlog_mb: 1\ndevices:\n' "$SPOOL"
    for i in $(seq 1 100); do printf '  - {name: ups%03d, host: 127.0.0.1, port: %s, community: skeleton-ups}\n' "$i" "$SIM_PORT"; done
}
AGENT_LOG="$T_TMP/agent-big.log"
agent_config agent-big "$(big_yaml)"
agent_launch --profiles "$MIBS_DIR" --log-level info
wait_for 90 grep -q "SERVER BEHIND: $B_URL" "$AGENT_LOG"
ok $? "B away past server_backlog_mb: marked behind, loudly"
[ "$(grep -c "SERVER BEHIND" "$AGENT_LOG")" -eq 1 ]
ok $? "said once"
sleep 6 # one more poll while behind
size=$(cat "$SPOOL"/*.json | wc -c)
batch=$(ls -l "$SPOOL"/*.json | awk 'NR==1 {print $5}')
[ "$size" -le $((1048576 + 2 * batch)) ]
ok $? "the spool stays within B's bound ($size bytes, batches of $batch bytes)"
[ ! -s "$SPOOL/dropped" ] || [ "$(cat "$SPOOL/dropped")" -eq 0 ]
ok $? "nothing was dropped: A lacks nothing"
"$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --spool-status >"$T_TMP/status2.txt" 2>&1
grep -q "server $B_URL: .*BEHIND" "$T_TMP/status2.txt"
ok $? "--spool-status says B is behind"
behind_on_a() { [ "$(DB="$A_DATA/vigie.db" db_latest dc-pair agent.server.behind 2)" = "1.0" ]; }
wait_for 15 behind_on_a
ok $? "A shows B behind (agent.server.behind, instance 2, on the agent's device)"
a_all() { # A has every number from its first to its last: nothing skipped for it
    [ "$(qa "select max(seq) - min(seq) + 1 - count(*) from batches where agent = 'dc-pair'")" = 0 ]
}
check "A holds every batch the agent numbered, none missing" a_all

start_b
caught_up() { grep -q "server $B_URL has caught up" "$AGENT_LOG"; }
wait_for 60 caught_up
ok $? "B back: it gets what was kept for it and catches up"
not_behind_on_a() { [ "$(DB="$A_DATA/vigie.db" db_latest dc-pair agent.server.behind 2)" = "0.0" ]; }
wait_for 15 not_behind_on_a
ok $? "A then shows B no longer behind"
agent_stop
ok $? "the agent stops cleanly"
check "A still holds every batch, none missing" a_all
missing=$(qb "select count(*) from batches where agent = 'dc-pair'")
[ "$missing" -lt "$(nbatches "$A_DATA")" ]
ok $? "B lacks what was given up for it ($missing of $(nbatches "$A_DATA") batches)"
# ---- a server that hangs (accepts, never answers) never delays the other ----------------------
HANG_PORT=$(free_port tcp)
/usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$HANG_PORT" "$T_TMP/hang.jsonl" --hang &
T_PIDS="$T_PIDS $!"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $HANG_PORT), 1)" ||
    bail "the hanging receiver did not start"
AGENT_LOG="$T_TMP/agent-hang.log"
agent_config agent-hang "agent: dc-pair
server: [http://127.0.0.1:$HANG_PORT, $A_URL]
token: $TOKEN
interval: 5
timeout: 0.5
retries: 0
spool_dir: $SPOOL
devices:
  - {name: ups1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}"
h0=$(nbatches "$A_DATA")
agent_launch --profiles "$MIBS_DIR" --log-level warn
a_grows() { [ "$(nbatches "$A_DATA")" -ge $((h0 + 3)) ]; }
wait_for 20 a_grows
ok $? "with the first server hanging, the second gets every poll ($h0 -> $(nbatches "$A_DATA") batches)"
hung() { [ -s "$T_TMP/hang.jsonl" ]; }
check "the hanging server was sent a batch, and holds it" hung
t0=$(date +%s)
agent_stop
ok $? "the agent stops cleanly, a send to the hanging server ended"
[ $(( $(date +%s) - t0 )) -le 5 ]
ok $? "within the stop's grace, not the push timeout"
SERVER_PID=$A_PID SERVER_LOG=$A_LOG server_stop
ok $? "server A stops cleanly"
SERVER_PID=$B_PID SERVER_LOG=$B_LOG server_stop
ok $? "server B stops cleanly"
finish

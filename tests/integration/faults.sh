#!/bin/bash
# kill -9 of the server's RRD writer processes, three times: each is logged and replaced (by the
# server's timer, or by the push that finds it dead, which is refused and sent again by the agent).
# kill -9 of the server in the middle of a push, three times: the server is frozen (SIGSTOP) so
# that the agent's next push is in flight, then killed (SIGKILL) and restarted on the same port and
# data. Whatever the server had acknowledged is there after the restart, the agent resends what was
# not acknowledged, and in the end every batch the agent made is stored exactly once, the RRD file
# holds the last poll, and no state change event is recorded twice.
. "${top_srcdir:-.}/tests/integration/lib.sh"
sim_start "$top_srcdir/tests/fixtures/snmprec"
TOKEN=faults-agent-token-0001
server_start server "step: 5
sites: [{id: italie, kind: datacenter, services: {power: {devices: [ups1], min_up: 1}}}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}]"
SPOOL="$T_TMP/spool"
agent_start agent "agent: dc-italie
server: $SERVER_URL
token: $TOKEN
interval: 5
timeout: 0.5
retries: 0
spool_dir: $SPOOL
devices:
  - {name: ups1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}" --profiles "$MIBS_DIR" --log-level debug
spooled() { ls "$SPOOL" 2>/dev/null | grep -cE '^[0-9]{20}\.json$'; }
spool_empty() { [ "$(spooled)" -eq 0 ]; }
spool_nonempty() { [ "$(spooled)" -ge 1 ]; }
agent_wait_pushed 1 10
ok $? "the agent's first batch is stored"

writers() { for c in $(pgrep -P "$SERVER_PID"); do [ "$(ps -o stat= -p "$c" | cut -c1)" != Z ] && echo "$c"; done | sort; }
nwriters=$(writers | wc -l)
writer_kills=0
writers_replaced() { # writers_replaced OLD-PIDS: as many writers as before, none of OLD-PIDS, the spool empty
    local new; new=$(writers)
    [ "$(echo "$new" | wc -l)" = "$nwriters" ] && [ -z "$(comm -12 <(echo "$1") <(echo "$new"))" ] && spool_empty
}
for round in 1 2 3; do
    old=$(writers)
    [ -n "$old" ] || break
    kill -KILL $old
    writer_kills=$((writer_kills + $(echo "$old" | wc -l)))
    wait_for 15 writers_replaced "$old"
done
told=$(grep -c "RRD writer process was killed by signal 9" "$SERVER_LOG")
[ "$nwriters" -ge 1 ] && [ "$writer_kills" = $((3 * nwriters)) ] && [ "$told" = "$writer_kills" ]
ok $? "each of the $writer_kills kills of the $nwriters RRD writers was logged once ($told)"
[ "$(spooled)" -eq 0 ] && [ "$(writers | wc -l)" = "$nwriters" ] &&
    [ "$(ps -o comm= -p "$(writers | head -1)")" = vigie-rrdwriter ]
ok $? "new writers took over and the agent's spool is empty again"

kills=0
for round in 1 2 3; do
    kill -STOP "$SERVER_PID"
    # the next poll's push is now stuck in the frozen server
    sleep 0.1
    wait_for 8 spool_nonempty
    sleep 1
    kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
    kills=$((kills + 1))
    server_launch
    wait_for 15 spool_empty
done
ok $([ "$(spooled)" -eq 0 ]; echo $?) "after $kills kill -9 mid-push and restarts, the agent's spool is empty"
check "the agent stops cleanly on SIGTERM (exit 0)" agent_stop

made=$(grep -c "spooled: polled at" "$T_TMP/agent.log")
stored=$(db_count batches)
distinct=$(db_query 'select count(distinct seq) from batches')
[ "$stored" = "$made" ]
ok $? "every batch the agent made is stored ($stored of $made)"
[ "$distinct" = "$stored" ]
ok $? "none is stored twice ($distinct distinct sequence numbers)"
first=$(db_query 'select min(seq) from batches'); last=$(db_query 'select max(seq) from batches')
[ $((last - first + 1)) = "$stored" ]
ok $? "the sequence numbers have no gap ($first..$last)"
last_ts=$(db_query "select max(ts) from latest where device='ups1' and metric='device.reachable'")
rrd_time=$(rrd_last_time "$SERVER_DATA/rrd/italie/ups1/device.reachable.rrd")
[ "$rrd_time" = "$last_ts" ]
ok $? "the RRD file holds the last poll ($rrd_time)"
dups=$(db_query "select count(*) from (select count(*) from events group by site, scope, name, ts, state having count(*) > 1) as d")
[ "$dups" = 0 ]
ok $? "no state change event is recorded twice ($dups)"
finish

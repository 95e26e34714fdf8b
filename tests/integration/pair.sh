#!/bin/bash
# A pair of servers on one database (doc/cluster.md): two agents (sites nro and pop), each polling a
# UPS (snmpsimd) and pushing to both servers (agent.yaml `server:` as a list); a loopback webhook
# receiver. The first server leads. nro's UPS (switchable, as in availability.sh) goes on battery:
# its alerts are notified once; the leader is killed (-9) with them firing and unacknowledged: the
# follower takes over within the bound (lease + 2 s), the alerts keep their ids, each repeat is sent
# once, an ack through the new leader stops the repeats. The dead one restarts as the follower and
# catches up (the agents' spools): both hold every batch of both agents, their RRD files the same
# samples, and the month's report is the same from either server.
#
# The database: PAIR_DATABASE=postgresql (tests/integration/pg_lib.sh) or sqlite (a shared file, the
# two servers on this machine, as server.yaml allows), default postgresql.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/pg_lib.sh"
LEASE=10
REPEAT=20
TOKEN=pair-agent-token-0001
TOKEN2=pair-agent-token-0002
ADMIN=pair-admin-token-0001
HOOK_PORT=$(free_port tcp)
SMTP_PORT=$(free_port tcp) # nobody listens: the follower refuses to mail before it would try
REC="$T_TMP/received.jsonl"
: >"$REC"

BACKEND=${PAIR_DATABASE:-postgresql}
if [ "$BACKEND" = postgresql ]; then
    pg_start || bail "PostgreSQL did not start (pg_lib.sh); PAIR_DATABASE=sqlite runs this test on a shared SQLite file"
    trap 'r=$?; pg_stop; (exit $r); t_exit' EXIT # t_exit reads the script's exit status
    DATABASE=$(pg_schema pair) || bail "cannot create the schema of the pair"
    pair_sql() { PG_URI="$DATABASE" pg_sql "$1"; }
elif [ "$BACKEND" = sqlite ]; then
    DATABASE="sqlite:$T_TMP/shared.db"
    pair_sql() {
        python3 -c "import sqlite3,sys; [print(*r, sep='|') for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]" \
            "$T_TMP/shared.db" "$1"
    }
else
    bail "PAIR_DATABASE must be postgresql or sqlite, not '$BACKEND'"
fi
echo "# the pair's database: $BACKEND"

data="$T_TMP/sim"
mkdir -p "$data"
cp "$top_srcdir/tests/fixtures/switchable/ups-switch.snmprec" "$data/"
cp "$top_srcdir/tests/fixtures/snmprec/skeleton-ups.snmprec" "$data/" # pop's, on mains throughout
chmod -R a+rwX "$data"
sim_start "$data"
set_source() { snmpset -v2c -c ups-switch -t 1 -r 2 "127.0.0.1:$SIM_PORT" .1.3.6.1.2.1.33.1.4.1.0 i "$1" >/dev/null; }
/usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$HOOK_PORT" "$REC" &
T_PIDS="$T_PIDS $!"

pair_yaml() { # pair_yaml NODE
    printf '%s\n' "step: 5
web_dir: $(cd "$top_srcdir/web" && pwd)
database: '$DATABASE'
cluster: {node: $1, lease: $LEASE}
sites:
  - id: nro
    kind: nro
    services:
      power: {devices: [ups], min_up: 1}
  - id: pop
    kind: nro
    services:
      power: {devices: [ups], min_up: 1}
agents: [{id: nro-agent, token: $TOKEN, site: nro}, {id: pop-agent, token: $TOKEN2, site: pop}]
api_tokens: [{name: ops, token: $ADMIN, role: admin}]
smtp: {url: 'smtp://127.0.0.1:$SMTP_PORT', from: 'vigie <vigie@example.org>', starttls: false}
report: {recipients: [direction@example.org]}
alerting:
  group_wait: 1
  retry_delay: 1
  timeout: 2
  heartbeat_steps: 100
  repeat: {warning: 0, critical: $REPEAT}
  contacts:
    - {name: noc, webhook: 'http://127.0.0.1:$HOOK_PORT/hook'}
  chain: [noc]"
}
# server A, then B: their URL, data, log and pid are kept apart from lib.sh's SERVER_* of the last one
server_start alpha "$(pair_yaml alpha)"
A_URL=$SERVER_URL A_DATA=$SERVER_DATA A_LOG=$SERVER_LOG A_YAML=$SERVER_YAML A_PID=$SERVER_PID
# the pair shares the audit trail, so the key of its hashes too (doc/cluster.md)
mkdir -p "$T_TMP/beta-data" && cp -p "$A_DATA/audit.key" "$T_TMP/beta-data/audit.key"
server_start beta "$(pair_yaml beta)"
B_URL=$SERVER_URL B_DATA=$SERVER_DATA B_LOG=$SERVER_LOG B_PID=$SERVER_PID

health() { curl -sf "$1/api/v1/health" 2>/dev/null | python3 -c "import json,sys; c=json.load(sys.stdin)['cluster']; print(c['role'], c['leader'], c['term'])"; }
role_is() { [ "$(health "$1")" = "$2" ]; }
wait_for 5 role_is "$A_URL" "leader alpha 1"
ok $? "the first server started leads, term 1 (/api/v1/health)"
wait_for 5 role_is "$B_URL" "follower alpha 1"
ok $? "the second follows and names the leader"
! grep -q "audit trail is broken" "$A_LOG" "$B_LOG"
ok $? "with the shared audit key, each server verifies the other's audit entries"
curl -sf "$B_URL/" | grep -q 'src="/static/cluster.js"' && curl -sf -o /dev/null "$B_URL/static/cluster.js"
ok $? "the dashboard loads and serves its script for the pair's roles (web/cluster.js)"
curl -sf -H "Authorization: Bearer $ADMIN" "$B_URL/metrics" >"$T_TMP/metrics-b.txt"
grep -q '^vigie_cluster_leader{node="beta",role="follower",leader="alpha"} 0$' "$T_TMP/metrics-b.txt" &&
    grep -q '^vigie_cluster_term 1$' "$T_TMP/metrics-b.txt"
ok $? "/metrics says the node, its role, the leader and the term"

START=$(date +%s)
agent_yaml() { # agent_yaml ID TOKEN COMMUNITY
    printf '%s\n' "agent: $1
server: [$A_URL, $B_URL]
token: $2
spool_dir: $T_TMP/spool-$1
interval: 5
timeout: 0.5
retries: 1
devices:
  - {name: ups, host: 127.0.0.1, port: $SIM_PORT, community: $3}"
}
agent_start nro-agent "$(agent_yaml nro-agent $TOKEN ups-switch)" --profiles "$MIBS_DIR"
agent_start pop-agent "$(agent_yaml pop-agent $TOKEN2 skeleton-ups)" --profiles "$MIBS_DIR"
batches_of() { pair_sql "select count(*) from batches where node = '$1' and agent = '$2'"; }
both_stored() {
    local n a
    for n in alpha beta; do for a in nro-agent pop-agent; do [ "$(batches_of $n $a)" -ge 2 ] || return 1; done; done
}
wait_for 30 both_stored
ok $? "each server stores every push of both agents, under its own node in the shared batches table"

hook_events() { python3 - "$REC" "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] == "/hook" and json.loads(r["body"]).get("event") == sys.argv[2]:
        n += 1
print(n)
PY
}
count_is() { [ "$(hook_events "$1")" = "$2" ]; }
check "the UPS goes on battery (snmpset upsOutputSource = battery)" set_source 5
wait_for 30 count_is firing 1
ok $? "the leader notifies the alert (one webhook message)"
sent_row() { [ "$(pair_sql "select count(*) from notifications where event = 'firing' and status = 'sent'")" = 1 ]; }
wait_for 5 sent_row
ok $? "its notification is recorded as sent, under a unique key"
KEYS=$(pair_sql "select count(*) from notifications where nkey is null")
[ "$KEYS" = 0 ]
ok $? "every notification row has its key"
# the UPS's alert and the site's (down: its only UPS is on battery), grouped in that one message
curl -sf -H "Authorization: Bearer $ADMIN" "$A_URL/api/v1/alerts?state=firing" >"$T_TMP/alerts-a.json"
IDS=$(json_get "$T_TMP/alerts-a.json" "sorted(a['id'] for a in j['alerts'])")
[ "$IDS" = "[1, 2]" ]
ok $? "two alerts fire, ids 1 and 2 (ups.status OB, site nro down)"
FIRST=$(hook_events firing)

kill -9 "$A_PID"
wait "$A_PID" 2>/dev/null
KILLED=$(t_now_ms)
wait_for $((LEASE + 5)) role_is "$B_URL" "leader beta 2"
ok $? "the follower takes over after kill -9 of the leader, term 2"
TOOK=$(( $(t_now_ms) - KILLED ))
echo "# takeover ${TOOK} ms after kill -9 (lease $LEASE s, bound $((LEASE + 2)) s)"
[ "$TOOK" -le $(( (LEASE + 2) * 1000 + 500 )) ]
ok $? "within the documented bound, lease + 2 s"
curl -sf -H "Authorization: Bearer $ADMIN" "$B_URL/api/v1/alerts?state=firing" >"$T_TMP/alerts-b.json"
[ "$(json_get "$T_TMP/alerts-b.json" "sorted(a['id'] for a in j['alerts'])")" = "$IDS" ]
ok $? "the alerts keep their ids on the new leader"
wait_for $((REPEAT + 10)) count_is repeat 2
ok $? "the repeats are sent by the new leader, $REPEAT s after the first notification"
check "one repeat of each alert" python3 - "$REC" <<'PY'
import json, sys
subjects = [json.loads(json.loads(l)["body"])["subject"] for l in open(sys.argv[1])]
rep = sorted(s for s in subjects if s.endswith("(reminder)"))
assert len(rep) == 2 and "ups.status OB" in rep[1] and "site nro is DOWN" in rep[0], rep
PY
[ "$(hook_events firing)" = "$FIRST" ]
ok $? "the first notification is not sent again"
acked=0
for id in 1 2; do
    curl -sf -o /dev/null -H "Authorization: Bearer $ADMIN" -d '{"comment": "on site"}' "$B_URL/api/v1/alerts/$id/ack" ||
        acked=1
done
ok $acked "both alerts are acknowledged through the new leader"
sleep $((REPEAT + 3))
[ "$(hook_events repeat)" = 2 ]
ok $? "each repeat arrived once, and none after the ack"

# the dead one comes back: a follower, its agent's spool replays what it missed
SERVER_YAML=$A_YAML SERVER_URL=$A_URL SERVER_LOG=$A_LOG server_launch
A_PID=$SERVER_PID
wait_for 5 role_is "$A_URL" "follower beta 2"
ok $? "the restarted server follows the new leader"
set_source 3
sleep 3
END=$(( $(date +%s) - 5 ))
# every batch of each agent on both (the same seqs: one agent pushes each batch to both servers)
missing() { # missing NODE OTHER: the batches OTHER stored and NODE did not
    pair_sql "select count(*) from batches o where o.node = '$2' and not exists (select 1 from batches n
              where n.node = '$1' and n.agent = o.agent and n.seq = o.seq)"
}
caught_up() { [ "$(missing alpha beta)" = 0 ] && [ "$(missing beta alpha)" = 0 ]; }
wait_for 40 caught_up
ok $? "the restarted server caught up: both hold every batch of both agents ($(pair_sql "select count(*) from batches where node = 'alpha'") each)"
rrd() { echo "$1/rrd/nro/ups/ups.status.rrd"; }
[ -f "$(rrd "$A_DATA")" ] || rrd() { ls "$1"/rrd/nro/ups/*.rrd | head -1; }
same_samples() {
    local a b
    a=$(rrd_count "$(rrd "$A_DATA")" "$((START + 10))" "$END")
    b=$(rrd_count "$(rrd "$B_DATA")" "$((START + 10))" "$END")
    [ "$a" = "$b" ] && [ "$a" -ge $(( (END - START - 10) / 5 - 2 )) ]
}
wait_for 40 same_samples
ok $? "samples counted on both servers' RRD files: the same, none lost ($(rrd_count "$(rrd "$A_DATA")" "$((START + 10))" "$END") steps)"
MONTH=$(date -u +%Y-%m)
curl -sf -H "Authorization: Bearer $ADMIN" "$A_URL/api/v1/report?month=$MONTH&format=json" >"$T_TMP/report-a.json" &&
    curl -sf -H "Authorization: Bearer $ADMIN" "$B_URL/api/v1/report?month=$MONTH&format=json" >"$T_TMP/report-b.json"
ok $? "both servers give the month's report"
check "the month's report is the same from either server" python3 - "$T_TMP/report-a.json" "$T_TMP/report-b.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for j in (a, b):
    j.pop("generated", None)
assert a == b, (a, b)
PY
curl -sf -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" \
    "$A_URL/api/v1/report/send?month=$MONTH" >"$T_TMP/send.code"
[ "$(cat "$T_TMP/send.code")" = 409 ]
ok $? "the follower does not mail reports (409): the leader does"
SERVER_PID=$B_PID SERVER_LOG=$B_LOG server_stop
ok $? "the leader stops cleanly (SIGTERM), and releases the lease"
wait_for 2.5 role_is "$A_URL" "leader alpha 4"
ok $? "the follower takes the released lease at its next look (term 4: 3 was the release)"
server_stop
ok $? "the other stops cleanly"
[ "$(pair_sql "select holder from cluster_lease")" = "" ]
ok $? "the lease is free after a clean stop of its holder"
finish

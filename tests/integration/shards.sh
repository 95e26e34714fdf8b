#!/bin/bash
# An estate sharded over two shards on one database (doc/cluster.md, "Beyond a pair"): shard north is
# a pair (servers n1, n2) holding site italie, shard south one server (s1) holding site sud; each site's
# agent polls a UPS (snmpsimd) and pushes to its own shard's servers; a loopback webhook receiver.
# Each shard elects its own leader (a lease row each): n1 and s1 lead at once, n2 follows n1. A push
# to the wrong shard is refused (421) naming the right servers, and kept by the agent. South's UPS
# goes on battery: south's leader alone notifies it, once. Any server answers the estate's status and
# reports from the shared database. Killing north's leader hands north's lease to n2, and leaves south's
# alone. Only the first shard's leader mails reports. Bad shard configurations are refused with
# file:line:column and the key.
#
# The database: SHARDS_DATABASE=postgresql (tests/integration/pg_lib.sh, the default) or sqlite (one
# shared file, the servers on this machine).
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/pg_lib.sh"
LEASE=10
TOKEN_N=shard-agent-token-north
TOKEN_S=shard-agent-token-south
ADMIN=shard-admin-token-0001
HOOK_PORT=$(free_port tcp)
REC="$T_TMP/received.jsonl"
: >"$REC"

BACKEND=${SHARDS_DATABASE:-postgresql}
if [ "$BACKEND" = postgresql ]; then
    pg_start || bail "PostgreSQL did not start (pg_lib.sh); SHARDS_DATABASE=sqlite runs this test on a shared SQLite file"
    trap 'r=$?; pg_stop; (exit $r); t_exit' EXIT
    DATABASE=$(pg_schema shards) || bail "cannot create the schema of the estate"
    estate_sql() { PG_URI="$DATABASE" pg_sql "$1"; }
elif [ "$BACKEND" = sqlite ]; then
    DATABASE="sqlite:$T_TMP/shared.db"
    estate_sql() {
        python3 -c "import sqlite3,sys; [print(*r, sep='|') for r in sqlite3.connect(sys.argv[1], timeout=20).execute(sys.argv[2])]" \
            "$T_TMP/shared.db" "$1"
    }
else
    bail "SHARDS_DATABASE must be postgresql or sqlite, not '$BACKEND'"
fi
echo "# the estate's database: $BACKEND"

data="$T_TMP/sim"
mkdir -p "$data"
cp "$top_srcdir/tests/fixtures/switchable/ups-switch.snmprec" "$data/"    # sud's, switched to battery
cp "$top_srcdir/tests/fixtures/snmprec/skeleton-ups.snmprec" "$data/"    # italie's, on mains throughout
chmod -R a+rwX "$data"
sim_start "$data"
set_source() { snmpset -v2c -c ups-switch -t 1 -r 2 "127.0.0.1:$SIM_PORT" .1.3.6.1.2.1.33.1.4.1.0 i "$1" >/dev/null; }
/usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$HOOK_PORT" "$REC" &
T_PIDS="$T_PIDS $!"

N1_PORT=$(free_port tcp) N2_PORT=$(free_port tcp) S1_PORT=$(free_port tcp)
N1_URL=http://127.0.0.1:$N1_PORT N2_URL=http://127.0.0.1:$N2_PORT S1_URL=http://127.0.0.1:$S1_PORT
estate_yaml() { # estate_yaml NODE SHARD
    printf '%s\n' "step: 5
web_dir: $(cd "$top_srcdir/web" && pwd)
database: '$DATABASE'
cluster:
  node: $1
  shard: $2
  lease: $LEASE
  shards:
    - {name: north, servers: ['$N1_URL', '$N2_URL']}
    - {name: south, servers: ['$S1_URL']}
sites:
  - id: italie
    kind: datacenter
    services:
      power: {devices: [ups], min_up: 1}
  - id: sud
    kind: nro
    shard: south
    services:
      power: {devices: [ups], min_up: 1}
agents: [{id: italie-agent, token: $TOKEN_N, site: italie}, {id: sud-agent, token: $TOKEN_S, site: sud}]
api_tokens: [{name: ops, token: $ADMIN, role: admin}]
smtp: {url: 'smtp://127.0.0.1:1', from: 'vigie <vigie@example.org>', starttls: false, timeout: 2}
report: {recipients: [direction@example.org]}
alerting:
  group_wait: 1
  retry_delay: 1
  timeout: 2
  heartbeat_steps: 100
  contacts:
    - {name: noc, webhook: 'http://127.0.0.1:$HOOK_PORT/hook'}
  chain: [noc]"
}
SERVER_NEXT_PORT=$N1_PORT server_start n1 "$(estate_yaml n1 north)"
N1_DATA=$SERVER_DATA N1_LOG=$SERVER_LOG N1_YAML=$SERVER_YAML N1_PID=$SERVER_PID
for n in n2 s1; do # the estate shares the audit trail, so the key of its hashes too (doc/cluster.md)
    mkdir -p "$T_TMP/$n-data" && cp -p "$N1_DATA/audit.key" "$T_TMP/$n-data/audit.key"
done
SERVER_NEXT_PORT=$N2_PORT server_start n2 "$(estate_yaml n2 north)"
N2_LOG=$SERVER_LOG N2_PID=$SERVER_PID
SERVER_NEXT_PORT=$S1_PORT server_start s1 "$(estate_yaml s1 south)"
S1_LOG=$SERVER_LOG S1_PID=$SERVER_PID S1_YAML=$SERVER_YAML

health() { curl -sf "$1/api/v1/health" 2>/dev/null | python3 -c "import json,sys; c=json.load(sys.stdin)['cluster']; print(c.get('shard'), c['role'], c['leader'], c['term'])"; }
role_is() { [ "$(health "$1")" = "$2" ]; }
wait_for 5 role_is "$N1_URL" "north leader n1 1"
ok $? "n1 leads shard north, term 1 (/api/v1/health: $(health "$N1_URL"))"
wait_for 5 role_is "$N2_URL" "north follower n1 1"
ok $? "n2 follows n1 in shard north"
wait_for 5 role_is "$S1_URL" "south leader s1 1"
ok $? "s1 leads shard south at the same time, its own term 1"
[ "$(estate_sql "select name, holder, term from cluster_lease order by name" | tr '\n' ' ')" = "north|n1|1 south|s1|1 " ]
ok $? "one lease row per shard in the shared database"
curl -sf -H "Authorization: Bearer $ADMIN" "$S1_URL/metrics" | grep -q '^vigie_cluster_leader{node="s1",role="leader",leader="s1"} 1$'
ok $? "/metrics: s1 is a leader"

# a push to the wrong shard: 421 naming the right one's servers, before its body is read
code=$(curl -s -o "$T_TMP/wrong.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN_S" \
    -d '{"agent":"sud-agent","seq":1,"samples":[]}' "$N1_URL/api/v1/ingest")
[ "$code" = 421 ] && grep -q "shard south" "$T_TMP/wrong.json" && grep -qF "$S1_URL" "$T_TMP/wrong.json"
ok $? "a push of south's agent to north's server is refused, 421, naming south's servers ($code $(cat "$T_TMP/wrong.json"))"
grep -q "push of agent sud-agent refused: site sud belongs to shard south" "$N1_LOG"
ok $? "and said in north's log"

agent_yaml() { # agent_yaml ID TOKEN COMMUNITY SERVERS
    printf '%s\n' "agent: $1
server: [$4]
token: $2
spool_dir: $T_TMP/spool-$1
interval: 5
timeout: 0.5
retries: 1
devices:
  - {name: ups, host: 127.0.0.1, port: $SIM_PORT, community: $3}"
}
agent_start italie-agent "$(agent_yaml italie-agent $TOKEN_N skeleton-ups "$N1_URL, $N2_URL")" --profiles "$MIBS_DIR"
IA_PID=$AGENT_PID IA_LOG=$AGENT_LOG
agent_start sud-agent "$(agent_yaml sud-agent $TOKEN_S ups-switch "$S1_URL")" --profiles "$MIBS_DIR"
SA_PID=$AGENT_PID SA_LOG=$AGENT_LOG
batches_of() { estate_sql "select count(*) from batches where node = '$1' and agent = '$2'"; }
all_stored() { [ "$(batches_of n1 italie-agent)" -ge 2 ] && [ "$(batches_of n2 italie-agent)" -ge 2 ] &&
    [ "$(batches_of s1 sud-agent)" -ge 2 ]; }
wait_for 30 all_stored
ok $? "each shard's servers store their own agent's pushes (n1, n2: italie-agent; s1: sud-agent)"
[ "$(estate_sql "select count(*) from batches where (node = 's1' and agent <> 'sud-agent') or (node <> 's1' and agent = 'sud-agent')")" = 0 ]
ok $? "and no other shard's"
[ -d "$T_TMP/s1-data/rrd/sud" ] && [ ! -d "$T_TMP/s1-data/rrd/italie" ] && [ ! -d "$N1_DATA/rrd/sud" ]
ok $? "each shard keeps its own sites' RRD files"
up_in_status() { # up_in_status URL: both sites' state as the status of the estate says them
    curl -sf -H "Authorization: Bearer $ADMIN" "$1/api/v1/sites" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(" ".join(sorted(s["site"] + ":" + str(s.get("state")) for s in j["sites"])))'
}
sites_up() { [ "$(up_in_status "$1")" = "italie:up sud:up" ]; }
wait_for 20 sites_up "$N2_URL"
ok $? "north's follower gives the whole estate's sites and states from the shared database ($(up_in_status "$N2_URL"))"

hook_events() { python3 - "$REC" "$1" <<'PY'
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(json.loads(l)["body"]).get("event") == sys.argv[2]))
PY
}
count_is() { [ "$(hook_events "$1")" = "$2" ]; }
check "sud's UPS goes on battery (snmpset upsOutputSource = battery)" set_source 5
wait_for 30 count_is firing 1
ok $? "the alert is notified: one webhook message"
sleep 4
[ "$(hook_events firing)" = 1 ]
ok $? "once: the other shard's leader does not notify it too"
[ "$(estate_sql "select lease || ':' || status from notifications where event = 'firing'" | sort -u | tr '\n' ' ')" = "south:sent " ]
ok $? "its notification rows are south's, sent ($(estate_sql "select count(*) from notifications"))"
sud_down() { [ "$(up_in_status "$1")" = "italie:up sud:down" ]; }
wait_for 10 sud_down "$N1_URL"
ok $? "north's servers see south's site down, judged by south's leader ($(up_in_status "$N1_URL"))"
curl -sf -H "Authorization: Bearer $ADMIN" "$N2_URL/api/v1/alerts?state=firing" >"$T_TMP/alerts-n2.json"
[ "$(json_get "$T_TMP/alerts-n2.json" "sorted(set(a['site'] for a in j['alerts']))")" = "['sud']" ]
ok $? "and its alerts, through any server"

# the series of south's site, read from north's follower: forwarded to s1, the answer s1 gives
T_TO=$(date +%s) T_FROM=$(( $(date +%s) - 120 ))
Q="site=sud&device=ups&metric=device.reachable&from=$T_FROM&to=$T_TO"
curl -sf -H "Authorization: Bearer $ADMIN" "$N2_URL/api/v1/series?$Q" -o "$T_TMP/series-n2.json" &&
    curl -sf -H "Authorization: Bearer $ADMIN" "$S1_URL/api/v1/series?$Q" -o "$T_TMP/series-s1.json"
ok $? "the series of south's site from north's follower and from south's server"
check "the same points, forwarded to the shard that holds the RRD files" python3 - "$T_TMP/series-n2.json" "$T_TMP/series-s1.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a == b, (a, b)
assert sum(1 for p in a["points"] if p[1] is not None) >= 3, a["points"]
PY

MONTH=$(date -u +%Y-%m)
# the month so far is counted until the second it is asked: the two are asked together, again when a
# second passed between them
same_report() {
    curl -sf -H "Authorization: Bearer $ADMIN" "$N1_URL/api/v1/report?month=$MONTH&format=json" >"$T_TMP/report-n1.json" &&
        curl -sf -H "Authorization: Bearer $ADMIN" "$S1_URL/api/v1/report?month=$MONTH&format=json" >"$T_TMP/report-s1.json" &&
        python3 - "$T_TMP/report-n1.json" "$T_TMP/report-s1.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for j in (a, b):
    j.pop("generated_at", None)
    j.pop("digest", None)
assert sorted(s["site"] for s in a["sites"]) == ["italie", "sud"], a["sites"]
sys.exit(0 if a == b else 1)
PY
}
wait_for 10 same_report
ok $? "the month's report of the estate (both sites) is the same from either shard"
code=$(curl -s -o "$T_TMP/send.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" "$S1_URL/api/v1/report/send?month=$MONTH")
[ "$code" = 409 ] && grep -q "first shard, 'north'" "$T_TMP/send.json"
ok $? "south's leader does not mail the estate's reports: north's does (409: $(cat "$T_TMP/send.json"))"

# the dashboard on north's follower (web/cluster.js, the home page, south's site's graph), in headless
# Chromium as browser.sh runs it: Debian's chromium and tests/browser's playwright-core are required
browser_checks shards.mjs 4 "$N2_URL" "$ADMIN" "dashboard on n2"

kill -9 "$N1_PID"
wait "$N1_PID" 2>/dev/null
wait_for $((LEASE + 5)) role_is "$N2_URL" "north leader n2 2"
ok $? "north's leader killed (-9): n2 takes north's lease, term 2"
role_is "$S1_URL" "south leader s1 1" && [ "$(estate_sql "select holder || ':' || term from cluster_lease where name = 'south'")" = "s1:1" ]
ok $? "south's lease is left alone (s1, term 1)"
check "sud's UPS back on mains" set_source 3
resolved() { [ "$(estate_sql "select count(*) from alerts where site = 'sud' and state <> 'resolved'")" = 0 ]; }
wait_for 30 resolved
ok $? "south's leader resolves its alerts"
wait_for 10 count_is resolved 2
sleep 3
[ "$(hook_events resolved)" = 2 ]
ok $? "and notifies each alert's resolution once (2 messages)"

bad_config() { # bad_config DESCRIPTION EXPECTED-TEXT CLUSTER-AND-SITES
    printf 'listen: 127.0.0.1:1\nagents: [{id: a, token: shard-agent-token-bad1, site: s}]\n%s\n' "$3" >"$T_TMP/bad.yaml"
    "$SERVER" -c "$T_TMP/bad.yaml" --check-config >"$T_TMP/bad.out" 2>&1
    local rc=$?
    [ $rc -eq 2 ] && grep -qF "$2" "$T_TMP/bad.out"
    ok $? "$1 ($(head -c 220 "$T_TMP/bad.out"))"
}
bad_config "a site naming a shard that is not declared" "bad.yaml:6:31: key 'shard': no shard 'east'" \
"cluster: {node: a, shard: north, shards: [{name: north, servers: ['http://127.0.0.1:1']}]}
sites:
  - {id: s, kind: nro}
  - {id: t, kind: nro, shard: east}"
bad_config "cluster.shard without cluster.shards" "key 'shards': a sharded estate needs both" \
"cluster: {node: a, shard: north}
sites: [{id: s, kind: nro}]"
bad_config "this server's shard not among the shards" "key 'shard': no shard 'west' in cluster.shards" \
"cluster: {node: a, shard: west, shards: [{name: north, servers: ['http://127.0.0.1:1']}]}
sites: [{id: s, kind: nro}]"
bad_config "a server URL with a path (or credentials)" "key 'servers': 'http://u:p@127.0.0.1:1/x' is not a server's base URL" \
"cluster: {node: a, shard: north, shards: [{name: north, servers: ['http://u:p@127.0.0.1:1/x']}]}
sites: [{id: s, kind: nro}]"
bad_config "a shard declared twice" "key 'name': shard 'north' is declared twice" \
"cluster: {node: a, shard: north, shards: [{name: north, servers: ['http://127.0.0.1:1']}, {name: north, servers: ['http://127.0.0.1:2']}]}
sites: [{id: s, kind: nro}]"
bad_config "a site's shard without cluster.shards" "key 'shard': site 't' names a shard but cluster.shards declares none" \
"sites:
  - {id: s, kind: nro}
  - {id: t, kind: nro, shard: north}"

cp "$S1_YAML" "$T_TMP/s1-reload.yaml"
sed -i 's/^  shard: south$/  shard: north/' "$S1_YAML"
kill -HUP "$S1_PID"
wait_for 5 grep -q "cluster.shard or the shards' names changed: restart the server" "$S1_LOG"
ok $? "a reload that moves the server to another shard is refused (the lease is the shard's)"
role_is "$S1_URL" "south leader s1 1"
ok $? "and s1 goes on leading south"
cp "$T_TMP/s1-reload.yaml" "$S1_YAML"

t_stop "$IA_PID" "$IA_LOG" vigie-agent && t_stop "$SA_PID" "$SA_LOG" vigie-agent
ok $? "both agents stop cleanly"
SERVER_PID=$S1_PID SERVER_LOG=$S1_LOG server_stop
ok $? "s1 stops cleanly (SIGTERM)"
SERVER_PID=$N2_PID SERVER_LOG=$N2_LOG server_stop
ok $? "n2 stops cleanly"
finish

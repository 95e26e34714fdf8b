#!/bin/bash
# A sharded estate's reads (cluster/shard_forward.h, doc/cluster.md, "Federated reads"): two servers, one per
# shard (north: A, site italie; south: B, site nro-sud), on one SQLite file, each with its own RRD
# files. Each gets its own site's samples by curl. A series of B's site asked from A is B's answer;
# with B stopped, A answers 502 naming the shard; a request marked forwarded is answered where it
# arrives (no loop). /metrics on A lists A's site only; ?federate=1 lists both with shard labels and
# vigie_federation_member_up; the real Prometheus scraping A's federation sees vigie_site_up of both
# shards' sites (no Prometheus: the test fails).
. "${top_srcdir:-.}/tests/integration/lib.sh"

command -v prometheus >/dev/null || bail "prometheus not found: this test scrapes the federation with it (Debian package prometheus)"
TOKEN_N=shard-agent-token-north-01
TOKEN_S=shard-agent-token-south-01
READ=shard-read-token-000000001
PORT_A=$(free_port tcp)
PORT_B=$(free_port tcp)
DATABASE="sqlite:$T_TMP/shared.db"

shard_yaml() { # shard_yaml NODE SHARD
    printf '%s\n' "step: 5
web_dir: $(cd "$top_srcdir/web" && pwd)
database: '$DATABASE'
cluster:
  node: $1
  shard: $2
  lease: 20
  shards:
    - {name: north, servers: ['http://127.0.0.1:$PORT_A']}
    - {name: south, servers: ['http://127.0.0.1:$PORT_B']}
sites:
  - {id: italie, kind: nro, shard: north, services: {power: {devices: [ups], min_up: 1}}}
  - {id: nro-sud, kind: nro, shard: south, services: {power: {devices: [ups], min_up: 1}}}
agents: [{id: north-agent, token: $TOKEN_N, site: italie}, {id: south-agent, token: $TOKEN_S, site: nro-sud}]
api_tokens: [{name: wall, token: $READ}]"
}
SERVER_NEXT_PORT=$PORT_A server_start vigie-a "$(shard_yaml vigie-a north)"
A_URL=$SERVER_URL A_LOG=$SERVER_LOG A_PID=$SERVER_PID
# the shards share the audit trail, so the key of its hashes too (doc/cluster.md)
mkdir -p "$T_TMP/vigie-b-data" && cp -p "$SERVER_DATA/audit.key" "$T_TMP/vigie-b-data/audit.key"
SERVER_NEXT_PORT=$PORT_B server_start vigie-b "$(shard_yaml vigie-b south)"
B_URL=$SERVER_URL B_LOG=$SERVER_LOG B_PID=$SERVER_PID
AUTH=(-H "Authorization: Bearer $READ")

# ---- each server its own site's samples: 30 polls of a UPS, 5 s apart, the last one now ----
NOW=$(date +%s)
batch() { # batch AGENT SEQ: the batch on stdout
    python3 - "$NOW" "$1" "$2" <<'PY'
import json, sys
now, agent, seq = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = []
for i in range(30):
    ts = now - 145 + 5 * i
    s.append({"device": "ups", "metric": "battery.charge", "value": (50 if agent == "north-agent" else 70) + i % 5,
              "unit": "%", "ts": ts})
    s.append({"device": "ups", "metric": "device.reachable", "value": 1, "unit": "bool", "ts": ts})
    s.append({"device": "ups", "metric": "ups.status", "value": 3, "unit": "state", "text": "OL", "severity": "ok", "ts": ts})
print(json.dumps({"agent": agent, "seq": seq, "samples": s, "devices": [{"name": "ups", "class": "ups", "profile": "ups-rfc1628"}]}))
PY
}
push() { # push URL TOKEN AGENT SEQ: the HTTP status
    batch "$3" "$4" >"$T_TMP/batch-$3.json"
    curl -s -o "$T_TMP/push-$3.out" -w '%{http_code}' -H "Authorization: Bearer $2" --data-binary @"$T_TMP/batch-$3.json" "$1/api/v1/ingest"
}
[ "$(push "$A_URL" $TOKEN_N north-agent 1)" = 200 ]
ok $? "A takes the push of its own shard's agent ($(cat "$T_TMP/push-north-agent.out"))"
[ "$(push "$B_URL" $TOKEN_S south-agent 1)" = 200 ]
ok $? "B takes the push of its own shard's agent ($(cat "$T_TMP/push-south-agent.out"))"
[ -d "$T_TMP/vigie-b-data/rrd/nro-sud" ] || [ -n "$(find "$T_TMP/vigie-b-data" -path '*nro-sud*' -name '*.rrd' | head -1)" ]
ok $? "nro-sud's RRD files are on B"
[ -z "$(find "$T_TMP/vigie-a-data" -path '*nro-sud*' -name '*.rrd' | head -1)" ]
ok $? "and not on A"

# ---- a series of B's site asked from A: B's answer ----
Q="site=nro-sud&device=ups&metric=battery.charge&from=$((NOW - 600))&to=$NOW"
get() { # get NAME URL [curl args]: body in $T_TMP/NAME, headers in NAME.h, status in $CODE
    local name="$1" url="$2"; shift 2
    CODE=$(curl -s -o "$T_TMP/$name" -D "$T_TMP/$name.h" -w '%{http_code}' "${AUTH[@]}" "$@" "$url")
}
get series-b "$B_URL/api/v1/series?$Q"
[ "$CODE" = 200 ] && python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert any(p[1] is not None for p in j['points'])" "$T_TMP/series-b"
ok $? "B answers its site's series with values ($CODE)"
get series-a "$A_URL/api/v1/series?$Q"
[ "$CODE" = 200 ] && cmp -s "$T_TMP/series-a" "$T_TMP/series-b"
ok $? "A answers the same series, forwarded to B ($CODE)"
grep -qi '^Content-Type: application/json' "$T_TMP/series-a.h"
ok $? "with B's Content-Type"
get series-own "$A_URL/api/v1/series?site=italie&device=ups&metric=battery.charge&from=$((NOW - 600))&to=$NOW"
[ "$CODE" = 200 ] && python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['site'] == 'italie' and any(p[1] is not None for p in j['points'])" "$T_TMP/series-own"
ok $? "A answers its own site's series itself ($CODE)"
CODE=$(curl -s -o "$T_TMP/series-noauth" -w '%{http_code}' "$A_URL/api/v1/series?$Q")
[ "$CODE" = 401 ]
ok $? "without a token A refuses before forwarding ($CODE)"
get series-bad "$A_URL/api/v1/series?site=nro-sud&device=ups&metric=no.such.metric"
[ "$CODE" = 404 ] && grep -q 'never sent' "$T_TMP/series-bad"
ok $? "B's refusal comes back as it is ($CODE)"
# the dashboard's way: a session cookie (the sessions are in the shared database), no token
curl -s -o /dev/null -c "$T_TMP/jar" -H 'Content-Type: application/json' -d "{\"token\": \"$READ\"}" "$A_URL/api/v1/login"
CODE=$(curl -s -o "$T_TMP/series-cookie" -b "$T_TMP/jar" -w '%{http_code}' "$A_URL/api/v1/series?$Q")
[ "$CODE" = 200 ] && cmp -s "$T_TMP/series-cookie" "$T_TMP/series-b"
ok $? "with a dashboard session instead of a token, A forwards too: B knows the session ($CODE)"
# trends and energy are computed up to the second they are asked: A's answer (B's, forwarded) and
# B's own are asked together, again when a second passed between them
same_from_both() { # same_from_both NAME PATH: A's and B's answers the same, and their status
    get "$1-a" "$A_URL$2"
    CODE_A=$CODE
    get "$1-b" "$B_URL$2"
    [ "$CODE_A" = "$CODE" ] && cmp -s "$T_TMP/$1-a" "$T_TMP/$1-b"
}
wait_for 10 same_from_both trends "/api/v1/trends?site=nro-sud" && [ "$CODE" = 200 ]
ok $? "/api/v1/trends of B's site from A is B's ($CODE)"

wait_for 10 same_from_both energy "/api/v1/energy?site=nro-sud"
ok $? "/api/v1/energy of B's site from A is B's ($CODE_A, $CODE)"

# ---- the loop guard: a request marked forwarded is answered where it arrives ----
get looped "$A_URL/api/v1/series?$Q" -H "X-Vigie-Forwarded: vigie-b"
[ "$CODE" = 404 ] && grep -q 'no such series' "$T_TMP/looped"
ok $? "a forwarded request is not forwarded again: A answers from its own files, 404 ($CODE)"

# ---- /metrics per shard, and the federation ----
get metrics-a "$A_URL/metrics"
grep -q '^vigie_battery_charge{site="italie"' "$T_TMP/metrics-a" && ! grep -q 'nro-sud' "$T_TMP/metrics-a"
ok $? "/metrics on A lists A's site, not B's"
get metrics-b "$B_URL/metrics"
grep -q '^vigie_battery_charge{site="nro-sud"' "$T_TMP/metrics-b" && ! grep -q 'italie' "$T_TMP/metrics-b"
ok $? "/metrics on B lists B's site, not A's"
get fed "$A_URL/metrics?federate=1"
[ "$CODE" = 200 ] && grep -q '^vigie_battery_charge{shard="north",site="italie"' "$T_TMP/fed" &&
    grep -q '^vigie_battery_charge{shard="south",site="nro-sud"' "$T_TMP/fed"
ok $? "?federate=1 lists both sites, each with its shard ($CODE)"
grep -qx 'vigie_federation_member_up{shard="north"} 1' "$T_TMP/fed" && grep -qx 'vigie_federation_member_up{shard="south"} 1' "$T_TMP/fed"
ok $? "vigie_federation_member_up is 1 for both shards"
[ "$(grep -c '^# TYPE vigie_battery_charge ' "$T_TMP/fed")" = 1 ] && [ "$(grep -c '^# TYPE vigie_build_info ' "$T_TMP/fed")" = 1 ]
ok $? "one # TYPE per family"
check "promtool check metrics accepts the federation (format and lint)" sh -c "promtool check metrics < '$T_TMP/fed'"

# ---- Prometheus scraping A's federation ----
site_up_in() { grep -q "^vigie_site_up{shard=\"$2\",site=\"$3\"}" "$1"; }
fed_has_both() { curl -s "${AUTH[@]}" "$A_URL/metrics?federate=1" >"$T_TMP/fed2" && site_up_in "$T_TMP/fed2" north italie && site_up_in "$T_TMP/fed2" south nro-sud; }
wait_for 40 fed_has_both
ok $? "each shard's leader has its site's state: vigie_site_up of both in the federation"
PROM_PORT=$(free_port tcp)
cat >"$T_TMP/prometheus.yml" <<EOF
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: vigie
    metrics_path: /metrics
    params: {federate: ['1']}
    authorization: {credentials: $READ}
    static_configs: [{targets: ['127.0.0.1:$PORT_A']}]
EOF
prometheus --config.file="$T_TMP/prometheus.yml" --storage.tsdb.path="$T_TMP/prom-data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$T_TMP/prometheus.out" 2>&1 &
PROM_PID=$!
T_PIDS="$T_PIDS $PROM_PID"
prom_sites() {
    curl -s "http://127.0.0.1:$PROM_PORT/api/v1/query?query=vigie_site_up" >"$T_TMP/prom.json" &&
        python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))['data']['result']
seen = {(x['metric'].get('shard'), x['metric'].get('site')) for x in r}
sys.exit(0 if {('north', 'italie'), ('south', 'nro-sud')} <= seen else 1)" "$T_TMP/prom.json"
}
wait_for 30 prom_sites
ok $? "Prometheus scraping A's /metrics?federate=1 sees vigie_site_up of both shards' sites"
prom_target_up() {
    curl -s "http://127.0.0.1:$PROM_PORT/api/v1/query?query=up" | grep -q '"value":\[[0-9.]*,"1"\]'
}
check "and its scrape of the federation is healthy (up 1)" prom_target_up

# ---- B stopped: A answers 502 naming the shard, its federation says south is down ----
kill "$PROM_PID" && wait "$PROM_PID" 2>/dev/null # its scrapes would say south is away first
SERVER_PID=$B_PID SERVER_LOG=$B_LOG
check "B stops on SIGTERM" server_stop
get down "$A_URL/api/v1/series?$Q"
[ "$CODE" = 502 ] && python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['field'] == 'site' and 'south' in j['error'] and '127.0.0.1:$PORT_B' in j['error'], j" "$T_TMP/down"
ok $? "with B stopped, A answers 502 naming the shard and the server tried ($CODE: $(cat "$T_TMP/down"))"
! grep -q "$READ" "$T_TMP/down" "$A_LOG"
ok $? "no token in the reply or in A's log"
get down2 "$A_URL/api/v1/series?$Q"
[ "$CODE" = 502 ] && [ "$(grep -c 'shard: /api/v1/series: no server of shard south answered' "$A_LOG")" = 1 ] &&
    [ "$(grep -c 'no server of shard south answered' "$A_LOG")" = 1 ]
ok $? "A's log says it once, not at each request ($CODE)"
get fed-down "$A_URL/metrics?federate=1"
[ "$CODE" = 200 ] && grep -qx 'vigie_federation_member_up{shard="south"} 0' "$T_TMP/fed-down" &&
    grep -q '^vigie_battery_charge{shard="north",site="italie"' "$T_TMP/fed-down"
ok $? "the federation goes on without B: south's member_up 0, north's samples there ($CODE)"

SERVER_PID=$A_PID SERVER_LOG=$A_LOG
check "A stops on SIGTERM" server_stop
finish

#!/bin/bash
# The server's configuration read again on SIGHUP (issue 21, server/reload.h): under a stream of pushes,
# a reload adds an agent, a site and an API token and removes another token; every batch pushed is stored
# once (counted), an open alert stays open, a broken file is refused naming file:line:column while the
# running configuration goes on, a key a running server cannot change is said and kept, and each reload
# is an entry of the audit trail.
. "${top_srcdir:-.}/tests/integration/lib.sh"
base() { # base EXTRA-YAML: the configuration, with or without the second site
    printf 'step: 5
sites:
  - {id: italie, kind: datacenter, timezone: Europe/Paris}
%s
agents:
  - {id: italie-agent, token: rld-agent-token-0001, site: italie}
%s
api_tokens:
  - {name: root, token: rld-admin-token-0001, role: admin}
%s
' "$1" "$2" "$3"
}
server_start server "$(base "" "" "  - {name: old, token: rld-old-token-00001}")"
server_stop # again at the info level, where reloads are said
"$SERVER" -c "$SERVER_YAML" --log-level info 2>>"$SERVER_LOG" &
SERVER_PID=$!
T_PIDS="$T_PIDS $SERVER_PID"
wait_for 10 curl -sf "$SERVER_URL/api/v1/health" -o /dev/null || bail "vigie-server did not start"
U="$SERVER_URL/api/v1"
yaml_at() { { printf 'listen: 127.0.0.1:%s\ndata_dir: %s\nmibs_dir: %s\n' "$SERVER_PORT" "$SERVER_DATA" "$MIBS_DIR"
    [ -z "${SERVER_DB:-}" ] || printf "database: '%s'\n" "$SERVER_DB"; cat; } >"$SERVER_YAML"; }
get() { curl -s -o "$T_TMP/r.json" -w '%{http_code}' -H "Authorization: Bearer $1" "$U$2"; }
# push TOKEN AGENT SEQ DEVICE VALUE [SEVERITY]: a batch of a UPS's charge (judged by the agent) and reachability
push() {
    local ts; ts=$(date +%s)
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        -d "{\"agent\":\"$2\",\"seq\":$3,\"samples\":[{\"device\":\"$4\",\"metric\":\"battery.charge\",\"value\":$5,\"unit\":\"%\",\"ts\":$ts${6:+,\"severity\":\"$6\"}},{\"device\":\"$4\",\"metric\":\"device.reachable\",\"value\":1,\"unit\":\"bool\",\"ts\":$ts}]}" "$U/ingest"
}
check "the old token reads" test "$(get rld-old-token-00001 /status)" = 200

# ---- pushes go on while the file is read again, several times ----
( for i in $(seq 1 60); do
      c=$(push rld-agent-token-0001 italie-agent "$i" ups1 "$((40 + i % 50))")
      echo "$i $c" >>"$T_TMP/pushes.txt"
      sleep 0.05
  done ) &
PUSHER=$!
base "  - {id: nro-doullens, kind: nro, timezone: Europe/Paris}" \
     "  - {id: nro-agent, token: rld-agent-token-0002, site: nro-doullens}" \
     "  - {name: new, token: rld-new-token-00001, scope: 'kind:nro'}" | yaml_at
for k in 1 2 3 4 5; do kill -HUP "$SERVER_PID"; sleep 0.3; done
wait "$PUSHER"
check "the server is still running after five reloads under pushes" kill -0 "$SERVER_PID"
stored=$(db_query "SELECT count(*) FROM batches WHERE agent='italie-agent'")
answered=$(awk '$2 == 200' "$T_TMP/pushes.txt" | wc -l)
ok $([ "$answered" = 60 ] && [ "$stored" = 60 ]; echo $?) "every push was answered 200 and stored once: $answered answered, $stored batches"
wait_for 10 grep -q "reloaded: 2 agents, 2 sites, 2 API tokens" "$SERVER_LOG"
ok $? "the log says the new configuration: 2 agents, 2 sites, 2 API tokens"
check "the new agent pushes into the new site" test "$(push rld-agent-token-0002 nro-agent 1 olt1 90)" = 200
check "the new token reads, within its scope" \
    sh -c "[ \"\$(curl -s -o '$T_TMP/n.json' -w '%{http_code}' -H 'Authorization: Bearer rld-new-token-00001' '$U/status')\" = 200 ] && grep -q olt1 '$T_TMP/n.json' && ! grep -q ups1 '$T_TMP/n.json'"
check "the token removed from the file is refused at once (401)" test "$(get rld-old-token-00001 /status)" = 401
check "the new site is listed" sh -c "[ \"\$(curl -s -H 'Authorization: Bearer rld-admin-token-0001' '$U/sites')\" != '' ] && curl -s -H 'Authorization: Bearer rld-admin-token-0001' '$U/sites' | grep -q nro-doullens"

# ---- an open alert stays open ----
code=$(push rld-agent-token-0001 italie-agent 61 ups1 5 critical)
wait_for 20 sh -c "curl -s -H 'Authorization: Bearer rld-admin-token-0001' '$U/alerts?state=firing' | grep -q '\"device\":\"ups1\"'"
ok $? "a low battery opens an alert ($code)"
ALERT=$(curl -s -H 'Authorization: Bearer rld-admin-token-0001' "$U/alerts?state=firing" | python3 -c 'import json,sys; print([a["id"] for a in json.load(sys.stdin)["alerts"] if a["device"]=="ups1"][0])')
kill -HUP "$SERVER_PID"
sleep 1
check "after a reload the same alert is still firing (id $ALERT)" \
    sh -c "curl -s -H 'Authorization: Bearer rld-admin-token-0001' '$U/alerts?state=firing' | grep -q '\"id\":$ALERT,'"

# ---- a broken file changes nothing ----
cp "$SERVER_YAML" "$T_TMP/good.yaml"
sed 's/^  - {name: new, token: rld-new-token-00001.*$/  - {name: new, token: rld-new-token-00001, colour: blue}/' "$T_TMP/good.yaml" >"$SERVER_YAML"
kill -HUP "$SERVER_PID"
wait_for 10 grep -q "reload refused, the running configuration is kept" "$SERVER_LOG"
ok $? "a file with an unknown key is refused"
check "the refusal names the file, line, column and key" grep -Eq "reload refused, the running configuration is kept: $SERVER_YAML:[0-9]+:[0-9]+: .*colour" "$SERVER_LOG"
check "the running configuration goes on: the new token still reads" test "$(get rld-new-token-00001 /status)" = 200
check "and the pushes are stored" test "$(push rld-agent-token-0002 nro-agent 2 olt1 91)" = 200
"$SERVER" -c "$SERVER_YAML" --check-config >"$T_TMP/check.out" 2>&1
check "vigie-server --check-config says the same, exit 2" sh -c "[ $? = 2 ] && grep -q colour '$T_TMP/check.out'"
"$SERVER" -c "$T_TMP/good.yaml" --check-config >/dev/null 2>&1
check "and exits 0 on the good file" test $? = 0

# ---- a key a running server cannot change ----
sed "s/^listen: 127.0.0.1:$SERVER_PORT/listen: 127.0.0.1:1/" "$T_TMP/good.yaml" >"$SERVER_YAML"
kill -HUP "$SERVER_PID"
wait_for 10 grep -q ": port changed: a running server keeps them until it restarts" "$SERVER_LOG"
ok $? "a changed port is said, and kept until a restart"
check "the server still answers on its port" test "$(get rld-admin-token-0001 /status)" = 200
cp "$T_TMP/good.yaml" "$SERVER_YAML"

# ---- the audit trail ----
"$CLI" -s "$SERVER_URL" -t rld-admin-token-0001 audit --action config.reload --json >"$T_TMP/audit.json" 2>"$T_TMP/audit.err"
check "each reload is in the audit trail: 7 ok, 1 failed, the file's hash in the detail" python3 - "$T_TMP/audit.json" <<'PY'
import json, sys
e = [x for x in json.load(open(sys.argv[1]))['entries'] if x['action'] == 'config.reload']
ok = [x for x in e if x['outcome'] == 'ok']; bad = [x for x in e if x['outcome'] == 'failed']
assert len(ok) == 7 and len(bad) == 1, [(x['outcome'], x['detail']) for x in e]
assert all(x['detail'].startswith('sha256:') for x in ok), ok
assert 'colour' in bad[0]['detail'], bad
PY
check "the server stops cleanly" server_stop
finish

#!/bin/bash
# Personal API tokens (issue 20) end to end: `vigie token add` shows a secret once and the database
# keeps only its SHA-256; roles read < operator < admin gate the actions; a scope limits what a token
# sees and what a scoped admin may give; revocation and expiry take effect at the next request; no
# secret reaches the server's log, even at debug level.
. "${top_srcdir:-.}/tests/integration/lib.sh"
server_start server "sites:
  - {id: italie, kind: datacenter, timezone: Europe/Paris}
  - {id: nro-doullens, kind: nro, timezone: Europe/Paris}
agents: [{id: italie-agent, token: tok-agent-token-0001, site: italie},
         {id: nro-agent, token: tok-agent-token-0002, site: nro-doullens}]
api_tokens: [{name: root, token: tok-admin-token-0001, role: admin},
             {name: nro-admin, token: tok-nroadm-token-001, role: admin, scope: 'kind:nro'}]"
server_stop
"$SERVER" -c "$SERVER_YAML" --log-level debug 2>>"$SERVER_LOG" &
SERVER_PID=$!
T_PIDS="$T_PIDS $SERVER_PID"
wait_for 10 curl -sf "$SERVER_URL/api/v1/health" -o /dev/null || bail "vigie-server did not start"
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN=tok-admin-token-0001
U="$SERVER_URL/api/v1"
# as TOKEN METHOD PATH [BODY]: the status; the reply in $T_TMP/r.json
as() { curl -s -o "$T_TMP/r.json" -w '%{http_code}' --max-time 10 -X "$2" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' ${4:+-d "$4"} "$U$3"; }
field() { python3 -c "import json,sys; print(json.load(open('$T_TMP/r.json')).get('$1'))"; }
now=$(date +%s)
push() { # push AGENT-TOKEN AGENT DEVICE: one reachable sample
    curl -s -o "$T_TMP/push.out" -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        -d "{\"agent\":\"$2\",\"seq\":1,\"samples\":[{\"device\":\"$3\",\"metric\":\"device.reachable\",\"value\":1,\"unit\":\"bool\",\"ts\":$now}]}" "$U/ingest"
}
[ "$(push tok-agent-token-0001 italie-agent ups1)" = 200 ] && [ "$(push tok-agent-token-0002 nro-agent olt1)" = 200 ]
ok $? "two sites have data (a data center and an NRO)"

# ---- add ----
"$CLI" token add --name alice --role read --scope kind:nro >"$T_TMP/alice.out" 2>"$T_TMP/alice.err"
ok $? "vigie token add --name alice --role read --scope kind:nro succeeds ($(cat "$T_TMP/alice.err"))"
ALICE=$(cat "$T_TMP/alice.out")
check "it prints one secret: vgt_ and 64 hex digits" grep -Eqx 'vgt_[0-9a-f]{64}' "$T_TMP/alice.out"
check "and says it is shown once" grep -q "shown this once" "$T_TMP/alice.err"
"$CLI" token add --name oscar --role operator >"$T_TMP/oscar.out" 2>/dev/null
OSCAR=$(cat "$T_TMP/oscar.out")
check "a second token differs (random)" test -n "$OSCAR" -a "$OSCAR" != "$ALICE"

# ---- the database keeps hashes only ----
HASH=$(printf '%s' "$ALICE" | sha256sum | cut -d' ' -f1)
check "the database keeps alice's SHA-256" test "$(db_query "SELECT hash FROM api_tokens WHERE name='alice'")" = "$HASH"
check "and never the secret itself (not in any file of data_dir)" sh -c "! grep -rqa '${ALICE#vgt_}' '$SERVER_DATA'"

# ---- use ----
code=$(as "$ALICE" GET /whoami)
ok $([ "$code" = 200 ] && [ "$(field name)" = alice ] && [ "$(field role)" = read ] && [ "$(field scope)" = kind:nro ]; echo $?) \
    "alice's token works: whoami says alice, read, kind:nro ($code)"
code=$(as "$ALICE" GET /status)
check "alice sees the NRO's device and not the data center's ($code)" \
    sh -c "[ $code = 200 ] && grep -q '\"olt1\"' '$T_TMP/r.json' && ! grep -q 'ups1' '$T_TMP/r.json' && ! grep -q italie '$T_TMP/r.json'"
check "the last use is recorded" test "$(db_query "SELECT CASE WHEN last_used > 0 THEN 1 ELSE 0 END FROM api_tokens WHERE name='alice'")" = 1
M='{"site":"nro-doullens","start":"2030-01-07T09:00","end":"2030-01-07T10:00","reason":"test"}'
code=$(as "$ALICE" POST /maintenance "$M")
ok $([ "$code" = 403 ] && grep -q "role operator" "$T_TMP/r.json"; echo $?) "a read token may not declare maintenance (403 naming the role)"
code=$(as "$OSCAR" POST /maintenance "$M")
check "an operator token may ($code)" test "$code" = 201
code=$(as "$OSCAR" GET /tokens)
check "an operator may not list tokens (403: admin)" test "$code" = 403
code=$(as "$OSCAR" POST /report/send '{}')
check "nor send the report (403)" test "$code" = 403

# ---- list ----
"$CLI" token list >"$T_TMP/list.txt" 2>&1
ok $? "vigie token list succeeds"
sed 's/^/# /' "$T_TMP/list.txt"
check "it lists alice (read, kind:nro, active), oscar and server.yaml's tokens" \
    sh -c "grep -Eq '^alice +read +active .*kind:nro' '$T_TMP/list.txt' && grep -Eq '^oscar +operator' '$T_TMP/list.txt' && grep -Eq '^root +admin +server.yaml' '$T_TMP/list.txt'"
"$CLI" token list --json >"$T_TMP/list.json"
check "no secret nor hash in the list" sh -c "! grep -q '${ALICE#vgt_}' '$T_TMP/list.json' && ! grep -q '$HASH' '$T_TMP/list.json' && ! grep -q 'tok-admin-token-0001' '$T_TMP/list.json'"
"$CLI" token list --lang fr >"$T_TMP/list-fr.txt" 2>&1
check "--lang fr: in French" grep -q '^NOM .*RÔLE' "$T_TMP/list-fr.txt"

# ---- bad input ----
"$CLI" token add --name alice --role read >/dev/null 2>"$T_TMP/dup.err"
ok $([ $? = 1 ] && grep -q "409" "$T_TMP/dup.err"; echo $?) "a name taken is refused (409): $(head -1 "$T_TMP/dup.err")"
"$CLI" token add --name bob --role boss >/dev/null 2>"$T_TMP/role.err"
check "a bad role is refused before any request (exit 2)" test $? = 2
code=$(as tok-admin-token-0001 POST /tokens '{"name":"bob","role":"read","scope":"planet:mars"}')
ok $([ "$code" = 400 ] && [ "$(field field)" = scope ]; echo $?) "an unknown scope term: 400 naming scope ($(field error))"
code=$(as tok-admin-token-0001 POST /tokens '{"name":"bob","role":"read","expires":1000}')
check "an expiry in the past: 400 naming expires" sh -c "[ $code = 400 ] && grep -q expires '$T_TMP/r.json'"
code=$(as tok-admin-token-0001 POST /tokens '{"name":"bob","role":"read","colour":"red"}')
check "an unknown field: 400 naming it" sh -c "[ $code = 400 ] && grep -q colour '$T_TMP/r.json'"
code=$(as tok-admin-token-0001 POST /tokens '{"name":"root","role":"read"}')
check "server.yaml's names are taken too (409)" test "$code" = 409
code=$(as tok-nroadm-token-001 POST /tokens '{"name":"wide","role":"read"}')
ok $([ "$code" = 403 ] && [ "$(field field)" = scope ]; echo $?) "an admin limited to kind:nro cannot give an unlimited token (403)"
code=$(as tok-nroadm-token-001 POST /tokens '{"name":"narrow","role":"read","scope":"kind:nro"}')
check "but can give one within its scope (201)" test "$code" = 201
code=$(as tok-nroadm-token-001 GET /tokens)
check "the kind:nro admin lists the tokens within its scope only (narrow, alice; not oscar nor root)" \
    python3 -c "import json; j=json.load(open('$T_TMP/r.json')); n=sorted(t['name'] for t in j['tokens'] + j['bootstrap']); assert n == ['alice', 'narrow', 'nro-admin'], n"
code=$(as tok-nroadm-token-001 DELETE /tokens/oscar)
check "and cannot revoke a token wider than its scope: 404, as if it did not exist" test "$code" = 404
code=$(as "vgt_$(printf '0%.0s' $(seq 64))" GET /status)
check "a made-up vgt_ token is refused (401)" test "$code" = 401

# ---- revoke, expiry ----
"$CLI" token revoke alice >"$T_TMP/rev.out" 2>&1
ok $? "vigie token revoke alice: $(cat "$T_TMP/rev.out")"
code=$(as "$ALICE" GET /status)
check "alice's token is refused at the next request (401)" test "$code" = 401
"$CLI" token list >"$T_TMP/list2.txt" 2>&1
check "the list shows alice revoked" grep -Eq '^alice +read +revoked' "$T_TMP/list2.txt"
"$CLI" token revoke nobody >/dev/null 2>"$T_TMP/nobody.err"
check "revoking an unknown token: exit 1, 404" sh -c "[ $? = 1 ] && grep -q 404 '$T_TMP/nobody.err'"
exp=$(( $(date +%s) + 3 ))
"$CLI" token add --name brief --role read --expires "$exp" >"$T_TMP/brief.out" 2>/dev/null
BRIEF=$(cat "$T_TMP/brief.out")
code=$(as "$BRIEF" GET /status)
check "a token expiring in 3 s works now ($code)" test "$code" = 200
sleep 4
code=$(as "$BRIEF" GET /status)
check "and is refused once expired (401)" test "$code" = 401

# ---- guessing ----
n=0
while [ $n -lt 80 ]; do
    code=$(curl -s -o /dev/null -D "$T_TMP/guess.h" -w '%{http_code}' -H "Authorization: Bearer guess-$n-aaaaaaaaaaaaaaaa" "$U/status")
    [ "$code" = 429 ] && break
    n=$((n + 1))
done
ok $([ "$code" = 429 ] && [ $n -ge 50 ] && [ $n -le 60 ]; echo $?) "unknown tokens from one address: 429 after 60 in a minute (here after $n, the test's own before)"
check "with Retry-After" grep -qi '^Retry-After: [1-6]' "$T_TMP/guess.h"
code=$(as tok-admin-token-0001 GET /status)
check "meanwhile that address's good tokens wait too (a guess that succeeds must not tell): 429" test "$code" = 429
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/health")
check "and the routes without a token still answer (health: 200)" test "$code" = 200

# ---- no secret in the log, at debug level ----
server_stop
ok $? "the server stops cleanly"
leak=0
for s in "$ALICE" "$OSCAR" "$BRIEF" tok-admin-token-0001 tok-nroadm-token-001 "$HASH"; do
    grep -qF -- "${s#vgt_}" "$SERVER_LOG" && { echo "# the log holds $s"; leak=1; }
done
ok $leak "no token, nor alice's hash, in the server's debug log ($(wc -l <"$SERVER_LOG") lines)"
check "the log says who added and revoked tokens" sh -c "grep -q 'token alice (read, scope kind:nro) added by root' '$SERVER_LOG' && grep -q 'token alice revoked by root' '$SERVER_LOG'"
finish

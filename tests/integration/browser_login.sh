#!/bin/bash
# The dashboard's login (issue 20) end to end: over HTTP with curl (the cookie's attributes, a session
# that works without a token, logout, `vigie login-link` and its one use, the limit on failed logins:
# 429 with Retry-After after 5 a minute from one address), and in headless Chromium
# (tests/browser/login.mjs): a person limited to the NRO shelters (server.yaml, scope kind:nro) logs in
# through the form and sees only the two NROs; the token never enters the address; document.cookie
# does not show the session; an action without the CSRF token is refused; logout ends the session; a
# login link works once. No secret reaches the server's log, even at debug level.
#
# Needs (CI installs them; missing ones fail this test, they do not skip it):
#   apt-get install chromium nodejs npm          and   npm ci --prefix tests/browser
. "${top_srcdir:-.}/tests/integration/lib.sh"
BROWSER_CHECKS=15

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
MODULES="$top_srcdir/tests/browser/node_modules"
[ -f "$MODULES/playwright-core/package.json" ] || MODULES="${VIGIE_BROWSER_MODULES:-$MODULES}"
[ -x "$CHROMIUM" ] || bail "$CHROMIUM not found: the browser tests need Debian's chromium (apt-get install chromium)"
command -v node >/dev/null || bail "node not found: the browser tests need Node.js 20 (apt-get install nodejs npm)"
[ -f "$MODULES/playwright-core/package.json" ] ||
    bail "$MODULES/playwright-core not found: run 'npm ci --prefix tests/browser' first (no browser is downloaded: Debian's chromium is used)"
ARTIFACTS="$top_builddir/tests/artifacts"
mkdir -p "$ARTIFACTS" || bail "cannot create $ARTIFACTS"
ARTIFACTS=$(cd "$ARTIFACTS" && pwd)

DELEG=login-deleg-token-0001
OPS=login-ops-token-000001
AGENT=login-agent-token-0001
server_start login "step: 60
sites:
  - {id: italie, name: Data center Italie, kind: datacenter}
  - {id: nro-amiens, name: NRO Amiens, kind: nro}
  - {id: nro-doullens, name: NRO Doullens, kind: nro}
agents: [{id: all, token: $AGENT, site: italie}]
api_tokens: [{name: deleg, token: $DELEG, scope: 'kind:nro'},
             {name: ops, token: $OPS, role: operator}]
web_dir: $(cd "$top_srcdir/web" && pwd)"
server_stop
"$SERVER" -c "$SERVER_YAML" --log-level debug 2>>"$SERVER_LOG" &
SERVER_PID=$!
T_PIDS="$T_PIDS $SERVER_PID"
wait_for 10 curl -sf "$SERVER_URL/api/v1/health" -o /dev/null || bail "vigie-server did not start"
ok 0 "vigie-server runs with a data center, two NROs and a person limited to kind:nro"
U="$SERVER_URL/api/v1"

# ---- over HTTP -------------------------------------------------------------------------------
login() { # login BODY [CURL-ARGS...]: the status; headers in $T_TMP/h.txt, body in $T_TMP/r.json
    local body="$1"; shift
    curl -s -D "$T_TMP/h.txt" -o "$T_TMP/r.json" -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
        "$@" -d "$body" "$U/login"
}
code=$(login "{\"token\": \"$DELEG\"}")
[ "$code" = 200 ] && grep -Eiq '^Set-Cookie: vigie_session=vgs_[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200'$'\r''$' "$T_TMP/h.txt"
ok $? "POST /api/v1/login {token}: 200 and a cookie HttpOnly, SameSite=Strict, Path=/, Max-Age 12 h, not Secure over HTTP ($code)"
COOKIE=$(sed -n 's/^Set-Cookie: \(vigie_session=[^;]*\);.*/\1/Ip' "$T_TMP/h.txt")
CSRF=$(python3 -c "import json; print(json.load(open('$T_TMP/r.json'))['csrf'])")
check "the answer names the person, role read, scope kind:nro, a CSRF token, and not the token" python3 - "$T_TMP/r.json" "$DELEG" <<'PY'
import json, re, sys
j = json.load(open(sys.argv[1]))
assert (j["name"], j["role"], j["scope"]) == ("deleg", "read", "kind:nro"), j
assert re.fullmatch("[0-9a-f]{64}", j["csrf"]), j
assert sys.argv[2] not in open(sys.argv[1]).read()
PY
sites() { curl -s -o "$T_TMP/s.json" -w '%{http_code}' -H "Cookie: $1" "$U/sites"; }
[ "$(sites "$COOKIE")" = 200 ]
ok $? "the cookie alone reads /api/v1/sites"
check "through the session, /api/v1/sites lists the two NROs only (the scope)" python3 -c "
import json; ids = sorted(s['site'] for s in json.load(open('$T_TMP/s.json'))['sites'])
assert ids == ['nro-amiens', 'nro-doullens'], ids"
code=$(curl -s -o "$T_TMP/r.json" -w '%{http_code}' -X POST -H "Cookie: $COOKIE" "$U/logout")
[ "$code" = 403 ] && grep -q X-CSRF-Token "$T_TMP/r.json"
ok $? "POST /api/v1/logout without the CSRF token: 403 ($code)"
code=$(curl -s -D "$T_TMP/h.txt" -o "$T_TMP/r.json" -w '%{http_code}' -X POST -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" "$U/logout")
[ "$code" = 200 ] && grep -iq '^Set-Cookie: vigie_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0' "$T_TMP/h.txt"
ok $? "with it: 200 and the cookie cleared ($code)"
[ "$(sites "$COOKIE")" = 401 ]
ok $? "the session is over: the old cookie reads nothing"

# vigie login-link: for the token in use; the address's secret after '#'; one use
"$CLI" -s "$SERVER_URL" -t "$DELEG" login-link >"$T_TMP/link.out" 2>"$T_TMP/link.err"
ok $? "vigie login-link succeeds ($(cat "$T_TMP/link.err"))"
check "it prints $SERVER_URL/#login= and a vgl_ secret" grep -Eqx "$SERVER_URL/#login=vgl_[0-9a-f]{64}" "$T_TMP/link.out"
check "and says for whom and until when" grep -q "opens the dashboard as deleg, once, until" "$T_TMP/link.err"
LINK=$(sed 's/.*#login=//' "$T_TMP/link.out")
[ "$(login "{\"link\": \"$LINK\"}")" = 200 ] && grep -q '"name":"deleg"' "$T_TMP/r.json"
ok $? "POST /api/v1/login {link}: a session of deleg"
code=$(login "{\"link\": \"$LINK\"}")
[ "$code" = 401 ]
ok $? "the same link again: 401 ($code)"
code=$(login "{\"token\": \"$OPS\"}" -H 'Origin: http://evil.example' -H 'Sec-Fetch-Site: cross-site')
[ "$code" = 403 ]
ok $? "a login from a page of another site is refused: 403 ($code)"

# ---- in the browser (before the rate limit's test: both come from 127.0.0.1) -------------------
VIGIE_URL="$SERVER_URL" DELEG_TOKEN="$DELEG" OPS_TOKEN="$OPS" EXPECT_SITES=nro-amiens,nro-doullens CHROMIUM="$CHROMIUM" \
    MODULES="$MODULES" ARTIFACTS="$ARTIFACTS" timeout 300 node "$top_srcdir/tests/browser/login.mjs" \
    >"$T_TMP/browser.out" 2>"$T_TMP/browser.err"
n=0
while IFS='|' read -r verdict what why; do
    case "$verdict" in
    PASS) ok 0 "dashboard: $what"; n=$((n + 1)) ;;
    FAIL) ok 1 "dashboard: $what"; echo "#   $why"; n=$((n + 1)) ;;
    \#*) echo "$verdict" ;;
    esac
done <"$T_TMP/browser.out"
sed 's/^/#   /' "$T_TMP/browser.err" | head -20
[ "$n" -eq "$BROWSER_CHECKS" ]
ok $? "the $BROWSER_CHECKS dashboard checks ran ($n)"

# ---- failed logins: 5 a minute from one address, then 429 with Retry-After, even for a good token ----
sleep 1 # the browser's two failures are in the window too: count them in
codes=""
for i in 1 2 3 4 5; do codes="$codes $(login '{"token": "wrong-token-guess-0000"}')"; done
code=$(login "{\"token\": \"$OPS\"}")
retry=$(sed -n 's/^Retry-After: \([0-9]*\).*/\1/Ip' "$T_TMP/h.txt")
echo "# failures:$codes, then $code, Retry-After $retry"
[ "$code" = 429 ] && [ -n "$retry" ] && [ "$retry" -ge 1 ] && [ "$retry" -le 60 ]
ok $? "after 5 failures within a minute, even a good token gets 429 with Retry-After 1..60 s ($code, $retry)"

# ---- the log and the audit trail -----------------------------------------------------------------
! grep -Eq "$DELEG|$OPS|vgs_[0-9a-f]|vgl_[0-9a-f]|$CSRF" "$SERVER_LOG"
ok $? "no token, session secret, link or CSRF token in the server's log (debug level)"
check "the log names the logins and the failures" grep -q "deleg logged in to the dashboard" "$SERVER_LOG"
check "vigie-server stops cleanly" server_stop
finish

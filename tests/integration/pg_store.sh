#!/bin/bash
# The store's unit tests again, on PostgreSQL: a server of Debian's packages started here (pg_lib.sh,
# loopback only, a password), each test binary given VIGIE_TEST_PG, so that every database it opens is
# a new schema of that server (tests/unit/test_db.h). One point per test case; a case that only
# SQLite can run says so in its own output and is counted as skipped by cmocka, never silently.
. "$(dirname "$0")/lib.sh"

UNITS="store_test alerts_test maintenance_test audit_test public_api_test drift_test dependency_test
auth_test session_test oncall_test db_pool_test api_test clock_test contract_test energy_test report_test
scope_test selftest_test state_test status_summary_test video_site_test cluster_test"

pg_start || bail "PostgreSQL did not start (install the Debian packages postgresql and libpq-dev)"
check "PostgreSQL answers on 127.0.0.1:$PG_PORT with a password" pg_sql "SELECT 1"
for u in $UNITS; do
    bin="$top_builddir/tests/unit/$u"
    [ -x "$bin" ] || { ok 1 "$u: not built ($bin)"; continue; }
    out="$T_TMP/$u.out"
    CMOCKA_MESSAGE_OUTPUT=STDOUT VIGIE_MIBS_DIR="$MIBS_DIR" "$bin" >"$out" 2>&1
    rc=$?
    passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out")
    skipped=$(grep -c '^\[  SKIPPED \] test_' "$out")
    [ "$rc" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
    ok $? "$u on PostgreSQL: ${passed:-0} passed, $((skipped / 2)) SQLite-only skipped, exit $rc"
    [ "$rc" -eq 0 ] || grep -E '^\[  (FAILED|ERROR) |LINE|error' "$out" | head -20 | sed 's/^/#   /'
done
# ---- a database that restarts under a running server ----
push() { # push SEQ: one batch of the agent, its HTTP status
    local ts; ts=$(date +%s)
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer pgs-agent-token-0001" \
        -H 'Content-Type: application/json' \
        -d "{\"agent\":\"pgs-agent\",\"seq\":$1,\"samples\":[{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":$((40 + $1)),\"unit\":\"%\",\"ts\":$((ts + $1))}]}" \
        "$SERVER_URL/api/v1/ingest"
}
server_start pgs "step: 5
sites:
  - {id: italie, kind: datacenter, timezone: Europe/Paris}
agents:
  - {id: pgs-agent, token: pgs-agent-token-0001, site: italie}"
check "a server on PostgreSQL stores a push" test "$(push 1)" = 200
pg_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vigie-server'" >/dev/null
c1=$(push 2); c2=$(push 3)
ok $([ "$c2" = 200 ] && { [ "$c1" = 200 ] || [ "$c1" = 503 ]; }; echo $?) \
    "its connections cut: the next push is stored or refused 503 (then sent again by the agent), the one after stored ($c1 $c2)"
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w restart >/dev/null 2>&1
ok $? "PostgreSQL restarted"
c3=$(push 4); c4=$(push 5)
[ "$c3" = 200 ] || c3=$(push 4) # the agent's spool sends a refused batch again
ok $([ "$c3" = 200 ] && [ "$c4" = 200 ]; echo $?) "after a restart of PostgreSQL the pushes are stored again, without a restart of the server ($c3 $c4)"
n=$(db_query "SELECT count(*) FROM batches WHERE agent = 'pgs-agent'")
ok $([ "$n" -ge 4 ]; echo $?) "the batches stored are in the database ($n of 5, each at most once)"
[ "$(db_query "SELECT count(*) FROM (SELECT seq FROM batches GROUP BY node, agent, seq HAVING count(*) > 1) d")" = 0 ]
ok $? "no batch stored twice"
check "the server is still up and its health answers" curl -sf "$SERVER_URL/api/v1/health" -o /dev/null
! grep -F "$PG_PASSWORD" "$SERVER_LOG" >/dev/null
ok $? "the server's log never shows the database's password"
server_stop
ok $? "the server stops cleanly"

# no password in what the tests printed
! grep -l -F "$PG_PASSWORD" "$T_TMP"/*.out >/dev/null 2>&1
ok $? "the database's password appears in no output"
finish

#!/bin/bash
# Integration tests again, with every server on PostgreSQL (a schema each in one database of a server
# started here, pg_lib.sh): what the agents push (their spool through outages and a full bound, the
# server killed mid-push), the active checks, the alerts, maintenance, reports, energy, the agents'
# clocks, strict input, tokens, scopes, reloads, public sites and self-tests, read back through the API
# and the CLI. Each point of each script is one point here, prefixed with the script's name. audit.sh
# stays on SQLite: it tampers with the file through Python's sqlite3; audit_test runs its tampering on
# PostgreSQL too (pg_store.sh). ingest_isolation.sh stays too: it compares the values as Python's sqlite3
# prints them (11.0; psql prints 11).
. "$(dirname "$0")/lib.sh"

SUITE="skeleton.sh api.sh status.sh availability.sh alerts.sh maintenance.sh report.sh late_samples.sh
tokens.sh scope.sh reload.sh public_sites.sh selftest.sh oncall.sh contract_report.sh spool.sh spool_full.sh
faults.sh checks.sh energy.sh clocks.sh strict_input.sh"

pg_start || bail "PostgreSQL did not start (install the Debian packages postgresql and libpq-dev)"
for t in $SUITE; do
    out="$T_TMP/${t%.sh}.tap"
    top_builddir="$top_builddir" top_srcdir="$top_srcdir" bash "$top_srcdir/tests/integration/$t" >"$out" 2>"$T_TMP/${t%.sh}.stderr"
    n=0
    while IFS= read -r line; do
        case "$line" in
        "ok "*) n=$((n + 1)); ok 0 "$t: ${line#ok }" ;;
        "not ok "*) n=$((n + 1)); ok 1 "$t: ${line#not ok }" ;;
        "Bail out!"*) n=$((n + 1)); ok 1 "$t: $line" ;;
        esac
    done <"$out"
    [ "$n" -gt 0 ]
    ok $? "$t ran on PostgreSQL ($n points)"
    grep -q '^not ok\|^Bail out' "$out" && grep -B2 -A8 '^not ok\|^Bail out' "$out" | head -40 | sed 's/^/#   /'
done
! grep -l -F "$PG_PASSWORD" "$T_TMP"/*.tap "$T_TMP"/*.stderr >/dev/null 2>&1
ok $? "the database's password appears in no output of these scripts"
finish

#!/bin/bash
# UPS self-tests end to end: snmpsimd serves an APC UPS whose status, test result, test date and
# runtime are changed with snmpset (tests/fixtures/switchable/ups-apc-selftest.snmprec, written for
# this test), an agent polls it every 5 s with the real profiles. The UPS first reports a pass of
# 2026-11-02 (too old: an alert); then it runs a self-test on battery with its runtime critical: no
# outage, no page, and the test is recorded with its start, end and result, which resolves the
# alert. A second test during which the output goes off is an outage all the same, and its failure
# an alert. vigie selftests, GET /api/v1/selftests and the monthly report (JSON, CSV, and the PDF
# read back with pdftotext, in French and English) show them.
. "${top_srcdir:-.}/tests/integration/lib.sh"
command -v pdftotext >/dev/null || bail "pdftotext (Debian: poppler-utils) is needed"
data="$T_TMP/sim"
mkdir -p "$data"
cp "$top_srcdir/tests/fixtures/switchable/ups-apc-selftest.snmprec" "$data/"
chmod -R a+rwX "$data"
sim_start "$data"
TOKEN=selftest-agent-token-01
server_start server "step: 5
sites:
  - id: dc
    name: Data center Italie
    kind: datacenter
    timezone: Europe/Paris
    services:
      power: {devices: [ups], min_up: 1}
agents: [{id: dc-agent, token: $TOKEN, site: dc}]
api_tokens: [{name: ops, token: selftest-admin-token-1, role: admin}]
alerting:
  self_test: {max_age_days: 31, on_failure: warning}"
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN=selftest-admin-token-1
START=$(date +%s)
agent_start agent "agent: dc-agent
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
interval: 5
timeout: 0.5
retries: 1
devices:
  - {name: ups, host: 127.0.0.1, port: $SIM_PORT, community: ups-apc-selftest}" --profiles "$MIBS_DIR"
ups_set() { snmpset -v2c -c ups-apc-selftest -t 1 -r 2 "127.0.0.1:$SIM_PORT" "$@" >/dev/null; }
OID=.1.3.6.1.4.1.318.1.1.1
selftests() { "$CLI" selftests --site dc --json >"$T_TMP/st.json" 2>"$T_TMP/st.err"; }
# st_is PYTHON-EXPRESSION: true once the UPS's object u of GET /api/v1/selftests makes it true
st_is() { selftests && python3 -c "
import json, sys
u = json.load(open(sys.argv[1]))['sites'][0]['ups'][0]
sys.exit(0 if ($1) else 1)" "$T_TMP/st.json" 2>/dev/null; }
alerts() { "$CLI" alerts --site dc --state "$1" --json; }
kind_count() { alerts "$1" | python3 -c "import json,sys; print(sum(a['kind']=='$2' for a in json.load(sys.stdin)['alerts']))"; }

wait_for 30 st_is "u['last'] and u['last']['date'] == '2026-11-02'"
ok $? "the UPS's first words are its last test: passed on 2026-11-02 (upsAdvTestLastDiagnosticsDate 11/02/2026)"
check "that pass is older than max_age_days 31: a warning alert of kind selftest" python3 -c "
import json, sys
u = json.load(open(sys.argv[1]))['sites'][0]['ups'][0]
assert u['last']['result'] == 'passed' and u['last']['start'] is None, u
assert u['age_days'] > 31 and u['alert']['level'] == 'warning', u
assert 'last passed self-test' in u['alert']['why'], u" "$T_TMP/st.json"
wait_for 10 [ "$(kind_count firing selftest)" = 1 ]
ok $? "the alert fires ($(alerts firing | python3 -c "import json,sys; print([a['summary'] for a in json.load(sys.stdin)['alerts']])"))"

# A self-test on battery: onBatteryTest(15), testInProgress(4), 200 s of runtime (critical below 300).
T1=$(date +%s)
check "the UPS starts a self-test on battery (snmpset upsBasicOutputStatus 15, results 4, runtime 200 s)" \
    ups_set $OID.4.1.1.0 i 15 $OID.7.2.3.0 i 4 $OID.2.2.3.0 t 20000
wait_for 20 st_is "u['in_progress'] and u['in_progress_kind'] == 'self-test'"
ok $? "the API says a self-test runs"
sleep 11
TODAY=$(TZ=Europe/Paris date +%m/%d/%Y)
check "the test ends: passed, dated today ($TODAY), runtime back to 30 min" \
    ups_set $OID.4.1.1.0 i 2 $OID.7.2.3.0 i 1 $OID.7.2.4.0 s "$TODAY" $OID.2.2.3.0 t 180000
T2=$(date +%s)
wait_for 20 st_is "u['last']['result'] == 'passed' and u['last']['end'] is not None"
ok $? "the test is recorded once it passed"
check "it was watched: start, end and a duration of the test's length within two polls; its age is 0 days" python3 - \
    "$T_TMP/st.json" "$T1" "$T2" <<'PY'
import json, sys
u = json.load(open(sys.argv[1]))['sites'][0]['ups'][0]
t1, t2 = int(sys.argv[2]), int(sys.argv[3])
last = u['last']
assert t1 - 1 <= last['start'] <= t1 + 11, (last, t1)
assert t2 - 6 <= last['end'] <= t2 + 11, (last, t2)
assert abs(last['duration'] - (t2 - t1)) <= 11, (last, t2 - t1)
assert u['age_days'] == 0 and u['alert']['level'] == 'ok' and not u['in_progress'], u
assert [x['result'] for x in u['tests']] == ['passed'] or [x['result'] for x in u['tests']] == ['passed', 'passed'], u['tests']
print("# test of", last['duration'], "s")
PY
"$CLI" availability --site dc --from "$START" --to $(( $(date +%s) + 1 )) --json >"$T_TMP/avail1.json"
check "its battery time was no outage: no downtime, no incident" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['sites'][0]
assert s['figures']['downtime'] == 0 and not s['incidents'], s['figures']" "$T_TMP/avail1.json"
"$CLI" events --site dc --from "$START" --to $(( $(date +%s) + 60 )) --json >"$T_TMP/ev1.json"
check "the UPS was never down nor degraded" python3 -c "
import json, sys
e = [x for x in json.load(sys.stdin)['events'] if x['scope'] == 'device']
assert all(x['state'] == 'ok' for x in e), e" <"$T_TMP/ev1.json"
check "and nothing paged: no metric alert (ups.status OB, battery.runtime 200 s), the selftest one resolved" \
    bash -c "[ \"\$(\"$CLI\" alerts --site dc --json | python3 -c \"import json,sys; print(sum(a['kind']=='metric' for a in json.load(sys.stdin)['alerts']))\")\" = 0 ] &&
             [ \"$(kind_count firing selftest)\" = 0 ] && [ \"$(kind_count resolved selftest)\" = 1 ]"

# A second test during which the output goes off (off, 7): an outage all the same; then it fails.
check "a second test starts" ups_set $OID.4.1.1.0 i 15 $OID.7.2.3.0 i 4
wait_for 20 st_is "u['in_progress']"
ok $? "the API says it runs"
OFF=$(date +%s)
check "the output goes off during it (upsBasicOutputStatus 7)" ups_set $OID.4.1.1.0 i 7
sleep 11
check "the test fails" ups_set $OID.4.1.1.0 i 2 $OID.7.2.3.0 i 2
wait_for 20 st_is "u['last']['result'] == 'failed'"
ok $? "the failed test is recorded"
wait_for 10 [ "$(kind_count firing selftest)" = 1 ]
ok $? "a failed test is a warning alert of kind selftest ($(alerts firing | python3 -c "import json,sys; print([a['summary'] for a in json.load(sys.stdin)['alerts'] if a['kind']=='selftest'])"))"
"$CLI" availability --site dc --from "$START" --to $(( $(date +%s) + 1 )) --json >"$T_TMP/avail2.json"
check "the output off during the test is downtime: one incident caused by ups.status=OFF" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['sites'][0]
inc = s['incidents']
assert len(inc) == 1 and 'ups.status=OFF' in inc[0]['cause'], inc
assert 5 <= s['figures']['downtime'] <= 25, s['figures']" "$T_TMP/avail2.json"
check "the output off paged (a metric alert on ups.status), the test's battery time did not" bash -c "
\"$CLI\" alerts --site dc --json | python3 -c \"
import json, sys
m = [a for a in json.load(sys.stdin)['alerts'] if a['kind'] == 'metric']
assert len(m) == 1 and 'ups.status OFF' in m[0]['summary'], m\""

# the command line, in both languages
"$CLI" selftests --site dc --lang fr >"$T_TMP/cli-fr.txt" 2>&1
check "vigie selftests --lang fr: the UPS, its failed test, its last pass 0 days old" \
    grep -Eq "^dc +ups +.* échoué +.* 0 j +- +avertissement" "$T_TMP/cli-fr.txt"
sed 's/^/#   /' "$T_TMP/cli-fr.txt" | head -8
"$CLI" selftests --site dc --lang en >"$T_TMP/cli-en.txt" 2>&1
check "vigie selftests --lang en: the same in English, and the two tests of the period" \
    bash -c "grep -Eq '^dc +ups .* failed .* 0 d ' '$T_TMP/cli-en.txt' && grep -q 'Tests of the period (2)' '$T_TMP/cli-en.txt'"
"$CLI" selftests --site nowhere >"$T_TMP/cli-404.txt" 2>&1
[ $? -eq 1 ] && grep -q "404: site: no such site" "$T_TMP/cli-404.txt"
ok $? "an unknown site is a 404 naming the field"
"$CLI" selftests --month 2026-13 >"$T_TMP/cli-400.txt" 2>&1
[ $? -eq 1 ] && grep -q "400: month:" "$T_TMP/cli-400.txt"
ok $? "a bad month is a 400 naming the field"

# the monthly report of this month
MONTH=$(TZ=Europe/Paris date +%Y-%m)
"$CLI" report --month "$MONTH" --site dc --format json -o "$T_TMP/r.json" >/dev/null 2>&1
check "the report's JSON has the site's self_tests: 2 tests in the month, 1 passed, 1 failed, last pass 0 days old" \
    python3 -c "
import json, sys
u = json.load(open(sys.argv[1]))['sites'][0]['self_tests'][0]
assert u['device'] == 'ups' and u['tests_in_period'] >= 2 and u['passed_in_period'] >= 1, u
assert u['failed_in_period'] == 1 and u['last']['result'] == 'failed' and u['age_days'] == 0, u" "$T_TMP/r.json"
"$CLI" report --month "$MONTH" --site dc --format csv --lang en -o "$T_TMP/r.csv" >/dev/null 2>&1
check "the CSV has a selftest_ups line and a line per test" bash -c "
grep -q '^selftest_ups,dc,ups,self-test,failed,' '$T_TMP/r.csv' && [ \$(grep -c '^selftests,dc,ups,self-test,' '$T_TMP/r.csv') -ge 2 ]"
for lang in fr en; do
    "$CLI" report --month "$MONTH" --site dc --lang $lang -o "$T_TMP/r-$lang.pdf" >/dev/null 2>&1 &&
        pdftotext -layout "$T_TMP/r-$lang.pdf" "$T_TMP/r-$lang.txt"
done
check "the PDF in French has the self-test section: the UPS, its failed test and 0 j" bash -c "
grep -q 'Autotests des onduleurs' '$T_TMP/r-fr.txt' && grep -Eq '^ *ups +[0-9/]+ [0-9:]+ +échoué +[0-9/]+ +0 j +[0-9]+ \(' '$T_TMP/r-fr.txt' &&
grep -Eq 'autotest +échoué' '$T_TMP/r-fr.txt'"
check "the PDF in English too" bash -c "
grep -q 'UPS self-tests' '$T_TMP/r-en.txt' && grep -Eq '^ *ups +[0-9-]+ [0-9:]+ +failed +[0-9-]+ +0 d ' '$T_TMP/r-en.txt' &&
grep -Eq 'self-test +passed' '$T_TMP/r-en.txt'"
grep -A8 "Autotests des onduleurs" "$T_TMP/r-fr.txt" | sed 's/^/#   /'
finish

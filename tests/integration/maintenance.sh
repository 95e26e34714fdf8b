#!/bin/bash
# Recurring maintenance windows end to end (issue 18): the monthly generator test (the first Tuesday,
# 09:00-10:00 in Paris) declared once through the API, a weekly UPS self-test through the CLI, a
# month listed occurrence by occurrence, one occurrence moved, one cancelled, the month's availability
# taking each change out of the eligible time, the report marking them recurring, refusals naming the
# field, ids never given again after a restart.
#
# Times are hand-computed from 2025-01-01T00:00Z = 1735689600; Paris is at +1 h until 30 March 2025
# 01:00Z and +2 h after. March 2025 in Paris is [1740783600, 1743458400).
. "${top_srcdir:-.}/tests/integration/lib.sh"
command -v pdftotext >/dev/null || bail "pdftotext is not installed (Debian package poppler-utils)"
server_start server "sites:
  - {id: italie, kind: datacenter, timezone: Europe/Paris, services: {power: {devices: [ups-a]}}}
retention: {events: 0}
web_dir: $(cd "$top_srcdir/web" && pwd)
agents: [{id: italie-agent, token: maint-agent-token-01, site: italie}]
api_tokens: [{name: ops, token: maint-admin-token-01, role: admin}, {name: wall, token: maint-read-token-001}]"
# again with the info log level, where the changes are logged
server_stop
server_launch_info() {
    "$SERVER" -c "$SERVER_YAML" --log-level info 2>>"$SERVER_LOG" &
    SERVER_PID=$!
    T_PIDS="$T_PIDS $SERVER_PID"
    wait_for 10 curl -sf "$SERVER_URL/api/v1/health" -o /dev/null || bail "vigie-server did not start"
}
server_launch_info
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN=maint-admin-token-01
U="$SERVER_URL/api/v1"
ADMIN=(-H "Authorization: Bearer maint-admin-token-01" -H 'Content-Type: application/json')
READ=(-H "Authorization: Bearer maint-read-token-001" -H 'Content-Type: application/json')
# req METHOD PATH [BODY]: the status, the reply in $T_TMP/r.json
req() { curl -s -o "$T_TMP/r.json" -w '%{http_code}' --max-time 10 -X "$1" "${ADMIN[@]}" ${3:+-d "$3"} "$U$2"; }
MAR="month=2025-03&site=italie"

# ---- declaring ----
code=$(req POST /maintenance '{"site":"italie","start":"2025-01-07T09:00","end":"2025-01-07T10:00",
  "reason":"Essai mensuel du groupe électrogène","rrule":"freq=monthly;byday=1TU"}')
[ "$code" = 201 ] && python3 - "$T_TMP/r.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j['start'] == 1736236800 and j['end'] == 1736240400, j
assert j['rrule'] == 'FREQ=MONTHLY;BYDAY=1TU' and j['tz'] == 'Europe/Paris', j
assert j['recurrence'] == {'fr': 'le 1er mardi de chaque mois', 'en': 'the first Tuesday of every month'}, j
PY
ok $? "POST with rrule declares the generator test series, its rule kept in capitals and said in words ($code)"
GEN=$(json_get "$T_TMP/r.json" "j['id']")
"$CLI" maintenance add --site italie --service power --start 2025-03-05T14:00 --end 2025-03-05T14:30 \
    --reason "Autotest onduleur" --rrule "FREQ=WEEKLY;BYDAY=WE;COUNT=8" >"$T_TMP/add.out" 2>&1
ok $? "vigie maintenance add --rrule declares the weekly UPS self-test ($(cat "$T_TMP/add.out"))"
UPS=$(sed -n 's/^maintenance window \([0-9]*\):.*/\1/p' "$T_TMP/add.out")
check "the CLI says the series in words, times in the site's zone" \
    grep -q "italie/power from 2025-03-05 14:00 CET to 2025-03-05 14:30 CET (Autotest onduleur), repeating every Wednesday, 8 times" "$T_TMP/add.out"

bad=""
for c in 'FREQ=HOURLY|rrule|FREQ=HOURLY is not supported' 'FREQ=DAILY;BYHOUR=9|rrule|BYHOUR is not supported' \
    'FREQ=MONTHLY;COUNT=3x|rrule|COUNT: a whole number' 'FREQ=MONTHLY;BYDAY=1TU;START=1|rrule|START is not a part' \
    'FREQ=MONTHLY;BYDAY=2TU|start|the rule'"'"'s first is 2025-01-14T09:00'; do
    rule="${c%%|*}" rest="${c#*|}" field="${rest%%|*}" msg="${rest#*|}"
    code=$(req POST /maintenance "{\"site\":\"italie\",\"start\":\"2025-01-07T09:00\",\"end\":\"2025-01-07T10:00\",\"reason\":\"x\",\"rrule\":\"$rule\"}")
    { [ "$code" = 400 ] && grep -q "\"field\":\"$field\"" "$T_TMP/r.json" && grep -qF "$msg" "$T_TMP/r.json"; } ||
        bad="$bad [$rule: $code $(cat "$T_TMP/r.json")]"
done
code=$(req POST /maintenance '{"site":"italie","start":"2025-01-07T09:00","end":"2025-01-15T09:00","reason":"x","rrule":"FREQ=WEEKLY"}')
{ [ "$code" = 400 ] && grep -q '"field":"end"' "$T_TMP/r.json" && grep -q "shortest gap" "$T_TMP/r.json"; } || bad="$bad [8 days weekly: $code]"
code=$(req POST /maintenance '{"site":"italie","start":"2025-01-07T09:00","end":"2025-01-07T10:00","reason":"x","rrule":7}')
{ [ "$code" = 400 ] && grep -q '"field":"rrule"' "$T_TMP/r.json"; } || bad="$bad [rrule 7: $code]"
code=$(req POST /maintenance '{"site":"italie","start":"2025-01-07T09:00","end":"2025-02-08T09:00","reason":"x","rrule":"FREQ=YEARLY"}')
{ [ "$code" = 400 ] && grep -q 'at most 31 days' "$T_TMP/r.json"; } || bad="$bad [32 days: $code]"
# local times the clocks went back over (26 October 2025, Paris) or jumped over (30 March): refused
# without their UTC offset, the field named and api_time_parse's message passed on
code=$(req POST /maintenance '{"site":"italie","start":"2025-10-26T02:30","end":"2025-10-26T04:00","reason":"x","rrule":"FREQ=YEARLY"}')
{ [ "$code" = 400 ] && grep -q '"field":"start"' "$T_TMP/r.json" && grep -q 'happens twice' "$T_TMP/r.json"; } ||
    bad="$bad [ambiguous start: $code $(cat "$T_TMP/r.json")]"
code=$(req POST /maintenance '{"site":"italie","start":"2025-03-30T01:00","end":"2025-03-30T02:30","reason":"x"}')
{ [ "$code" = 400 ] && grep -q '"field":"end"' "$T_TMP/r.json" && grep -q 'does not exist' "$T_TMP/r.json"; } ||
    bad="$bad [skipped end: $code $(cat "$T_TMP/r.json")]"
[ -z "$bad" ]; ok $? "bad rules, a start that is not the rule's first, windows longer than the gap or 31 days: 400 naming the field$bad"
[ "$(db_count maintenance)" = 2 ]; ok $? "nothing refused was stored"
"$CLI" maintenance add --site italie --start 2025-01-07T09:00 --end 2025-01-07T10:00 --reason x --rrule FREQ=SECONDLY >"$T_TMP/m400" 2>&1
[ $? -eq 1 ] && grep -q "400: rrule: FREQ=SECONDLY is not supported" "$T_TMP/m400"
ok $? "the CLI shows the refusal and exits 1 ($(cat "$T_TMP/m400"))"

# ---- a month, occurrence by occurrence ----
# generator: Tuesday 4 March 09:00 CET = 1741075200; self-tests on Wednesdays 5, 12, 19, 26 March
# 14:00 CET = 1741179600 + k weeks
curl -sf "${READ[@]}" "$U/maintenance?$MAR" -o "$T_TMP/mar.json"
check "GET a month lists each occurrence: the generator test and four self-tests, sorted, with their series and occurrence" \
    python3 - "$T_TMP/mar.json" "$GEN" "$UPS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))['maintenance']; gen, ups = int(sys.argv[2]), int(sys.argv[3])
assert [w['start'] for w in m] == [1741075200] + [1741179600 + k * 604800 for k in range(4)], m
assert [w['id'] for w in m] == [gen] + [ups] * 4, m
assert all(w['occurrence'] == w['start'] and w['end'] - w['start'] == (3600 if w['id'] == gen else 1800) for w in m), m
assert m[1]['service'] == 'power' and m[1]['rrule'] == 'FREQ=WEEKLY;BYDAY=WE;COUNT=8', m[1]
assert not any(w['moved'] or w['cancelled'] for w in m), m
PY
# The power service is in maintenance during the site's windows and its own (how a service's window
# weighs on the site is the availability arithmetic's business, tested in availability_test).
maint() { # maint MONTH: the power service's maintenance seconds that month
    curl -sf "${READ[@]}" "$U/availability?month=$1&site=italie" |
        python3 -c "import json,sys; print([s for s in json.load(sys.stdin)['sites'][0]['services'] if s['name'] == 'power'][0]['maintenance'])"
}
[ "$(maint 2025-03)" = 10800 ]
ok $? "March's availability takes the generator test's hour and four half-hour self-tests out of power's eligible time ($(maint 2025-03))"

# ---- one occurrence moved, one cancelled ----
code=$(req PUT "/maintenance/$GEN/occurrences/1741075200" '{"start":"2025-03-06T10:00","end":"2025-03-06T12:00","reason":"Essai décalé"}')
[ "$code" = 200 ] && python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['start'] == 1741251600 and j['end'] == 1741258800 and j['occurrence'] == 1741075200 and j['moved'], j
assert j['reason'] == 'Essai décalé' and j['who'] == 'ops', j" "$T_TMP/r.json"
ok $? "PUT .../occurrences/OCC moves March's test to Thursday 10:00-12:00 ($code $(cat "$T_TMP/r.json"))"
[ "$(maint 2025-03)" = 14400 ]; ok $? "March's availability follows: two hours for the test ($(maint 2025-03))"
curl -sf "${READ[@]}" "$U/maintenance?month=2025-02&site=italie" | grep -q '"start":1738656000'
ok $? "the series itself is untouched: February's test is still on Tuesday 4 February 09:00"
"$CLI" maintenance move "$GEN" 2025-04-01T09:00+02:00 --start 2025-04-01T13:00 >"$T_TMP/move.out" 2>&1 &&
    curl -sf "${READ[@]}" "$U/maintenance?month=2025-04&site=italie" | python3 -c "
import json, sys
m = [w for w in json.load(sys.stdin)['maintenance'] if w['id'] == $GEN]
assert len(m) == 1 and m[0]['start'] == 1743505200 and m[0]['end'] == 1743508800 and m[0]['moved'], m"
ok $? "vigie maintenance move ID OCC --start keeps the occurrence's length ($(cat "$T_TMP/move.out"))"
code=$(req PUT "/maintenance/$UPS/occurrences/$((1741179600 + 604800))" '{"start":"2025-03-19T14:15"}')
[ "$code" = 409 ] && grep -q '"field":"start"' "$T_TMP/r.json" && grep -q "2025-03-19T14:00 to 2025-03-19T14:30" "$T_TMP/r.json"
ok $? "a move onto another occurrence of the series is refused (409 naming start)"
code=$(req PUT "/maintenance/$GEN/occurrences/1741075201" '{"reason":"x"}')
[ "$code" = 404 ] && grep -q '"field":"occurrence"' "$T_TMP/r.json"
ok $? "an instant that is no occurrence of the series: 404 naming occurrence ($code)"
code=$(req PUT "/maintenance/$GEN/occurrences/2025-10-07T09:00" '{"end":"2025-10-26T02:30"}')
code2=$(curl -s -o "$T_TMP/r2.json" -w '%{http_code}' -X PUT "${ADMIN[@]}" -d '{"reason":"x"}' "$U/maintenance/$GEN/occurrences/2025-10-26T02:30")
[ "$code" = 400 ] && grep -q '"field":"end"' "$T_TMP/r.json" && grep -q 'happens twice' "$T_TMP/r.json" &&
    [ "$code2" = 400 ] && grep -q '"field":"occurrence"' "$T_TMP/r2.json" && grep -q 'happens twice' "$T_TMP/r2.json"
ok $? "an ambiguous local end or occurrence in a move: 400 naming the field ($code $code2 $(cat "$T_TMP/r.json" "$T_TMP/r2.json"))"
code=$(curl -s -o "$T_TMP/r.json" -w '%{http_code}' -X PUT "${READ[@]}" -d '{"reason":"x"}' "$U/maintenance/$GEN/occurrences/1741075200")
code2=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "${READ[@]}" "$U/maintenance/$GEN/occurrences/1741075200")
[ "$code" = 403 ] && [ "$code2" = 403 ]; ok $? "a read-only token can neither move nor cancel ($code $code2)"
"$CLI" maintenance cancel "$GEN" 1741075200 >"$T_TMP/cancel.out" 2>&1
ok $? "vigie maintenance cancel ID OCC ($(cat "$T_TMP/cancel.out"))"
[ "$(maint 2025-03)" = 7200 ]; ok $? "a cancelled occurrence is no maintenance: March keeps the self-tests only ($(maint 2025-03))"
curl -sf "${READ[@]}" "$U/maintenance?$MAR" -o "$T_TMP/mar2.json"
check "GET shows the cancelled occurrence at its rule's time, flagged" python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))['maintenance']
g = [w for w in m if w['id'] == $GEN]
assert len(m) == 5 and len(g) == 1 and g[0]['cancelled'] and g[0]['start'] == 1741075200, m" "$T_TMP/mar2.json"
grep -q "maintenance $GEN: occurrence 1741075200 cancelled by ops" "$SERVER_LOG" &&
    grep -q "maintenance $GEN: occurrence 1741075200 moved or edited by ops" "$SERVER_LOG" && ! grep -q "maint-admin-token" "$SERVER_LOG"
ok $? "each change is logged with who made it, and no token"

# ---- the CLI's list, the report ----
"$CLI" maintenance list --site italie --month 2025-03 --lang fr >"$T_TMP/list.txt"
grep -q "^$GEN .*2025-03-04T09:00+01:00 .*le 1er mardi de chaque mois \[annulée\]" "$T_TMP/list.txt" &&
    [ "$(grep -c "^$UPS .*chaque mercredi, 8 fois .*Autotest onduleur (ops)" "$T_TMP/list.txt")" = 4 ] &&
    grep -q "2025-03-26 14:00 CET *2025-03-26 14:30 CET *power" "$T_TMP/list.txt"
ok $? "vigie maintenance list --lang fr: local times, the occurrence to name, the rule in words, the state"
curl -sf "${READ[@]}" "$U/report?$MAR&format=csv&lang=en" -o "$T_TMP/r.csv"
[ "$(grep -c "^maintenance,italie,$UPS,power,.*,Autotest onduleur,ops,yes,FREQ=WEEKLY;BYDAY=WE;COUNT=8,no" "$T_TMP/r.csv")" = 4 ] &&
    ! grep -q "^maintenance,italie,$GEN," "$T_TMP/r.csv"
ok $? "the report's CSV marks each occurrence recurring with its rule; the cancelled one is not there"
curl -sf "${READ[@]}" "$U/report?month=2025-04&site=italie&format=pdf&lang=fr" -o "$T_TMP/r.pdf" &&
    pdftotext -layout "$T_TMP/r.pdf" "$T_TMP/r.txt"
# (the column wraps its words on narrow pages: each piece is looked for on its own)
grep -q "Récurrence" "$T_TMP/r.txt" && grep -q "le 1er mardi de" "$T_TMP/r.txt" && grep -q "déplacée" "$T_TMP/r.txt" &&
    [ "$(grep -c "chaque mercredi" "$T_TMP/r.txt")" = 4 ]
ok $? "the PDF of April shows the recurrence column: the moved generator test and the four self-tests"
curl -sf "${READ[@]}" "$U/availability?month=2025-04&site=italie" | python3 -c "
import json, sys
w = json.load(sys.stdin)['sites'][0]['maintenance_windows']
assert len(w) == 5 and all(x['recurring'] for x in w) and sum(x['moved'] for x in w) == 1, w"
ok $? "the availability JSON's maintenance_windows carry recurring, rrule and moved"

# ---- the dashboard: this month's windows on the site page (Debian's chromium, playwright-core) ----
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
MODULES="$top_srcdir/tests/browser/node_modules"
[ -f "$MODULES/playwright-core/package.json" ] || MODULES="${VIGIE_BROWSER_MODULES:-$MODULES}"
[ -x "$CHROMIUM" ] && command -v node >/dev/null && [ -f "$MODULES/playwright-core/package.json" ] ||
    bail "the dashboard check needs chromium, node and 'npm ci --prefix tests/browser' (as browser.sh)"
# this month's first Tuesday 09:00 and first Wednesday 14:00 in Paris, wherever the clock is
read -r TUE WED < <(python3 -c "
import datetime, zoneinfo
z = zoneinfo.ZoneInfo('Europe/Paris'); d = datetime.datetime.now(z).replace(day=1, second=0, microsecond=0)
f = lambda wd, h: next(int(x.timestamp()) for x in (d.replace(day=k, hour=h, minute=0) for k in range(1, 8)) if x.weekday() == wd)
print(f(1, 9), f(2, 14))")
code=$(req POST /maintenance '{"site":"italie","service":"cooling","start":"2025-03-05T14:00","end":"2025-03-05T15:00","reason":"Contrôle clim","rrule":"FREQ=WEEKLY;BYDAY=WE"}')
CLIM=$(json_get "$T_TMP/r.json" "j['id']")
code2=$(req PUT "/maintenance/$GEN/occurrences/$TUE" "{\"start\":$((TUE + 86400))}")
code3=$(req DELETE "/maintenance/$CLIM/occurrences/$WED")
[ "$code" = 201 ] && [ "$code2" = 200 ] && [ "$code3" = 200 ]
ok $? "this month: the generator test moved by a day, the first weekly cooling check cancelled ($code $code2 $code3)"
VIGIE_URL="$SERVER_URL" VIGIE_TOKEN=maint-read-token-001 CHROMIUM="$CHROMIUM" MODULES="$MODULES" \
    timeout 300 node "$top_srcdir/tests/browser/maintenance.mjs" italie "$TUE" "$WED" >"$T_TMP/browser.out" 2>"$T_TMP/browser.err"
n=0
while IFS='|' read -r res desc why; do
    case "$res" in
        PASS) ok 0 "dashboard: $desc"; n=$((n + 1)) ;;
        FAIL) ok 1 "dashboard: $desc"; echo "#   $why"; n=$((n + 1)) ;;
        \#*) echo "$res" ;;
    esac
done <"$T_TMP/browser.out"
sed 's/^/#   /' "$T_TMP/browser.err" | head -20
[ "$n" = 5 ]; ok $? "the five dashboard checks ran ($n)"
"$CLI" maintenance delete "$CLIM" >/dev/null

# ---- deleting a series; ids never given again ----
code=$(req DELETE "/maintenance/$GEN")
[ "$code" = 200 ] && [ "$(db_count maintenance_occurrences "series = $GEN")" = 0 ] &&
    ! curl -sf "${READ[@]}" "$U/maintenance?$MAR" | grep -q "\"id\":$GEN,"
ok $? "DELETE .../ID deletes the whole series and its moved and cancelled occurrences ($code)"
"$CLI" maintenance delete "$UPS" >/dev/null
[ "$CLIM" -gt "$UPS" ] && "$CLI" maintenance list --site italie --from 2025-01-01 --to 2029-01-01 | wc -l | grep -qx 1
ok $? "every window is deleted, the one with the highest id ($CLIM) last"
check "the server stops cleanly" server_stop
server_launch_info
code=$(req POST /maintenance '{"site":"italie","start":"2025-05-01T09:00","end":"2025-05-01T10:00","reason":"x"}')
[ "$code" = 201 ] && [ "$(json_get "$T_TMP/r.json" "j['id']")" = $((CLIM + 1)) ]
ok $? "after deleting the highest id and a restart, the next window gets a new id ($(cat "$T_TMP/r.json"))"
check "the server stops cleanly again" server_stop
finish

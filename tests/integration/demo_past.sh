#!/bin/bash
# The demo with a past (issue 18): scripts/demo_history.py fills the previous calendar month
# (Europe/Paris) and this month up to now for the demo estate, through the real ingest API with the
# agents' tokens and at the demo's step (60 s), as scripts/demo.sh does before its agents start. The
# previous month's figures, read back through the API and the CLI, are those its SCENARIO scripts,
# computed here by hand (times are local, in the previous month):
#   Italie: day 4 10:15-10:35 ups-a on battery, ups-b fine: power is 1 of 2, no site downtime;
#           day 9 10:00 ups-a's self-test (in_progress then passed), day 10 10:00 ups-b's; day 12 14:02-14:08 both UPS on
#           battery: a site outage of 360 s; day 18 03:10-03:50 clim-1 in alarm (2,400 s down), the
#           cooling N+1 holds; day 19 both UPS off 09:40-10:25 (2,700 s) in a power window 09:00-10:00:
#           the 1,500 s after 10:00 count; the generator test window on the first Tuesday 09:00-10:00.
#           Site downtime 360 + 1,500 = 1,860 s, 2 incidents; power in maintenance 2 x 3,600 = 7,200 s
#           (a service's window takes no eligible time from the site).
#   Péronne: day 22 21:30-21:45 the OLT's board 0/1 faulty: network down, 900 s, 1 incident; and
#           day T (the first Tuesday from the 8th that is no public holiday) 09:00-14:00 the OLT down:
#           18,000 s. Site downtime 18,900 s, 2 incidents.
#   Doullens: nothing, 100 %.
# The availability to 3 decimals, (L - downtime) / L with L the month's length:
#   month     L (s)      Italie (1,860 s)  Péronne (18,900 s)
#   28 days   2,419,200  99.923            99.219
#   29 days   2,505,600  99.926            99.246
#   30 days   2,592,000  99.928            99.271
#   31 days   2,678,400  99.931            99.294
#   March     2,674,800  99.930            99.293      (743 h: the clocks go forward)
#   October   2,682,000  99.931            99.295      (745 h: they go back)
# The 60 public sites (scripts/demo_public.py; 30 behind each NRO; standard: business hours
# Mon-Fri 08:00-18:00 and French holidays, GTR 4 h, 150 EUR per started hour; prioritaire, police and
# traffic lights: 24x7, GTR 2 h, 300 EUR), the contract month of the previous month:
#   behind Péronne, each down with its OLT on day T 09:00-14:00 (18,000 s), attributed to peronne:
#     standard: deadline 13:00, overrun 3,600 s, 150 EUR; prioritaire: deadline 11:00, 10,800 s, 900 EUR;
#   Doullens' 1st standard site: Friday F 17:00 to Monday 09:30 (232,200 s), 1 h counted on Friday:
#     deadline Monday 11:00, no breach; its 2nd: Wednesday W 10:00-14:00 (14,400 s), deadline 14:00:
#     restored at it, no breach; its 3rd: Thursday 09:00-14:10 (18,600 s), deadline 13:00, overrun
#     4,200 s: 2 started hours, 300 EUR; its 1st prioritaire: Saturday 22:00 to Sunday 01:30
#     (12,600 s), deadline 00:00, overrun 5,400 s: 600 EUR.
#   standard: 26 + 3 incidents, 27 breaches, 26 x 150 + 300 = 4,200 EUR (3,900 NRO, 300 links);
#   prioritaire: 4 + 1 incidents, 5 breaches, 4 x 900 + 600 = 4,200 EUR (3,600 NRO, 600 links).
# The time the fill took is printed, not asserted.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/demo_estate.sh"

FIRST=$(TZ=Europe/Paris date +%Y-%m-01)
PREV=$(TZ=Europe/Paris date -d "$FIRST -1 month" +%Y-%m)
DAYS=$(TZ=Europe/Paris date -d "$PREV-01 +1 month -1 day" +%d)
HOURS=$((10#$DAYS * 24))
case ${PREV#*-} in 03) HOURS=$((HOURS - 1)) ;; 10) HOURS=$((HOURS + 1)) ;; esac
case $HOURS in
    672) A_ITALIE=99.923 A_PERONNE=99.219 ;;
    696) A_ITALIE=99.926 A_PERONNE=99.246 ;;
    720) A_ITALIE=99.928 A_PERONNE=99.271 ;;
    743) A_ITALIE=99.930 A_PERONNE=99.293 ;;
    744) A_ITALIE=99.931 A_PERONNE=99.294 ;;
    745) A_ITALIE=99.931 A_PERONNE=99.295 ;;
    *) bail "a month of $HOURS hours: this script knows 672, 696, 720, 743, 744 and 745" ;;
esac
echo "# previous month $PREV: $HOURS h, Italie $A_ITALIE %, Péronne $A_PERONNE %"

DEMO_PUBLIC_SITES=60
demo_estate_server 60
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN="$DEMO_TOKEN"
# run as scripts/demo.sh runs it: Debian's python3, standard library only
FILL="$top_srcdir/scripts/demo_history.py"
FILL_START=$(date +%s)
/usr/bin/python3 "$FILL" fill "$SERVER_URL" "$DEMO_TOKENS" --public "$DEMO_PUBLIC_CSV" >"$T_TMP/fill.log" 2>&1
rc=$?
ok $rc "the fill pushes the history through the ingest API (exit 0)"
[ $rc -eq 0 ] || { sed 's/^/#   /' "$T_TMP/fill.log" | tail -20; bail "the history fill failed"; }
echo "# $(tail -1 "$T_TMP/fill.log")"
grep -q "^vigie demo: history of $PREV and " "$T_TMP/fill.log"
ok $? "the fill is of $PREV and this month"
[ "$(grep -c '^  history: ' "$T_TMP/fill.log")" -ge 19 ] && grep -q '^  history: 100 % ' "$T_TMP/fill.log"
ok $? "it shows its progress, a line every 5 %"

api() { curl -sf -H "Authorization: Bearer $DEMO_TOKEN" "$SERVER_URL$1"; }
api "/api/v1/availability?month=$PREV" >"$T_TMP/avail.json"
api "/api/v1/events?site=italie&month=$PREV" >"$T_TMP/events-italie.json"
api "/api/v1/maintenance?site=italie&month=$PREV" >"$T_TMP/maint.json"

# py DESCRIPTION PYTHON-CODE: a check in Python with the files read and the month's local times at hand
py() {
    local d="$1"
    check "$d" python3 -c "
import json, sys, datetime, zoneinfo
Z = zoneinfo.ZoneInfo('Europe/Paris')
Y, M = (int(x) for x in '$PREV'.split('-'))
def at(day, hhmm):
    h, m = (int(x) for x in hhmm.split(':'))
    return int(datetime.datetime(Y, M, day, h, m, tzinfo=Z).timestamp())
first_tuesday = 1 + (1 - datetime.date(Y, M, 1).weekday()) % 7
sys.path.insert(0, '$top_srcdir/scripts')
import demo_public as P
T = P.scenario_day(Y, M, P.NRO_OUTAGE[0])
avail = {s['site']: s for s in json.load(open('$T_TMP/avail.json'))['sites']}
events = json.load(open('$T_TMP/events-italie.json'))['events']
windows = json.load(open('$T_TMP/maint.json'))['maintenance']
def svc(site, name):
    return next(x for x in avail[site]['services'] if x['name'] == name)
def ev(scope, name):
    return [(e['ts'], e['state']) for e in events if e['scope'] == scope and e['name'] == name]
$2"
}

py "Italie: the month is $HOURS h, wholly monitored (no unknown time)" "
f = avail['italie']['figures']
assert avail['italie']['period']['hours'] == $HOURS, avail['italie']['period']
assert f['length'] == $HOURS * 3600 and f['unknown'] == 0 and f['eligible'] == f['length'], f"
py "Italie: 1,860 s of site downtime in 2 incidents, availability $A_ITALIE %, the target missed" "
f = avail['italie']['figures']
assert f['downtime'] == 1860 and f['incidents'] == 2, f
assert '%.3f' % f['availability'] == '$A_ITALIE', f['availability']
assert f['target_met'] is False and f['allowed_downtime'] < 1860, f"
py "Italie's incidents: both UPS on battery on day 12 14:02-14:08 (360 s), both off on day 19 09:40-10:25 (1,500 s of 2,700 counted)" "
inc = [(i['start'], i['end'], i['counted'], i['services'], i['excluded']) for i in avail['italie']['incidents']]
assert inc == [(at(12, '14:02'), at(12, '14:08'), 360, 'power', False),
               (at(19, '09:40'), at(19, '10:25'), 1500, 'power', False)], inc
c = [i['cause'] for i in avail['italie']['incidents']]
assert 'ups-a down (ups.status=OB)' in c[0] and 'ups-b down (ups.status=OB)' in c[0], c
assert 'ups.status=OFF' in c[1], c"
py "Italie's power: 7,200 s in maintenance (two 1 h windows), 1,860 s down, 2 incidents; cooling and environment never down" "
p = svc('italie', 'power')
assert p['maintenance'] == 7200 and p['downtime'] == 1860 and p['incidents'] == 2, p
for name in ('cooling', 'environment'):
    s = svc('italie', name)
    assert s['downtime'] == 0 and s['incidents'] == 0 and s['unknown'] == 0, s"
py "redundancy absorbs ups-a on battery on day 4 10:15-10:35: the device is down 1,200 s, the site stays up" "
a = [x for x in ev('device', 'ups-a') if at(4, '00:00') <= x[0] < at(5, '00:00')]
assert a == [(at(4, '10:15'), 'down'), (at(4, '10:35'), 'ok')], a
assert not [x for x in ev('site', 'italie') + ev('service', 'power') if at(4, '00:00') <= x[0] < at(5, '00:00')]"
py "the cooling alarm: clim-1 down on day 18 03:10-03:50 (2,400 s), the N+1 cooling stays up" "
c = ev('device', 'clim-1')
assert c == [(at(18, '03:10'), 'down'), (at(18, '03:50'), 'ok')], c
assert not [x for x in ev('service', 'cooling') if x[1] == 'down'], ev('service', 'cooling')"
py "two maintenance windows on Italie's power: the generator test (first Tuesday 09:00-10:00) and day 19 09:00-10:00" "
w = sorted((x['start'], x['end'], x['service']) for x in windows)
assert w == sorted([(at(first_tuesday, '09:00'), at(first_tuesday, '10:00'), 'power'),
                    (at(19, '09:00'), at(19, '10:00'), 'power')]), w
gen = [x for x in windows if x['start'] == at(first_tuesday, '09:00')]
assert gen and gen[0]['rrule'] == 'FREQ=MONTHLY;BYDAY=1TU' and 'groupe électrogène' in gen[0]['reason'], gen"
py "the self-tests are no outage: ups-a is not down on day 9 nor ups-b on day 10, when they ran on battery for their tests" "
assert not [x for x in ev('device', 'ups-a') if at(9, '00:00') <= x[0] < at(10, '00:00')], ev('device', 'ups-a')
assert not [x for x in ev('device', 'ups-b') if at(10, '00:00') <= x[0] < at(11, '00:00')], ev('device', 'ups-b')"
py "Péronne: the OLT down on day T 09:00-14:00 and its board fault on day 22 21:30-21:45, 18,900 s of network downtime, availability $A_PERONNE %" "
f = avail['peronne']['figures']
assert f['downtime'] == 18900 and f['incidents'] == 2 and f['unknown'] == 0, f
assert '%.3f' % f['availability'] == '$A_PERONNE', f['availability']
inc = [(i['start'], i['end'], i['services']) for i in avail['peronne']['incidents']]
assert inc == [(at(T, '09:00'), at(T, '14:00'), 'network'), (at(22, '21:30'), at(22, '21:45'), 'network')], inc
assert all('olt.board.status@0/1=fault' in i['cause'] for i in avail['peronne']['incidents']), avail['peronne']['incidents']"
py "Doullens: no incident, 100 %" "
f = avail['doullens']['figures']
assert f['downtime'] == 0 and f['incidents'] == 0 and f['unknown'] == 0 and f['availability'] == 100, f"

# the contract month of the public sites (the délégataire's report), GET /api/v1/incidents
api "/api/v1/incidents?contract=standard&month=$PREV" >"$T_TMP/inc-standard.json"
api "/api/v1/incidents?contract=prioritaire&month=$PREV" >"$T_TMP/inc-prioritaire.json"
# gtr DESCRIPTION PYTHON-CODE: with the CSV's sites, the scenario's days and both contract months at hand
gtr() {
    check "$1" python3 -c "
import csv, json, sys, datetime, zoneinfo
Z = zoneinfo.ZoneInfo('Europe/Paris')
Y, M = (int(x) for x in '$PREV'.split('-'))
def at(day, hhmm):
    h, m = (int(x) for x in hhmm.split(':'))
    return int(datetime.datetime(Y, M, day, h, m, tzinfo=Z).timestamp())
sys.path.insert(0, '$top_srcdir/scripts')
import demo_public as P
T, F, W, TH, SA = (P.scenario_day(Y, M, x) for x in (P.NRO_OUTAGE[0],) + tuple(p[0] for p in P.PUBLIC_SCENARIO))
rows = list(csv.DictReader(open('$DEMO_PUBLIC_CSV', encoding='utf-8')))
def ids(nro, contract):
    return [r['id'] for r in rows if r['nro'] == nro and r['contract'] == contract]
doc = {c: json.load(open('$T_TMP/inc-%s.json' % c)) for c in ('standard', 'prioritaire')}
def inc(c):
    return {(i['site'], i['start']): (i['restored'], i['duration'], i['gtr_deadline'], i['breach'], i['overrun'],
                                      i['penalty'], i['attributed_to']) for i in doc[c]['incidents']}
$2"
}
gtr "the public sites: 60, 30 behind each NRO, 49 standard and 11 prioritaire (police, traffic lights)" "
assert len(rows) == 60 and len(ids('peronne', 'standard') + ids('peronne', 'prioritaire')) == 30, len(rows)
assert all((r['contract'] == 'prioritaire') == (r['category'] in ('police', 'traffic')) for r in rows)
assert doc['standard']['totals']['sites'] + doc['prioritaire']['totals']['sites'] == 60, doc['standard']['totals']
assert (doc['standard']['contract']['gtr'], doc['standard']['contract']['calendar']) == (14400, 'business')
assert (doc['prioritaire']['contract']['gtr'], doc['prioritaire']['contract']['calendar']) == (7200, '24x7')"
gtr "standard, behind Péronne: each down day T 09:00-14:00 (18,000 s) with its NRO, deadline 13:00, breach, 3,600 s over: 150 EUR, attributed to peronne" "
got = inc('standard')
want = (at(T, '14:00'), 18000, at(T, '13:00'), True, 3600, 150, 'peronne')
for site in ids('peronne', 'standard'):
    assert got.get((site, at(T, '09:00'))) == want, (site, got.get((site, at(T, '09:00'))))
assert all('link.reachable=0' in i['cause'] for i in doc['standard']['incidents'] if i['attributed_to']), doc['standard']['incidents'][0]"
gtr "standard, Doullens: a weekend outage (232,200 s, deadline Monday 11:00, no breach), one restored at its deadline (14,400 s), one 1 h 10 past it (4,200 s over: 300 EUR)" "
got = inc('standard')
a, b, c = ids('doullens', 'standard')[:3]
assert got.get((a, at(F, '17:00'))) == (at(F + 3, '09:30'), 232200, at(F + 3, '11:00'), False, 0, 0, None), got.get((a, at(F, '17:00')))
assert got.get((b, at(W, '10:00'))) == (at(W, '14:00'), 14400, at(W, '14:00'), False, 0, 0, None), got.get((b, at(W, '10:00')))
assert got.get((c, at(TH, '09:00'))) == (at(TH, '14:10'), 18600, at(TH, '13:00'), True, 4200, 300, None), got.get((c, at(TH, '09:00')))
assert len(got) == 26 + 3, sorted(got)"
gtr "standard's month: 29 incidents, 27 breaches, 26 attributed, 4,200 EUR (3,900 NRO, 300 links)" "
t = doc['standard']['totals']
assert (t['incidents'], t['breaches'], t['attributed']) == (29, 27, 26), t
assert (t['penalty'], t['penalty_nro'], t['penalty_link']) == (4200, 3900, 300), t
s = {x['id']: x for x in doc['standard']['sites']}
a = ids('doullens', 'standard')[0]
assert s[a]['downtime'] == 232200 and s[a]['target_met'] is False and s[a]['penalty'] == 0, s[a]
assert s[ids('doullens', 'standard')[3]]['downtime'] == 0 and s[ids('doullens', 'standard')[3]]['availability'] == 100"
gtr "prioritaire (24x7, 2 h): behind Péronne 10,800 s over, 900 EUR each; Doullens' Saturday 22:00-01:30, 5,400 s over: 600 EUR; 4,200 EUR in all" "
got = inc('prioritaire')
for site in ids('peronne', 'prioritaire'):
    assert got.get((site, at(T, '09:00'))) == (at(T, '14:00'), 18000, at(T, '11:00'), True, 10800, 900, 'peronne'), (site, got)
x = ids('doullens', 'prioritaire')[0]
assert got.get((x, at(SA, '22:00'))) == (at(SA + 1, '01:30'), 12600, at(SA + 1, '00:00'), True, 5400, 600, None), got.get((x, at(SA, '22:00')))
t = doc['prioritaire']['totals']
assert len(got) == 4 + 1 and (t['incidents'], t['breaches'], t['attributed']) == (5, 5, 4), t
assert (t['penalty'], t['penalty_nro'], t['penalty_link']) == (4200, 3600, 600), t"

# the graphs have the month: ups-a's load, hourly, known for every hour of it
FROM=$(TZ=Europe/Paris date -d "$PREV-01 00:00" +%s)
TO=$(TZ=Europe/Paris date -d "$FIRST 00:00" +%s)
api "/api/v1/series?site=italie&device=ups-a&metric=ups.load&from=$FROM&to=$TO&step=3600" >"$T_TMP/series.json"
check "ups-a's load has a value for every hour of the month (the report's graphs)" python3 -c "
import json
p = json.load(open('$T_TMP/series.json'))['points']
known = [v for _, v in p if v is not None]
assert len(p) >= $HOURS - 1 and len(known) >= len(p) - 1, (len(p), len(known))
assert all(20 < v < 50 for v in known), (min(known), max(known))"

# Energy (server.yaml: the facility is the meter, IT the UPS outputs). IT: 3,173 + 2,990 = 6,163 W, less
# both UPS off 45 min (4.62 kWh). Facility: the UPS inputs 6,163 / 0.95 = 6,487.4 W, plus 2,400 W of
# cooling and 250 W of lighting (the daily wave and the warm spells average out over whole days and the
# month) = 9,137.4 W, less about 2.0 kWh (the meter at 0 in the mains failure, feed A lost, the
# self-test, the cooling alarm; plus the batteries' recharge). 720 h: 6,576.9 kWh over 4,432.8: PUE 1.484.
api "/api/v1/energy?site=italie&month=$PREV" >"$T_TMP/energy.json"
check "the month's energy: facility $(awk -v h=$HOURS 'BEGIN { printf "%.0f", 9.1374 * h - 2 }') kWh, IT $(awk -v h=$HOURS 'BEGIN { printf "%.0f", 6.163 * h - 4.62 }') kWh (within 0.2 %), PUE 1.48" python3 -c "
import json
e = json.load(open('$T_TMP/energy.json'))['energy']
fac, it = 9.1374 * $HOURS - 2.0, 6.163 * $HOURS - 4.62
assert abs(e['facility']['kwh'] - fac) < 0.002 * fac and e['facility']['coverage'] == 100, e['facility']
assert abs(e['it']['kwh'] - it) < 0.002 * it and e['it']['coverage'] == 100, e['it']
p = e['pue']
assert p['status'] == 'ok' and 1.480 <= p['value'] <= 1.488, p
days = [d['pue'] for d in e['days']]
assert len(days) == int('$DAYS') and all(1.40 < d < 1.56 for d in days) and max(days) - min(days) > 0.05, days"

# this month up to now
api "/api/v1/latest?site=italie&device=ups-a" >"$T_TMP/latest.json"
# the fill ends at the last whole minute but one of its start: at most 2 steps before it
check "the history reaches the present: ups-a's newest sample is at most 120 s older than the fill's start" python3 -c "
import json
v = [x for x in json.load(open('$T_TMP/latest.json'))['values'] if x['metric'] == 'ups.load']
assert v and $FILL_START - 120 <= v[0]['ts'] <= $FILL_START, ($FILL_START, v)"
api "/api/v1/availability?site=italie" >"$T_TMP/avail-now.json"
check "this month Italie has no incident so far" python3 -c "
import json
s = json.load(open('$T_TMP/avail-now.json'))['sites'][0]
assert s['figures']['incidents'] == 0 and s['figures']['downtime'] == 0, s['figures']"

# the report of the previous month, as `vigie report --previous-month` gives it
"$CLI" report --previous-month --format json -o "$T_TMP/report.json" >/dev/null 2>"$T_TMP/report.err" &&
    "$CLI" report --previous-month -o "$T_TMP/report.pdf" >/dev/null 2>>"$T_TMP/report.err"
ok $? "vigie report --previous-month gives the JSON and the PDF"
check "the report is of $PREV with Italie's 2 incidents and 2 maintenance windows" python3 -c "
import json
j = json.load(open('$T_TMP/report.json'))
assert j['period'] == '$PREV', j['period']
s = next(x for x in j['sites'] if x['site'] == 'italie')
assert len(s['incidents']) == 2 and len(s['maintenance_windows']) == 2, (s['incidents'], s['maintenance_windows'])"
check "the report's self-tests: ups-a's on day 9 10:00-10:02, ups-b's on day 10 (sampled a minute apart), passed" python3 -c "
import json, datetime, zoneinfo
Y, M = (int(x) for x in '$PREV'.split('-'))
at = lambda d, h, m: int(datetime.datetime(Y, M, d, h, m, tzinfo=zoneinfo.ZoneInfo('Europe/Paris')).timestamp())
s = next(x for x in json.load(open('$T_TMP/report.json'))['sites'] if x['site'] == 'italie')
for dev, day in (('ups-a', 9), ('ups-b', 10)):
    a = next(x for x in s['self_tests'] if x['device'] == dev)
    t = [(x['kind'], x['result'], x['start'], x['end']) for x in a['tests']]
    assert t == [('self-test', 'passed', at(day, 10, 0), at(day, 10, 2))] and a['passed_in_period'] == 1, a"
check "the report has the month's PUE, 1.484" python3 -c "
import json
s = next(x for x in json.load(open('$T_TMP/report.json'))['sites'] if x['site'] == 'italie')
assert s['energy']['pue']['status'] == 'ok' and 1.480 <= s['energy']['pue']['value'] <= 1.488, s['energy']['pue']"
pdftotext -layout "$T_TMP/report.pdf" "$T_TMP/report.txt" 2>/dev/null
grep -q "OBJECTIF NON ATTEINT" "$T_TMP/report.txt" && grep -q "ups.status=OFF" "$T_TMP/report.txt" &&
    grep -q "Essai mensuel du groupe" "$T_TMP/report.txt"
ok $? "the PDF shows Italie's target missed, the outage past its window (ups.status=OFF) and the generator test"
grep -q "^PUE du mois  *1,48" "$T_TMP/report.txt" && grep -qE "^ *ups-a  .*réussi" "$T_TMP/report.txt"
ok $? "... its PUE (1,48) and ups-a's self-test (réussi)"

# no page for the self-test: ups-a's status paged for the three real events (day 4, 12 and 19) only
api "/api/v1/alerts?site=italie" >"$T_TMP/alerts.json"
check "ups-a's ups.status paged 3 times (on battery day 4 and 12, off day 19), not for its self-test" python3 -c "
import json
a = [x for x in json.load(open('$T_TMP/alerts.json'))['alerts'] if x['device'] == 'ups-a' and x['metric'] == 'ups.status']
assert len(a) == 3 and sorted(x['summary'].split()[-1] for x in a) == ['OB', 'OB', 'OFF'], a"

# a second run keeps the history
/usr/bin/python3 "$FILL" fill "$SERVER_URL" "$DEMO_TOKENS" >"$T_TMP/fill2.log" 2>&1 &&
    grep -q "already has data" "$T_TMP/fill2.log" && ! grep -q "history:" "$T_TMP/fill2.log"
ok $? "a second fill pushes nothing: the server already has the history"
api "/api/v1/availability?month=$PREV&site=italie" >"$T_TMP/avail2.json"
api "/api/v1/maintenance?site=italie&month=$PREV" >"$T_TMP/maint2.json"
api "/api/v1/latest?site=italie&device=ups-a" >"$T_TMP/latest2.json"
check "... the month's figures are unchanged, no window is declared twice, ups-a has no newer sample" python3 -c "
import json
a = json.load(open('$T_TMP/avail2.json'))['sites'][0]['figures']
assert a['downtime'] == 1860 and a['incidents'] == 2, a
assert len(json.load(open('$T_TMP/maint2.json'))['maintenance']) == 2
newest = lambda f: max(x['ts'] for x in json.load(open(f))['values'] if x['metric'] == 'ups.load')
assert newest('$T_TMP/latest2.json') == newest('$T_TMP/latest.json'), (newest('$T_TMP/latest.json'), newest('$T_TMP/latest2.json'))"
grep -E "error|DATA LOST" "$SERVER_LOG" | head -5 | sed 's/^/#   /'
! grep -qE " error " "$SERVER_LOG"
ok $? "the server logged no error"
server_stop
ok $? "vigie-server stops cleanly"
finish

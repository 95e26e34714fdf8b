#!/bin/bash
# vigie sites and vigie incidents end to end: a vigie-server with two NROs and four public sites of a
# CSV, and the half hour the checking agent and nro-a's agent would have pushed (a push a minute, ts
# in the past, so that the figures do not depend on how fast the test runs):
#   ecole-1   down from T0+1380 with nro-a's OLT: down now, attributed to nro-a, its incident ongoing
#   ecole-2   up, two addresses: loss 25 % on the second, RTT 4 ms on the first (the best answering)
#   mairie-1  down alone for [T0+300, T0+1500): 20 min against a GTR of 15 min, a 5 min overrun,
#             one started hour at 100 EUR
#   police-1  never checked: unknown
# Then the CLI's tables, filters, French and English, --json, and its refusals of bad arguments
# (before any request); GET /api/v1/agent/targets with the agent's token and with a read token.
. "${top_srcdir:-.}/tests/integration/lib.sh"
CHECKER=public-it-checker-token-01
NRO_A=public-it-nro-a-token-0001
READER=public-it-read-token-00001

cat >"$T_TMP/public-sites.csv" <<'CSV'
id,name,commune,category,nro,address,contract,checks
ecole-1,École Jaurès,Amiens,school,nro-a,198.18.1.11,standard,icmp tcp:554
ecole-2,École Hugo,Amiens,school,nro-a,198.18.1.12 198.18.1.22,standard,
mairie-1,Mairie de Doullens,Doullens,town_hall,nro-b,198.18.1.13,standard,
police-1,Commissariat,Doullens,police,nro-b,198.18.1.14,standard,
CSV
server_start public "step: 60
sites:
  - {id: dc, name: Data center, kind: datacenter}
  - {id: nro-a, name: NRO A, kind: nro}
  - {id: nro-b, name: NRO B, kind: nro}
agents:
  - {id: checker, token: $CHECKER, site: dc}
  - {id: nro-a-agent, token: $NRO_A, site: nro-a}
api_tokens: [{name: ops, token: $READER}]
contracts:
  standard: {fr: Standard, en: Standard, target: 99.5, gtr: 15m, penalty_per_hour: 100}
public_sites: {file: public-sites.csv, agent: checker}
dependency_grace: 120"

# the half hour pushed must lie in this month (Europe/Paris): in a month's first 30 minutes, wait
# them out (rare, and it only makes the run longer; a failure for the calendar's sake would be a lie)
MSTART=$(TZ=Europe/Paris date -d "$(TZ=Europe/Paris date +%Y-%m-01) 00:00" +%s)
if [ $(( $(date +%s) - 1860 )) -lt "$MSTART" ]; then
    echo "# the month began less than 31 minutes ago: waiting until $((MSTART + 1860)) for a half hour inside it"
    sleep $((MSTART + 1860 - $(date +%s)))
fi
NOW=$(date +%s)
T0=$(( (NOW - 1800) / 60 * 60 ))
MONTH=$(TZ=Europe/Paris date +%Y-%m)
[ "$(TZ=Europe/Paris date -d "@$T0" +%Y-%m)" = "$MONTH" ] || bail "the half hour pushed begins in the previous month"
cat >"$T_TMP/pusher.py" <<'PY'
import json, sys, urllib.request
url, checker, nro, t0 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def push(token, agent, seq, samples, devices):
    body = {"agent": agent, "seq": seq, "samples": samples, "devices": devices}
    req = urllib.request.Request(url + "/api/v1/ingest", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as res:
        assert res.status == 200
def s(dev, metric, value, unit, ts, inst=""):
    sev = "critical" if metric == "link.reachable" and not value else "ok"
    return {"device": dev, "metric": metric, "instance": inst, "value": value, "unit": unit, "ts": ts, "severity": sev}
for k in range(30):
    ts = t0 + 60 * k
    e1 = ts < t0 + 1380
    m1 = not (t0 + 300 <= ts < t0 + 1500)
    samples = [s("ecole-1", "link.reachable", int(e1), "bool", ts), s("ecole-1", "link.loss", 0 if e1 else 100, "%", ts),
               s("mairie-1", "link.reachable", int(m1), "bool", ts)]
    for h, loss, rtt in (("198.18.1.12", 0, 4), ("198.18.1.22", 25, 2)):
        samples += [s("ecole-2", "link.reachable", 1, "bool", ts, h), s("ecole-2", "link.loss", loss, "%", ts, h),
                    s("ecole-2", "link.rtt", rtt, "ms", ts, h)]
    push(checker, "checker", k + 1, samples, [{"name": d, "class": "link"} for d in ("ecole-1", "ecole-2", "mairie-1")])
    push(nro, "nro-a-agent", k + 1, [s("olt", "link.reachable", int(e1), "bool", ts)], [{"name": "olt", "class": "olt"}])
PY
python3 "$T_TMP/pusher.py" "$SERVER_URL" "$CHECKER" "$NRO_A" "$T0" 2>"$T_TMP/pusher.err"
ok $? "half an hour of the checking agent's and nro-a's pushes is stored"

vigie() { "$CLI" -s "$SERVER_URL" -t "$READER" "$@"; }
row() { grep -E "^$1 " "$2"; }

t1=$(date +%s)
vigie sites --lang en >"$T_TMP/sites.txt" 2>"$T_TMP/sites.err"
ok $? "vigie sites answers"
head -1 "$T_TMP/sites.txt" | grep -q "^ID .*NAME .*COMMUNE .*CATEGORY .*NRO .*STATE .*SINCE .*AVAIL.*RTT .*LOSS .*ATTRIBUTED TO"
ok $? "the table's header names its columns"
[ "$(awk 'NR > 1 && NF { print $1 }' "$T_TMP/sites.txt" | head -4 | tr '\n' ' ')" = "ecole-1 police-1 mairie-1 ecole-2 " ]
ok $? "worst first: down, unknown, then up by availability ($(awk 'NR > 1 { print $1 }' "$T_TMP/sites.txt" | tr '\n' ' '))"
row ecole-1 "$T_TMP/sites.txt" | grep -q "DOWN .* nro-a$"
ok $? "ecole-1 is down, attributed to nro-a"
row ecole-1 "$T_TMP/sites.txt" | grep -q " 100.0 % "
ok $? "ecole-1's loss is 100 %"
row ecole-2 "$T_TMP/sites.txt" | grep -q "up .* 4.0 ms  *25.0 % *-$"
ok $? "ecole-2 (two addresses): the RTT of the best answering one, the worst loss, not attributed"
row police-1 "$T_TMP/sites.txt" | grep -q "unknown "
ok $? "police-1, never checked, is unknown"
grep -q "^4 sites shown; 1 down, 1 unknown, 2 up$" "$T_TMP/sites.txt"
ok $? "the totals line counts the states"

# mairie-1's availability at instant t, by hand: up [T0, T0+300) and [T0+1500, t), down between; no
# data before T0 (excluded), none past T0+1860 (the last run's cover). The CLI never rounds up.
vigie sites --lang en >"$T_TMP/sites2.txt"
t_after=$(date +%s)
shown=$(row mairie-1 "$T_TMP/sites2.txt" | grep -o -E '[0-9]+\.[0-9]{3} %' | head -1 | cut -d' ' -f1)
python3 - "$shown" "$T0" "$t1" "$t_after" <<'PY'
import sys
shown, t0, a, b = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
av = lambda t: 100.0 * (min(t, t0 + 1860) - t0 - 1200) / (min(t, t0 + 1860) - t0)
sys.exit(not (av(a) - 0.001 <= shown <= av(b) + 0.001))
PY
ok $? "mairie-1's availability this month: $shown %, as computed by hand for the instant of the call"

vigie sites --down --lang en >"$T_TMP/down.txt"
[ "$(awk 'NR > 1 && NF && !/shown/ { print $1 }' "$T_TMP/down.txt" | tr '\n' ' ')" = "ecole-1 " ]
ok $? "vigie sites --down lists ecole-1 alone"
vigie sites --commune doullens --json >"$T_TMP/doullens.json"
[ "$(json_get "$T_TMP/doullens.json" "' '.join(s['id'] for s in j['sites'])")" = "police-1 mairie-1" ]
ok $? "vigie sites --commune doullens --json: the server's JSON of Doullens's two sites"
vigie sites --category school --nro nro-a --lang en | grep -c -E "^ecole-[12] " | grep -q "^2$"
ok $? "vigie sites --category school --nro nro-a: the two schools"
LANG=fr_FR.UTF-8 vigie sites >"$T_TMP/sites_fr.txt"
head -1 "$T_TMP/sites_fr.txt" | grep -q "CATÉGORIE .*ÉTAT .*DEPUIS" && row ecole-1 "$T_TMP/sites_fr.txt" | grep -q "école .*EN PANNE" &&
    grep -q "^4 sites affichés ; 1 en panne, 1 inconnus, 2 en service$" "$T_TMP/sites_fr.txt"
ok $? "in French by \$LANG: headers, categories, states and totals"
vigie sites --kind nro --lang en >"$T_TMP/nro.txt"
[ "$(awk 'NR > 1 { print $1 }' "$T_TMP/nro.txt" | sort | tr '\n' ' ')" = "nro-a nro-b " ]
ok $? "vigie sites --kind nro: the two NROs (GET /api/v1/sites?kind=nro)"

bad() { # bad DESCRIPTION ARGS...: exit 2, a message, and no request reached the server
    local before after
    before=$(grep -c . "$SERVER_LOG" || true)
    vigie "${@:2}" >"$T_TMP/bad.out" 2>"$T_TMP/bad.err"
    local rc=$?
    [ $rc = 2 ] && grep -q "^vigie: " "$T_TMP/bad.err"
    ok $? "$1 (exit $rc: $(head -1 "$T_TMP/bad.err"))"
}
bad "vigie sites --category zoo is refused" sites --category zoo
bad "vigie sites --kind nro --commune x is refused" sites --kind nro --commune x
bad "vigie sites --lang de is refused" sites --lang de
bad "vigie sites extra is refused" sites extra
bad "vigie incidents --month 2026-13 is refused" incidents --contract standard --month 2026-13
bad "vigie incidents without --contract is refused" incidents --month "$MONTH"
bad "vigie incidents without --month is refused" incidents --contract standard
bad "vigie incidents --site '../x' is refused" incidents --contract standard --month "$MONTH" --site ../x
vigie sites --kind zoo >/dev/null 2>"$T_TMP/zoo.err"
[ $? = 1 ] && grep -q "kind" "$T_TMP/zoo.err"
ok $? "vigie sites --kind zoo: the server's 400 naming kind, exit 1"

vigie incidents --contract standard --month "$MONTH" --lang en >"$T_TMP/inc.txt" 2>"$T_TMP/inc.err"
ok $? "vigie incidents answers"
head -2 "$T_TMP/inc.txt" | grep -q "^SITE .*START .*RESTORED .*DURATION .*GTR DEADLINE .*GTR .*OVERRUN .*PENALTY .*ATTRIBUTED TO"
ok $? "its header names its columns"
row mairie-1 "$T_TMP/inc.txt" | grep -q "20 min 0.0 s .* BREACHED  *5 min 0.0 s  *100 EUR  *-$"
ok $? "mairie-1: 20 min, the GTR of 15 min breached by 5 min, 100 EUR, not attributed ($(row mairie-1 "$T_TMP/inc.txt"))"
row ecole-1 "$T_TMP/inc.txt" | grep -q "ongoing .* met .* nro-a$"
ok $? "ecole-1: ongoing, within its GTR so far, attributed to nro-a"
grep -q "4 sites, 2 incidents, 1 GTR breaches, 1 attributed to the NRO; penalties 100 EUR (NRO 0 EUR, single links 100 EUR)" "$T_TMP/inc.txt"
ok $? "the totals: 2 incidents, 1 breach, 1 attributed, 100 EUR on single links"
vigie incidents --contract standard --month "$MONTH" --site mairie-1 --json >"$T_TMP/inc.json"
[ "$(json_get "$T_TMP/inc.json" "[(i['site'], i['duration'], i['overrun'], i['penalty'], i['breach']) for i in j['incidents']]")" = "[('mairie-1', 1200, 300, 100.0, True)]" ]
ok $? "vigie incidents --site mairie-1 --json: its incident's figures"
LANG=fr_FR.UTF-8 vigie incidents --contract standard --month "$MONTH" | grep -q "DÉPASSÉE .* 100 EUR"
ok $? "vigie incidents in French"
vigie incidents --contract nope --month "$MONTH" >/dev/null 2>"$T_TMP/nope.err"
[ $? = 1 ] && grep -q "contract" "$T_TMP/nope.err"
ok $? "an unknown contract: the server's 400, exit 1"

code=$(curl -s -o "$T_TMP/targets.json" -w '%{http_code}' -H "Authorization: Bearer $CHECKER" "$SERVER_URL/api/v1/agent/targets")
[ "$code" = 200 ] && [ "$(json_get "$T_TMP/targets.json" "(j['agent'], [(t['device'], t['hosts'], [c['type'] for c in t['checks']]) for t in j['targets']])")" = \
    "('checker', [('ecole-1', ['198.18.1.11'], ['icmp', 'tcp']), ('ecole-2', ['198.18.1.12', '198.18.1.22'], ['icmp']), ('mairie-1', ['198.18.1.13'], ['icmp']), ('police-1', ['198.18.1.14'], ['icmp'])])" ]
ok $? "GET /api/v1/agent/targets with the checker's token: its four sites, their hosts and checks"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $READER" "$SERVER_URL/api/v1/agent/targets")
[ "$code" = 401 ]
ok $? "with a read token: 401 ($code)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $NRO_A" "$SERVER_URL/api/v1/public-sites")
[ "$code" = 401 ]
ok $? "an agent's token does not read /api/v1/public-sites ($code)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $READER" "$SERVER_URL/api/v1/public-sites/nro-a")
[ "$code" = 404 ]
ok $? "GET /api/v1/public-sites/nro-a: 404, an NRO is no public site ($code)"
server_stop
ok $? "vigie-server stops cleanly"
finish

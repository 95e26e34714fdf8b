#!/bin/bash
# An NRO outage with 50 public sites behind it, in network namespaces (netns_lib.sh). The "nro1"
# namespace holds the NRO's OLT (198.18.1.1) and the links of 50 public sites (198.18.1.10-59), behind
# one veth from the "wan"; vigie-server and two agents run in the "probe" namespace: the NRO's agent,
# which checks its OLT (`checks:` of agent.yaml), and the checking agent dc-checker, which checks the 50
# public sites of the CSV (targets_from_server). Cutting the NRO's link takes all 51 down together:
# - exactly one alert notification goes out, the NRO's, saying how many public sites are down behind it
#   (the sites' own alerts wait dependency_grace, then are held while their NRO is down);
# - each of the 50 public sites has its incident, as long as the cut within one interval, attributed
#   to the NRO (GET /api/v1/incidents) and shown so by GET /api/v1/public-sites during the cut.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/netns_lib.sh"
ns_require
IVL=10
CUT=60
NRO_TOKEN=netns-nro-agent-token-01
DC_TOKEN=netns-dc-checker-token-1
READ=netns-nro-read-token-0001
NSITES=50

ns_new probe wan nro1
ns_veth probe p0 wan w0
ns_addr probe p0 198.18.0.1/30
ns_addr wan w0 198.18.0.2/30
ns_route probe 198.18.0.0/15 198.18.0.2
ns_forward wan
ns_veth wan wnro nro1 s0
ns_addr wan wnro 198.18.0.5/30
ns_addr nro1 s0 198.18.0.6/30
ns_route nro1 default 198.18.0.5
ns_route wan 198.18.1.0/24 198.18.0.6
ns_addrs nro1 lo 198.18.1.1 1
ns_addrs nro1 lo 198.18.1.10 "$NSITES"
check "the probe namespace reaches the OLT and the first and last public sites" \
    ns_exec probe fping -q -r 2 198.18.1.1 198.18.1.10 198.18.1.$((9 + NSITES))

# the webhook receiver, in the probe namespace beside the server
HOOK_PORT=$(free_port tcp)
REC="$T_TMP/received.jsonl"
: >"$REC"
ip netns exec "$(ns probe)" /usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$HOOK_PORT" "$REC" \
    2>"$T_TMP/receiver.err" &
T_PIDS="$T_PIDS $!"

{
    echo "id,name,commune,category,nro,address,contract"
    for i in $(seq 1 "$NSITES"); do
        printf 'ps-%02d,"École %d, rue %d",Amiens,school,nro1,198.18.1.%d,standard\n' "$i" "$i" "$i" $((9 + i))
    done
} >"$T_TMP/public-sites.csv"

ns_run_programs_in probe
server_start server "step: $IVL
dependency_grace: $((2 * IVL))
sites:
  - id: nro1
    kind: nro
    services:
      network: {devices: [olt], min_up: 1}
  - {id: italie, kind: datacenter}
agents:
  - {id: nro1-agent, token: $NRO_TOKEN, site: nro1}
  - {id: dc-checker, token: $DC_TOKEN, site: italie}
api_tokens: [{name: ops, token: $READ}]
contracts:
  standard: {fr: 'Sites publics — standard', en: 'Public sites — standard', target: 99.5, gtr: 4h, penalty_per_hour: 150}
public_sites: {file: $T_TMP/public-sites.csv, agent: dc-checker}
alerting:
  group_wait: 15
  retry_delay: 1
  repeat: {warning: 0, critical: 0}
  contacts:
    - {name: noc, webhook: http://127.0.0.1:$HOOK_PORT/hook}
  chain: [noc]"
wait_for 5 ns_listening probe 127.0.0.1 "$HOOK_PORT" || bail "the webhook receiver did not start"
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN="$READ"
api() { curl -sf -H "Authorization: Bearer $READ" "$SERVER_URL/api/v1/$1"; }

START=$(date +%s)
agent_start nro-agent "agent: nro1-agent
server: $SERVER_URL
token: $NRO_TOKEN
spool_dir: $T_TMP/spool-nro
interval: $IVL
check_interval: $IVL
check_pings: 3
checks:
  - {name: olt, host: 198.18.1.1, class: olt, icmp: true}" --profiles "$MIBS_DIR" --log-level debug
NRO_AGENT_PID=$AGENT_PID NRO_AGENT_LOG=$AGENT_LOG
agent_start dc-checker "agent: dc-checker
server: $SERVER_URL
token: $DC_TOKEN
spool_dir: $T_TMP/spool-dc
interval: $IVL
check_interval: $IVL
check_pings: 3
targets_from_server: true" --profiles "$MIBS_DIR" --log-level debug

# counts STATE: the public sites in that state (GET /api/v1/public-sites)
counts() { api public-sites | python3 -c "import json,sys; print(json.load(sys.stdin)['counts'][sys.argv[1]])" "$1" 2>/dev/null; }
counts_are() { [ "$(counts "$1")" = "$2" ]; }
site_state() { api "sites" | python3 -c "import json,sys
print([s['state'] for s in json.load(sys.stdin)['sites'] if s['site']==sys.argv[1]][0])" "$1" 2>/dev/null; }
site_is() { [ "$(site_state "$1")" = "$2" ]; }

wait_for 40 grep -Eq "check: cycle at [0-9]+: $NSITES targets, [0-9]+ probes, [0-9]+ answered" "$AGENT_LOG"
ok $? "dc-checker got its $NSITES targets from the server and checks them ($(grep -m1 -o 'check: cycle at .*' "$AGENT_LOG"))"
wait_for 30 counts_are up "$NSITES"
ok $? "the $NSITES public sites are up"
wait_for 30 site_is nro1 up
ok $? "the NRO is up"
sleep "$IVL"    # a quiet cycle: nothing has been notified so far
BEFORE=$(grep -c '"/hook"' "$REC")

CUT_AT=$(date +%s)
ns_link nro1 s0 down
wait_for $((3 * IVL)) site_is nro1 down
ok $? "the NRO's link cut: the NRO is down (its OLT answers no more)"
wait_for $((3 * IVL)) counts_are down "$NSITES"
ok $? "... and its $NSITES public sites are down"
api public-sites >"$T_TMP/during.json"
check "GET /api/v1/public-sites attributes each of them to the NRO" python3 - "$T_TMP/during.json" "$NSITES" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))['sites']
down = [x for x in s if x['state'] == 'down']
assert len(down) == int(sys.argv[2]), len(down)
bad = [(x['id'], x['attributed_to']) for x in down if x['attributed_to'] != 'nro1']
assert not bad, bad
PY
ns_sleep_until $((CUT_AT + CUT))
UP_AT=$(date +%s)
ns_link nro1 s0 up
ns_route nro1 default 198.18.0.5    # a link set down loses its routes: the NRO's router puts its own back
wait_for $((3 * IVL)) counts_are up "$NSITES" && wait_for $((2 * IVL)) site_is nro1 up
ok $? "the link back: the NRO and its $NSITES public sites are up again"
sleep $((2 * IVL))    # any late notification (dependency_grace, group_wait) would have gone by now
echo "# cut at $CUT_AT for $((UP_AT - CUT_AT)) s; $BEFORE webhook messages before the cut"

check "exactly one alert notification for the outage, the NRO's, saying 50 public sites are down behind it" \
    python3 - "$REC" "$BEFORE" "$NSITES" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"/hook"' in l][int(sys.argv[2]):]
bodies = [json.loads(r['body']) for r in recs]
for b in bodies:
    print('# webhook: %s %s: %s' % (b.get('event'), b.get('site'), b.get('subject')))
firing = [b for b in bodies if b.get('event') == 'firing']
assert len(firing) == 1, [(b.get('site'), b.get('subject')) for b in firing]
b = firing[0]
assert b['site'] == 'nro1', b['site']
assert '%s public sites behind it down' % sys.argv[3] in json.dumps(b, ensure_ascii=False), b
PY

MONTH=$(TZ=Europe/Paris date +%Y-%m)
api "incidents?contract=standard&month=$MONTH" >"$T_TMP/incidents.json"
check "50 site incidents attributed to the NRO, each as long as the cut within one interval" \
    python3 - "$T_TMP/incidents.json" "$NSITES" "$CUT_AT" "$UP_AT" "$IVL" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
inc = j['incidents'] if isinstance(j, dict) else j
n, t0, t1, ivl = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sites = sorted({i['site'] for i in inc})
assert len(inc) == n and len(sites) == n, (len(inc), sites)
for i in inc:
    assert i['attributed_to'] == 'nro1', i
    assert i['restored'] is not None, i
    assert abs(i['duration'] - (t1 - t0)) <= ivl, (i, t1 - t0)
    assert t0 - 1 <= i['start'] <= t0 + ivl + 1, (i, t0)
    assert i['breach'] is False and i['penalty'] == 0, i
d = sorted(i['duration'] for i in inc)
print('# %d incidents, durations %d..%d s (cut %d s)' % (len(inc), d[0], d[-1], t1 - t0))
PY
check "the checking agent stops cleanly on SIGTERM (exit 0)" agent_stop
AGENT_PID=$NRO_AGENT_PID AGENT_LOG=$NRO_AGENT_LOG
check "the NRO's agent stops cleanly on SIGTERM (exit 0)" agent_stop
finish

#!/bin/bash
# The agent's active checks against real paths in network namespaces (netns_lib.sh), measured against
# what was injected. vigie-server and vigie-agent run in a "probe" namespace (the server on its
# 127.0.0.1); a "wan" namespace routes to four site namespaces, each behind a veth of its own:
#   cut    198.18.1.10        its link is set down for 90 s          -> 90 s of downtime +- one interval
#   lossy  198.18.2.10-19     20 % loss on the way there (netem)     -> link.loss 20 % +- 5
#   slow   198.18.3.10        50 ms of delay on the way there        -> link.rtt 50 ms (+ a few)
#   cam    198.18.4.10 :554   a TCP listener (the camera's RTSP)     stopped: link.tcp[554] 0, the camera
#                                                                       down, its outage's start and end
#                                                                       within one interval
# check_interval and the server's step are 10 s, 10 echoes per target and cycle: over about 16 cycles
# the ten lossy targets get some 1,600 echoes, so the standard error of the loss read is about 1 %.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/netns_lib.sh"
ns_require
IVL=10
TOKEN=netns-checks-agent-token
READ=netns-checks-read-token1

ns_new probe wan cut lossy slow cam
ns_veth probe p0 wan w0
ns_addr probe p0 198.18.0.1/30
ns_addr wan w0 198.18.0.2/30
ns_route probe 198.18.0.0/15 198.18.0.2
ns_forward wan
i=0
for site in cut lossy slow cam; do    # wan 198.18.0.(4i+5)/30 <-> site .(4i+6), the site's hosts 198.18.(i+1).x
    i=$((i + 1))
    ns_veth wan "w$site" "$site" s0
    ns_addr wan "w$site" "198.18.0.$((4 * i + 1))/30"
    ns_addr "$site" s0 "198.18.0.$((4 * i + 2))/30"
    ns_route "$site" default "198.18.0.$((4 * i + 1))"
    ns_route wan "198.18.$i.0/24" "198.18.0.$((4 * i + 2))"
done
ns_addrs cut lo 198.18.1.10 1
ns_addrs lossy lo 198.18.2.10 10
ns_addrs slow lo 198.18.3.10 1
ns_addrs cam lo 198.18.4.10 1
ns_shape wan wlossy 0 20
ns_shape wan wslow 50 0
ns_listen cam 198.18.4.10 554
CAM_PID=$NS_LISTEN_PID
check "the probe namespace reaches every site namespace through the wan" \
    ns_exec probe fping -q -r 2 198.18.1.10 198.18.3.10 198.18.4.10

ns_run_programs_in probe
server_start server "step: $IVL
sites:
  - id: nro1
    kind: nro
    services:
      link: {devices: [cut1], min_up: 1}
      video: {devices: [cam1], min_up: 1}
agents: [{id: checker, token: $TOKEN, site: nro1}]
api_tokens: [{name: ops, token: $READ}]"
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN="$READ"
checks() {
    echo "  - {name: cut1, host: 198.18.1.10}"
    for i in $(seq 0 9); do echo "  - {name: lossy$i, host: 198.18.2.$((10 + i))}"; done
    echo "  - {name: slow1, host: 198.18.3.10}"
    echo "  - {name: cam1, host: 198.18.4.10, class: camera, icmp: true, tcp: [554]}"
}
START=$(date +%s)
agent_start agent "agent: checker
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
interval: $IVL
check_interval: $IVL
check_pings: 10
check_timeout: 0.5
checks:
$(checks)" --profiles "$MIBS_DIR" --log-level debug

api() { curl -sf -H "Authorization: Bearer $READ" "$SERVER_URL/api/v1/$1"; }
# latest DEVICE METRIC [INSTANCE]: the latest value the API gives
latest() {
    api "latest?device=$1" 2>/dev/null | python3 -c "import json,sys
v=[x['value'] for x in json.load(sys.stdin)['values'] if x['metric']==sys.argv[1] and x['instance']==sys.argv[2]]
print(v[0] if v else '')" "$2" "${3:-}"
}
latest_is() { num_eq "$(latest "$1" "$2" "${4:-}")" "$3"; }
health() { api "devices?site=nro1" | python3 -c "import json,sys
print([d['health'] for d in json.load(sys.stdin)['devices'] if d['device']==sys.argv[1]][0])" "$1" 2>/dev/null; }
health_is() { [ "$(health "$1")" = "$2" ]; }

wait_for 30 latest_is cut1 link.reachable 1
ok $? "the first cycle is stored: cut1 answers (link.reachable 1)"
wait_for 20 grep -Eq "check: cycle at [0-9]+: 13 targets, [0-9]+ probes, [0-9]+ answered in [0-9.]+ s" "$AGENT_LOG"
ok $? "the agent logs its cycles ($(grep -m1 -o 'check: cycle at .*' "$AGENT_LOG"))"
wait_for 20 health_is cut1 ok && wait_for 20 health_is cam1 ok
ok $? "cut1 and cam1 are ok before anything is injected"
FIRST=$(date +%s)
sleep $((2 * IVL))    # two cycles on the unshaped path before anything is cut

# --- a 90 s cut of cut's link, and meanwhile the camera's RTSP port closed for 40 s
CUT_AT=$(date +%s)
ns_link cut s0 down
sleep 20
KILL_AT=$(date +%s)
ns_listen_stop "$CAM_PID"
wait_for $((2 * IVL + 5)) health_is cut1 down
ok $? "during the cut cut1 is down (no answer is an outage, not unknown)"
wait_for $((2 * IVL + 5)) latest_is cam1 link.tcp 0 554
ok $? "the camera's port closed: link.tcp[554] reads 0"
wait_for $((IVL + 5)) health_is cam1 down
ok $? "... and the camera is down"
latest_is cam1 link.reachable 1
ok $? "... while it still answers ICMP (link.reachable 1): the outage is the port's"
ns_sleep_until $((KILL_AT + 40))
RESTART_AT=$(date +%s)
ns_listen cam 198.18.4.10 554
wait_for $((2 * IVL + 5)) latest_is cam1 link.tcp 1 554 && wait_for $((IVL + 5)) health_is cam1 ok
ok $? "the listener restarted: link.tcp[554] 1 and the camera ok again"
ns_sleep_until $((CUT_AT + 90))
UP_AT=$(date +%s)
ns_link cut s0 up
ns_route cut default 198.18.0.5    # a link set down loses its routes: the site's router puts its own back
wait_for $((2 * IVL + 5)) health_is cut1 ok
ok $? "the link back up: cut1 ok again"
sleep $((IVL + 2))    # one more cycle, so that the loss and delay series have their last points
END=$(date +%s)
echo "# cut at $CUT_AT for $((UP_AT - CUT_AT)) s; port closed at $KILL_AT, open again at $RESTART_AT"

api "events?site=nro1&from=$START&to=$((END + 600))" >"$T_TMP/events.json"
api "availability?site=nro1&from=$START&to=$END" >"$T_TMP/avail.json"
check "the cut: one down span of cut1 (device events) lasting the cut's $((UP_AT - CUT_AT)) s +- $IVL s" \
    python3 - "$T_TMP/events.json" cut1 device "$CUT_AT" "$UP_AT" "$IVL" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))['events']
name, scope, t0, t1, ivl = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
mine = [e for e in ev if e['scope'] == scope and e['name'] == name]
spans, start = [], None
for e in mine:
    if e['state'] == 'down' and start is None:
        start = e['ts']
    elif e['state'] != 'down' and start is not None:
        spans.append((start, e['ts'])); start = None
assert start is None, ('still down', mine)
assert len(spans) == 1, ('down spans', spans, mine)
d = spans[0][1] - spans[0][0]
print('# %s %s down from %d to %d: %d s (injected %d s, from %d)' % (scope, name, spans[0][0], spans[0][1], d, t1 - t0, t0))
assert abs(d - (t1 - t0)) <= ivl, (d, t1 - t0)
assert t0 - 1 <= spans[0][0] <= t0 + ivl + 1, ('start', spans[0][0], t0)
PY
check "the cut: the link service's stored downtime is the cut's $((UP_AT - CUT_AT)) s +- $IVL s" \
    python3 - "$T_TMP/avail.json" link "$((UP_AT - CUT_AT))" "$IVL" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))['sites'][0]
svc = [x for x in s['services'] if x['name'] == sys.argv[2]]
assert svc, s['services']
d, want, ivl = svc[0]['downtime'], int(sys.argv[3]), int(sys.argv[4])
print('# service %s downtime %s s, availability %s %%' % (sys.argv[2], d, svc[0]['availability']))
assert abs(d - want) <= ivl, (d, want)
PY
check "the camera: its down span starts when the port closed and ends when it opened again, within $IVL s" \
    python3 - "$T_TMP/events.json" cam1 "$KILL_AT" "$RESTART_AT" "$IVL" <<'PY'
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))['events'] if e['scope'] == 'device' and e['name'] == sys.argv[2]]
t0, t1, ivl = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
downs = [e for e in ev if e['state'] == 'down']
assert len(downs) == 1, ev
after = [e for e in ev if e['ts'] > downs[0]['ts'] and e['state'] != 'down']
assert after and after[0]['state'] == 'ok', ev
s, e = downs[0]['ts'], after[0]['ts']
print('# cam1 down from %d to %d (port closed %d to %d), cause: %s' % (s, e, t0, t1, downs[0]['cause']))
assert t0 - 1 <= s <= t0 + ivl + 1, ('start', s, t0)
assert t1 - 1 <= e <= t1 + ivl + 1, ('end', e, t1)
assert 'link.tcp' in downs[0]['cause'] and '554' in downs[0]['cause'], downs[0]['cause']
assert 'link.reachable' not in downs[0]['cause'], downs[0]['cause']
PY

# series DEVICE METRIC: the non-null points of a series since FIRST, "ts value" lines
series() {
    api "series?site=nro1&device=$1&metric=$2&from=$FIRST&to=$END&step=$IVL" |
        python3 -c "import json,sys
for t, v in json.load(sys.stdin)['points']:
    if v is not None: print(t, v)"
}
for i in $(seq 0 9); do series "lossy$i" link.loss; done >"$T_TMP/loss.txt"
check "20 % loss on the path: link.loss reads 20 % +- 5 over all the lossy targets' points" \
    python3 - "$T_TMP/loss.txt" <<'PY'
import sys
v = [float(l.split()[1]) for l in open(sys.argv[1])]
assert len(v) >= 100, ('points', len(v))
m = sum(v) / len(v)
print('# link.loss: %d points of 10 echoes, mean %.2f %% (min %.0f, max %.0f)' % (len(v), m, min(v), max(v)))
assert 15 <= m <= 25, m
PY
series slow1 link.rtt >"$T_TMP/rtt.txt"
series slow1 link.rtt.min >"$T_TMP/rttmin.txt"
check "50 ms of delay: link.rtt reads 50 ms to 58 ms, its minimum never under 50 ms" \
    python3 - "$T_TMP/rtt.txt" "$T_TMP/rttmin.txt" <<'PY'
import sys
v = [float(l.split()[1]) for l in open(sys.argv[1])]
lo = [float(l.split()[1]) for l in open(sys.argv[2])]
assert len(v) >= 10 and len(lo) >= 10, (len(v), len(lo))
m = sum(v) / len(v)
print('# link.rtt: %d points, mean %.2f ms; link.rtt.min lowest %.2f ms' % (len(v), m, min(lo)))
assert 50 <= m <= 58, m
assert min(lo) >= 49.9, min(lo)
PY
series cut1 link.rtt | awk -v t="$CUT_AT" '$1 < t' >"$T_TMP/rtt-direct.txt"
check "an unshaped path reads under 5 ms (the 50 ms come from the delay injected)" \
    awk 'BEGIN { n = 0 } { n++; if ($2 >= 5) bad = 1 } END { exit !(n > 0 && !bad) }' "$T_TMP/rtt-direct.txt"
ns_unshape wan wlossy
ns_unshape wan wslow
ns_shaper_stats
check "the agent stops cleanly on SIGTERM (exit 0)" agent_stop
finish

#!/bin/bash
# The agent's active checks on loopback, end to end: vigie-agent with no SNMP device checks four
# targets of agent.yaml, and the server's targets (a public site from the CSV), every 10 s; the
# samples come through the spool and the push to the server's store:
#   up      127.0.0.1   ICMP, TCP to a listener, HTTP GET of a python server (200)
#   closed  127.0.0.1   TCP to a port nobody listens on              -> link.tcp 0, critical
#   wrong   127.0.0.1   HTTP GET expecting 204 of the 200 server     -> link.http 0, status 200
#   pub1    127.0.0.3   the server's target (GET /api/v1/agent/targets), routed to public site pub1
# then: the listener stops (link.tcp goes 0 at the next cycle), the server stops while the agent
# checks on (the spool keeps the cycles: none is lost), the agent restarts with the server away and
# checks the server's list it kept in its spool (targets.json); and bad check lines are refused with
# file:line:column. ICMP needs CAP_NET_RAW (root here, as in CI).
. "${top_srcdir:-.}/tests/integration/lib.sh"
[ "$(id -u)" = 0 ] || bail "checks.sh sends ICMP echoes through liboping, which needs CAP_NET_RAW: run it as root (CI does)"
IVL=10
TOKEN=checks-agent-token-0123
READ=checks-read-token-01234

TCP_PORT=$(free_port tcp)
HTTP_PORT=$(free_port tcp)
CLOSED_PORT=$(free_port tcp)
/usr/bin/python3 -c "
import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(64)
while True:
    c,_=s.accept(); c.close()
" "$TCP_PORT" &
LISTEN_PID=$!
T_PIDS="$T_PIDS $LISTEN_PID"
mkdir -p "$T_TMP/www" && echo hello >"$T_TMP/www/index.html"
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$T_TMP/www" "$HTTP_PORT" >/dev/null 2>&1 &
T_PIDS="$T_PIDS $!"
wait_for 10 curl -sf "http://127.0.0.1:$HTTP_PORT/" -o /dev/null || bail "the python HTTP server did not start"

cat >"$T_TMP/public.csv" <<EOF
id,name,commune,category,nro,address,contract
pub1,École Jaurès,Amiens,school,nro1,127.0.0.3,standard
EOF
server_start server "step: $IVL
sites:
  - id: nro1
    kind: nro
    services:
      cameras: {devices: [up], min_up: 1}
contracts:
  standard: {fr: Standard, en: Standard, target: 99.5, gtr: 4h}
public_sites: {file: $T_TMP/public.csv, agent: checker}
agents: [{id: checker, token: $TOKEN, site: nro1}]
api_tokens: [{name: ops, token: $READ}]"

SPOOL="$T_TMP/spool"
AGENT_BODY="agent: checker
site: nro1
server: $SERVER_URL
token: $TOKEN
spool_dir: $SPOOL
interval: $IVL
check_interval: $IVL
check_pings: 4
check_timeout: 0.5
targets_from_server: true
checks:
  - {name: up, host: 127.0.0.1, class: camera, tcp: [$TCP_PORT], http: {url: \"http://127.0.0.1:$HTTP_PORT/\"}}
  - {name: closed, host: 127.0.0.1, icmp: false, tcp: [$CLOSED_PORT]}
  - {name: wrong, host: 127.0.0.1, icmp: false, http: {url: \"http://127.0.0.1:$HTTP_PORT/\", expect: 204, name: web}}"
agent_start agent "$AGENT_BODY" --profiles "$MIBS_DIR" --log-level debug

have() { [ "$(db_latest "$1" "$2" "${3:-}")" != "" ]; }
wait_for 40 have pub1 link.reachable
ok $? "the server's target pub1 is checked: its link.reachable is stored"
wait_for 15 have wrong link.http.status web
check "the agent logged a check cycle with its counts (up and pub1 up; closed refused, wrong the wrong status)" \
    grep -q -E "check: cycle at [0-9]+: 4 targets, [0-9]+ probes, 2 answered in" "$AGENT_LOG"

num_eq "$(db_latest up link.reachable)" 1
ok $? "up: link.reachable 1 (127.0.0.1 answers its echoes)"
num_eq "$(db_latest up link.loss)" 0
ok $? "up: link.loss 0 %"
rtt=$(db_latest up link.rtt)
awk -v r="$rtt" 'BEGIN { exit !(r > 0 && r < 100) }'
ok $? "up: link.rtt $rtt ms, within (0, 100) on loopback"
have up link.jitter && have up link.rtt.min && have up link.rtt.max
ok $? "up: jitter, min and max RTT are stored"
num_eq "$(db_latest up link.tcp "$TCP_PORT")" 1
ok $? "up: link.tcp[$TCP_PORT] 1 (the listener accepts)"
num_eq "$(db_latest up link.http http)" 1 && num_eq "$(db_latest up link.http.status http)" 200
ok $? "up: link.http[http] 1 with status 200"
num_eq "$(db_latest closed link.tcp "$CLOSED_PORT")" 0
ok $? "closed: link.tcp[$CLOSED_PORT] 0 (refused)"
[ "$(db_query "select severity from latest where device = 'closed' and metric = 'link.tcp'")" = 2 ] # SEV_CRITICAL
ok $? "closed: the refused connect is critical"
num_eq "$(db_latest wrong link.http web)" 0 && num_eq "$(db_latest wrong link.http.status web)" 200
ok $? "wrong: link.http[web] 0, as 200 is not the 204 expected"
! have closed link.reachable
ok $? "closed: no echo sample for a target with icmp: false"
! have up device.reachable
ok $? "a check target never sends device.reachable"
[ "$(db_query "select site from latest where device = 'pub1' and metric = 'link.reachable'")" = pub1 ]
ok $? "pub1's samples are stored for the public site pub1, not the agent's site"
[ -s "$SPOOL/checker/targets.json" ] || [ -s "$(find "$SPOOL" -name targets.json | head -1)" ]
ok $? "the server's target list is kept in the spool folder (targets.json)"

# the listener stops: the next cycle sees the port refused
kill "$LISTEN_PID"; wait "$LISTEN_PID" 2>/dev/null
tcp_down() { num_eq "$(db_latest up link.tcp "$TCP_PORT")" 0; }
wait_for $((2 * IVL + 5)) tcp_down
ok $? "the listener stopped: up's link.tcp[$TCP_PORT] goes 0 within two cycles"

# the server goes away for three cycles: the agent checks on into its spool, nothing is lost
cycles() { grep -c "check: cycle at" "$AGENT_LOG"; }
before=$(db_count latest "device = 'up' and metric = 'link.reachable'")
n0=$(cycles)
stored0=$(db_query "select count(*) from batches where agent = 'checker'")
server_stop
sleep $((3 * IVL))
n1=$(cycles)
[ $((n1 - n0)) -ge 2 ]
ok $? "with the server away the agent goes on checking ($((n1 - n0)) cycles in $((3 * IVL)) s)"
server_launch
sent() { [ "$(db_query "select count(*) from batches where agent = 'checker'")" -ge $((stored0 + 2 * (n1 - n0))) ]; }
wait_for 40 sent
ok $? "every cycle checked while the server was away reaches it ($(db_query "select count(*) from batches where agent = 'checker'") batches, at least $((stored0 + 2 * (n1 - n0))))"

# a restart with the server away: the list kept in the spool is checked
agent_stop
ok $? "the agent stops cleanly on SIGTERM"
server_stop
: >"$AGENT_LOG"
agent_launch --profiles "$MIBS_DIR" --log-level debug
wait_for 30 grep -q -E "check: cycle at [0-9]+: 4 targets" "$AGENT_LOG"
ok $? "restarted with the server away, the agent checks the 4 targets, pub1 from its kept list"
grep -q "kept from the last run" "$AGENT_LOG"
ok $? "the agent says the server's list comes from the last run"
agent_stop

# without CAP_NET_RAW the echoes cannot be sent: said once, no echo sample (never a false down), the
# TCP check still measured; --once waits for the check cycle
server_launch
# a pair whose first server is away (agent.yaml `server:` a list): the list comes from the second, a
# new spool holding none kept
DEAD_PORT=$(free_port tcp)
agent_config pairwise "$(printf '%s\n' "$AGENT_BODY" | sed "s#^server: .*#server: [http://127.0.0.1:$DEAD_PORT, $SERVER_URL]#; s#^spool_dir: .*#spool_dir: $T_TMP/spool-pair#")"
agent_launch --profiles "$MIBS_DIR" --log-level debug
wait_for 40 grep -q -E "check: cycle at [0-9]+: 4 targets" "$AGENT_LOG"
ok $? "with the first of two servers away, the target list comes from the second (4 targets, pub1 among them)"
! grep -q "kept from the last run" "$AGENT_LOG"
ok $? "and not from a kept list (a new spool)"
agent_stop
DB_BEFORE=$(db_count latest "device = 'noraw'")
agent_config noraw "agent: checker
site: nro1
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool-noraw
checks:
  - {name: noraw, host: 127.0.0.1, tcp: [$CLOSED_PORT]}"
setpriv --inh-caps=-net_raw --bounding-set=-net_raw "$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --once 2>>"$AGENT_LOG"
ok $? "vigie-agent --once without CAP_NET_RAW checks and pushes, exit 0"
grep -q "no ICMP echo could be sent (.*CAP_NET_RAW" "$AGENT_LOG"
ok $? "it says that the echoes need CAP_NET_RAW ($(grep -o 'no ICMP echo could be sent.*' "$AGENT_LOG" | head -1 | cut -c1-160))"
num_eq "$(db_latest noraw link.tcp "$CLOSED_PORT")" 0 && ! have noraw link.reachable
ok $? "its TCP check is stored (0, refused), and no link.reachable: unknown is not down"
server_stop

# bad lines name their file, line and column
bad() { # bad DESCRIPTION PATTERN CHECK-LINE
    agent_config bad "agent: checker
server: $SERVER_URL
token: $TOKEN
spool_dir: $SPOOL
checks:
  $3"
    out=$("$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --check-config 2>&1)
    rc=$?
    [ $rc -eq 2 ] && grep -q -E -- "$2" <<<"$out"
    ok $? "$1 ($out)"
}
bad "a host name is refused (checks resolve no names)" "bad.yaml:6:[0-9]+: key 'host': 'camera.local' is not an IPv4 or IPv6 address" \
    "- {name: c1, host: camera.local}"
bad "a port out of range is refused" "bad.yaml:6:[0-9]+: key 'tcp'" "- {name: c1, host: 127.0.0.1, tcp: [70000]}"
bad "an ftp URL is refused" "bad.yaml:6:[0-9]+: key 'url'" "- {name: c1, host: 127.0.0.1, http: {url: \"ftp://127.0.0.1/\"}}"
bad "a check that checks nothing is refused" "bad.yaml:6:[0-9]+: key 'icmp'" "- {name: c1, host: 127.0.0.1, icmp: false}"
bad "an unknown key is refused" "bad.yaml:6:[0-9]+: .*udp" "- {name: c1, host: 127.0.0.1, udp: [53]}"
agent_config good "agent: checker
server: $SERVER_URL
token: $TOKEN
spool_dir: $SPOOL
check_interval: 10
checks:
  - {name: c1, host: 127.0.0.1}"
out=$("$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --check-config 2>&1)
[ $? -eq 0 ] && grep -q "0 device(s), 1 check(s)" <<<"$out"
ok $? "an agent that only checks is valid ($out)"
finish

#!/bin/bash
# The HTTP front's bounds against a real vigie-server on loopback (issue 16): a body is not read before
# the token is checked (401 to clients sending 8 MiB each, the server's memory unmoved); no client
# address takes every connection (server.yaml http: max_connections_per_ip) and an idle connection is
# closed after http: timeout; every method on every path answers (405 with Allow, 404), never hangs;
# the time ranges of the read routes are validated (400 naming the field).
. "${top_srcdir:-.}/tests/integration/lib.sh"

AGENT_TOKEN=bounds-agent-token-0001
READ=bounds-read-token-00001
ADMIN=bounds-admin-token-0001
BASE="sites: [{id: italie, name: \"Data center Italie\", kind: datacenter}]
agents: [{id: dc-italie, token: $AGENT_TOKEN, site: italie}]
api_tokens: [{name: wall, token: $READ}, {name: ops, token: $ADMIN, role: admin}]"

# ---- 1. no body is read before the token: 40 clients, 8 MiB each, a wrong or no token ----
server_start big "step: 5
http: {max_connections_per_ip: 100}
$BASE"
U="$SERVER_URL"
rss() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
hwm0=$(rss "$SERVER_PID" VmHWM)
python3 - "$SERVER_PORT" >"$T_TMP/big.out" <<'PY'
import socket, sys, threading
port = int(sys.argv[1]); N = 40; SIZE = 8 * 1024 * 1024
res = [None] * N
def client(i):
    # half with a wrong token, half with none; each announces 8 MiB and sends what the server takes
    auth = b"Authorization: Bearer wrong-token-%02d\r\n" % i if i % 2 else b""
    path = b"/api/v1/ingest" if i % 4 < 2 else b"/api/v1/maintenance"
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(20)
    s.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + auth +
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % SIZE)
    chunk = b"[" * 65536; sent = 0
    try:
        while sent < SIZE:
            s.sendall(chunk); sent += len(chunk)
    except OSError:
        pass
    data = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except OSError:
        pass
    res[i] = data.split(b"\r\n", 1)[0].decode("latin1")
ts = [threading.Thread(target=client, args=(i,)) for i in range(N)]
for t in ts: t.start()
for t in ts: t.join()
print(sum(1 for r in res if r and " 401 " in r + " "), " | ".join(sorted(set(map(str, res)))))
PY
hwm1=$(rss "$SERVER_PID" VmHWM)
read -r n401 statuses <"$T_TMP/big.out"
[ "$n401" = 40 ]; ok $? "40 clients sending 8 MiB with a wrong or no token: 401 each ($n401: $statuses)"
growth=$(( (hwm1 - hwm0) / 1024 ))
[ "$growth" -lt 40 ]; ok $? "... and the server's peak RSS grew by ${growth} MiB (${hwm0} -> ${hwm1} kB), not by 40 x 8 MiB"
# the refusal comes on the headers alone: no body sent, yet a reply
python3 - "$SERVER_PORT" >"$T_TMP/early.out" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(5)
s.sendall(b"POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nContent-Length: 8000000\r\n\r\n")
data = b""
try:
    while b"}" not in data:
        d = s.recv(4096)
        if not d:
            break
        data += d
except OSError:
    pass
print(data.decode("latin1"))
PY
grep -q '^HTTP/1.1 401' "$T_TMP/early.out" && grep -q '"error":"unknown agent token","field":"Authorization"' "$T_TMP/early.out"
ok $? "a wrong agent token gets 401 and the usual JSON error before the body is sent ($(head -1 "$T_TMP/early.out" | tr -d '\r'))"
code=$(curl -s -o "$T_TMP/e100" -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $READ" -H 'Content-Type: application/json' \
    --data-binary @<(head -c 3000000 /dev/zero | tr '\0' ' ') "$U/api/v1/maintenance")
[ "$code" = 403 ]; ok $? "a reader's token on an admin action: 403 before the body ($code)"
code=$(curl -s -o "$T_TMP/big413" -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $AGENT_TOKEN" -H 'Content-Type: application/json' \
    --data-binary @<(head -c 9000000 /dev/zero | tr '\0' ' ') "$U/api/v1/ingest")
[ "$code" = 413 ]; ok $? "the agent's own token past the body bound: 413 ($code)"
# every answer forbids framing, inline or foreign scripts and MIME sniffing (the dashboard's too)
curl -s -D "$T_TMP/hdr" -o /dev/null "$U/api/v1/health"
grep -qi "^Content-Security-Policy: default-src 'self';.*object-src 'none'.*frame-ancestors 'none'" "$T_TMP/hdr" &&
    grep -qi "^X-Frame-Options: DENY" "$T_TMP/hdr" && grep -qi "^X-Content-Type-Options: nosniff" "$T_TMP/hdr" &&
    grep -qi "^Referrer-Policy: no-referrer" "$T_TMP/hdr"
ok $? "answers carry a Content-Security-Policy (self only, no framing), X-Frame-Options, nosniff and no referrer"
printf '{"agent":"dc-italie","seq":1,"samples":[{"device":"ups1","metric":"battery.charge","value":90,"unit":"%%","ts":%s}]}' \
    "$(( $(date +%s) - 5 ))" >"$T_TMP/push.json"
code=$(curl -s -o "$T_TMP/push.out" -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $AGENT_TOKEN" \
    --data-binary @"$T_TMP/push.json" "$U/api/v1/ingest")
[ "$code" = 200 ] && grep -q '"stored":1' "$T_TMP/push.out"; ok $? "an authenticated push is still stored ($code $(cat "$T_TMP/push.out"))"
curl -s "$U/api/v1/health" >"$T_TMP/health"
grep -q '"rejected":21' "$T_TMP/health"; ok $? "the 21 refused pushes are counted as before ($(cat "$T_TMP/health"))"

BIG_URL="$U"

# ---- 2. connections: per client address, and idle ones closed ----
server_start conns "step: 5
http: {max_connections_per_ip: 4, timeout: 3}
$BASE"
python3 - "$SERVER_PORT" "$SERVER_URL" >"$T_TMP/conns.out" 2>&1 <<'PY'
import socket, subprocess, sys, time
port, url = int(sys.argv[1]), sys.argv[2]
def curl(*args):
    return subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", *args,
                           url + "/api/v1/health"], capture_output=True, text=True).stdout
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
time.sleep(0.3)
extra = socket.create_connection(("127.0.0.1", port)); extra.settimeout(3)
try:
    closed = extra.recv(100) == b""
except socket.timeout:
    closed = False  # still open: not refused
except OSError:
    closed = True   # reset
print("extra_closed", closed)
for _ in range(60):  # a flood of refused connections: one log line a minute, not one each
    try:
        c = socket.create_connection(("127.0.0.1", port)); c.settimeout(1); c.recv(1); c.close()
    except OSError:
        pass
print("same_address", curl())
print("other_address", curl("--interface", "127.0.0.2"))
idle[0].settimeout(10); t = time.time()
try:
    gone = idle[0].recv(100) == b"" and time.time() - t < 8
except socket.timeout:
    gone = False
except OSError:
    gone = time.time() - t < 8
print("idle_closed", gone, "%.1f" % (time.time() - t))
time.sleep(0.5)
print("after", curl())
PY
v() { awk -v k="$1" '$1 == k {print $2}' "$T_TMP/conns.out"; }
[ "$(v extra_closed)" = True ]; ok $? "a 5th connection from an address that holds 4 (max_connections_per_ip: 4) is closed"
[ "$(v same_address)" = 000 ]; ok $? "... a request from that address is refused meanwhile ($(v same_address))"
[ "$(v other_address)" = 200 ]; ok $? "... while another client (127.0.0.2) is served ($(v other_address))"
[ "$(v idle_closed)" = True ]; ok $? "an idle connection is closed after the timeout (timeout: 3; $(grep idle_closed "$T_TMP/conns.out"))"
[ "$(v after)" = 200 ]; ok $? "once the idle ones are gone, that address is served again ($(v after))"
n=$(grep -ci 'limit' "$SERVER_LOG")
[ "$n" -ge 1 ] && [ "$n" -le 2 ]; ok $? "61 connections refused at the limit cost 1 or 2 log lines ($n: $(grep -i -m1 'limit' "$SERVER_LOG"))"
printf 'listen: 127.0.0.1:1\nhttp: {max_connections_per_ip: 0}\nagents: [{id: a, token: bounds-agent-token-02}]\n' >"$T_TMP/bad.yaml"
"$SERVER" -c "$T_TMP/bad.yaml" --check-config >"$T_TMP/bad.out" 2>&1
[ $? -eq 2 ] && grep -q 'max_connections_per_ip' "$T_TMP/bad.out"; ok $? "http: max_connections_per_ip 0: exit 2 naming it ($(cat "$T_TMP/bad.out"))"
printf 'listen: 127.0.0.1:1\nhttp: {timeouts: 3}\nagents: [{id: a, token: bounds-agent-token-02}]\n' >"$T_TMP/bad.yaml"
"$SERVER" -c "$T_TMP/bad.yaml" --check-config >"$T_TMP/bad.out" 2>&1
[ $? -eq 2 ] && grep -q 'timeouts' "$T_TMP/bad.out"; ok $? "http: an unknown key: exit 2 naming it ($(cat "$T_TMP/bad.out"))"

# ---- 3. every method on every path answers ----
U="$SERVER_URL"
# PATH ALLOW: the path's methods
routes="/api/v1/ingest:POST
/api/v1/status:GET,HEAD
/api/v1/health:GET,HEAD
/api/v1/sites:GET,HEAD
/api/v1/availability:GET,HEAD
/api/v1/events:GET,HEAD
/api/v1/maintenance:GET,HEAD,POST
/api/v1/maintenance/1:DELETE,PUT
/api/v1/report:GET,HEAD
/api/v1/report/send:POST
/api/v1/devices:GET,HEAD
/api/v1/latest:GET,HEAD
/api/v1/series:GET,HEAD
/api/v1/vocabulary:GET,HEAD
/metrics:GET,HEAD
/:GET,HEAD
/static/app.js:GET,HEAD
/api/v1/alerts:GET,HEAD
/api/v1/alerts/1/ack:POST
/api/v1/silences:GET,HEAD,POST
/api/v1/silences/1:DELETE
/api/v1/test-notify:POST"
bad=""
for r in $routes; do
    p="${r%%:*}" allow="${r#*:}"
    for m in PATCH PUT DELETE OPTIONS POST GET; do
        case ",$allow," in *",$m,"*) known=1 ;; *) known=0 ;; esac
        code=$(curl -s -o "$T_TMP/m.out" -D "$T_TMP/m.h" -w '%{http_code}' --max-time 5 -X "$m" \
            -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"x":1}' "$U$p")
        got_allow=$(grep -i '^Allow:' "$T_TMP/m.h" | cut -d: -f2- | tr -d ' \r')
        if [ "$known" = 0 ]; then
            { [ "$code" = 405 ] && [ "$got_allow" = "$allow" ]; } || bad="$bad $m:$p:$code:$got_allow"
        else
            { [ "$code" != 000 ] && [ "$code" != 405 ]; } || bad="$bad $m:$p:$code"
        fi
    done
done
[ -z "$bad" ]; ok $? "PATCH, PUT, DELETE, OPTIONS, POST, GET with a body on each path: 405 with the path's Allow, or an answer$bad"
bad=""
for m in PATCH PUT DELETE GET POST; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X "$m" -d 'x' "$U/api/v1/nothing")
    [ "$code" = 404 ] || bad="$bad $m:$code"
done
[ -z "$bad" ]; ok $? "an unknown path: 404 for every method$bad"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X PATCH -d '{}' "$U/api/v1/sites")
[ "$code" = 405 ]; ok $? "PATCH with a body and no token: 405 at once ($code)"

# ---- 4. the time ranges of the read routes (on the first server, which has a series) ----
U="$BIG_URL"
A=(-H "Authorization: Bearer $READ")
S="site=italie&device=ups1&metric=battery.charge&"
bad=""
for path in series availability events maintenance sites; do
    pre=""; [ "$path" = series ] && pre="$S"
    for c in "from=1790000000&to=1780000000:to" "from=1790000000&to=1790000000:to" "from=100000&to=1790000000:from" \
        "from=99999999999999999999&to=1790000000:from" "from=1780000000&to=18446744073709551617:to" \
        "from=-1790000000&to=1780000000:from" "from=2026-02-30&to=1780000000:from"; do
        q="${c%:*}" field="${c##*:}"
        code=$(curl -s -o "$T_TMP/r.out" -w '%{http_code}' --max-time 5 "${A[@]}" "$U/api/v1/$path?$pre$q")
        { [ "$code" = 400 ] && grep -q "\"field\":\"$field\"" "$T_TMP/r.out"; } || bad="$bad $path?$q:$code:$(cat "$T_TMP/r.out")"
    done
done
[ -z "$bad" ]; ok $? "series, availability, events, maintenance, sites: from >= to, a span past 5 years, huge or negative numbers, no such date: 400 naming the field$bad"
code=$(curl -s -o "$T_TMP/r.out" -w '%{http_code}' --max-time 5 "${A[@]}" "$U/api/v1/events?month=99999-01")
[ "$code" = 400 ] && grep -q '"field":"month"' "$T_TMP/r.out"; ok $? "month=99999-01: 400 naming month ($code $(cat "$T_TMP/r.out"))"
code=$(curl -s -o "$T_TMP/r.out" -w '%{http_code}' --max-time 5 "${A[@]}" "$U/api/v1/series?${S}from=$(( $(date +%s) - 3600 ))")
[ "$code" = 200 ]; ok $? "a series of the last hour is still served ($code)"
finish

#!/bin/bash
# The read API the dashboard and Prometheus use, against a real vigie-server on loopback fed with
# curl: /api/v1/devices, /api/v1/latest, /api/v1/series (values, bounds, errors), /metrics (auth,
# the Prometheus text format checked by promtool, label escaping, metrics_public), and the
# dashboard's static files (types, cache headers, CSP, no way out of web_dir).
. "${top_srcdir:-.}/tests/integration/lib.sh"

command -v promtool >/dev/null || bail "promtool not found: the /metrics checks need it (Debian package prometheus: apt-get install prometheus)"

AGENT_TOKEN=api-test-agent-token-01
READ=api-test-read-token-0001
# the dashboard's files, and beside them a secret that must never be served
mkdir -p "$T_TMP/web/sub"
cp "$top_srcdir"/web/* "$T_TMP/web/" 2>/dev/null
echo "secret" >"$T_TMP/secret.txt"
ln -s ../secret.txt "$T_TMP/web/leak.js"
echo "x" >"$T_TMP/web/sub/inner.js"
echo "x" >"$T_TMP/web/.hidden.js"
echo "x" >"$T_TMP/web/tool.exe"
server_start api "step: 5
web_dir: $T_TMP/web
sites: [{id: italie, name: \"Data center Italie\", kind: datacenter}, {id: doullens, name: \"NRO Doullens\", kind: nro}]
agents: [{id: dc-italie, token: $AGENT_TOKEN, site: italie}]
api_tokens: [{name: wall, token: $READ}]"
U="$SERVER_URL"
AUTH=(-H "Authorization: Bearer $READ")

# ---- data: 60 polls of two devices, 5 s apart, the last one 5 s ago ----
NOW=$(date +%s)
python3 - "$NOW" >"$T_TMP/batch1.json" <<'PY'
import json, sys
now = int(sys.argv[1]); t0 = now - 300
s = []
for i in range(60):
    ts = t0 + 5 * i
    s.append({"device": "ups1", "metric": "battery.charge", "value": 40 + i, "unit": "%", "ts": ts})
    s.append({"device": "ups1", "metric": "device.reachable", "value": 1, "unit": "bool", "ts": ts})
    s.append({"device": "ups1", "metric": "ups.status", "value": 3, "unit": "state", "text": "OL", "severity": "ok", "ts": ts})
    s.append({"device": "env1", "metric": "env.temperature", "instance": "0", "label": "Room", "value": 20 + (i % 7) / 2,
              "unit": "degC", "ts": ts})
    s.append({"device": "env1", "metric": "env.humidity", "instance": "Probe \"A\" \\ 1", "value": 45, "unit": "%RH", "ts": ts})
print(json.dumps({"agent": "dc-italie", "seq": 1, "samples": s,
                  "devices": [{"name": "ups1", "class": "ups", "profile": "ups-rfc1628"},
                              {"name": "env1", "class": "env", "profile": "env-akcp-sensorprobe"}]}))
PY
code=$(curl -s -o "$T_TMP/push.out" -w '%{http_code}' -H "Authorization: Bearer $AGENT_TOKEN" --data-binary @"$T_TMP/batch1.json" "$U/api/v1/ingest")
[ "$code" = 200 ] || bail "push refused: $code $(cat "$T_TMP/push.out")"
# one refused push, for the rejected counter
curl -s -o /dev/null -H "Authorization: Bearer wrong-token-000000000" -d '{}' "$U/api/v1/ingest"

get() { # get NAME PATH [curl args]: body in $T_TMP/NAME, status in $CODE
    local name="$1" path="$2"; shift 2
    CODE=$(curl -s -o "$T_TMP/$name" -D "$T_TMP/$name.h" -w '%{http_code}' "$@" "$U$path")
}
get metrics0 /metrics "${AUTH[@]}" # read now, checked in the /metrics part below
header() { grep -i "^$2:" "$T_TMP/$1.h" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
py() { # py FILE EXPR-ON-j...: succeeds when the Python assertion holds
    local f="$1"; shift
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); $*" "$T_TMP/$f"
}

# ---- auth ----
get d401 /api/v1/devices
[ "$CODE" = 401 ] && [ "$(header d401 WWW-Authenticate)" = 'Bearer realm="vigie"' ]
ok $? "devices without a token: 401 with WWW-Authenticate ($CODE)"
get d401b /api/v1/devices -H "Authorization: Bearer $AGENT_TOKEN"
[ "$CODE" = 401 ]; ok $? "an agent's token does not read the API ($CODE)"

# ---- /api/v1/devices ----
get dev /api/v1/devices "${AUTH[@]}"
check "devices: ups1 and env1 with class, profile, last seen 5 s ago and health" py dev "
d = {x['device']: x for x in j['devices']}
u = d['ups1']
assert j['step'] == 5 and j['stale_after'] == 15, j
assert u['site'] == 'italie' and u['class'] == 'ups' and u['profile'] == 'ups-rfc1628', u
assert u['last_seen'] == $NOW - 5 and 0 <= u['age'] < 60 and u['health'] in ('ok', 'unknown') and u['reachable'] is True, u
assert d['env1']['class'] == 'env' and set(d) == {'ups1', 'env1'}, d"
check "devices: the services of every site with their current state" py dev "
s = {(x['site'], x['name']): x['state'] for x in j['services']}
assert ('italie', 'power') in s and ('doullens', 'network') in s, s
assert s[('doullens', 'network')] == 'unknown', s"
get dev2 "/api/v1/devices?site=doullens" "${AUTH[@]}"
check "devices?site=doullens: no device, its four services" py dev2 "
assert j['devices'] == [] and [x['name'] for x in j['services']] == ['power', 'cooling', 'network', 'environment'], j"
get dev404 "/api/v1/devices?site=nowhere" "${AUTH[@]}"
[ "$CODE" = 404 ] && py dev404 "assert j['field'] == 'site'"; ok $? "devices?site=nowhere: 404 naming site ($CODE)"
get dev400 "/api/v1/devices?site=..%2Fetc" "${AUTH[@]}"
[ "$CODE" = 400 ]; ok $? "devices?site=../etc: 400 ($CODE)"

# ---- /api/v1/latest ----
get lat "/api/v1/latest?site=italie&device=ups1" "${AUTH[@]}"
check "latest?site=italie&device=ups1: its three series, newest values, text and severity" py lat "
v = {x['metric']: x for x in j['values']}
assert set(v) == {'battery.charge', 'device.reachable', 'ups.status'}, v
b = v['battery.charge']
assert b['value'] == 99 and b['unit'] == '%' and b['ts'] == $NOW - 5 and b['stale'] is False and b['site'] == 'italie', b
assert v['ups.status']['text'] == 'OL' and v['ups.status']['severity'] == 'ok', v"
get lat2 "/api/v1/latest" "${AUTH[@]}"
check "latest without filter: every series (5)" py lat2 "assert len(j['values']) == 5, len(j['values'])"
get lat404 "/api/v1/latest?site=italie&device=ghost" "${AUTH[@]}"
[ "$CODE" = 404 ]; ok $? "latest of an unknown device: 404 ($CODE)"
get lat400 "/api/v1/latest?device=a%20b" "${AUTH[@]}"
[ "$CODE" = 400 ] && py lat400 "assert j['field'] == 'device'"; ok $? "latest with a bad device name: 400 naming device ($CODE)"
get lat401 "/api/v1/latest"
[ "$CODE" = 401 ]; ok $? "latest without a token: 401 ($CODE)"

# ---- /api/v1/series ----
FROM=$((NOW - 400)) TO=$NOW
get ser "/api/v1/series?site=italie&device=ups1&metric=battery.charge&from=$FROM&to=$TO" "${AUTH[@]}"
check "series: battery.charge as [ts, value] pairs at the 5 s step, ending near 99" py ser "
p = [x for x in j['points'] if x[1] is not None]
assert j['step'] == 5 and j['cf'] == 'AVERAGE' and j['metric'] == 'battery.charge', {k: j[k] for k in j if k != 'points'}
assert len(p) >= 55, len(p)
# RRD places each sample in its step interval (weighted when not on a boundary): within one unit
assert 98 <= p[-1][1] <= 99 and abs(p[-1][0] - ($NOW - 5)) <= 5, p[-3:]
assert all(b[0] - a[0] == 5 for a, b in zip(j['points'], j['points'][1:]))
assert all(isinstance(x[0], int) for x in j['points'])"
check "series: unknown times are null" py ser "assert j['points'][0][1] is None, j['points'][:2]"
get ser2 "/api/v1/series?site=italie&device=ups1&metric=battery.charge&from=$FROM&to=$TO&cf=MAX&step=60" "${AUTH[@]}"
check "series cf=MAX step=60: consolidated, at most 8 points, max of each minute" py ser2 "
p = [x for x in j['points'] if x[1] is not None]
assert j['step'] >= 60 and j['cf'] == 'MAX' and 1 <= len(j['points']) <= 8, j
# the newest 25 s archive row may still be open: the last closed one holds values of 90 or more
assert max(x[1] for x in p) >= 90, p"
get ser3 "/api/v1/series?site=italie&device=env1&metric=env.temperature&instance=0&from=$FROM&to=$TO&cf=MIN" "${AUTH[@]}"
check "series of an instance (env.temperature@0), cf=MIN" py ser3 "
p = [x[1] for x in j['points'] if x[1] is not None]
assert j['instance'] == '0' and p and min(p) >= 20 and max(p) <= 23, p"
INST=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("Probe \"A\" \\ 1"))')
get ser4 "/api/v1/series?site=italie&device=env1&metric=env.humidity&instance=$INST&from=$FROM&to=$TO" "${AUTH[@]}"
check "series of an instance with quotes, spaces and a backslash" py ser4 "assert any(x[1] == 45 for x in j['points']), j"
get ser5 "/api/v1/series?site=italie&device=ups1&metric=battery.charge&from=$((NOW - 360 * 86400))&to=$NOW" "${AUTH[@]}"
check "series over a year: at most 2000 points" py ser5 "assert 0 < len(j['points']) <= 2000, len(j['points'])"
get ser6 "/api/v1/series?site=italie&device=ups1&metric=battery.charge" "${AUTH[@]}"
check "series without from/to: the last 24 h" py ser6 "assert $NOW - 86400 - 3600 <= j['from'] <= $NOW - 86400 + 3600 and j['to'] >= $NOW - 60, j['from']"
for bad in "device=ups1&metric=battery.charge:site:400" "site=italie&metric=battery.charge:device:400" \
    "site=italie&device=ups1:metric:400" "site=italie&device=ups1&metric=battery.charge&cf=LAST:cf:400" \
    "site=italie&device=ups1&metric=battery.charge&from=$NOW&to=$((NOW - 100)):to:400" \
    "site=italie&device=ups1&metric=battery.charge&from=yesterday:from:400" \
    "site=italie&device=ups1&metric=battery.charge&step=0:step:400" \
    "site=italie&device=ups1&metric=Battery:metric:400" \
    "site=italie&device=ups1&metric=battery.voltage:metric:404" \
    "site=nowhere&device=ups1&metric=battery.charge:site:404"; do
    query=${bad%%:*} rest=${bad#*:}; field=${rest%%:*} want=${rest#*:}
    get serr "/api/v1/series?$query" "${AUTH[@]}"
    [ "$CODE" = "$want" ] && py serr "assert j['field'] == '$field', j"
    ok $? "series?$query: $want naming $field ($CODE $(cat "$T_TMP/serr"))"
done
get ser401 "/api/v1/series?site=italie&device=ups1&metric=battery.charge"
[ "$CODE" = 401 ]; ok $? "series without a token: 401 ($CODE)"

# ---- /metrics ----
get m401 /metrics
[ "$CODE" = 401 ]; ok $? "/metrics without a token: 401 when metrics_public is false ($CODE)"
# the latest values, read right after the push (metrics0) while they were fresh: they leave /metrics
# once older than 3 steps, 15 s here, and the series checks above take longer than that on a loaded
# machine (two tests at once, PostgreSQL)
grep -qx 'vigie_battery_charge{site="italie",device="ups1",class="ups",metric="battery.charge",instance=""} 99' "$T_TMP/metrics0"
ok $? "one family per vigie metric, with site, device, class, metric and instance labels"
grep -qx 'vigie_device_reachable{site="italie",device="ups1",class="ups"} 1' "$T_TMP/metrics0"
ok $? "vigie_device_reachable per device"
grep -qxF 'vigie_env_humidity{site="italie",device="env1",class="env",metric="env.humidity",instance="Probe \"A\" \\ 1"} 45' "$T_TMP/metrics0"
ok $? "label values escaped (quote and backslash)"
# a writer process killed while idle: the server's timer replaces it, /metrics counts it
writers_before=$(pgrep -P "$SERVER_PID" | wc -l)
victim=$(pgrep -P "$SERVER_PID" | head -1)
[ -n "$victim" ] && kill -KILL "$victim"
wait_for 5 grep -q -E "RRD writer process was killed by signal 9 \(Killed\); a new one was started" "$SERVER_LOG"
ok $? "a writer process killed while idle is replaced, and the server says so"
get metrics /metrics "${AUTH[@]}"
[ "$CODE" = 200 ] && [ "$(header metrics Content-Type)" = "text/plain; version=0.0.4; charset=utf-8" ]
ok $? "/metrics with a token: 200 in the text exposition format 0.0.4 ($CODE $(header metrics Content-Type))"
check "promtool check metrics accepts it (format and lint)" sh -c "promtool check metrics < '$T_TMP/metrics'"
grep -qx 'vigie_site_availability_percent{site="italie"} [0-9.]*' "$T_TMP/metrics" &&
    grep -qx 'vigie_site_downtime_seconds{site="italie"} 0' "$T_TMP/metrics" &&
    grep -q '^vigie_site_budget_consumed_percent{site="italie"} ' "$T_TMP/metrics"
ok $? "availability, downtime and budget consumed of this month per site"
grep -q '^# TYPE vigie_alerts_firing gauge' "$T_TMP/metrics" && grep -qx 'vigie_alerts_firing{site="doullens"} 0' "$T_TMP/metrics"
ok $? "vigie_alerts_firing per site"
grep -qx 'vigie_ingest_batches_total 1' "$T_TMP/metrics" && grep -qx 'vigie_ingest_samples_total 300' "$T_TMP/metrics" &&
    grep -qx 'vigie_ingest_rejected_total 1' "$T_TMP/metrics" && grep -q '^# TYPE vigie_ingest_batches_total counter' "$T_TMP/metrics"
ok $? "ingest counters: 1 batch, 300 samples, 1 refused"
grep -qx "vigie_rrd_writers $writers_before" "$T_TMP/metrics" && grep -qx 'vigie_rrd_writer_restarts_total 1' "$T_TMP/metrics" &&
    [ "$writers_before" -ge 1 ] && ! ps -o stat= -p "$victim" >/dev/null
ok $? "a killed idle RRD writer is replaced by the timer and counted: $(grep '^vigie_rrd_writer' "$T_TMP/metrics" | tr '\n' ' ')"
grep -qx 'vigie_ingest_queue_depth 0' "$T_TMP/metrics" && grep -q '^# HELP vigie_ingest_queue_depth .*synchronous' "$T_TMP/metrics"
ok $? "queue depth 0, its HELP saying ingest is synchronous"
grep -q '^# TYPE vigie_rrd_write_duration_seconds histogram' "$T_TMP/metrics" &&
    grep -qx 'vigie_rrd_write_duration_seconds_bucket{le="+Inf"} 1' "$T_TMP/metrics" &&
    grep -qx 'vigie_rrd_write_duration_seconds_count 1' "$T_TMP/metrics"
ok $? "RRD write latency histogram: one batch observed"
grep -q 'vigie_olt_ont_count\b' "$T_TMP/metrics"; [ $? -ne 0 ]
ok $? "no gauge is named with a suffix Prometheus keeps for counters and histograms"

# ---- the dashboard's files ----
get root /
[ "$CODE" = 200 ] && [ "$(header root Content-Type)" = "text/html; charset=utf-8" ] && grep -q '/static/app.js' "$T_TMP/root"
ok $? "/ serves index.html as text/html ($CODE)"
csp=$(header root Content-Security-Policy)
case "$csp" in *"script-src 'self'"*"frame-ancestors 'none'"*) ok 0 "index.html has a CSP: scripts from this server only, no framing" ;;
    *) ok 1 "index.html has a CSP (got: $csp)" ;; esac
etag=$(header root ETag)
[ "$(header root Cache-Control)" = "no-cache" ] && [ -n "$etag" ]
ok $? "static replies: Cache-Control no-cache and an ETag ($etag)"
get root304 / -H "If-None-Match: $etag"
[ "$CODE" = 304 ] && [ ! -s "$T_TMP/root304" ]; ok $? "If-None-Match with that ETag: 304 and no body ($CODE)"
types=""
for f in app.js:text/javascript style.css:text/css favicon.svg:image/svg+xml; do
    get st "/static/${f%%:*}"
    [ "$CODE" = 200 ] && [ "$(header st Content-Type | cut -d';' -f1)" = "${f#*:}" ] || types="$types ${f%%:*}($CODE $(header st Content-Type))"
done
[ -z "$types" ]; ok $? "app.js, style.css and favicon.svg with their content types$types"
bad=""
for p in "/static/../api.yaml" "/static/%2e%2e/api.yaml" "/static/..%2fapi.yaml" "/static/leak.js" "/static/sub/inner.js" \
    "/static/.hidden.js" "/static/tool.exe" "/static/" "/static/%00.js" "/index.html"; do
    code=$(curl -s --path-as-is -o "$T_TMP/trav" -w '%{http_code}' "$U$p")
    { [ "$code" = 404 ] && ! grep -q secret "$T_TMP/trav" && ! grep -q agents "$T_TMP/trav"; } || bad="$bad $p:$code"
done
[ -z "$bad" ]; ok $? "no file outside web_dir nor a symlink, sub-folder, hidden or unknown-type file: 404 for each$bad"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$U/")
[ "$code" = 405 ]; ok $? "POST / is 405 ($code)"
size=$(curl -s -I "$U/static/app.js" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-length" {print $2}')
[ "$size" = "$(wc -c <"$T_TMP/web/app.js")" ]; ok $? "HEAD /static/app.js gives its length ($size)"

# ---- metrics_public, and a server without its dashboard ----
server_start public "step: 5
web_dir: $T_TMP/nowhere
metrics_public: true
sites: [{id: italie}]
agents: [{id: dc-italie, token: $AGENT_TOKEN, site: italie}]
api_tokens: [{name: wall, token: $READ}]"
U="$SERVER_URL"
get pm /metrics
[ "$CODE" = 200 ] && grep -q '^vigie_ingest_batches_total 0' "$T_TMP/pm"; ok $? "metrics_public: true serves /metrics without a token ($CODE)"
get pd /api/v1/devices
[ "$CODE" = 401 ]; ok $? "metrics_public leaves the rest of the API closed ($CODE)"
get nodash /
[ "$CODE" = 404 ] && grep -q 'web_dir' "$T_TMP/nodash"; ok $? "web_dir missing: / says the dashboard is not installed ($CODE)"
printf 'listen: 127.0.0.1:1\nmetrics_public: maybe\nagents: [{id: a, token: api-test-agent-token-02}]\n' >"$T_TMP/bad.yaml"
"$SERVER" -c "$T_TMP/bad.yaml" --check-config >"$T_TMP/bad.out" 2>&1
[ $? -eq 2 ] && grep -q 'metrics_public' "$T_TMP/bad.out"; ok $? "metrics_public must be a boolean: exit 2 naming it ($(cat "$T_TMP/bad.out"))"
finish

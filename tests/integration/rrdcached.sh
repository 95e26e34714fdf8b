#!/bin/bash
# RRD writes through rrdcached (server.yaml rrdcached:): pushes are stored, the series endpoint sees
# them at once (the file is flushed before it is read), and with rrdcached gone the server refuses
# the batch with a 500 so that the agent keeps it and sends it again: nothing is acknowledged unstored.
. "${top_srcdir:-.}/tests/integration/lib.sh"
plan 5
command -v rrdcached >/dev/null || bail "rrdcached is not installed (scripts/deps.sh installs it)"
SOCK="$T_TMP/rrdcached.sock"
rrdcached -g -l "unix:$SOCK" -p "$T_TMP/rrdcached.pid" -j "$T_TMP/journal" -w 3600 -z 1 -F \
    >"$T_TMP/rrdcached.log" 2>&1 &
CACHED_PID=$!
T_PIDS="$T_PIDS $CACHED_PID"
mkdir -p "$T_TMP/journal"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
TOKEN=cached-agent-token-0001
server_start server "step: 5
rrdcached: unix:$SOCK
sites: [{id: italie}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}]
api_tokens: [{name: ops, token: cached-read-token-001}]"
NOW=$(date +%s)
push() { # push SEQ TS VALUE: prints the HTTP status
    curl -s -o "$T_TMP/reply" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -d \
        "{\"agent\":\"dc-italie\",\"seq\":$1,\"samples\":[{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":$3,\"ts\":$2}]}" \
        "$SERVER_URL/api/v1/ingest"
}
codes=""
for i in 1 2 3 4 5 6; do codes="$codes $(push $i $((NOW - 60 + 5 * i)) 92)"; done
[ "$codes" = " 200 200 200 200 200 200" ]
ok $? "pushes are stored through rrdcached ($codes)"
RRD="$SERVER_DATA/rrd/italie/ups1/battery.charge.rrd"
last=$(rrdtool lastupdate --daemon "unix:$SOCK" "$RRD" | awk -F': ' 'NR==3 {print $2}')
[ "$last" = 92 ] || [ "$last" = 9.2000000000e+01 ]
ok $? "rrdcached holds the last value ($last)"
curl -s -H "Authorization: Bearer cached-read-token-001" \
    "$SERVER_URL/api/v1/series?site=italie&device=ups1&metric=battery.charge&from=$((NOW - 60))&to=$NOW&step=5" >"$T_TMP/series.json"
check "the series endpoint sees the values at once (flushed before the read)" python3 -c "
import json, sys
pts = [v for t, v in json.load(open(sys.argv[1]))['points'] if v is not None]
assert pts and all(abs(v - 92) < 1e-9 for v in pts), pts" "$T_TMP/series.json"
kill "$CACHED_PID"; wait "$CACHED_PID" 2>/dev/null
code3=$(push 7 $((NOW - 10)) 93)
[ "$code3" = 500 ]
ok $? "with rrdcached gone the batch is refused with 500 ($code3: $(cat "$T_TMP/reply"))"
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from batches where seq=7').fetchone()[0])" "$SERVER_DATA/vigie.db")
[ "$stored" = 0 ]
ok $? "and it is not recorded as stored, so the agent sends it again"
finish

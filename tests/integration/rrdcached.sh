#!/bin/bash
# RRD writes through rrdcached (server.yaml rrdcached:): pushes are stored, the series endpoint sees
# them at once (the file is flushed before it is read), and with rrdcached gone the server refuses
# the batch with a 500 so that the agent keeps it and sends it again: nothing is acknowledged unstored.
# Then rrdcached is back (the server connects again), a resend is a duplicate, a late sample in a
# batch is counted stale while the others are stored, and a push of 300 series goes as one BATCH.
. "${top_srcdir:-.}/tests/integration/lib.sh"
command -v rrdcached >/dev/null || bail "rrdcached is not installed (scripts/deps.sh installs it)"
SOCK="$T_TMP/rrdcached.sock"
mkdir -p "$T_TMP/journal"
cached_start() {
    rrdcached -g -l "unix:$SOCK" -p "$T_TMP/rrdcached.pid" -j "$T_TMP/journal" -w 3600 -z 1 -F \
        >>"$T_TMP/rrdcached.log" 2>&1 &
    CACHED_PID=$!
    T_PIDS="$T_PIDS $CACHED_PID"
    wait_for 5 test -S "$SOCK"
}
cached_start || bail "rrdcached did not make its socket $SOCK"
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
last=$(rrd_last "$RRD" "unix:$SOCK")
num_eq "$last" 92
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
stored=$(db_count batches "seq = 7")
[ "$stored" = 0 ]
ok $? "and it is not recorded as stored, so the agent sends it again"

rm -f "$SOCK"
cached_start
ok $? "rrdcached starts again on the same socket"
code=$(push 7 $((NOW - 10)) 93)
[ "$code" = 200 ]
ok $? "rrdcached back: the same batch is stored on the next try, on a new connection ($code: $(cat "$T_TMP/reply"))"
code=$(push 7 $((NOW - 10)) 93)
grep -q '"duplicate":true' "$T_TMP/reply"
ok $? "sent once more, it is a duplicate and changes nothing ($code: $(cat "$T_TMP/reply"))"
# one late sample (older than the file's last update) beside a new series
curl -s -o "$T_TMP/reply" -H "Authorization: Bearer $TOKEN" -d "{\"agent\":\"dc-italie\",\"seq\":8,\"samples\":[
  {\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":50,\"ts\":$((NOW - 40))},
  {\"device\":\"ups1\",\"metric\":\"battery.runtime\",\"value\":600,\"ts\":$((NOW - 5))}]}" "$SERVER_URL/api/v1/ingest"
check "a late sample is counted stale, the other one stored ($(cat "$T_TMP/reply"))" \
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert (r['stored'], r['stale']) == (1, 1), r" "$T_TMP/reply"
# 300 series in one push: one BATCH exchange, longer than one of rrdcached's lines
python3 - "$NOW" >"$T_TMP/big.json" <<'PY'
import json, sys
now = int(sys.argv[1])
print(json.dumps({'agent': 'dc-italie', 'seq': 9, 'samples': [
    {'device': 'pdu%d' % (i // 30), 'metric': 'outlet.current', 'instance': 'Outlet %d' % (i % 30), 'value': i / 10,
     'unit': 'A', 'ts': now - 5} for i in range(300)]}))
PY
code=$(curl -s -o "$T_TMP/reply" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" --data-binary @"$T_TMP/big.json" \
    "$SERVER_URL/api/v1/ingest")
[ "$code" = 200 ] && grep -q '"stored":300' "$T_TMP/reply"
ok $? "a push of 300 series through rrdcached: all stored ($code: $(cat "$T_TMP/reply"))"
check "each of the 300 files holds its own value (rrdtool lastupdate through rrdcached)" python3 - "$SOCK" "$SERVER_DATA/rrd/italie" <<'PY'
import subprocess, sys
sock, root = sys.argv[1], sys.argv[2]
for i in range(300):
    f = '%s/pdu%d/outlet.current@Outlet%%20%d.rrd' % (root, i // 30, i % 30)
    out = subprocess.run(['rrdtool', 'lastupdate', '--daemon', 'unix:' + sock, f], capture_output=True, text=True)
    assert out.returncode == 0, (f, out.stderr)
    v = float(out.stdout.strip().splitlines()[-1].split(': ')[1])
    assert abs(v - i / 10) < 1e-9, (f, v, i / 10)
PY
finish

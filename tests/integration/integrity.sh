#!/bin/bash
# Integrity at start and at read, against a real vigie-server on loopback fed with curl:
# - a vigie.db that is missing or empty beside existing RRD files is refused (exit 2, the file named),
#   `--init` accepts it; a file that is not a database, or one with a damaged page, is refused by
#   quick_check (exit 2);
# - the database on a small tmpfs this script mounts: pushes run while the disk fills; every push is
#   refused (500) while it is full, /api/v1/health says the storage error, and once space returns the
#   same server stores the next pushes, none lost or doubled (sent, stored, read back);
# - a garbage page in an RRD file (-3.7e240 V) is not served by /api/v1/series, and a latest value
#   outside its metric's physical range is not served by /api/v1/latest.
. "${top_srcdir:-.}/tests/integration/lib.sh"

AGENT_TOKEN=integrity-agent-token-01
READ=integrity-read-token-0001
BODY="step: 5
sites: [{id: italie, name: \"Data center Italie\", kind: datacenter}]
agents: [{id: dc-italie, token: $AGENT_TOKEN, site: italie}]
api_tokens: [{name: wall, token: $READ}]"

# push SEQ TS [VOLTAGE]: one batch of ups1 (battery.charge = SEQ, input.voltage), the status in $CODE
push() {
    printf '{"agent": "dc-italie", "seq": %s, "samples": [
      {"device": "ups1", "metric": "battery.charge", "value": %s, "unit": "%%", "ts": %s},
      {"device": "ups1", "metric": "input.voltage", "value": %s, "unit": "V", "ts": %s}]}' \
        "$1" "$(($1 % 100))" "$2" "${3:-231.5}" "$2" >"$T_TMP/push.json"
    CODE=$(curl -s -o "$T_TMP/push.out" -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $AGENT_TOKEN" \
        --data-binary @"$T_TMP/push.json" "$SERVER_URL/api/v1/ingest")
}
# start_server_args ARGS...: the server of $SERVER_YAML with more arguments, waited for
start_server_args() {
    "$SERVER" -c "$SERVER_YAML" --log-level warn "$@" 2>>"$SERVER_LOG" &
    SERVER_PID=$!
    T_PIDS="$T_PIDS $SERVER_PID"
    wait_for 10 curl -sf "$SERVER_URL/api/v1/health" -o /dev/null
}
# refused WHAT: the server must exit 2 at once, its message naming vigie.db
refused() {
    timeout 20 "$SERVER" -c "$SERVER_YAML" --log-level warn 2>"$T_TMP/refused.err"
    local rc=$?
    [ "$rc" = 2 ] && grep -q "$SERVER_DATA/vigie.db" "$T_TMP/refused.err"
    ok $? "$1: exit $rc, $(head -c 300 "$T_TMP/refused.err")"
}

# ---- 1. start: a lost database beside RRD data ----
server_start start "$BODY"
NOW=$(date +%s)
push 1 $((NOW - 10))
[ "$CODE" = 200 ] || bail "first push refused: $CODE $(cat "$T_TMP/push.out")"
server_stop; ok $? "the server stops cleanly"
RRD="$SERVER_DATA/rrd/italie/ups1/battery.charge.rrd"
[ -s "$RRD" ]; ok $? "the RRD file exists"

cp "$SERVER_DATA/vigie.db" "$T_TMP/good.db"
: >"$SERVER_DATA/vigie.db"; rm -f "$SERVER_DATA/vigie.db-wal" "$SERVER_DATA/vigie.db-shm"
refused "vigie.db truncated to 0 bytes beside RRD data is refused"
grep -q -- "--init" "$T_TMP/refused.err"; ok $? "... and the message says what to do (--init)"
rm -f "$SERVER_DATA/vigie.db"
refused "vigie.db missing beside RRD data is refused"
[ ! -e "$SERVER_DATA/vigie.db" ]; ok $? "... and no new database was created"
"$SERVER" --help | grep -q -- "--init"; ok $? "--help documents --init"

start_server_args --init; ok $? "--init starts the server on a new database"
push 2 $((NOW - 5))
[ "$CODE" = 200 ]; ok $? "a push is stored after --init ($CODE)"
server_stop; ok $? "the server stops cleanly"
start_server_args; ok $? "the next start needs no --init (the database is no longer empty)"
server_stop

head -c 65536 /dev/urandom >"$SERVER_DATA/vigie.db"; rm -f "$SERVER_DATA/vigie.db-wal" "$SERVER_DATA/vigie.db-shm"
refused "a vigie.db of garbage is refused"
grep -q "damaged" "$T_TMP/refused.err"; ok $? "... said to be damaged"
# a real database with one page of garbage: the header is fine, quick_check is not
cp "$T_TMP/good.db" "$SERVER_DATA/vigie.db"
python3 - "$SERVER_DATA/vigie.db" <<'PY'
import sys
p = sys.argv[1]
data = bytearray(open(p, 'rb').read())
size = int.from_bytes(data[16:18], 'big') or 65536
pages = len(data) // size
assert pages >= 3, pages
for k in range(2, pages):  # every page but the first (the header and the schema)
    data[k * size:(k + 1) * size] = bytes([0x5a]) * size
open(p, 'wb').write(bytes(data))
PY
refused "a vigie.db with damaged pages is refused by quick_check"
grep -q "quick_check\|malformed" "$T_TMP/refused.err"; ok $? "... naming quick_check or the damage"

# ---- 2. the disk fills while pushes run, then space returns ----
MNT="$T_TMP/small"
mkdir -p "$MNT" "$T_TMP/full-rrd"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=4m vigie-integrity "$MNT" 2>"$T_TMP/mount.err"; then
    bail "cannot mount a tmpfs for the full-disk test (root is needed): $(cat "$T_TMP/mount.err" 2>/dev/null)"
fi
t_umount() { umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null; }
trap 'T_RC=$?; t_cleanup; t_umount; (exit $T_RC); t_exit' EXIT
# the database on the small disk, the RRD files on the big one: the database is what fills
server_start full "$BODY"
server_stop
SERVER_DATA_FULL="$MNT/data"
mkdir -p "$SERVER_DATA_FULL"
ln -s "$T_TMP/full-rrd" "$SERVER_DATA_FULL/rrd"
sed -i "s|^data_dir: .*|data_dir: $SERVER_DATA_FULL|" "$SERVER_YAML"
SERVER_DATA="$SERVER_DATA_FULL"
start_server_args; ok $? "the server starts with its database on a 4 MiB tmpfs"

N=60
# on the step's grid: samples between two rows would make the count of rows read back depend on the
# second the test starts (the first row, made less than half a step before its sample, is unknown; the
# row holding the last sample is complete only at the next update)
T0=$((($(date +%s) - 5 * N - 10) / 5 * 5))
# the pusher: seq 1..N in order, each sent again until it is stored (as an agent does), codes logged
(
    for seq in $(seq 1 $N); do
        for try in $(seq 1 400); do
            push "$seq" $((T0 + 5 * seq))
            echo "$seq $CODE" >>"$T_TMP/codes"
            [ "$CODE" = 200 ] && break
            sleep 0.05
        done
        sleep 0.02
    done
    echo done >>"$T_TMP/codes"
) &
PUSHER=$!
T_PIDS="$T_PIDS $PUSHER"
wait_for 20 grep -q "^10 200" "$T_TMP/codes"; ok $? "pushes are stored while there is space"
# fill the disk to the last byte
dd if=/dev/zero of="$MNT/fill" bs=64k 2>/dev/null
dd if=/dev/zero of="$MNT/fill2" bs=512 2>/dev/null
wait_for 30 grep -q " 500$" "$T_TMP/codes"; ok $? "pushes are refused (500) once the disk is full"
health_error() {
    curl -s "$SERVER_URL/api/v1/health" >"$T_TMP/health"
    python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['status'] == 'storage_error', j
assert j['storage']['db']['state'] == 'error' and j['storage']['db']['last_error'], j
assert j['storage']['db']['error_at'] > 0 and j['storage']['db']['since'] > 0, j
" "$T_TMP/health"
}
wait_for 10 health_error; ok $? "/api/v1/health says the database cannot be written ($(cat "$T_TMP/health"))"
sleep 2 # more refused pushes while full
rm -f "$MNT/fill" "$MNT/fill2"
wait_for 60 grep -q "^done" "$T_TMP/codes"; ok $? "once space returns, the same server stores every later push"
wait "$PUSHER" 2>/dev/null
refused_n=$(grep -c " 500$" "$T_TMP/codes")
stored_n=$(grep -c " 200$" "$T_TMP/codes")
[ "$stored_n" = "$N" ]; ok $? "every batch was answered 200 once: $stored_n of $N (after $refused_n refusals)"
! grep -q "within a transaction" "$SERVER_LOG"; ok $? "no transaction was left open (no 'within a transaction' in the log)"
health_ok() {
    curl -s "$SERVER_URL/api/v1/health" >"$T_TMP/health"
    python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['status'] == 'ok' and j['storage']['db']['state'] == 'ok', j
assert j['storage']['db']['last_error'], j  # the last error is kept, with its time
" "$T_TMP/health"
}
wait_for 10 health_ok; ok $? "/api/v1/health is ok again, the last error kept ($(cat "$T_TMP/health"))"
[ "$(db_count batches)" = "$N" ]; ok $? "stored: $(db_count batches) batches of $N sent"
num_eq "$(db_latest ups1 battery.charge)" "$N"; ok $? "the latest value is the last one sent ($(db_latest ups1 battery.charge))"
read_back=$(rrd_count "$SERVER_DATA/rrd/italie/ups1/battery.charge.rrd" $((T0 - 5)) $((T0 + 5 * N + 5)))
[ "$read_back" -ge $((N - 1)) ]; ok $? "read back from the RRD file: $read_back values of $N samples (the first only starts it)"

# ---- 3. garbage in an RRD file, a latest value out of range ----
series() {
    curl -s -H "Authorization: Bearer $READ" \
        "$SERVER_URL/api/v1/series?site=italie&device=ups1&metric=input.voltage&from=$T0&to=$((T0 + 5 * N))&step=5" \
        >"$T_TMP/series"
}
series
python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
v = [p[1] for p in j['points'] if p[1] is not None]
assert len(v) >= $N - 2 and all(x == 231.5 for x in v), j
" "$T_TMP/series"; ok $? "the voltage series reads back before the damage"
VRRD="$SERVER_DATA/rrd/italie/ups1/input.voltage.rrd"
python3 - "$VRRD" <<'PY'
import struct, sys
p = sys.argv[1]
data = bytearray(open(p, 'rb').read())
good, bad = struct.pack('<d', 231.5), struct.pack('<d', -3.7e240)
n = 0
i = data.find(good)
while i >= 0:
    data[i:i + 8] = bad
    n += 1
    i = data.find(good, i + 8)
assert n > 0
open(p, 'r+b').write(bytes(data))
print(n)
PY
series
python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
pts = j['points']
assert len(pts) >= $N - 2, j
assert all(p[1] is None or -1500 <= p[1] <= 1500 for p in pts), j
assert all(p[1] is None for p in pts), j  # every row was garbage
" "$T_TMP/series"; ok $? "the garbage rows (-3.7e240 V) are served as null, not as readings ($(head -c 200 "$T_TMP/series"))"
push $((N + 1)) $((T0 + 5 * N + 5)) 1e6
curl -s -H "Authorization: Bearer $READ" "$SERVER_URL/api/v1/latest?site=italie&device=ups1" >"$T_TMP/latest"
python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
m = {v['metric']: v['value'] for v in j['values']}
assert 'input.voltage' not in m and 'battery.charge' in m, j
" "$T_TMP/latest"; ok $? "a latest value of 1e6 V is not served by /api/v1/latest ($(head -c 300 "$T_TMP/latest"))"
server_stop; ok $? "the server stops cleanly"
t_umount; ok $? "the tmpfs is unmounted"
finish

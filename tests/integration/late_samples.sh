#!/bin/bash
# A series whose RRD file cannot be written fails alone, in the writer processes and through rrdcached:
# it is named in the reply's rejects, the batch's other samples are stored (RRD and latest), the batch
# is accepted, /metrics counts the series and the log has one line for it. Samples older than their
# file's last update are kept and served by /api/v1/series at their time, with their exact values; a
# replay doubles nothing.
. "${top_srcdir:-.}/tests/integration/lib.sh"
command -v rrdcached >/dev/null || bail "rrdcached is not installed (scripts/deps.sh installs it)"

TOKEN=late-agent-token-000001
READ=late-read-token-0000001
STEP=10
B=$(( $(date +%s) / STEP * STEP - 210 * STEP )) # sample k is at B + k * STEP, k up to 200: all in the past

push() { # push BODY-FILE: the HTTP status; the answer in $T_TMP/answer
    curl -s -o "$T_TMP/answer" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' --data-binary "@$1" "$SERVER_URL/api/v1/ingest"
}
# body FILE SEQ PYTHON-LIST-OF-SAMPLES (B and STEP are known to the expression)
body() {
    python3 - "$1" "$2" "$3" "$B" "$STEP" <<'EOF'
import json, sys
B, STEP = int(sys.argv[4]), int(sys.argv[5])
json.dump({"agent": "dc-italie", "seq": int(sys.argv[2]), "samples": eval(sys.argv[3])}, open(sys.argv[1], "w"))
EOF
}
reply() { json_get "$T_TMP/answer" "$1"; }
failed_total() { curl -s -H "Authorization: Bearer $READ" "$SERVER_URL/metrics" | awk '$1 == "vigie_ingest_series_failed_total" {print $2}'; }
# ups1..ups5 battery.charge at sample k, value 10 * device number + k / 1000
five() { echo "[{'device': 'ups%d' % d, 'metric': 'battery.charge', 'value': 10 * d + $1 / 1000, 'ts': B + $1 * STEP}
    for d in range(1, 6)]"; }

# fails_alone MODE: ups3's file is a foreign RRD file (two data sources: librrd describes it but
# cannot update it, so it is not set aside) in the writer processes, or its device folder a link to
# nowhere (the file cannot be made) through rrdcached; ups1, 2, 4, 5 are stored, batch after batch.
fails_alone() {
    local mode="$1" rrd="$SERVER_DATA/rrd/italie" cache="" want
    [ "$mode" = rrdcached ] && cache="unix:$SOCK"
    mkdir -p "$rrd"
    if [ "$mode" = writers ]; then
        mkdir -p "$rrd/ups3"
        rrdtool create "$rrd/ups3/battery.charge.rrd" --start "$B" --step "$STEP" \
            DS:a:GAUGE:30:U:U DS:b:GAUGE:30:U:U RRA:AVERAGE:0.5:1:10
        want="expected 2 data source readings"
    else
        ln -s "$T_TMP/nowhere/at-all" "$rrd/ups3"
        want="Cannot create temporary file"
    fi
    local before; before=$(failed_total)
    for seq in 1 2 3; do
        body "$T_TMP/a$seq.json" "$seq" "$(five $seq)"
        code=$(push "$T_TMP/a$seq.json")
        [ "$code" = 200 ] && [ "$(reply "j['stored']")" = 4 ] && [ "$(reply "j['rejected']")" = 1 ] &&
            [ "$(reply "j['rejects'][0]['field']")" = "samples[2].metric" ] &&
            reply "j['rejects'][0]['reason']" | grep -q "ups3/battery.charge.rrd: .*$want"
        ok $? "$mode: batch $seq: 200, ups3 rejected by name, the other 4 stored ($code: $(head -c 400 "$T_TMP/answer"))"
    done
    local n=0
    for d in 1 2 4 5; do
        num_eq "$(rrd_last "$rrd/ups$d/battery.charge.rrd" $cache)" "$((10 * d)).003" &&
            [ "$(db_latest "ups$d" battery.charge)" = "$((10 * d)).003" ] &&
            [ "$(rrd_count "$rrd/ups$d/battery.charge.rrd" "$B" "$((B + 4 * STEP))")" -ge 2 ] && n=$((n + 1))
    done
    [ "$n" = 4 ] && [ -z "$(db_latest ups3 battery.charge)" ] && [ "$(db_count batches "seq in (1, 2, 3)")" = 3 ]
    ok $? "$mode: the 4 others hold batch 3 in RRD and latest ($n of 4), ups3 nothing, the 3 batches accepted"
    local after; after=$(failed_total)
    [ "$after" = $((before + 3)) ]
    ok $? "$mode: /metrics counts the failed series of each batch ($before, then $after)"
    lines=$(grep -c "series italie/ups3/battery.charge refused (logged once an hour" "$SERVER_LOG")
    [ "$lines" = 1 ]
    ok $? "$mode: one log line for the series, not one a batch ($lines)"
}

# ---- the writer processes -----------------------------------------------------------------------------
server_start writers "step: $STEP
sites: [{id: italie, kind: datacenter}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}]
api_tokens: [{name: ops, token: $READ}]"
fails_alone writers

# ---- late samples (in the same server) -----------------------------------------------------------------
series() { # series FROM-K TO-K: the points of pdu1 outlet.current@o1 into $T_TMP/series.json
    curl -s -H "Authorization: Bearer $READ" -o "$T_TMP/series.json" -w '%{http_code}' \
        "$SERVER_URL/api/v1/series?site=italie&device=pdu1&metric=outlet.current&instance=o1&from=$((B + $1 * STEP))&to=$((B + $2 * STEP))&step=$STEP"
}
one() { echo "[{'device': 'pdu1', 'metric': 'outlet.current', 'instance': 'o1', 'value': k + 0.25, 'ts': B + k * STEP}
    for k in range($1, $2)]"; }
body "$T_TMP/l1.json" 10 "$(one 100 201)"
code=$(push "$T_TMP/l1.json")
[ "$code" = 200 ] && [ "$(reply "j['stored']")" = 101 ]
ok $? "samples 100 to 200 stored ($code: $(head -c 200 "$T_TMP/answer"))"
body "$T_TMP/l2.json" 11 "$(one 50 91)"
code=$(push "$T_TMP/l2.json")
[ "$code" = 200 ] && [ "$(reply "j['stored']")" = 0 ] && [ "$(reply "j['stale']")" = 41 ] && [ "$(reply "j['late']")" = 41 ]
ok $? "then samples 50 to 90: 41 stale, all 41 kept as late ($code: $(head -c 200 "$T_TMP/answer"))"
# check_series: samples 50..90 exact from the late ones, 101..200 from RRD, nothing between
check_series() {
    python3 - "$T_TMP/series.json" "$B" "$STEP" <<'PY'
import json, sys
j, B, STEP = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
assert j['step'] == STEP, j['step']
got = {(t - B) // STEP: v for t, v in j['points'] if v is not None and (t - B) % STEP == 0}
late = {k: v for k, v in got.items() if k <= 90}
rrd = {k: v for k, v in got.items() if k > 100}
assert sorted(late) == list(range(50, 91)), sorted(late)
assert all(abs(v - (k + 0.25)) < 1e-9 for k, v in late.items()), late
assert sorted(rrd) == list(range(101, 201)), sorted(rrd)
assert all(abs(v - (k + 0.25)) < 1e-9 for k, v in rrd.items())
assert not [k for k in got if 90 < k < 100], got
print(len(late), len(rrd))
PY
}
code=$(series 40 200)
counts=$(check_series)
ok $? "/api/v1/series serves the 41 late samples at their time with their values, and RRD's 100 ($code: $counts)"
code=$(push "$T_TMP/l2.json")
grep -q '"duplicate":true' "$T_TMP/answer"
ok $? "the late batch sent again is a duplicate ($code: $(cat "$T_TMP/answer"))"
body "$T_TMP/l3.json" 12 "$(one 50 91)"
code=$(push "$T_TMP/l3.json")
[ "$code" = 200 ] && [ "$(reply "j['stale']")" = 41 ] && [ "$(reply "j['late']")" = 0 ] &&
    [ "$(db_count late_samples "device = 'pdu1'")" = 41 ]
ok $? "the same samples in another batch: none kept again, 41 rows ($code: $(head -c 200 "$T_TMP/answer"))"
series 40 200 >/dev/null
counts=$(check_series)
ok $? "and the series is unchanged ($counts)"
server_stop
ok $? "the server stops cleanly"

# ---- rrdcached ----------------------------------------------------------------------------------------
SOCK="$T_TMP/rrdcached.sock"
mkdir -p "$T_TMP/journal"
rrdcached -g -l "unix:$SOCK" -p "$T_TMP/rrdcached.pid" -j "$T_TMP/journal" -w 3600 -z 1 -F \
    >>"$T_TMP/rrdcached.log" 2>&1 &
T_PIDS="$T_PIDS $!"
wait_for 5 test -S "$SOCK" || bail "rrdcached did not make its socket $SOCK"
server_start cached "step: $STEP
rrdcached: unix:$SOCK
sites: [{id: italie, kind: datacenter}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}]
api_tokens: [{name: ops, token: $READ}]"
fails_alone rrdcached
# another client wrote a newer value through rrdcached: the server's BATCH is refused for that file,
# which is written again alone and found stale (kept as late), not failed
rrdtool update --daemon "unix:$SOCK" "$SERVER_DATA/rrd/italie/ups1/battery.charge.rrd" "$((B + 9 * STEP)):1"
body "$T_TMP/c4.json" 4 "$(five 4)"
code=$(push "$T_TMP/c4.json")
[ "$code" = 200 ] && [ "$(reply "j['stored']")" = 3 ] && [ "$(reply "j['stale']")" = 1 ] &&
    [ "$(reply "j['late']")" = 1 ] && [ "$(reply "j['rejected']")" = 1 ]
ok $? "a series rrdcached refuses for its time is stale and kept, not failed ($code: $(head -c 300 "$T_TMP/answer"))"
server_stop
ok $? "the server stops cleanly"
finish

#!/bin/bash
# A sample that can never be stored is refused alone and named in the reply; the rest of its batch is
# stored and the batch accepted (200), so that the agent does not send it again for ever and its next
# batches are not stuck behind it: a file name longer than 255 bytes once the instance is escaped, a
# series whose folder is a file, a metric outside the vocabulary, a series past the quota. A metric of
# the x. namespace is stored; of two samples of one series at one time in a batch, the last one wins,
# in RRD and in latest alike.
. "${top_srcdir:-.}/tests/integration/lib.sh"

TOKEN=isolation-agent-token-01
server_start server "step: 5
max_series_per_device: 120
metrics_public: true
sites: [{id: italie, kind: datacenter}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}]"
RRD="$SERVER_DATA/rrd/italie"

push() { # push BODY-FILE: the HTTP status; the answer in $T_TMP/answer
    curl -s -o "$T_TMP/answer" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' --data-binary "@$1" "$SERVER_URL/api/v1/ingest"
}
# body FILE SEQ PYTHON-LIST-OF-SAMPLES (t is the time of the push)
body() {
    python3 - "$1" "$2" "$3" <<'EOF'
import json, sys, time
t = int(time.time())
samples = eval(sys.argv[3])
json.dump({"agent": "dc-italie", "seq": int(sys.argv[2]), "samples": samples,
           "devices": [{"name": "pdu1", "class": "pdu", "profile": "p"}]}, open(sys.argv[1], "w"))
EOF
}
reply() { json_get "$T_TMP/answer" "$1"; }

# ---- one instance too long once escaped, 99 good samples ---------------------------------------------
body "$T_TMP/b1.json" 1 '[{"device": "pdu1", "metric": "outlet.current", "instance": "o%d" % i, "value": i, "ts": t}
    for i in range(1, 50)] + [{"device": "pdu1", "metric": "outlet.current", "instance": "#" * 100, "value": 7,
    "ts": t}] + [{"device": "pdu1", "metric": "outlet.current", "instance": "o%d" % i, "value": i, "ts": t}
    for i in range(50, 100)]'
code=$(push "$T_TMP/b1.json")
[ "$code" = 200 ] && [ "$(reply "j['stored']")" = 99 ] && [ "$(reply "j['rejected']")" = 1 ] &&
    [ "$(reply "j['rejects'][0]['index']")" = 49 ] && [ "$(reply "j['rejects'][0]['field']")" = "samples[49].instance" ] &&
    reply "j['rejects'][0]['reason']" | grep -q "more than 255"
ok $? "a batch with one instance of 300 bytes once escaped and 99 good samples: 200, 99 stored, that one refused by name ($code: $(head -c 400 "$T_TMP/answer"))"
n_files=$(ls "$RRD/pdu1" | grep -c '^outlet.current@o[0-9]*\.rrd$')
n_latest=$(db_count latest "device = 'pdu1' and metric = 'outlet.current'")
[ "$n_files" = 99 ] && [ "$n_latest" = 99 ] && num_eq "$(rrd_last "$RRD/pdu1/outlet.current@o42.rrd")" 42
ok $? "the 99 read back: $n_files RRD files, $n_latest latest rows, o42 holds 42 ($(rrd_last "$RRD/pdu1/outlet.current@o42.rrd"))"

sleep 1
body "$T_TMP/b2.json" 2 '[{"device": "pdu1", "metric": "outlet.current", "instance": "#" * 100, "value": 7, "ts": t},
    {"device": "pdu1", "metric": "outlet.current", "instance": "o1", "value": 11, "ts": t}]'
code=$(push "$T_TMP/b2.json")
[ "$code" = 200 ] && [ "$(reply "j['stored']")" = 1 ] && [ "$(db_latest pdu1 outlet.current o1)" = 11.0 ]
ok $? "the next batch of the agent is stored ($code: $(head -c 300 "$T_TMP/answer"))"
[ "$(grep -c 'refused (logged once an hour' "$SERVER_LOG")" = 1 ]
ok $? "the refused series is logged once, not at every batch: $(grep -c 'refused (logged' "$SERVER_LOG")"

# ---- a series whose file cannot be reached: its device folder is a file -------------------------------
printf 'not a folder\n' >"$RRD/blocked"
body "$T_TMP/b3.json" 3 '[{"device": "blocked", "metric": "battery.charge", "value": 50, "ts": t},
    {"device": "pdu1", "metric": "outlet.current", "instance": "o2", "value": 22, "ts": t + 1}]'
code=$(push "$T_TMP/b3.json")
[ "$code" = 200 ] && [ "$(reply "j['stored']")" = 1 ] && [ "$(reply "j['rejects'][0]['index']")" = 0 ] &&
    reply "j['rejects'][0]['reason']" | grep -q "Not a directory" && [ "$(db_latest pdu1 outlet.current o2)" = 22.0 ]
ok $? "a series whose folder is a file fails alone, the rest of the batch is stored ($code: $(head -c 400 "$T_TMP/answer"))"
curl -s "$SERVER_URL/metrics" >"$T_TMP/metrics"
grep -q "italie/blocked/battery.charge.rrd: cannot be written" "$SERVER_LOG" &&
    grep -qx "vigie_ingest_series_failed_total 1" "$T_TMP/metrics"
ok $? "it is logged and counted in /metrics: $(grep series_failed_total "$T_TMP/metrics" | tail -1)"

# A series' file replaced by a directory: set aside as damaged and made again, the batch stored.
rm -f "$RRD/pdu1/outlet.current@o5.rrd" && mkdir "$RRD/pdu1/outlet.current@o5.rrd"
body "$T_TMP/b3b.json" 33 '[{"device": "pdu1", "metric": "outlet.current", "instance": "o5", "value": 55, "ts": t + 1},
    {"device": "pdu1", "metric": "outlet.current", "instance": "o6", "value": 66, "ts": t + 1}]'
code=$(push "$T_TMP/b3b.json")
[ "$code" = 200 ] && [ "$(reply "j['stored']")" = 2 ] && num_eq "$(rrd_last "$RRD/pdu1/outlet.current@o5.rrd")" 55
ok $? "a file replaced by a directory is set aside and made again, the batch stored ($code: $(head -c 300 "$T_TMP/answer"))"

# ---- vocabulary -----------------------------------------------------------------------------------------
body "$T_TMP/b4.json" 4 '[{"device": "pdu1", "metric": "ups.nothing", "value": 1, "ts": t},
    {"device": "pdu1", "metric": "x.vendor.fan.speed", "value": 3000, "ts": t}]'
code=$(push "$T_TMP/b4.json")
[ "$code" = 200 ] && [ "$(reply "j['stored']")" = 1 ] && [ "$(reply "j['rejects'][0]['field']")" = "samples[0].metric" ] &&
    [ ! -e "$RRD/pdu1/ups.nothing.rrd" ] && num_eq "$(rrd_last "$RRD/pdu1/x.vendor.fan.speed.rrd")" 3000
ok $? "a metric outside the vocabulary is refused, one of the x. namespace stored ($code: $(head -c 400 "$T_TMP/answer"))"

# ---- a duplicate in a batch: the last one wins, in RRD and latest --------------------------------------
body "$T_TMP/b5.json" 5 '[{"device": "pdu1", "metric": "outlet.current", "instance": "o3", "value": 5, "ts": t + 2},
    {"device": "pdu1", "metric": "outlet.current", "instance": "o3", "value": 6, "ts": t + 2}]'
code=$(push "$T_TMP/b5.json")
[ "$code" = 200 ] && [ "$(reply "j['stored']")" = 1 ] && [ "$(reply "j['rejects'][0]['index']")" = 0 ] &&
    reply "j['rejects'][0]['reason']" | grep -q "duplicate in batch" &&
    [ "$(db_latest pdu1 outlet.current o3)" = 6.0 ] && num_eq "$(rrd_last "$RRD/pdu1/outlet.current@o3.rrd")" 6
ok $? "a duplicate in a batch is stored once, the last value in RRD and latest ($code: $(head -c 300 "$T_TMP/answer"); rrd $(rrd_last "$RRD/pdu1/outlet.current@o3.rrd"), latest $(db_latest pdu1 outlet.current o3))"

# ---- the series quota: 120 per device here, pdu1 has 100 ----------------------------------------------
body "$T_TMP/b6.json" 6 '[{"device": "pdu1", "metric": "outlet.voltage", "instance": "q%d" % i, "value": 230, "ts": t}
    for i in range(30)] + [{"device": "pdu1", "metric": "outlet.current", "instance": "o4", "value": 44, "ts": t + 3}]'
code=$(push "$T_TMP/b6.json")
have=$(ls "$RRD/pdu1" | grep -c '\.rrd$')
[ "$code" = 200 ] && [ "$(reply "j['rejected']")" = 10 ] && [ "$(reply "j['stored']")" = 21 ] && [ "$have" = 120 ] &&
    reply "j['rejects'][0]['reason']" | grep -q max_series_per_device && [ "$(db_latest pdu1 outlet.current o4)" = 44.0 ]
ok $? "past the quota the new series are refused, the existing ones written ($code, $have files: $(head -c 300 "$T_TMP/answer"))"
n_lines=$(grep -c 'outlet.voltage@q.* refused' "$SERVER_LOG")
[ "$n_lines" = 5 ] && [ "$(grep -c '5 more series refused in batch 6' "$SERVER_LOG")" = 1 ]
ok $? "10 refused series make 5 lines and one for the others ($n_lines)"

# The archives of a new file: AVERAGE at 4 resolutions, MIN and MAX at 3 each (README.md)
cfs=$(rrdtool info "$RRD/pdu1/outlet.current@o1.rrd" | grep -E '^rra\[[0-9]+\]\.cf' | awk '{print $3}' | sort | uniq -c | xargs)
[ "$cfs" = '4 AVERAGE 3 MAX 3 MIN' ]
ok $? "a new file has 10 archives: $cfs"

curl -s "$SERVER_URL/metrics" >"$T_TMP/metrics"
grep -qx "vigie_ingest_samples_rejected_total 15" "$T_TMP/metrics"
ok $? "every refused sample is counted: $(grep samples_rejected_total "$T_TMP/metrics" | tail -1)"
server_stop
ok $? "the server stops cleanly"
finish

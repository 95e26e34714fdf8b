#!/bin/bash
# Nothing one agent does delays another (issue 16): agent A pushes one batch of 3,000 new series
# (3,000 RRD files to make, seconds of disk work); while A's push is still being stored, agent B
# pushes samples of its existing series, and B's push is answered and stored before A's ends. The
# files are made on A's own request thread, not by the writer processes that every agent shares.
# Then every one of A's 3,000 samples is counted in its file.
. "${top_srcdir:-.}/tests/integration/lib.sh"
TA=create-agent-token-a-01
TB=create-agent-token-b-01
server_start server "step: 10
max_series_per_device: 5000
sites: [{id: nro-a, kind: nro}, {id: nro-b, kind: nro}]
agents: [{id: agent-a, token: $TA, site: nro-a}, {id: agent-b, token: $TB, site: nro-b}]"
NOW=$(($(date +%s) / 10 * 10))
# the writer processes (one per core, up to 4) each own the files of some devices: A's series are
# spread over 8 devices so that every writer has some of them to make
mk() { # mk FILE AGENT SEQ DEVICE NSERIES TS [NDEVICES]: devices DEVICE0.. when NDEVICES is given
    python3 - "$@" <<'PY'
import json, sys
f, agent, seq, dev, n, ts = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
nd = int(sys.argv[7]) if len(sys.argv) > 7 else 0
name = (lambda i: "%s%d" % (dev, i % nd)) if nd else (lambda i: dev)
devs = sorted({name(i) for i in range(n)})
json.dump({"agent": agent, "seq": seq, "devices": [{"name": d, "class": "pdu", "profile": "p"} for d in devs],
           "samples": [{"device": name(i), "metric": "outlet.current", "instance": "o%d" % i, "value": i % 16,
                        "ts": ts} for i in range(n)]}, open(f, "w"))
PY
}
push() { # push TOKEN FILE OUT: the HTTP status
    curl -s -o "$3" -w '%{http_code}' -H "Authorization: Bearer $1" --data-binary "@$2" "$SERVER_URL/api/v1/ingest"
}
mk "$T_TMP/b1.json" agent-b 1 pdu-b 20 $((NOW - 20))
mk "$T_TMP/b2.json" agent-b 2 pdu-b 20 $((NOW - 10))
mk "$T_TMP/a1.json" agent-a 1 pdu-a 3000 $((NOW - 10)) 8
[ "$(push $TB "$T_TMP/b1.json" "$T_TMP/rb1")" = 200 ]
ok $? "agent B's series exist ($(cat "$T_TMP/rb1"))"

push $TA "$T_TMP/a1.json" "$T_TMP/ra1" >"$T_TMP/ca1" &
A=$!
A_DIR="$SERVER_DATA/rrd/nro-a"
a_files() { find "$A_DIR" -name "*.rrd" 2>/dev/null | wc -l; }
some_made() { [ "$(a_files)" -ge 50 ]; }
wait_for 30 some_made
ok $? "agent A's push is making its files"
code=$(push $TB "$T_TMP/b2.json" "$T_TMP/rb2")
kill -0 $A 2>/dev/null
A_RUNNING=$?
made=$(a_files)
[ "$code" = 200 ] && grep -q '"stored":20' "$T_TMP/rb2"
ok $? "agent B's push is stored meanwhile ($code $(cat "$T_TMP/rb2"))"
[ $A_RUNNING = 0 ] && [ "$made" -lt 3000 ]
ok $? "before agent A's push ended ($made of its 3,000 files made when B's was answered)"
wait $A
[ "$(cat "$T_TMP/ca1")" = 200 ] && grep -q '"stored":3000' "$T_TMP/ra1"
ok $? "agent A's push is stored whole ($(cut -c1-120 "$T_TMP/ra1"))"
num_eq "$(a_files)" 3000
ok $? "3,000 files for agent A, over 8 devices"
n=0
for f in "$A_DIR"/pdu-a*/outlet.current@o*.rrd; do
    [ "$(rrd_last "$f")" != "" ] && [ "$(rrdtool last "$f")" = $((NOW - 10)) ] && n=$((n + 1))
done
num_eq "$n" 3000
ok $? "each of them holds its sample at its time ($n)"
n=0
for f in "$SERVER_DATA"/rrd/nro-b/pdu-b/outlet.current@o*.rrd; do
    [ "$(rrdtool last "$f")" = $((NOW - 10)) ] && n=$((n + 1))
done
num_eq "$n" 20
ok $? "agent B's 20 series hold both of its samples ($n)"
finish

#!/bin/bash
# No global lock across rendering, mail or disk work (issue 16): the monthly report is mailed to an
# SMTP server that accepts the connection and never greets (tests/tools/http_receiver.py --hang, which
# waits for a request line that an SMTP client never sends). While that request waits for its
# 20 s timeout, an agent's push is stored, the status and the series are read, a maintenance window is
# declared and a PDF is rendered, each of them answered before the mailing ends; then the mailing
# gives up with 502, and the server keeps every sample pushed meanwhile (counted back).
. "${top_srcdir:-.}/tests/integration/lib.sh"
TOKEN=lock-agent-token-0001
ADMIN=lock-admin-token-0001
SMTP_PORT=$(free_port tcp)
: >"$T_TMP/smtp.jsonl"
/usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$SMTP_PORT" "$T_TMP/smtp.jsonl" --hang &
T_PIDS="$T_PIDS $!"
wait_for 10 /usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" \
    "$SMTP_PORT" 2>/dev/null || bail "the hanging SMTP receiver did not start"
server_start lock "step: 10
sites:
  - {id: nro, kind: nro}
agents: [{id: nro-agent, token: $TOKEN, site: nro}]
api_tokens: [{name: ops, token: $ADMIN, role: admin}]
smtp: {url: 'smtp://127.0.0.1:$SMTP_PORT', from: 'vigie <vigie@syndicat.example>', timeout: 20}
report: {recipients: [sla@delegataire.example]}"
AUTH="Authorization: Bearer $ADMIN"
NOW=$(($(date +%s) / 10 * 10)) # on a step boundary, so that each sample completes one step
SEQ=0
push() { # push TS...: one sample of ups1 battery.charge per time
    SEQ=$((SEQ + 1))
    local s="" t
    for t in "$@"; do
        s="$s${s:+,}{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":$((t % 100)),\"ts\":$t}"
    done
    curl -sf -o "$T_TMP/push.$SEQ" -H "Authorization: Bearer $TOKEN" \
        -d "{\"agent\":\"nro-agent\",\"seq\":$SEQ,\"samples\":[$s]}" "$SERVER_URL/api/v1/ingest"
}
push $((NOW - 60)) $((NOW - 50))
ok $? "a first push is stored"

MONTH=$(date -u +%Y-%m)
curl -s -o "$T_TMP/send.json" -w '%{http_code}' -X POST -H "$AUTH" \
    "$SERVER_URL/api/v1/report/send?month=$MONTH&format=pdf" >"$T_TMP/send.code" &
SEND=$!
# an established TCP connection to the SMTP port (/proc/net/tcp: state 01, the port in hex)
smtp_connected() {
    awk -v p="$(printf ':%04X' "$SMTP_PORT")" '$4 == "01" && substr($3, length($3) - 4) == p { f = 1 } END { exit !f }' \
        /proc/net/tcp
}
wait_for 10 smtp_connected
ok $? "the report's mailing is connected to the SMTP server, which never answers"
sending() { kill -0 "$SEND" 2>/dev/null; }

push $((NOW - 40)) $((NOW - 30)) $((NOW - 20))
ok $? "a push is stored while the mailing waits"
grep -q '"stored":3' "$T_TMP/push.$SEQ"
ok $? "all three of its samples are stored ($(cat "$T_TMP/push.$SEQ"))"
curl -sf -o "$T_TMP/status.json" -H "$AUTH" "$SERVER_URL/api/v1/status"
ok $? "the status is read while the mailing waits"
curl -sf -o "$T_TMP/series.json" -H "$AUTH" \
    "$SERVER_URL/api/v1/series?site=nro&device=ups1&metric=battery.charge&from=$((NOW - 120))&to=$NOW"
ok $? "the series is read while the mailing waits"
curl -sf -o /dev/null -H "$AUTH" -H 'Content-Type: application/json' \
    -d "{\"site\":\"nro\",\"start\":$((NOW + 3600)),\"end\":$((NOW + 7200)),\"reason\":\"test\"}" \
    "$SERVER_URL/api/v1/maintenance"
ok $? "a maintenance window is declared (a write) while the mailing waits"
curl -sf -o "$T_TMP/report.pdf" -H "$AUTH" "$SERVER_URL/api/v1/report?month=$MONTH&format=pdf"
ok $? "a PDF report is rendered while the mailing waits"
sending
ok $? "all of this was answered before the mailing ended (it is still waiting for the SMTP greeting)"

wait "$SEND"
[ "$(cat "$T_TMP/send.code")" = 502 ]
ok $? "the mailing then gives up with 502 at its timeout (got $(cat "$T_TMP/send.code"))"
grep -q 'timeout\|timed out\|Timeout' "$T_TMP/send.json"
ok $? "its error says the mail server timed out ($(cat "$T_TMP/send.json"))"
RRD="$SERVER_DATA/rrd/nro/ups1/battery.charge.rrd"
n=$(rrd_count "$RRD" $((NOW - 70)) $((NOW - 15)))
num_eq "$n" 5
ok $? "the five samples are in the RRD file: 5 steps known (the file starts at the step boundary before the first sample, so it fills its row) ($n)"
num_eq "$(db_query "SELECT samples FROM batches WHERE agent='nro-agent' AND seq=2")" 3
ok $? "the batch pushed during the mailing is recorded with its 3 samples"
finish

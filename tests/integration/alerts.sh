#!/bin/bash
# On-call alerting end to end, with real receivers on loopback (tests/tools/http_receiver.py): samples
# pushed as an agent would, a rule with thresholds, two alerts of one site grouped into one webhook
# message, a first delivery that fails because the receiver is down and is retried, escalation to
# the next contact by SMS through an HTTP gateway and by e-mail (aiosmtpd, as in report.sh),
# acknowledgement, a silence that keeps recording but sends nothing, a test notification, and
# resolution with hysteresis.
. "${top_srcdir:-.}/tests/integration/lib.sh"
TOKEN=alerts-agent-token-001
ADMIN=alerts-admin-token-001
HOOK_PORT=$(free_port tcp)
SMTP_PORT=$(free_port tcp)
REC="$T_TMP/received.jsonl"
MAILDIR="$T_TMP/maildir"
: >"$REC"
# the SMTP receiver of report.sh (aiosmtpd, Debian python3-aiosmtpd), here without TLS on loopback
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || bail "aiosmtpd is not installed (Debian package python3-aiosmtpd)"
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR" \
    >"$T_TMP/smtp.log" 2>&1 &
T_PIDS="$T_PIDS $!"
server_start server "step: 5
sites:
  - {id: nro, kind: nro}
agents: [{id: nro-agent, token: $TOKEN, site: nro}]
api_tokens: [{name: ops, token: $ADMIN, role: admin}]
smtp: {url: 'smtp://127.0.0.1:$SMTP_PORT', from: 'vigie <vigie@example.org>', starttls: false}
alerting:
  group_wait: 1
  escalate_after: 8
  retry_delay: 1
  heartbeat_steps: 100
  repeat: {warning: 0, critical: 0}
  sms_gateway:
    url: http://127.0.0.1:$HOOK_PORT/sms?to={to}
    body: '{\"to\": \"{to}\", \"text\": \"{text}\"}'
    content_type: application/json
  contacts:
    - {name: noc, webhook: http://127.0.0.1:$HOOK_PORT/hook}
    - {name: oncall, sms: '+33600000001', email: oncall@example.org}
  chain: [noc, oncall]
  rules:
    - {metric: env.temperature, warning_above: 25, critical_above: 27, clear_hysteresis: 0.5}"
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN=$ADMIN
SEQ=0
push() { # push SAMPLES-JSON
    SEQ=$((SEQ + 1))
    curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" \
        -d "{\"agent\":\"nro-agent\",\"seq\":$SEQ,\"samples\":[$1]}" "$SERVER_URL/api/v1/ingest"
}
sample() { # sample DEVICE METRIC VALUE [SEVERITY]
    printf '{"device":"%s","metric":"%s","value":%s,"ts":%s%s}' "$1" "$2" "$3" "$(date +%s)" \
        "${4:+,\"severity\":\"$4\"}"
}
received() { grep -c "$1" "$REC" 2>/dev/null || true; }

push "$(sample env env.temperature 28.5),$(sample ups battery.runtime 300 critical)"
wait_for 10 grep -q "notification #.* failed" "$SERVER_LOG"
ok $? "the first delivery fails while the webhook receiver is down, and is logged for a retry"
"$CLI" alerts --state firing --json >"$T_TMP/a1.json"
[ "$(json_get "$T_TMP/a1.json" "len(j['alerts'])")" = 2 ]
ok $? "two firing alerts are recorded (rule on env.temperature, agent severity on battery.runtime)"

/usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$HOOK_PORT" "$REC" &
T_PIDS="$T_PIDS $!"
wait_for 10 grep -q '"/hook"' "$REC"
ok $? "the webhook is delivered once the receiver is up (retry with backoff)"
[ "$(received '"/hook"')" = 1 ]
ok $? "both alerts of the site went out grouped in one webhook message"
check "the generic webhook's JSON carries the event, the site and both alerts" python3 - "$REC" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if '"/hook"' in l][0]
b = json.loads(r["body"])
assert b["event"] == "firing" and b["site"] == "nro", b
assert len(b["alerts"]) == 2, b
assert {a["metric"] for a in b["alerts"]} == {"env.temperature", "battery.runtime"}, b
assert "CRITICAL" in b["subject"] and "2 alerts" in b["subject"], b["subject"]
assert "vigie ack" in b["text"], b["text"]
PY

wait_for 15 grep -q '"/sms' "$REC"
ok $? "without acknowledgement the alert escalates to the next contact of the chain, by SMS"
check "the SMS gateway gets the number in the URL and a JSON body from the template" python3 - "$REC" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if '"/sms' in l][0]
assert r["path"].startswith("/sms?to=%2B33600000001"), r["path"]
b = json.loads(r["body"])
assert b["to"] == "+33600000001" and "escalated" in b["text"], b
PY

wait_for 10 grep -rqs 'oncall@example.org' "$MAILDIR/new"
ok $? "the escalation also goes by e-mail to the contact's address (smtp.h)"
check "the e-mail has the subject and a plain-text body with the ack command" python3 - "$MAILDIR" <<'PY'
import email, email.policy, glob, sys
m = email.message_from_binary_file(open(sorted(glob.glob(sys.argv[1] + "/new/*"))[0], "rb"), policy=email.policy.default)
assert m["To"].find("oncall@example.org") >= 0, m["To"]
assert m["Subject"].startswith("[vigie] CRITICAL nro:") and "escalated" in m["Subject"], m["Subject"]
body = m.get_body(("plain",)).get_content()
assert "vigie ack" in body and "since" in body, body
PY

ID=$(json_get "$T_TMP/a1.json" "j['alerts'][0]['id']")
"$CLI" ack "$ID" -m "on my way" >/dev/null
"$CLI" alerts --json >"$T_TMP/a2.json"
[ "$(json_get "$T_TMP/a2.json" "[a for a in j['alerts'] if a['id']==$ID][0]['state'] + ' ' + [a for a in j['alerts'] if a['id']==$ID][0]['ack_by']")" = "acknowledged ops" ]
ok $? "vigie ack acknowledges the alert, with who and the comment"

"$CLI" silence --site nro --duration 1h --reason "works on the cooling" >/dev/null
sleep 3 # deliveries are asynchronous (sender.h): the escalations queued before the silence land first
BEFORE=$(wc -l <"$REC")
push "$(sample clim cooling.state 1 critical)"
sleep 5
"$CLI" alerts --state firing --json >"$T_TMP/a3.json"
[ "$(wc -l <"$REC")" = "$BEFORE" ] && python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert any(a['device']=='clim' for a in j['alerts'])" "$T_TMP/a3.json"
ok $? "during a silence a new alert is recorded but nothing is sent"

"$CLI" test-notify noc >/dev/null
wait_for 10 grep -q '\\"event\\":\\"test\\"' "$REC"
ok $? "vigie test-notify sends a test message to the contact"

push "$(sample env env.temperature 26.8)"
"$CLI" alerts --json >"$T_TMP/a4.json"
[ "$(json_get "$T_TMP/a4.json" "[a['state'] for a in j['alerts'] if a['metric']=='env.temperature'][0]")" != resolved ]
ok $? "26.8 degC is still an alert (hysteresis: the way out of 27 is below 26.5)"
push "$(sample env env.temperature 24)"
"$CLI" alerts --json >"$T_TMP/a5.json"
[ "$(json_get "$T_TMP/a5.json" "[a['state'] for a in j['alerts'] if a['metric']=='env.temperature'][0]")" = resolved ]
ok $? "the alert resolves when the temperature is back to normal"
finish

#!/bin/bash
# On-call paths never wait on each other (issue 16): a contact whose webhook receiver hangs (accepts,
# reads, never answers: tests/tools/http_receiver.py --hang) and whose SMS gateway answers. The SMS
# arrives within seconds while the webhook hangs; the timer's rule evaluation keeps its pace (an
# alert with `for: 2` opens on time); the hanging webhook is cut at alerting.timeout and retried
# retry_delay seconds after the failed attempt ended, doubled each time; the server stops promptly
# with an attempt under way.
. "${top_srcdir:-.}/tests/integration/lib.sh"
TOKEN=hang-agent-token-0001
ADMIN=hang-admin-token-0001
HANG_PORT=$(free_port tcp)
GOOD_PORT=$(free_port tcp)
HANG_REC="$T_TMP/hang.jsonl"
GOOD_REC="$T_TMP/good.jsonl"
: >"$HANG_REC"
: >"$GOOD_REC"
/usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$HANG_PORT" "$HANG_REC" --hang &
T_PIDS="$T_PIDS $!"
/usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$GOOD_PORT" "$GOOD_REC" &
T_PIDS="$T_PIDS $!"
sleep 0.5
server_start server "step: 5
sites:
  - {id: nro, kind: nro}
agents: [{id: nro-agent, token: $TOKEN, site: nro}]
api_tokens: [{name: ops, token: $ADMIN, role: admin}]
alerting:
  group_wait: 1
  escalate_after: 3600
  timeout: 8
  retry_delay: 3
  max_attempts: 10
  heartbeat_steps: 100
  repeat: {warning: 0, critical: 0}
  sms_gateway:
    url: http://127.0.0.1:$GOOD_PORT/sms?to={to}
  contacts:
    - {name: noc, webhook: http://127.0.0.1:$HANG_PORT/hook, sms: '+33600000001'}
  chain: [noc]
  rules:
    - {metric: env.temperature, critical_above: 27, for: 2}"
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
firing() { [ "$("$CLI" alerts --state firing --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["alerts"]))')" = "$1" ]; }

push "$(sample ups battery.runtime 300 critical)"
wait_for 4 grep -q '"/hook"' "$HANG_REC"
ok $? "the webhook receiver gets the alert and hangs"
wait_for 4 grep -q '"/sms' "$GOOD_REC"
ok $? "the SMS gateway gets the same alert within seconds while the webhook hangs (8 s timeout)"

# the timer keeps evaluating: a `for: 2` alert opens 2 to 4 s after its sample (2 s ticks), muted
# by a silence of its device so that its own messages do not queue behind the hanging receiver
"$CLI" silence --site nro --device env --duration 1h --reason "test" >/dev/null
START=$(t_now_ms)
push "$(sample env env.temperature 28.5)"
wait_for 6 firing 2
ok $? "a second alert opens on the timer while the webhook hangs"
ELAPSED=$(($(t_now_ms) - START))
[ "$ELAPSED" -le $((5500 * T_TIME_SCALE)) ]
ok $? "it opened within 5.5 s (took ${ELAPSED} ms: its for is 2 s, the tick 2 s)"

hook_attempts() { [ "$(grep -c '"/hook"' "$HANG_REC")" -ge "$1" ]; }
wait_for 35 hook_attempts 3
ok $? "the hanging webhook is tried again, after each timeout"
check "retries back off from the failed attempt: end (8 s timeout) + 3 s, then + 6 s" python3 - "$HANG_REC" <<'PY'
import json, sys
t = [json.loads(l)["t"] for l in open(sys.argv[1]) if '"/hook"' in l][:3]
g1, g2 = t[1] - t[0], t[2] - t[1]
print("# gaps between attempts: %.1f s, %.1f s" % (g1, g2))
assert 9.8 <= g1 <= 12.5, g1
assert 12.8 <= g2 <= 16, g2
PY
[ "$(grep -c '"/sms' "$GOOD_REC")" = 1 ]
ok $? "the SMS was sent once (not held back, not repeated by the webhook's retries)"

START=$(t_now_ms)
server_stop
ok $? "vigie-server stops with 0 while an attempt hangs"
ELAPSED=$(($(t_now_ms) - START))
[ "$ELAPSED" -le $((4000 * T_TIME_SCALE)) ]
ok $? "and stops promptly (${ELAPSED} ms): the attempt under way is cut short"
finish

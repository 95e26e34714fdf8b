#!/bin/bash
# On-call rotations end to end (alerting/oncall.h): a running server whose chain's first level is a
# rotation, a loopback webhook receiver per person (tests/tools/http_receiver.py), an alert fired and
# its notification reaching whoever is on call, an override added with the CLI redirecting the next
# notification (a reminder) to the person standing in, and deleted again; `vigie oncall --at`, the
# overrides' list, the iCalendar export parsed back, the audit, and bad configurations refused with
# file:line:column and the key.
. "${top_srcdir:-.}/tests/integration/lib.sh"
TOKEN=oncall-agent-token-001
ADMIN=oncall-admin-token-001
VIEWER=oncall-viewer-token-01
HOOK_PORT=$(free_port tcp)
REC="$T_TMP/received.jsonl"
: >"$REC"
/usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$HOOK_PORT" "$REC" &
T_PIDS="$T_PIDS $!"
# one day each, alice now, bob next, carol after: the handover is put about 12 hours from now in Paris
# (the last one 11-12 hours ago), so that no step of the test straddles one, whatever the hour it runs
# at; START is the Paris date of the last handover, NEXT the next one's epoch, AT an hour after it
read -r START HANDOVER NEXT AT <<<"$(/usr/bin/python3 - <<'PY'
import datetime, zoneinfo
paris = zoneinfo.ZoneInfo("Europe/Paris")
now = datetime.datetime.now(paris)
hour = (now.hour + 12) % 24
last = now.replace(hour=hour, minute=0, second=0, microsecond=0)
if last > now:
    last = (last.replace(tzinfo=None) - datetime.timedelta(days=1)).replace(tzinfo=paris)
nxt = (last.replace(tzinfo=None) + datetime.timedelta(days=1)).replace(tzinfo=paris)
print(last.date().isoformat(), "%02d:00" % hour, int(nxt.timestamp()),
      (nxt + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
PY
)"
server_start server "step: 5
sites:
  - {id: nro, kind: nro, timezone: Europe/Paris}
agents: [{id: nro-agent, token: $TOKEN, site: nro}]
api_tokens: [{name: ops, token: $ADMIN, role: admin}, {name: viewer, token: $VIEWER, role: read}]
alerting:
  group_wait: 1
  escalate_after: 0
  retry_delay: 1
  heartbeat_steps: 100
  repeat: {warning: 0, critical: 2}
  contacts:
    - {name: noc, webhook: http://127.0.0.1:$HOOK_PORT/noc}
    - {name: alice-hook, webhook: http://127.0.0.1:$HOOK_PORT/alice}
    - {name: bob-hook, webhook: http://127.0.0.1:$HOOK_PORT/bob}
    - {name: carol-hook, webhook: http://127.0.0.1:$HOOK_PORT/carol}
  oncall:
    people:
      - {name: alice, contacts: [alice-hook]}
      - {name: bob, contacts: [bob-hook]}
      - {name: carol, contacts: [carol-hook]}
    rotations:
      - {name: primary, people: [alice, bob, carol], every: 1d, start: $START, handover: '$HANDOVER'}
  chain: [primary, noc]
  rules:
    - {metric: env.temperature, warning_above: 25, critical_above: 27}
web_dir: $(cd "$top_srcdir/web" && pwd)"
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN=$ADMIN
received() { grep -c "$1" "$REC" 2>/dev/null || true; }
events_to() { # events_to PATH: the events of the webhook messages PATH received, one a line
    python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"] == sys.argv[2]: print(json.loads(r["body"])["event"])' "$REC" "$1"
}

"$CLI" oncall --json >"$T_TMP/now.json"
[ "$(json_get "$T_TMP/now.json" "j['rotations'][0]['on_call']")" = alice ] &&
    [ "$(json_get "$T_TMP/now.json" "j['rotations'][0]['next']")" = bob ]
ok $? "vigie oncall: alice is on call today in rotation primary, bob next"
check "until: the next handover, $HANDOVER in Paris" python3 - "$T_TMP/now.json" "$NEXT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["rotations"][0]
assert r["until"] == int(sys.argv[2]), (r["until"], sys.argv[2])
assert r["timezone"] == "Europe/Paris" and r["override"] is None, r
PY
"$CLI" oncall --at "$AT" --lang en >"$T_TMP/tomorrow.txt"
grep -Eq '^primary +bob +' "$T_TMP/tomorrow.txt"
ok $? "vigie oncall --at an hour after the handover: bob ($(tail -1 "$T_TMP/tomorrow.txt"))"
"$CLI" oncall --lang fr >"$T_TMP/fr.txt"
grep -q "D'ASTREINTE" "$T_TMP/fr.txt" && grep -Eq '^primary +alice' "$T_TMP/fr.txt"
ok $? "vigie oncall --lang fr: the table in French"

SEQ=0
push() { # push DEVICE METRIC VALUE
    SEQ=$((SEQ + 1))
    curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" \
        -d "{\"agent\":\"nro-agent\",\"seq\":$SEQ,\"samples\":[{\"device\":\"$1\",\"metric\":\"$2\",\"value\":$3,\"ts\":$(date +%s)}]}" \
        "$SERVER_URL/api/v1/ingest"
}
push env env.temperature 28.5
wait_for 15 grep -q '"/alice"' "$REC"
ok $? "the alert's notification reaches alice, on call in rotation primary"
[ "$(events_to /alice | head -1)" = firing ] && [ "$(received '"/bob"')" = 0 ] && [ "$(received '"/noc"')" = 0 ]
ok $? "the first message is the firing one, and nobody else got it"

code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $VIEWER" \
    -d '{"rotation":"primary","who":"bob","from":1,"to":2}' "$SERVER_URL/api/v1/oncall/overrides")
[ "$code" = 403 ]; ok $? "a read token cannot add an override ($code)"
NOW=$(date +%s)
"$CLI" oncall override --rotation primary --who carol --from $((NOW - 60)) --to $((NOW + 3600)) \
    --reason "alice at the dentist" --json >"$T_TMP/ov.json"
ok $? "vigie oncall override: carol stands in for alice for an hour"
OVID=$(json_get "$T_TMP/ov.json" "j['id']")
wait_for 15 grep -q '"/carol"' "$REC"
ok $? "the next notification (a reminder) goes to carol, not alice"
[ "$(events_to /carol | head -1)" = repeat ]; ok $? "carol's message is the alert's reminder"
"$CLI" oncall --json >"$T_TMP/now2.json"
[ "$(json_get "$T_TMP/now2.json" "j['rotations'][0]['on_call']")" = carol ] &&
    [ "$(json_get "$T_TMP/now2.json" "j['rotations'][0]['override']['reason']")" = "alice at the dentist" ] &&
    [ "$(json_get "$T_TMP/now2.json" "j['rotations'][0]['until']")" = $((NOW + 3600)) ]
ok $? "GET /api/v1/oncall: carol on call by the override, until its end"
"$CLI" oncall overrides --lang en >"$T_TMP/list.txt"
grep -Eq "^$OVID +primary +carol .*ops +alice at the dentist" "$T_TMP/list.txt"
ok $? "vigie oncall overrides lists it, with who added it"

curl -sf -H "Authorization: Bearer $VIEWER" "$SERVER_URL/api/v1/oncall.ics?rotation=primary" -o "$T_TMP/p.ics"
ok $? "GET /api/v1/oncall.ics with a read token"
"$CLI" oncall ics --rotation primary -o "$T_TMP/cli.ics" && grep -q 'BEGIN:VCALENDAR' "$T_TMP/cli.ics"
ok $? "vigie oncall ics -o FILE writes the calendar"
check "the calendar: 8 weeks of shifts in UTC, the override first, then alice, bob, carol in turn" \
    python3 - "$T_TMP/p.ics" "$NOW" "$START" "$HANDOVER" <<'PY'
import sys, datetime, zoneinfo
text = open(sys.argv[1]).read().replace("\r\n ", "").replace("\r\n", "\n")
assert text.startswith("BEGIN:VCALENDAR\n") and "VERSION:2.0\n" in text, text[:200]
events = []
for block in text.split("BEGIN:VEVENT\n")[1:]:
    props = dict(l.split(":", 1) for l in block.split("END:VEVENT")[0].strip().split("\n"))
    t = lambda k: datetime.datetime.strptime(props[k], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    events.append((t("DTSTART"), t("DTEND"), props["SUMMARY"]))
now = int(sys.argv[2])
paris = zoneinfo.ZoneInfo("Europe/Paris")
assert events[0][2] == "primary: carol (override)", events[:3]
assert events[0][1].timestamp() == now + 3600, events[0]
assert events[1][2] == "primary: alice", events[1]
for a, b in zip(events, events[1:]):
    assert a[1] == b[0], (a, b)  # no hole, no overlap
names = ["alice", "bob", "carol"]
start = datetime.date.fromisoformat(sys.argv[3])
for s, e, summary in events[2:-1]:
    local = s.astimezone(paris)
    assert "%02d:%02d" % (local.hour, local.minute) == sys.argv[4], (s, local)  # in Paris, DST or not
    day = (local.date() - start).days
    assert summary == "primary: " + names[day % 3], (s, summary)
span = events[-1][1].timestamp() - events[0][0].timestamp()
assert abs(span - 8 * 7 * 86400) < 120, span
assert 56 <= len(events) <= 58, len(events)
PY

"$CLI" oncall delete "$OVID" >/dev/null
ok $? "vigie oncall delete ID"
: >"$REC"
wait_for 15 grep -q '"/alice"' "$REC"
ok $? "with the override gone, the reminders go to alice again"
[ "$(db_query "SELECT count(*) FROM audit WHERE action IN ('oncall.override.add', 'oncall.override.delete') AND outcome LIKE '2%'")" = 2 ]
ok $? "adding and deleting are in the audit trail (oncall.override.add, oncall.override.delete)"
code=$(curl -s -o "$T_TMP/bad.json" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" \
    -d '{"rotation":"primary","who":"mallory","from":"2026-12-24","to":"2026-12-26"}' "$SERVER_URL/api/v1/oncall/overrides")
[ "$code" = 400 ] && [ "$(json_get "$T_TMP/bad.json" "j['field']")" = who ]
ok $? "an override for someone not in alerting.oncall.people is refused, naming the field ($code)"
"$CLI" oncall override --rotation primary --who bob --from 2026-12-26 --to 2026-12-24 2>"$T_TMP/bad.err"
[ $? -eq 1 ] && grep -q "to" "$T_TMP/bad.err"; ok $? "an override ending before it starts is refused"
"$CLI" oncall --help | grep -q 'vigie oncall override --rotation'; ok $? "vigie oncall --help"

# the dashboard's header line (web/oncall.js) in headless Chromium, as browser.sh runs it: Debian's
# chromium and tests/browser's playwright-core are required (npm ci --prefix tests/browser)
browser_checks oncall.mjs 3 "$SERVER_URL" "$VIEWER"

bad_config() { # bad_config DESCRIPTION EXPECTED-TEXT YAML-ALERTING-TAIL
    printf 'listen: 127.0.0.1:1\nsites: [{id: nro, kind: nro}]\nagents: [{id: a, token: oncall-agent-token-002, site: nro}]\nalerting:\n  contacts: [{name: noc, webhook: "http://127.0.0.1:1/"}]\n%s\n' "$3" >"$T_TMP/bad.yaml"
    "$SERVER" -c "$T_TMP/bad.yaml" --check-config >"$T_TMP/bad.out" 2>&1
    local rc=$?
    [ $rc -eq 2 ] && grep -qF "$2" "$T_TMP/bad.out"
    ok $? "$1 ($(head -c 200 "$T_TMP/bad.out"))"
}
bad_config "a rotation naming an unknown person" "bad.yaml:8:36: key 'people': no person 'zoe'" \
"  oncall:
    people: [{name: al, contacts: [noc]}]
    rotations: [{name: r, people: [zoe], start: 2026-01-05}]"
bad_config "a handover that is no time" "bad.yaml:8:70: key 'handover'" \
"  oncall:
    people: [{name: al, contacts: [noc]}]
    rotations: [{name: r, people: [al], start: 2026-01-05, handover: 'Moonday 9h'}]"
bad_config "a chain naming neither contact nor rotation" "bad.yaml:9:14: key 'chain'" \
"  oncall:
    people: [{name: al, contacts: [noc]}]
    rotations: [{name: r, people: [al], start: 2026-01-05}]
  chain: [r, nobody]"
finish

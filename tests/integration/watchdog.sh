#!/bin/bash
# The agent's own watchdog (agent.yaml `watchdog:`): no server is reachable (a closed loopback port),
# batches wait in the spool; after `after` seconds the agent sends its alert to a loopback webhook
# receiver (tests/tools/http_receiver.py) and by mail to a loopback SMTP receiver (aiosmtpd), once
# (repeat 0), naming the agent, its site, since when and the server with its last error, in French
# and English, never the token. A server then starts on that port: the batches are stored and a
# "recovered" message follows, once.
. "${top_srcdir:-.}/tests/integration/lib.sh"

/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || bail "aiosmtpd is not installed (Debian package python3-aiosmtpd)"
sim_start "$top_srcdir/tests/fixtures/snmprec"
TOKEN=watchdog-agent-token-0001
HOOK_PORT=$(free_port tcp)
SMTP_PORT=$(free_port tcp)
SERVER_PORT=$(free_port tcp) # nothing listens there until the server starts
REC="$T_TMP/hook.jsonl"
MAILDIR="$T_TMP/maildir"
: >"$REC"
/usr/bin/python3 "$top_srcdir/tests/tools/http_receiver.py" "$HOOK_PORT" "$REC" &
T_PIDS="$T_PIDS $!"
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR" \
    >"$T_TMP/smtp.log" 2>&1 &
T_PIDS="$T_PIDS $!"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $SMTP_PORT), 1)" ||
    bail "the SMTP receiver did not start"
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$HOOK_PORT/" || bail "the webhook receiver did not start"
: >"$REC"

START=$(date +%s)
agent_start agent "agent: nro-watch
site: doullens
server: http://127.0.0.1:$SERVER_PORT
token: $TOKEN
interval: 5
timeout: 0.5
retries: 0
spool_dir: $T_TMP/spool
watchdog:
  after: 10
  repeat: 0
  webhook: http://127.0.0.1:$HOOK_PORT/sms
  smtp: {url: 'smtp://127.0.0.1:$SMTP_PORT', from: 'vigie-agent <agent@example.org>', to: [astreinte@example.org],
         starttls: false}
devices:
  - {name: ups1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}" --profiles "$MIBS_DIR" --log-level info
hooks() { grep -c "$1" "$REC" 2>/dev/null || true; }
alerted() { [ "$(hooks agent.stalled)" -ge 1 ]; }
wait_for 30 alerted
ok $? "no server reachable: the watchdog's alert reaches the webhook"
elapsed=$(( $(date +%s) - START ))
# bound: `after` (10 s) from the first batch waiting (the first poll, at most 5 s after the start),
# plus the watchdog's look every second and the send
[ "$elapsed" -le 18 ] && [ "$elapsed" -ge 10 ]
ok $? "within its bound: after 10 s of nothing stored, not before ($elapsed s after the start)"
check "the message names the agent, its site, since when and the server with its last error, in French and English" \
    python3 - "$REC" "$SERVER_PORT" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if "agent.stalled" in l][0]
assert r["path"] == "/sms" and r["content_type"] == "application/json", r
b = json.loads(r["body"])
assert b["event"] == "agent.stalled" and b["agent"] == "nro-watch" and b["site"] == "doullens", b
assert b["since"].endswith("Z") and b["waiting"] >= 1, b
s = b["servers"]
assert len(s) == 1 and s[0]["url"] == "http://127.0.0.1:" + sys.argv[2], s
assert s[0]["last_error"] and s[0]["last_stored"] == "-", s
assert "aucun serveur" in b["text_fr"] and "no server has stored" in b["text_en"], b
assert sys.argv[2] in b["text_en"], b
PY
mailed() { grep -rqs 'astreinte@example.org' "$MAILDIR/new"; }
wait_for 10 mailed
ok $? "and the mail reaches the SMTP receiver"
check "the mail says it in French and English" python3 - "$MAILDIR" <<'PY'
import email, email.header, mailbox, sys
m = list(mailbox.Maildir(sys.argv[1], create=False))
assert len(m) == 1, len(m)
subj = str(email.header.make_header(email.header.decode_header(m[0]["Subject"])))
assert "nro-watch" in subj and "aucun serveur ne reçoit" in subj and "no server stores" in subj, subj
body = m[0].get_payload(decode=True) if not m[0].is_multipart() else m[0].get_payload()[0].get_payload(decode=True)
text = body.decode("utf-8")
assert "aucun serveur n'a reçu ses données" in text and "no server has stored its data" in text, text
PY
sleep 8
[ "$(hooks agent.stalled)" -eq 1 ]
ok $? "the alert is sent once (repeat: 0)"
! grep -rqs "$TOKEN" "$REC" "$MAILDIR"
ok $? "no message holds the token"

# the server starts on that port: the batches are stored, and the recovery follows
SERVER_DATA="$T_TMP/server-data"
SERVER_URL="http://127.0.0.1:$SERVER_PORT"
SERVER_YAML="$T_TMP/server.yaml"
SERVER_LOG="$T_TMP/server.log"
printf 'listen: 127.0.0.1:%s\ndata_dir: %s\nmibs_dir: %s\nstep: 5\nsites: [{id: doullens, kind: nro}]\nagents: [{id: nro-watch, token: %s, site: doullens}]\n' \
    "$SERVER_PORT" "$SERVER_DATA" "$MIBS_DIR" "$TOKEN" >"$SERVER_YAML"
chmod 600 "$SERVER_YAML"
server_launch
recovered() { [ "$(hooks agent.recovered)" -ge 1 ]; }
wait_for 45 recovered
ok $? "a server stores the batches: the recovery message reaches the webhook"
agent_wait_pushed 1 5
ok $? "the server has the agent's batches"
recovered_mail() { [ "$(ls "$MAILDIR/new" | wc -l)" -ge 2 ]; }
wait_for 10 recovered_mail
check "and the recovery goes by mail too, in French and English" python3 - "$MAILDIR" <<'PY'
import email, email.header, mailbox, sys
subj = [str(email.header.make_header(email.header.decode_header(m["Subject"])))
        for m in mailbox.Maildir(sys.argv[1], create=False)]
assert len(subj) == 2 and sum("rétabli / recovered" in s for s in subj) == 1, subj
PY
sleep 6
[ "$(hooks agent.recovered)" -eq 1 ] && [ "$(hooks agent.stalled)" -eq 1 ]
ok $? "one alert and one recovery in all"
agent_stop
ok $? "the agent stops cleanly"
server_stop
ok $? "the server stops cleanly"
finish

#!/bin/bash
# The audit trail (issue 20) end to end: actions through the API (maintenance declared and deleted, an
# acknowledgement, a silence, a token added and revoked, a report generated, an action refused) are
# entries with who, address and outcome, beside the server's own (configuration loaded, start, stop);
# `vigie audit` lists and filters them, `vigie audit --verify` passes; the hashes are recomputed apart
# (Python's hmac, doc/audit.md's encoding); the retention's purge of old entries is an entry and keeps
# the chain verifiable; then a row changed with SQLite, the newest row deleted and a row deleted in the
# middle each make --verify exit 1 naming the entry.
. "${top_srcdir:-.}/tests/integration/lib.sh"
server_start server "sites:
  - {id: italie, kind: datacenter, timezone: Europe/Paris, services: {power: {devices: [ups-a]}}}
  - {id: nro-doullens, kind: nro, timezone: Europe/Paris}
agents: [{id: italie-agent, token: aud-agent-token-0001, site: italie}]
api_tokens: [{name: root, token: aud-admin-token-0001, role: admin},
             {name: ops, token: aud-oper-token-00001, role: operator},
             {name: wall, token: aud-read-token-00001},
             {name: nro-admin, token: aud-nroadm-token-001, role: admin, scope: 'kind:nro'}]"
server_stop
# at the info level, where each append logs the trail's head
launch() {
    "$SERVER" -c "$SERVER_YAML" --log-level info 2>>"$SERVER_LOG" &
    SERVER_PID=$!
    T_PIDS="$T_PIDS $SERVER_PID"
    wait_for 10 curl -sf "$SERVER_URL/api/v1/health" -o /dev/null || bail "vigie-server did not start"
}
launch
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN=aud-admin-token-0001
U="$SERVER_URL/api/v1"
DB="$SERVER_DATA/vigie.db"
# as TOKEN METHOD PATH [BODY]: the status; the reply in $T_TMP/r.json
as() { curl -s -o "$T_TMP/r.json" -w '%{http_code}' --max-time 10 -X "$2" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' ${4:+-d "$4"} "$U$3"; }
ROOT=aud-admin-token-0001 OPS=aud-oper-token-00001 WALL=aud-read-token-00001

# ---- the key ----
check "the key of the hashes was created in data_dir, mode 600, 64 hex digits" sh -c \
    "[ \"\$(stat -c %a '$SERVER_DATA/audit.key')\" = 600 ] && grep -Eqx '[0-9a-f]{64}' '$SERVER_DATA/audit.key'"

# ---- actions ----
codes=""
codes="$codes $(as $OPS POST /maintenance '{"site":"italie","start":"2026-11-03T09:00","end":"2026-11-03T10:00","reason":"Essai du groupe"}')"
MID=$(json_get "$T_TMP/r.json" "j['id']")
codes="$codes $(as $OPS POST /maintenance '{"site":"italie","start":"2026-11-10T09:00","end":"2026-11-10T09:30","reason":"Erreur de saisie"}')"
MID2=$(json_get "$T_TMP/r.json" "j['id']")
codes="$codes $(as $OPS DELETE /maintenance/$MID2)"
codes="$codes $(as $OPS POST /alerts/999/ack '{"comment":"vu"}')"
codes="$codes $(as $OPS POST /silences '{"site":"italie","duration":"2h","reason":"travaux"}')"
codes="$codes $(as $ROOT POST /tokens '{"name":"carol","role":"read"}')"
SECRET=$(json_get "$T_TMP/r.json" "j['token']")
codes="$codes $(as $ROOT DELETE /tokens/carol)"
codes="$codes $(as $WALL GET '/report?month=2026-11&site=italie&format=json')"
codes="$codes $(as $WALL POST /maintenance '{"site":"italie","start":"2026-11-04T09:00","end":"2026-11-04T10:00","reason":"x"}')"
[ "$codes" = " 201 201 200 404 201 201 200 200 403" ]
ok $? "maintenance added twice and deleted, an ack of no alert, a silence, a token added and revoked, a report, a refusal ($codes)"

# ---- the entries ----
as $ROOT GET /audit >/dev/null
check "GET /api/v1/audit: the server's entries, then one per action with who, address, object and outcome" \
    python3 - "$T_TMP/r.json" "$MID2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); e = j['entries']; mid2 = sys.argv[2]
got = [(x['who'], x['action'], x['outcome']) for x in e]
# the first start (lib.sh's, at the warn level) and its stop, then this one
want = [('vigie-server', 'config.load', 'ok'), ('vigie-server', 'server.start', 'ok'),
        ('vigie-server', 'server.stop', 'ok'), ('vigie-server', 'config.load', 'ok'), ('vigie-server', 'server.start', 'ok'),
        ('ops', 'maintenance.add', '201'), ('ops', 'maintenance.add', '201'), ('ops', 'maintenance.delete', '200'),
        ('ops', 'alert.acknowledge', '404'), ('ops', 'silence.add', '201'), ('root', 'token.add', '201'),
        ('root', 'token.revoke', '200'), ('wall', 'report.generate', '200'), ('wall', 'maintenance.add', '403')]
assert got == want, got
assert [x['id'] for x in e] == list(range(1, 15)), e
assert all(x['addr'] == '127.0.0.1' for x in e[5:]) and all(x['addr'] == '' for x in e[:5]), e
assert e[0]['object'].endswith('server.yaml') and e[0]['detail'].startswith('sha256:'), e[0]
assert e[0]['detail'].endswith(' agents:1 sites:2'), e[0]
assert e[2]['detail'] == 'signal 15', e[2]
assert e[7]['object'] == '/api/v1/maintenance/' + mid2, e[7]
assert e[12]['object'] == '/api/v1/report?site=italie&month=2026-11&format=json', e[12]
assert '"reason":"Essai du groupe"' in e[5]['detail'], e[5]
assert e[0]['prev'] == '' and all(e[i]['prev'] == e[i - 1]['hash'] for i in range(1, len(e))), e
assert j['truncated'] is False and j['limit'] == 1000, j
PY
check "no secret in the trail: the new token's is in no entry" sh -c "! grep -q '${SECRET#vgt_}' '$T_TMP/r.json'"

"$CLI" audit >"$T_TMP/list.out" 2>&1
ok $? "vigie audit lists the trail"
check "a row gives id, who, address, action, outcome and object" \
    grep -Eq '^11 +[0-9-]+ [0-9:]+ [^ ]+ +root +127\.0\.0\.1 +token\.add +201 +/api/v1/tokens$' "$T_TMP/list.out"
check "the server's own entries are vigie-server's" grep -Eq '^2 .* vigie-server +- +server\.start +ok' "$T_TMP/list.out"
"$CLI" audit --who ops --action maintenance. >"$T_TMP/ops.out" 2>&1
[ "$(grep -c maintenance "$T_TMP/ops.out")" = 3 ] && ! grep -q alert "$T_TMP/ops.out"
ok $? "--who ops --action maintenance.: the three maintenance entries of ops, not the ack ($(wc -l <"$T_TMP/ops.out") lines)"
"$CLI" audit --lang fr --action token.add --detail >"$T_TMP/fr.out" 2>&1
head -1 "$T_TMP/fr.out" | grep -q "QUI.*DEPUIS.*RÉSULTAT.*OBJET" && grep -q '^ *{"name":"carol","role":"read"}' "$T_TMP/fr.out"
ok $? "--lang fr heads the table in French, --detail shows the request's body ($(cat "$T_TMP/fr.out"))"
"$CLI" audit --json --since "$(date -d '1 hour ago' +%s)" --limit 2 >"$T_TMP/j.out" 2>&1 &&
    python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert [x['id'] for x in j['entries']] == [13, 14] and j['truncated'] is True, j" "$T_TMP/j.out"
ok $? "--json --since --limit 2: the two newest, truncated said"
"$CLI" audit --since "$(( $(date +%s) + 3600 ))" >"$T_TMP/none.out" 2>&1 && [ "$(wc -l <"$T_TMP/none.out")" = 1 ]
ok $? "--since in the future: the header alone"

# ---- who may read it; bad arguments ----
c1=$(as $WALL GET /audit) c2=$(as $OPS GET /audit/verify) c3=$(as aud-nroadm-token-001 GET /audit) c4=$(curl -s -o /dev/null -w '%{http_code}' "$U/audit")
[ "$c1 $c2 $c3 $c4" = "403 403 403 401" ]; ok $? "read and operator tokens, an admin limited to a scope: 403; nobody: 401 ($c1 $c2 $c3 $c4)"
bad=""
for q in 'limit=0|limit' 'limit=10001|limit' 'limit=x|limit' 'since=yesterday|since' 'since=1700000000&until=1600000000|until' \
    "who=$(printf 'w%.0s' $(seq 65))|who" 'head=12|head'; do
    args="${q%%|*}" field="${q#*|}" route=/audit
    [ "$field" = head ] && route=/audit/verify
    code=$(as $ROOT GET "$route?$args")
    { [ "$code" = 400 ] && grep -q "\"field\":\"$field\"" "$T_TMP/r.json"; } || bad="$bad [$args: $code $(cat "$T_TMP/r.json")]"
done
[ -z "$bad" ]; ok $? "bad limits, dates, names and heads: 400 naming the field$bad"
"$CLI" audit --verify --since 2026-01-01 >/dev/null 2>"$T_TMP/e.out"
[ $? = 2 ] && grep -q "takes no --since" "$T_TMP/e.out"; ok $? "vigie audit --verify --since: exit 2 saying why"

# ---- verify ----
"$CLI" audit --verify >"$T_TMP/v.out" 2>&1
[ $? = 0 ] && grep -q "The audit trail holds: 14 entries, head 14:" "$T_TMP/v.out"
ok $? "vigie audit --verify: exit 0, the trail holds ($(cat "$T_TMP/v.out"))"
HEAD=$(sed -n 's/.*audit: entry 14: .*; head \(14:[0-9a-f]*\)$/\1/p' "$SERVER_LOG")
check "the server's log gives each new head (id:hash)" test -n "$HEAD"
"$CLI" audit --verify --head "$HEAD" >/dev/null 2>&1; ok $? "vigie audit --verify --head ID:HASH from the log: exit 0"
# the encoding of doc/audit.md, recomputed apart with the key
cat >"$T_TMP/chain.py" <<'PY'
# chain.py DB KEYFILE [check | age N DAYS]: check the stored hashes, or age the first N entries by DAYS
# and write the chain again as a holder of the key could
import hashlib, hmac, sqlite3, sys
db, key, what = sys.argv[1], open(sys.argv[2]).read().strip().encode(), sys.argv[3]
def mac(fields):
    b = b"vigie-audit-1\n" + b"".join(b"%d:%s\n" % (len(f), f) for f in (str(x).encode() for x in fields))
    return hmac.new(key, b, hashlib.sha256).hexdigest()
c = sqlite3.connect(db, timeout=10)
rows = c.execute("SELECT id, ts, who, addr, action, object, outcome, detail, prev, hash FROM audit ORDER BY id").fetchall()
prev = ""
for r in rows:
    if what == "check":
        assert r[8] == prev and mac(r[:9]) == r[9], r
    else:
        ts = r[1] - int(sys.argv[5]) * 86400 if r[0] <= int(sys.argv[4]) else r[1]
        h = mac((r[0], ts) + r[2:8] + (prev,))
        c.execute("UPDATE audit SET ts = ?, prev = ?, hash = ? WHERE id = ?", (ts, prev, h, r[0]))
    prev = r[9] if what == "check" else h
c.commit()
print(len(rows))
PY
check "every hash is the HMAC-SHA-256 of doc/audit.md's encoding, keyed by audit.key" \
    python3 "$T_TMP/chain.py" "$DB" "$SERVER_DATA/audit.key" check

# ---- stop and start ----
server_stop; ok $? "the server stops cleanly"
[ "$(db_query "SELECT who || ' ' || action || ' ' || detail FROM audit WHERE id = 15")" = "vigie-server server.stop signal 15" ]
ok $? "its stop is entry 15, with the signal"
launch
[ "$(db_query "SELECT group_concat(action, ' ') FROM audit WHERE id > 15")" = "config.load server.start" ]
ok $? "a start adds the configuration loaded and the start"
"$CLI" audit --verify >"$T_TMP/v.out" 2>&1; ok $? "the chain goes on across the restart ($(cat "$T_TMP/v.out"))"

# ---- the retention's purge ----
server_stop
python3 "$T_TMP/chain.py" "$DB" "$SERVER_DATA/audit.key" age 3 500 >/dev/null
launch
wait_for 10 t_count_ge 1 audit "action = 'audit.purge'"
ok $? "the entries older than retention.audit (400 days by default) are purged at start"
check "the purge is an entry of vigie-server naming how many, through which id, and that entry's hash" python3 -c "
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute('SELECT min(id) FROM audit').fetchone()[0] == 4
who, d = c.execute(\"SELECT who, detail FROM audit WHERE action = 'audit.purge'\").fetchone()
d = json.loads(d)
assert who == 'vigie-server' and d['deleted'] == 3 and d['through'] == 3, d
assert c.execute('SELECT prev FROM audit WHERE id = 4').fetchone()[0] == d['hash'], d" "$DB"
"$CLI" audit --verify >"$T_TMP/v.out" 2>&1; ok $? "--verify still passes: entry 4 is anchored by the purge ($(cat "$T_TMP/v.out"))"

# ---- tampering ----
[ "$(as $OPS POST /silences '{"site":"italie","duration":"1h","reason":"encore"}')" = 201 ]
ok $? "one more action after the purge"
LAST=$(db_query "SELECT max(id) FROM audit")
TOK=$(db_query "SELECT id FROM audit WHERE action = 'token.add'")
sql() { python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=10); c.execute(sys.argv[2]); c.commit()" "$DB" "$1"; }
sql "UPDATE audit SET who = 'mallory' WHERE id = $TOK"
"$CLI" audit --verify >"$T_TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "BROKEN.*: entry $TOK: its hash does not match its content" "$T_TMP/v.out"
ok $? "a row changed with SQLite: --verify exits 1 naming it ($rc $(cat "$T_TMP/v.out"))"
sql "UPDATE audit SET who = 'root' WHERE id = $TOK"
"$CLI" audit --verify >/dev/null 2>&1; ok $? "changed back, it holds again"
ROW=$(python3 -c "import sqlite3,sys,json; print(json.dumps(sqlite3.connect(sys.argv[1]).execute('SELECT * FROM audit WHERE id = $LAST').fetchone()))" "$DB")
sql "DELETE FROM audit WHERE id = $LAST"
"$CLI" audit --verify >"$T_TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "entry $LAST: missing: the newest entries were deleted (the trail ends at $((LAST - 1)))" "$T_TMP/v.out"
ok $? "the newest row deleted: the head the server wrote is missing, exit 1 ($rc $(cat "$T_TMP/v.out"))"
python3 -c "import sqlite3,sys,json; c=sqlite3.connect(sys.argv[1], timeout=10); c.execute('INSERT INTO audit VALUES (?,?,?,?,?,?,?,?,?,?)', json.loads(sys.argv[2])); c.commit()" "$DB" "$ROW"
"$CLI" audit --verify >/dev/null 2>&1; ok $? "put back, it holds again"
MID3=$((TOK + 1))
sql "DELETE FROM audit WHERE id = $MID3"
"$CLI" audit --verify >"$T_TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "entry $((MID3 + 1)): the entry before it is missing ($TOK → $((MID3 + 1)))" "$T_TMP/v.out"
ok $? "a row deleted in the middle: exit 1 naming the entry after the gap ($rc $(cat "$T_TMP/v.out"))"
"$CLI" audit --verify --lang fr >"$T_TMP/v.out" 2>&1
grep -q "ROMPUE.*entrée $((MID3 + 1)) : l'entrée qui la précède manque ($TOK → $((MID3 + 1)))" "$T_TMP/v.out"
ok $? "said in French with --lang fr ($(cat "$T_TMP/v.out"))"
as $ROOT GET /audit/verify >/dev/null
check "GET /api/v1/audit/verify: ok false, first_bad, problem gap, the reason" python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['ok'] is False and j['first_bad'] == $((MID3 + 1)) and j['problem'] == 'gap' and j['other'] == $TOK, j
assert j['reason'].startswith('entry $((MID3 + 1)): '), j" "$T_TMP/r.json"

server_stop
launch
check "a start with the trail broken says so in the log" \
    grep -q "audit: the audit trail is broken: entry $((MID3 + 1)): the entry before it is missing" "$SERVER_LOG"

# ---- the report: who changed its figures, and when ----
T0=$(date +%s)
[ "$(as $OPS POST /maintenance '{"site":"italie","start":"2026-11-05T09:00","end":"2026-11-05T10:00","reason":"Essai hebdo","rrule":"FREQ=WEEKLY;COUNT=3"}')" = 201 ]
ok $? "a weekly series of three (5, 12 and 19 November)"
SID=$(json_get "$T_TMP/r.json" "j['id']")
[ "$(as $OPS DELETE "/maintenance/$SID/occurrences/2026-11-12T09:00")" = 200 ]; ok $? "its occurrence of the 12th cancelled"
as $ROOT GET '/report?month=2026-11&site=italie&format=json' >/dev/null
check "the report's windows say who declared them and when; the cancelled occurrence who cancelled it and when" \
    python3 - "$T_TMP/r.json" "$T0" "$(date +%s)" "$(date -d 2026-11-12T08:00Z +%s)" "$MID2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); t0, t1, occ = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = j['sites'][0]; w = s['maintenance_windows']
assert [x['reason'] for x in w] == ['Essai du groupe', 'Essai hebdo', 'Essai hebdo'], w
assert all(x['who'] == 'ops' and x['changed'] is None for x in w), w
assert w[0]['created'] <= t0 <= w[1]['created'] <= t1 and w[1]['created'] == w[2]['created'], w
c = [x for x in s['maintenance_cancelled'] if not x.get('deleted')]
assert len(c) == 1 and c[0]['id'] == w[1]['id'] and c[0]['start'] == occ and c[0]['who'] == 'ops', c
assert t0 <= c[0]['cancelled'] <= t1, c
# the window of the 10th, deleted whole: only the audit trail remembers it, and the report says so
d = [x for x in s['maintenance_cancelled'] if x.get('deleted')]
assert len(d) == 1 and d[0]['id'] == int(sys.argv[5]) and d[0]['reason'] == 'Erreur de saisie' and d[0]['who'] == 'ops', d
assert d[0]['start'] == 1794297600 and d[0]['end'] == 1794299400 and d[0]['cancelled'] < t0, d
PY
report() { curl -sf -H "Authorization: Bearer $ROOT" "$U/report?month=2026-11&site=italie&format=$1&lang=$2" -o "$T_TMP/rep.$1"; }
report html en && grep -q "<td>ops, [^<]*2026[^<]*</td>" "$T_TMP/rep.html" && grep -q "Essai hebdo: cancelled by ops, " "$T_TMP/rep.html"
ok $? "HTML: the declaration's time beside who, the cancellation said"
grep -q "Erreur de saisie: window deleted by ops, " "$T_TMP/rep.html"; ok $? "HTML: the window deleted whole, who deleted it and when"
report html fr && grep -q "Essai hebdo : annulée par ops, " "$T_TMP/rep.html"; ok $? "and in French"
report csv en && grep -q "^maintenance_cancelled,italie,$SID,,2026-11-12T09:00:00+01:00,2026-11-12T10:00:00+01:00,Essai hebdo,ops,2026-" "$T_TMP/rep.csv" &&
    grep -Eq "^maintenance,italie,$SID,.*,ops,yes,FREQ=WEEKLY;COUNT=3,no,2026-[0-9T:+-]+,\s*$" "$T_TMP/rep.csv"
ok $? "CSV: a maintenance_cancelled section, the windows' declared time"
grep -q "^maintenance_deleted,italie,$MID2,,2026-11-10T09:00:00+01:00,2026-11-10T09:30:00+01:00,Erreur de saisie,ops,2026-" "$T_TMP/rep.csv"
ok $? "CSV: the deleted window in a maintenance_deleted row"
if command -v pdftotext >/dev/null; then
    report pdf en && pdftotext -layout "$T_TMP/rep.pdf" "$T_TMP/rep.txt" && grep -q "cancelled by ops" "$T_TMP/rep.txt"
    ok $? "PDF: the cancellation said"
else
    ok 1 "PDF: pdftotext is not installed (Debian package poppler-utils)"
fi

# ---- configuration ----
printf 'listen: 127.0.0.1:1\ndata_dir: %s/x\nretention: {audit: 30}\nsites: [{id: a, kind: datacenter}]\n' "$T_TMP" >"$T_TMP/short.yaml"
"$SERVER" -c "$T_TMP/short.yaml" --check-config >"$T_TMP/short.out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "short.yaml:3:[0-9]*: key 'audit': must be 0 (for ever) or at least 397 days" "$T_TMP/short.out"
ok $? "retention.audit under 397 days is refused, naming the key ($rc $(cat "$T_TMP/short.out"))"
server_stop; ok $? "the server stops cleanly"
finish

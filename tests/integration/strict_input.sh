#!/bin/bash
# Control characters (lib/utf8.h: C0, DEL, C1, U+2028, U+2029) are refused in every configuration
# string and every pushed name, with the place named and a token's value never shown: a token
# holding "\r\n" would have become a second HTTP header of every push. A refused push stores
# nothing and costs nothing: the good push that follows, with the same number, is stored.
. "${top_srcdir:-.}/tests/integration/lib.sh"

TOKEN=strict-agent-token-0001
SECRET=strict-secret-part-42

# ---- configuration ----------------------------------------------------------------------------------
# A token holding CR LF: libyaml's escapes in a double-quoted string.
agent_config bad-token "agent: dc-italie
server: http://127.0.0.1:9
token: \"$SECRET\\r\\nX-Evil: 1\"
spool_dir: $T_TMP/spool-bad
devices:
  - {name: ups1, host: 127.0.0.1, community: public}"
"$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --log-level warn >"$T_TMP/bad-token.out" 2>"$AGENT_LOG"
rc=$?
[ "$rc" -eq 2 ] && grep -q "bad-token.yaml:3:8: key 'token': control character U+000D at character 22" "$AGENT_LOG"
ok $? "vigie-agent refuses a token holding CR LF at start (exit $rc), naming file:line:column and the key: $(head -c 300 "$AGENT_LOG")"
! grep -q "$SECRET" "$AGENT_LOG" "$T_TMP/bad-token.out"
ok $? "the refusal does not show the token"
"$AGENT" -c "$AGENT_YAML" --check-config --profiles "$MIBS_DIR" >/dev/null 2>"$T_TMP/check-config.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "key 'token': control character U+000D" "$T_TMP/check-config.err"
ok $? "vigie-agent --check-config says the same (exit $rc)"

# U+0085 (NEXT LINE, "\N" in YAML) in another string of the file: the device's community.
agent_config bad-community "agent: dc-italie
server: http://127.0.0.1:9
token: $TOKEN
spool_dir: $T_TMP/spool-bad
devices:
  - {name: ups1, host: 127.0.0.1, community: \"pub\\Nlic\"}"
"$AGENT" -c "$AGENT_YAML" --check-config --profiles "$MIBS_DIR" >/dev/null 2>"$AGENT_LOG"
rc=$?
[ "$rc" -eq 2 ] && grep -q "bad-community.yaml:6:46: key 'community': control character U+0085 at character 4" "$AGENT_LOG"
ok $? "a community holding U+0085 is refused too (exit $rc): $(head -c 300 "$AGENT_LOG")"

# The server's agent token, with U+2028.
printf 'listen: 127.0.0.1:9\ndata_dir: %s\nagents: [{id: a, token: "%s\\Labcdef"}]\n' "$T_TMP/bad-data" "$SECRET" \
    >"$T_TMP/bad-server.yaml"
chmod 600 "$T_TMP/bad-server.yaml"
"$SERVER" -c "$T_TMP/bad-server.yaml" >/dev/null 2>"$T_TMP/bad-server.log"
rc=$?
[ "$rc" -eq 2 ] && grep -q "bad-server.yaml:3:25: key 'token': control character U+2028 at character 22" "$T_TMP/bad-server.log" &&
    ! grep -q "$SECRET" "$T_TMP/bad-server.log"
ok $? "vigie-server refuses an agent token holding U+2028 at start (exit $rc), without showing it: $(head -c 300 "$T_TMP/bad-server.log")"

# ---- pushes -----------------------------------------------------------------------------------------
server_start server "step: 5
sites: [{id: italie, kind: datacenter}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}]"

NOW=$(date +%s)
push() { # push BODY-FILE: the HTTP status; the answer in $T_TMP/answer
    curl -s -o "$T_TMP/answer" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' --data-binary "@$1" "$SERVER_URL/api/v1/ingest"
}
snapshot() { [ -d "$SERVER_DATA/rrd" ] && (cd "$SERVER_DATA/rrd" && find . -type f -exec md5sum {} + | sort); }
sample() { # sample METRIC VALUE INSTANCE-JSON
    printf '{"device":"ups1","metric":"%s","value":%s,"ts":%s,"unit":"V","instance":"%s"}' "$1" "$2" "$NOW" "$3"
}
before=$(snapshot)

# samples[1].instance holds U+0085: the JSON escape, then the raw bytes (C2 85)
printf '{"agent":"dc-italie","seq":1,"samples":[%s,%s]}' "$(sample battery.charge 55 '')" \
    "$(sample input.voltage 230 'L1\u0085L2')" >"$T_TMP/bad1.json"
code=$(push "$T_TMP/bad1.json")
[ "$code" = 400 ] && grep -q '"field":"samples\[1\].instance"' "$T_TMP/answer" && grep -q 'U+0085' "$T_TMP/answer"
ok $? "a push with U+0085 in an instance gets 400 naming samples[1].instance ($code: $(cat "$T_TMP/answer"))"
printf '{"agent":"dc-italie","seq":1,"samples":[%s,%s]}' "$(sample battery.charge 55 '')" \
    "$(sample input.voltage 230 "L1$(printf '\302\205')L2")" >"$T_TMP/bad2.json"
code=$(push "$T_TMP/bad2.json")
[ "$code" = 400 ] && grep -q '"field":"samples\[1\].instance"' "$T_TMP/answer" && grep -q 'U+0085' "$T_TMP/answer"
ok $? "the same with the raw UTF-8 bytes of U+0085 ($code: $(cat "$T_TMP/answer"))"
# \u2028 in a device name, \u001b in a text
printf '{"agent":"dc-italie","seq":1,"samples":[{"device":"ups1\\u2028","metric":"m","value":1,"ts":%s}]}' "$NOW" \
    >"$T_TMP/bad3.json"
code=$(push "$T_TMP/bad3.json")
[ "$code" = 400 ] && grep -q '"field":"samples\[0\].device"' "$T_TMP/answer" && grep -q 'U+2028' "$T_TMP/answer"
ok $? "U+2028 in a device name: 400 naming samples[0].device ($code)"
printf '{"agent":"dc-italie","seq":1,"samples":[{"device":"ups1","metric":"ups.status","value":1,"ts":%s,"text":"\\u001b[2J"}]}' \
    "$NOW" >"$T_TMP/bad4.json"
code=$(push "$T_TMP/bad4.json")
[ "$code" = 400 ] && grep -q '"field":"samples\[0\].text"' "$T_TMP/answer" && grep -q 'U+001B' "$T_TMP/answer"
ok $? "an escape (U+001B) in a text: 400 naming samples[0].text ($code)"

[ "$(db_count batches)" = 0 ] && [ "$(db_count latest)" = 0 ] && [ "$(snapshot)" = "$before" ]
ok $? "nothing of the refused pushes is stored (no batch, no latest value, no RRD file)"

# The good push after them, with the same number: the refusals did not take it.
printf '{"agent":"dc-italie","seq":1,"samples":[%s,%s]}' "$(sample battery.charge 55 '')" \
    "$(sample input.voltage 230 'L1 L2')" >"$T_TMP/good.json"
code=$(push "$T_TMP/good.json")
[ "${code:0:1}" = 2 ] && [ "$(db_count batches)" = 1 ] && num_eq "$(db_latest ups1 battery.charge)" 55 &&
    num_eq "$(db_latest ups1 input.voltage 'L1 L2')" 230
ok $? "a good push after them (same seq) is stored ($code: $(cat "$T_TMP/answer"))"

check "the server is still running and stops cleanly" server_stop
finish

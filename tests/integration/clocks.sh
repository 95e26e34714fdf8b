#!/bin/bash
# Clocks step; data survives (issue 16), with a real agent and server on loopback. The agent's wall
# clock is moved by tests/tools/clockshift.c (LD_PRELOAD, test-only: the offset in a file, changed
# while it runs), so that its samples carry the times a stepped clock gives them:
# 1. 60 s ahead: its skew is measured (/metrics vigie_agent_clock_skew_seconds, /api/v1/status), a
#    warning alert "agent dc-italie's clock is 60 s ahead" fires, the agent warns in its log;
# 2. 330 s ahead, past the ingest window: its batches are refused with 409 "retry": "clock", kept in
#    the spool (never in dead/ or rejected/), counted in /metrics; the alert becomes critical;
# 3. the clock fixed: the alert resolves, fresh batches are stored while the refused ones wait for
#    the server's time to reach theirs, then those are stored too: every sample made is stored once;
# 4. an hour behind (restarted so) and pushing: its data is not stale in /api/v1/devices and /metrics, its device's
#    state is not "unknown", no heartbeat alert;
# 5. the agent stops: the silence is noticed (heartbeat alert, data stale) though its clock is behind.
. "${top_srcdir:-.}/tests/integration/lib.sh"

command -v cc >/dev/null || bail "cc is needed to build tests/tools/clockshift.c"
SHIFT_SO="$T_TMP/clockshift.so"
cc -shared -fPIC -O2 -o "$SHIFT_SO" "$top_srcdir/tests/tools/clockshift.c" || bail "cannot build clockshift.so"
OFFSET="$T_TMP/offset"
echo 0 >"$OFFSET"

sim_start "$top_srcdir/tests/fixtures/snmprec"
TOKEN=clocks-agent-token-0001
READ=clocks-read-token-00001
server_start server "step: 5
max_clock_skew: 20
api_tokens: [{name: ops, token: $READ}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}]
sites: [{id: italie, kind: datacenter}]"
SPOOL="$T_TMP/spool"
agent_config agent "agent: dc-italie
server: $SERVER_URL
token: $TOKEN
interval: 5
timeout: 0.5
retries: 0
spool_dir: $SPOOL
devices:
  - {name: ups1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}"

api() { curl -sf -H "Authorization: Bearer $READ" "$SERVER_URL$1"; }
skew_metric() { api /metrics | sed -n 's/^vigie_agent_clock_skew_seconds{agent="dc-italie",site="italie"} //p'; }
skew_near() { awk -v v="$(skew_metric)" -v w="$1" 'BEGIN { exit !(v != "" && v - w < 3 && w - v < 3) }'; }
status_skew() { api /api/v1/status | python3 -c 'import json,sys; a=[x for x in json.load(sys.stdin)["agents"] if x["agent"]=="dc-italie"]; print(a[0]["clock_skew"] if a else "")'; }
alert() { # alert KIND FIELD: FIELD of the newest alert of KIND (state, severity, summary)
    db_query "select $2 from alerts where kind = '$1' order by id desc limit 1"
}
alert_is() { [ "$(alert "$1" "$2")" = "$3" ]; }
refused_total() { api /metrics | sed -n 's/^vigie_ingest_clock_refused_total //p'; }
refused_ge() { [ "$(refused_total)" -ge "$1" ] 2>/dev/null; }
spooled() { ls "$SPOOL" 2>/dev/null | grep -cE '^[0-9]{20}\.json$'; }
aside() { find "$SPOOL/dead" "$SPOOL/rejected" "$SPOOL/duplicate" "$SPOOL/corrupt" -type f 2>/dev/null | wc -l; }
stored_batches() { db_count batches "agent = 'dc-italie'"; }
stored_more() { [ "$(stored_batches)" -gt "$1" ]; }

# ASan wants its runtime first among the libraries: clockshift.so only makes system calls
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" CLOCKSHIFT_FILE="$OFFSET" \
    LD_PRELOAD="$SHIFT_SO" agent_launch --profiles "$MIBS_DIR" --log-level debug
agent_wait_pushed 1 20 || bail "the agent pushed nothing"

# ---- 1. 60 s ahead --------------------------------------------------------------------------------
echo 60 >"$OFFSET"
wait_for 30 skew_near 60
ok $? "the skew is measured and shown in /metrics: vigie_agent_clock_skew_seconds = $(skew_metric)"
s=$(status_skew)
check "and in /api/v1/status ($s)" awk -v v="$s" 'BEGIN { exit !(v != "" && v > 57 && v < 63) }'
wait_for 20 alert_is clock state firing
ok $? "an alert fires past max_clock_skew: $(alert clock summary) ($(alert clock severity))"
check "it says how far ahead" grep -q "agent dc-italie's clock is 6[0-9] s ahead of the server's" <<<"$(alert clock summary)"
check "it is a warning while the samples are still taken" test "$(alert clock severity)" = warning
wait_for 20 grep -q "this agent's clock is 6[0-9] s ahead of the server's" "$AGENT_LOG"
ok $? "the agent learns its skew from the replies and warns"

# ---- 2. 330 s ahead: refused for its times, kept ----------------------------------------------
echo 330 >"$OFFSET"
wait_for 40 refused_ge 3
ok $? "batches stamped 330 s ahead are refused for their time ($(refused_total) refusal(s) in /metrics)"
check "the server answered 409 with retry: clock (its log says the agent keeps them)" \
    grep -q "refused for its time, the agent keeps it and sends it again" "$SERVER_LOG"
wait_for 20 alert_is clock severity critical
ok $? "the alert becomes critical: $(alert clock summary)"
check "the refused batches wait in the spool ($(spooled)), none set aside ($(aside))" \
    test "$(spooled)" -ge 1 -a "$(aside)" -eq 0
n=$(grep -c "refused for their samples' times" "$AGENT_LOG")
check "the agent logs it once, not at each retry ($n line(s))" test "$n" -eq 1

# ---- 3. the clock fixed -----------------------------------------------------------------------
echo 0 >"$OFFSET"
fixed=$(date +%s)
wait_for 60 alert_is clock state resolved
ok $? "the alert resolves once the skew is back ($(skew_metric) s)"
# a batch polled after the fix, by the number the agent gave it when it spooled it
# (poll times are the agent's clock: one of the fixed clock is between the fix and now)
fresh_seq() { sed -n 's/.*batch \([0-9]*\) spooled: polled at \([0-9]*\),.*/\1 \2/p' "$AGENT_LOG" |
    awk -v f="$fixed" -v n="$(date +%s)" '$2 >= f && $2 <= n { print $1; exit }'; }
fresh_stored() { local q; q=$(fresh_seq); [ -n "$q" ] && [ "$(db_count batches "agent = 'dc-italie' and seq = $q")" -eq 1 ]; }
wait_for 60 fresh_stored
ok $? "a batch polled after the fix is stored (batch $(fresh_seq))"
fresh_at=$(date +%s)
waiting=$(spooled)
check "while the refused ones still wait behind it ($waiting in the spool)" test "$waiting" -ge 1
# the batches stamped ahead are accepted only once the server's time nears theirs (330 - 300 s later)
spool_empty() { [ "$(spooled)" -eq 0 ]; }
wait_for 120 spool_empty
ok $? "then the refused ones too: the spool is empty $(( $(date +%s) - fixed )) s after the fix"
check "fresh batches did not wait for the refused ones ($((fresh_at - fixed)) s after the fix)" test $((fresh_at - fixed)) -le 35
check "nothing was set aside: dead/, rejected/, duplicate/, corrupt/ are empty" test "$(aside)" -eq 0
made=$(sed -n 's/.*batch [0-9]* spooled: polled at [0-9]*, \([0-9]*\) samples.*/\1/p' "$AGENT_LOG" | awk '{ s += $1 } END { print s + 0 }')
# stored: written to RRD, or kept as late samples (older than their file's last update: those behind
# the samples stamped ahead, which moved the files' last update on)
written=$(db_query "select coalesce(sum(samples), 0) from batches where agent = 'dc-italie'")
late=$(db_query "select count(*) from late_samples where site = 'italie'")
stored=$((written + late))
check "every sample made is stored once: made $made, stored $stored ($written in RRD, $late late)" \
    test "$made" -gt 0 -a "$made" -eq "$stored"
ahead=$(db_query "select count(*) from latest where agent = 'dc-italie' and ts > $fixed + 200")
check "among them those made while the clock was 330 s ahead, at the times they carry ($ahead series)" test "$ahead" -eq 16

# ---- 4. an hour behind, and pushing ------------------------------------------------------------
# (restarted with it, as after a boot with a wrong clock: a running agent whose clock steps back
# waits for its next poll on its wall clock, an hour; that silence is noticed too, by the heartbeat)
agent_stop
ok $? "the agent stops cleanly"
echo -3600 >"$OFFSET"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" CLOCKSHIFT_FILE="$OFFSET" \
    LD_PRELOAD="$SHIFT_SO" agent_launch --profiles "$MIBS_DIR" --log-level debug
wait_for 40 skew_near -3600
ok $? "an agent an hour behind: skew $(skew_metric) s"
behind_from=$(stored_batches)
wait_for 30 stored_more $((behind_from + 3))
ok $? "its batches, an hour old by their times, are stored"
dev_field() { api "/api/v1/devices?site=italie" | python3 -c 'import json,sys; d=[x for x in json.load(sys.stdin)["devices"] if x["device"]=="ups1"][0]; print(d[sys.argv[1]])' "$1"; }
check "its device is not stale in /api/v1/devices (age $(dev_field age) s)" test "$(dev_field stale)" = False
check "nor judged unknown: health $(dev_field health)" test "$(dev_field health)" != unknown
check "its values are still in /metrics" grep -q '^vigie_device_reachable{site="italie",device="ups1"' <<<"$(api /metrics)"
check "no heartbeat alert: the agent is pushing" test "$(db_count alerts "kind = 'heartbeat' and state != 'resolved'")" -eq 0
check "the clock alert is critical: $(alert clock summary)" test "$(alert clock severity)" = critical

# ---- 5. silence, with the clock still behind ---------------------------------------------------
agent_stop
ok $? "the agent stops cleanly"
stopped=$(date +%s)
heartbeat_firing() { [ "$(db_count alerts "kind = 'heartbeat' and state = 'firing'")" -ge 1 ]; }
wait_for 40 heartbeat_firing
ok $? "its silence is noticed by the server's clock: heartbeat alert after $(( $(date +%s) - stopped )) s"
dev_stale() { [ "$(dev_field stale)" = True ]; }
wait_for 30 dev_stale
ok $? "and its device's data is stale in /api/v1/devices"
check "its values leave /metrics" test -z "$(api /metrics | grep '^vigie_device_reachable{site="italie",device="ups1"')"
server_stop
ok $? "the server stops cleanly"
finish

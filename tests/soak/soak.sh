#!/bin/bash
# make soak (tests/soak/README.md): one vigie-server and a fleet of vigie-agents polling snmpsimd
# every 5 s, on loopback, for --minutes N (default 10), while a fault injector kills, hangs, fills and
# corrupts at random times and hostile clients hammer the server. Ends with a table (samples sent,
# stored, lost, doubled, poll delay, server RSS) and fails when lost > 0, doubled > 0 or a poll came
# more than 1 s late. Needs root (a tmpfs for the agents' spools). Not part of `make check`.
#
# usage: soak.sh [--minutes N] [--agents N] [--seed N] [--out FILE]
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/integration/lib.sh"
T_SANITIZER_CHECK=1

MINUTES=10 NAGENTS=4 SEED=$RANDOM OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --agents) NAGENTS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) bail "unknown argument $1 (--minutes N, --agents N, --seed N, --out FILE)" ;;
    esac
done
[ "$NAGENTS" -ge 1 ] && [ "$NAGENTS" -le 5 ] || bail "--agents must be 1 to 5"
[ "$(id -u)" -eq 0 ] || skip_all "the soak mounts a tmpfs for the agents' spools: run it as root"
for tool in snmpsimd rrdtool curl python3 mount; do
    command -v "$tool" >/dev/null || skip_all "$tool is not installed"
done
SHARED=$(shared_dir) || bail "$SHARED"
RANDOM=$SEED
INTERVAL=5 # the smallest interval agent.yaml allows
SOAK_S=$((MINUTES * 60))
echo "# soak: $MINUTES minute(s), $NAGENTS agents, seed $SEED, in $T_TMP"

# ---- the agents' spool disk: a small tmpfs, unmounted whatever happens ----------------------------
SPOOLFS="$T_TMP/spoolfs"
mkdir -p "$SPOOLFS"
mount -t tmpfs -o size=32m,mode=0755 vigie-soak "$SPOOLFS" || bail "cannot mount a tmpfs on $SPOOLFS"
soak_cleanup() {
    [ -n "${SERVER_PID:-}" ] && kill -CONT "$SERVER_PID" 2>/dev/null
    t_cleanup
    umount "$SPOOLFS" 2>/dev/null || umount -l "$SPOOLFS" 2>/dev/null
}
trap 'soak_rc=$?; soak_cleanup; (exit $soak_rc); t_exit' EXIT

# ---- devices: shared recordings, three per agent ----------------------------------------------------
RECS=(ups/apc_smart1500 pdu/eatonpdu_2 env/apc_emu cooling/apc-inrow ups/eatonups pdu/sentry4_switched8i
      env/hwg-ste2 ups/deltaups cooling/stulz_wib8000 ups/netvision-rfc pdu/raritan-pdu_px2-temp
      env/akcp_serverprobe8 ups/socomec-ups pdu/apc_apdu9959eu3 env/apc-netbotz_netbotz750)
mkdir -p "$T_TMP/rec"
for r in "${RECS[@]}"; do ln -s "$SHARED/snmprec/$r.snmprec" "$T_TMP/rec/"; done
sim_start "$T_TMP/rec"

# ---- the server ---------------------------------------------------------------------------------------
HOSTILE_TOKEN=soak-hostile-token-0000
agents_yaml="" sites_yaml=""
for i in $(seq 1 "$NAGENTS"); do
    agents_yaml+="  - {id: soak-a$i, token: soak-agent-token-000$i, site: s$i}"$'\n'
    sites_yaml+="  - {id: s$i, kind: nro}"$'\n'
done
agents_yaml+="  - {id: hostile, token: $HOSTILE_TOKEN, site: s1}"$'\n'
server_start server "step: $INTERVAL
disk_reserve_mb: 0
http: {max_connections: 256, max_connections_per_ip: 64, timeout: 15}
agents:
$agents_yaml
sites:
$sites_yaml"
dead() { # dead PID: gone, or a zombie (it holds no file, lock or port any more)
    local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
    [ -z "$st" ] || [ "$st" = Z ]
}
kill9() { kill -9 "$1" 2>/dev/null; wait_for 10 dead "$1"; wait "$1" 2>/dev/null; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
RSS_START=$(rss "$SERVER_PID")
echo "$SERVER_PID" >"$T_TMP/server.pid"

# ---- the agents ---------------------------------------------------------------------------------------
declare -a APID
agent_yaml() { # agent_yaml I
    local i=$1 devs="" k
    for k in 0 1 2; do
        local r=${RECS[$(((i - 1) * 3 + k))]}
        devs+="  - {name: $(basename "$r" | tr '_' '-'), host: 127.0.0.1, port: $SIM_PORT, community: $(basename "$r")}"$'\n'
    done
    printf 'agent: soak-a%s\nsite: s%s\nserver: %s\ntoken: soak-agent-token-000%s\ninterval: %s\ntimeout: 1\nretries: 1\nspool_dir: %s/a%s\nspool_max_mb: 8\ndevices:\n%s' \
        "$i" "$i" "$SERVER_URL" "$i" "$INTERVAL" "$SPOOLFS" "$i" "$devs" >"$T_TMP/agent$i.yaml"
    chmod 600 "$T_TMP/agent$i.yaml"
}
agent_up() { # agent_up I: (re)starts agent I, its log appended to agent-I.log
    "$AGENT" -c "$T_TMP/agent$1.yaml" --profiles "$MIBS_DIR" --log-level debug 2>>"$T_TMP/agent-$1.log" &
    APID[$1]=$!
    T_PIDS="${APID[$1]} $T_PIDS"
    echo "${APID[$1]}" >"$T_TMP/agent$1.pid"
}
for i in $(seq 1 "$NAGENTS"); do agent_yaml "$i"; agent_up "$i"; done
first_push() { [ "$(db_count batches "agent like 'soak-a%'")" -ge "$NAGENTS" ]; }
wait_for 60 first_push || bail "the agents did not push within 60 s (see $T_TMP/agent-*.log)"

# ---- hostile clients, from 127.0.0.2 (their own per-address connection limit), the whole soak -----
python3 "$top_srcdir/tests/soak/hostile.py" 127.0.0.2 127.0.0.1 "$SERVER_PORT" "$HOSTILE_TOKEN" \
    >"$T_TMP/hostile.out" 2>"$T_TMP/hostile.err" &
HOSTILE_PID=$!
T_PIDS="$HOSTILE_PID $T_PIDS"

# ---- the fault injector: one fault at a time, at random times ------------------------------------------
FAULTS="$T_TMP/faults.log"
note() { echo "$(date +%s) $*" >>"$FAULTS"; }
server_pid() { cat "$T_TMP/server.pid"; }
fault_kill_agent() {
    local i=$((RANDOM % NAGENTS + 1))
    kill9 "${APID[$i]}"
    note "kill -9 agent $i (pid ${APID[$i]})"
    sleep "0.$((RANDOM % 10))"
    agent_up "$i"
}
fault_kill_server() {
    local pid; pid=$(server_pid)
    kill9 "$pid"
    note "kill -9 server (pid $pid)"
    sleep $((RANDOM % 5 + 1))
    server_launch
    echo "$SERVER_PID" >"$T_TMP/server.pid"
    note "server restarted (pid $SERVER_PID)"
}
fault_hang_server() {
    local pid s=$((RANDOM % 41 + 20)); pid=$(server_pid)
    kill -STOP "$pid"
    note "SIGSTOP server for $s s"
    sleep "$s"
    kill -CONT "$pid"
    note "SIGCONT server"
}
fault_disk_full() {
    local s=$((RANDOM % 16 + 10))
    head -c 64M /dev/zero >"$SPOOLFS/fill" 2>/dev/null
    note "spool disk full ($(df -k --output=avail "$SPOOLFS" | tail -1) kB left) for $s s"
    sleep "$s"
    rm -f "$SPOOLFS/fill"
    note "spool disk freed"
}
fault_corrupt() { # a garbage batch file and a damaged seq file, found by the agent when it restarts
    local i=$((RANDOM % NAGENTS + 1))
    kill9 "${APID[$i]}"
    printf '{"agent": "soak-a%s", "seq": 1, garbage' "$i" >"$SPOOLFS/a$i/00000000000000000001.json"
    printf 'x%s' "$RANDOM" >"$SPOOLFS/a$i/seq"
    note "kill -9 agent $i, a garbage batch put in its spool and its seq file damaged"
    agent_up "$i"
}
inject() {
    local end=$1
    while [ "$(date +%s)" -lt "$end" ]; do
        sleep $((RANDOM % 16 + 5))
        [ "$(date +%s)" -lt "$end" ] || break
        case $((RANDOM % 6)) in
        0 | 1) fault_kill_agent ;;
        2) fault_kill_server ;;
        3) fault_hang_server ;;
        4) fault_disk_full ;;
        5) fault_corrupt ;;
        esac
    done
}
START=$(date +%s)
# the faults stop 60 s before the end, so that every spool drains while polling goes on
FAULT_END=$((START + SOAK_S - 60))
[ "$SOAK_S" -gt 90 ] || FAULT_END=$((START + SOAK_S / 2))
# the server's RSS over time, whichever instance runs (server.pid)
(while :; do echo "$(date +%s) $(rss "$(server_pid)")" >>"$T_TMP/rss.log"; sleep 5; done) &
RSS_LOOP=$!
T_PIDS="$RSS_LOOP $T_PIDS"
inject "$FAULT_END"
while [ "$(date +%s)" -lt "$((START + SOAK_S))" ]; do sleep 1; done
kill "$RSS_LOOP" 2>/dev/null
kill -CONT "$SERVER_PID" 2>/dev/null
rm -f "$SPOOLFS/fill"
spools_empty() {
    local i
    for i in $(seq 1 "$NAGENTS"); do
        ls "$SPOOLFS/a$i" | grep -qE '^[0-9]{20}\.json$' && return 1
    done
    return 0
}
wait_for 120 spools_empty
ok $? "every spool drained once the faults stopped"
for i in $(seq 1 "$NAGENTS"); do
    t_stop "${APID[$i]}" "$T_TMP/agent-$i.log" "vigie-agent $i"
    ok $? "agent $i stops cleanly on SIGTERM"
done
kill "$HOSTILE_PID"; wait "$HOSTILE_PID" 2>/dev/null
RSS_END=$(rss "$SERVER_PID")
sleep 1
kill -0 "$SERVER_PID" 2>/dev/null
ok $? "the server is alive at the end"
kill -STOP "$SERVER_PID" # nothing moves while the files are read
for i in $(seq 1 "$NAGENTS"); do
    "$AGENT" -c "$T_TMP/agent$i.yaml" --profiles "$MIBS_DIR" --spool-status >"$T_TMP/spool-status-$i.txt" 2>&1
done
python3 "$top_srcdir/tests/soak/soak_report.py" --tmp "$T_TMP" --agents "$NAGENTS" --interval "$INTERVAL" \
    --rss-start "$RSS_START" --rss-end "$RSS_END" --minutes "$MINUTES" --seed "$SEED" >"$T_TMP/table.txt"
report_rc=$?
kill -CONT "$SERVER_PID"
cat "$T_TMP/table.txt"
if [ -n "$OUT" ]; then mkdir -p "$(dirname "$OUT")" && cp "$T_TMP/table.txt" "$OUT"; fi
ok "$report_rc" "0 lost, 0 doubled, and every poll within 1 s of its interval"
server_stop
ok $? "the server stops cleanly on SIGTERM (exit 0)"
finish

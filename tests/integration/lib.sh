# Helpers for the integration tests: TAP output with the plan counted, waiting, free ports, snmpsimd,
# vigie-server and agents on loopback, readers of the server's SQLite database and RRD files, all
# cleaned up on exit. Sourced by each tests/integration/*.sh, which ends with `finish`.
#
# The plan ("1..N") is printed at the end from the count of test points, so no script keeps a number
# by hand. A script that stops before `finish` (a typo, an `exit`, set -u) gets one more point, "not ok
# - the script ended early", and fails. Every script also gets a last point that no program it ran
# left a sanitizer report (ASan, UBSan, TSan) in its logs ($T_TMP/*.log, *.err).
set -u

: "${top_builddir:=.}" "${top_srcdir:=.}"
. "$top_srcdir/tests/integration/pg_lib.sh"
AGENT="$top_builddir/agent/vigie-agent"
SERVER="$top_builddir/server/vigie-server"
CLI="$top_builddir/cli/vigie"
MIBS_DIR="$top_srcdir/mibs"
export MIBS=

T_COUNT=0
T_FAILED=0
T_PIDS=""
T_ENDED=0            # finish was reached
T_PLANNED=0          # a plan was printed already (skip_all)
T_BAILED=0
T_SANITIZER_CHECK=1  # 0 in a script whose logs are about sanitizers by design (fuzz.sh)
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigie-it-XXXXXX")
chmod 755 "$T_TMP"
# Waits are multiplied by this (a ThreadSanitizer build runs several times slower); VIGIE_TEST_TIME_SCALE
# sets it by hand.
T_TIME_SCALE=${VIGIE_TEST_TIME_SCALE:-1}
if [ -z "${VIGIE_TEST_TIME_SCALE:-}" ] && [ -x "$SERVER" ] && ldd "$SERVER" 2>/dev/null | grep -q libtsan; then
    T_TIME_SCALE=4
fi

t_cleanup() {
    for p in $T_PIDS; do kill "$p" 2>/dev/null; done
    for p in $T_PIDS; do wait "$p" 2>/dev/null; done
    [ -z "${PG_DIR:-}" ] || pg_stop # a PostgreSQL this script started (pg_lib.sh)
}

# sanitizer_reports: the logs of $T_TMP that hold a sanitizer's report, one a line
sanitizer_reports() {
    find "$T_TMP" -maxdepth 1 -type f \( -name '*.log' -o -name '*.err' \) -print0 2>/dev/null |
        xargs -0 -r grep -l -E 'WARNING: ThreadSanitizer:|ERROR: (Address|Leak|Thread)Sanitizer|: runtime error: ' 2>/dev/null
}

t_exit() {
    local rc=$? early=0
    t_cleanup
    if [ "$T_BAILED" -eq 0 ] && [ "$T_PLANNED" -eq 0 ]; then
        if [ "$T_ENDED" -eq 0 ]; then
            ok 1 "the script ended early (exit $rc after test $T_COUNT): it did not reach finish"
            early=1
        fi
        if [ "$T_SANITIZER_CHECK" -eq 1 ]; then
            local logs; logs=$(sanitizer_reports)
            [ -z "$logs" ]
            ok $? "no sanitizer report in the programs' logs${logs:+ ($(echo $logs))}"
            for f in $logs; do
                echo "# $f:"
                grep -m1 -A30 -E 'WARNING: ThreadSanitizer:|ERROR: (Address|Leak|Thread)Sanitizer|: runtime error: ' "$f" |
                    sed 's/^/#   /'
            done
        fi
        echo "1..$T_COUNT"
    fi
    if [ "$T_FAILED" -eq 0 ] && [ "$T_BAILED" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then
        rm -rf "$T_TMP"
    else
        echo "# kept $T_TMP" >&2
    fi
    [ "$early" -eq 0 ] && [ "$T_FAILED" -eq 0 ] || exit 1
    exit "$rc"
}
trap t_exit EXIT

plan() { bail "plan $*: lib.sh counts the test points and prints the plan itself; remove the call"; }
ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
    T_COUNT=$((T_COUNT + 1))
    if [ "$1" -eq 0 ]; then echo "ok $T_COUNT - $2"; else echo "not ok $T_COUNT - $2"; T_FAILED=$((T_FAILED + 1)); fi
}
check() { # check DESCRIPTION COMMAND...: runs the command, ok when it succeeds
    local d="$1"; shift
    if "$@" >"$T_TMP/last.out" 2>&1; then ok 0 "$d"; else ok 1 "$d"; sed 's/^/#   /' "$T_TMP/last.out" | head -20; fi
}
bail() { echo "Bail out! $*"; T_BAILED=1; exit 1; }
# skip_all REASON: the whole script is skipped (a plan of 0), said out loud
skip_all() { echo "1..0 # SKIP $*"; T_PLANNED=1; T_ENDED=1; exit 0; }
# finish: the end marker of every script; succeeds when no test failed
finish() {
    T_ENDED=1
    [ "$T_FAILED" -eq 0 ]
}

# wait_for TIMEOUT-SECONDS COMMAND...: runs the command every 0.1 s until it succeeds (0), or fails
# (1) once TIMEOUT seconds (fractions allowed, times T_TIME_SCALE) have passed; the command runs at
# least once, and once more at the deadline.
wait_for() {
    local ms; ms=$(awk -v s="$1" -v k="$T_TIME_SCALE" 'BEGIN { printf "%d", s * k * 1000 }'); shift
    local deadline=$(($(t_now_ms) + ms))
    while :; do
        "$@" && return 0
        [ "$(t_now_ms)" -lt "$deadline" ] || { "$@"; return; }
        sleep 0.1
    done
}
t_now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# num_eq A B: A is a number equal to B (1e+02 = 100)
num_eq() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }'; }

# The shared recordings are required: CI always has them, so their absence is a failure.
# Use as: SHARED=$(shared_dir) || bail "$SHARED"
shared_dir() {
    local d="${VIGIE_SHARED:-$top_srcdir/../shared}"
    if [ ! -d "$d/snmprec" ]; then
        echo "$d/snmprec not found: these tests need the shared device recordings beside the project (configure --with-shared=DIR)"
        return 1
    fi
    (cd "$d" && pwd)
}

free_port() { # free_port udp|tcp
    python3 -c "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=='udp' else socket.SOCK_STREAM); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])" "$1"
}

# sim_start DATADIR [PORT]: serves every *.snmprec of DATADIR (community = file name) on PORT (a free
# one by default), printed in SIM_PORT. Files are linked into a folder snmpsimd's user can read.
sim_start() {
    local src="$1" data="$T_TMP/sim-data-$RANDOM" cache="$T_TMP/sim-cache-$RANDOM"
    mkdir -p "$data" "$cache"; chmod 777 "$cache"; chmod 755 "$data"
    # readlink -f: a relative link (top_srcdir is ".." in a build beside the sources) would dangle here
    for f in "$src"/*.snmprec; do
        [ -r "$f" ] || bail "sim_start: cannot read $f"
        ln -sf "$(readlink -f "$f")" "$data/$(basename "$f")"   # the link's name is the community
    done
    SIM_PORT=${2:-$(free_port udp)}
    local user=()
    [ "$(id -u)" -eq 0 ] && user=(--process-user=nobody --process-group=nogroup)
    snmpsimd --data-dir="$data" --cache-dir="$cache" --agent-udpv4-endpoint="127.0.0.1:$SIM_PORT" \
        "${user[@]}" --logging-method=null >"$T_TMP/snmpsimd-$SIM_PORT.log" 2>&1 &
    SIM_PID=$!
    T_PIDS="$T_PIDS $SIM_PID"
    local first; first=$(basename "$(ls "$data"/*.snmprec | head -1)" .snmprec)
    wait_for 20 snmpget -v2c -c "$first" -t 0.3 -r 0 "127.0.0.1:$SIM_PORT" .1.3.6.1.2.1.1.2.0 >/dev/null 2>&1 ||
        bail "snmpsimd did not start on port $SIM_PORT"
}

sim_stop() { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; }

# ---- vigie-server ---------------------------------------------------------------------------------

# server_start NAME YAML-BODY: writes $T_TMP/NAME.yaml (listen and data_dir added) and starts the
# server; SERVER_URL and SERVER_DATA are set. With VIGIE_TEST_PG (pg_units.sh, pg_suite.sh), the
# server's database is a new schema of that PostgreSQL (SERVER_DB), unless the body names a database.
server_start() { # SERVER_NEXT_PORT: the port to listen on (chosen before, e.g. named in another server's yaml)
    local name="$1" body="$2" database=""
    SERVER_PORT=${SERVER_NEXT_PORT:-$(free_port tcp)}
    SERVER_NEXT_PORT=
    SERVER_DATA="$T_TMP/$name-data"
    SERVER_URL="http://127.0.0.1:$SERVER_PORT"
    SERVER_YAML="$T_TMP/$name.yaml"
    SERVER_DB=
    if [ -n "${VIGIE_TEST_PG:-}" ] && printf '%s\n' "$body" | grep -q '^database:'; then
        SERVER_DB=$(printf '%s\n' "$body" | sed -n "s/^database: *'\(.*\)'/\1/p" | head -1)
    elif [ -n "${VIGIE_TEST_PG:-}" ]; then
        SERVER_DB=$(pg_schema "it_$(printf '%s' "$name" | tr -c 'a-z0-9_' '_')_$$_$RANDOM") || bail "no schema in $VIGIE_TEST_PG"
        database="database: '$SERVER_DB'"
    fi
    printf 'listen: 127.0.0.1:%s\ndata_dir: %s\nmibs_dir: %s\n%s\n%s\n' "$SERVER_PORT" "$SERVER_DATA" "$MIBS_DIR" "$database" "$body" > "$SERVER_YAML"
    chmod 600 "$SERVER_YAML"
    SERVER_LOG="$T_TMP/$name.log"
    server_launch
}

# db_line NAME: with VIGIE_TEST_PG, the line "database: '...'" of a new schema for a body that a
# program other than the server writes first (a fixture's --populate); nothing without it
db_line() {
    [ -n "${VIGIE_TEST_PG:-}" ] || return 0
    printf "database: '%s'\n" "$(pg_schema "it_$1_$$_$RANDOM")" || bail "no schema in $VIGIE_TEST_PG"
}

# server_launch: starts vigie-server on $SERVER_YAML (again, after a server_stop or a kill: same port,
# same data), its log appended to $SERVER_LOG, and waits for its health endpoint; SERVER_PID is set.
server_launch() {
    "$SERVER" -c "$SERVER_YAML" --log-level warn 2>>"$SERVER_LOG" &
    SERVER_PID=$!
    T_PIDS="$T_PIDS $SERVER_PID"
    wait_for 10 curl -sf "$SERVER_URL/api/v1/health" -o /dev/null && return 0
    cat "$SERVER_LOG" >&2
    bail "vigie-server did not start"
}

# server_stop: SIGTERM, and the server must exit 0 with no sanitizer report in its log
server_stop() { t_stop "$SERVER_PID" "$SERVER_LOG" vigie-server; }

# t_stop PID LOG NAME: SIGTERM to PID, then its exit status must be 0 and LOG free of sanitizer
# reports; says why on stdout (TAP comments) when not.
t_stop() {
    local pid="$1" log="$2" name="$3" rc
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "# $name (pid $pid) exited with status $rc on SIGTERM; the end of $log:"
        tail -5 "$log" 2>/dev/null | sed 's/^/#   /'
        return 1
    fi
    if grep -q -E 'WARNING: ThreadSanitizer:|ERROR: (Address|Leak|Thread)Sanitizer|: runtime error: ' "$log" 2>/dev/null; then
        echo "# $name: a sanitizer report in $log"
        return 1
    fi
    return 0
}

# ---- vigie-agent ----------------------------------------------------------------------------------

# agent_config NAME YAML: writes the agent's configuration $T_TMP/NAME.yaml (mode 600) and sets
# AGENT_YAML and AGENT_LOG ($T_TMP/NAME.log).
agent_config() {
    AGENT_YAML="$T_TMP/$1.yaml"
    AGENT_LOG="$T_TMP/$1.log"
    printf '%s\n' "$2" >"$AGENT_YAML"
    chmod 600 "$AGENT_YAML"
}

# agent_start NAME YAML [AGENT-ARGS...]: agent_config, then vigie-agent in the background (AGENT_PID),
# its stderr appended to AGENT_LOG. The arguments default to --profiles MIBS_DIR --log-level warn.
agent_start() {
    agent_config "$1" "$2"
    shift 2
    agent_launch "$@"
}

# agent_launch [AGENT-ARGS...]: (re)starts vigie-agent on AGENT_YAML, log appended to AGENT_LOG
agent_launch() {
    [ $# -gt 0 ] || set -- --profiles "$MIBS_DIR" --log-level warn
    "$AGENT" -c "$AGENT_YAML" "$@" 2>>"$AGENT_LOG" &
    AGENT_PID=$!
    T_PIDS="$AGENT_PID $T_PIDS"
}

# agent_wait_pushed [N [TIMEOUT]]: waits until the server has stored N batches (default 1) of the
# agent of AGENT_YAML, for TIMEOUT seconds (default 15)
agent_wait_pushed() {
    local id; id=$(sed -n 's/^agent: *//p' "$AGENT_YAML" | head -1)
    wait_for "${2:-15}" t_count_ge "${1:-1}" batches "agent = '$id'"
}
t_count_ge() { [ "$(db_count "$2" "$3")" -ge "$1" ]; }

# agent_stop: SIGTERM, and the agent must exit 0 with no sanitizer report in its log
agent_stop() { t_stop "$AGENT_PID" "$AGENT_LOG" vigie-agent; }

# ---- what the server stored -----------------------------------------------------------------------
# The database is $SERVER_DATA/vigie.db unless DB names another.

# db_query SQL: the first column of the first row (nothing, status 1, when it cannot be read)
db_query() {
    if [ -n "${SERVER_DB:-}" ] && [ -z "${DB:-}" ]; then # PostgreSQL: the server's schema
        PG_URI=$SERVER_DB pg_sql "$1" 2>/dev/null | head -1
        return "${PIPESTATUS[0]}"
    fi
    # a read-only reader can meet SQLITE_BUSY past its busy timeout while a restarted server
    # recovers the WAL or checkpoints it on a loaded machine: it tries again rather than print nothing
    python3 -c "
import sqlite3, sys, time
for attempt in range(10):
    try:
        r = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True, timeout=20).execute(sys.argv[2]).fetchone()
        break
    except sqlite3.OperationalError as e:
        if 'locked' not in str(e) and 'busy' not in str(e) or attempt == 9:
            raise
        time.sleep(0.5)
print(r[0] if r else '')" "${DB:-$SERVER_DATA/vigie.db}" "$1" 2>/dev/null
}
# db_rows SQL: the first column of every row, joined by spaces (the server's database, SQLite or
# PostgreSQL: no group_concat, which PostgreSQL lacks)
db_rows() {
    if [ -n "${SERVER_DB:-}" ] && [ -z "${DB:-}" ]; then
        PG_URI=$SERVER_DB pg_sql "$1" 2>/dev/null | paste -sd ' '
        return "${PIPESTATUS[0]}"
    fi
    python3 -c "
import sqlite3, sys
c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True, timeout=20)
print(' '.join(str(r[0]) for r in c.execute(sys.argv[2])))" "${DB:-$SERVER_DATA/vigie.db}" "$1" 2>/dev/null
}
# db_count TABLE [WHERE]: the number of its rows (0, status 1, when the database cannot be read yet)
db_count() {
    db_query "select count(*) from $1${2:+ where $2}" || { echo 0; return 1; }
}
# db_latest DEVICE METRIC [INSTANCE]: the latest value the server holds of a series
db_latest() {
    db_query "select value from latest where device = '$1' and metric = '$2' and instance = '${3:-}' order by ts desc limit 1"
}

# rrd_last FILE [RRDCACHED-ADDRESS]: the last value written (rrdtool lastupdate), as rrdtool prints it
rrd_last() {
    rrdtool lastupdate ${2:+--daemon "$2"} "$1" 2>/dev/null | awk -F': ' 'NR==3 {print $2}'
}
# rrd_last_time FILE: the time of the last update (rrdtool last)
rrd_last_time() { rrdtool last "$1" 2>/dev/null; }
# rrd_fetch FILE START END [RESOLUTION]: "TIME VALUE" lines of the AVERAGE values that are not NaN
# (rrdtool fetch; START and END as rrdtool takes them: -120, now, an epoch time)
rrd_fetch() {
    rrdtool fetch "$1" AVERAGE ${4:+-r "$4"} -s "$2" -e "$3" 2>/dev/null |
        awk -F': ' 'NF == 2 && $1 ~ /^ *[0-9]+$/ && tolower($2) !~ /nan/ { sub(/^ +/, "", $1); print $1, $2 + 0 }'
}
# rrd_count FILE [START [END]]: the number of values that are not NaN (by default the last day)
rrd_count() { rrd_fetch "$1" "${2:--86400}" "${3:-now}" | wc -l; }

# json_get FILE PYTHON-EXPRESSION-ON-j: prints the value
json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# browser_checks SCRIPT COUNT URL TOKEN [LABEL]: runs tests/browser/SCRIPT (its checks print
# "PASS|what" or "FAIL|what|why") in Debian's headless Chromium with tests/browser's playwright-core
# (npm ci --prefix tests/browser) against URL with TOKEN, each check a TAP point "LABEL: what", and
# one more that exactly COUNT ran; without chromium, node or playwright-core that point fails.
browser_checks() {
    local script="$1" count="$2" url="$3" token="$4" label="${5:-dashboard}" n=0 verdict what why
    local chromium=${CHROMIUM:-/usr/bin/chromium} modules="$top_srcdir/tests/browser/node_modules"
    [ -f "$modules/playwright-core/package.json" ] || modules="${VIGIE_BROWSER_MODULES:-$modules}"
    local artifacts="$top_builddir/tests/artifacts"
    mkdir -p "$artifacts"
    if ! [ -x "$chromium" ] || ! command -v node >/dev/null || ! [ -f "$modules/playwright-core/package.json" ]; then
        ok 1 "the $label checks need $chromium, node and $modules/playwright-core (apt-get install chromium nodejs npm; npm ci --prefix tests/browser)"
        return
    fi
    VIGIE_URL="$url" VIGIE_TOKEN="$token" CHROMIUM="$chromium" MODULES="$modules" ARTIFACTS="$artifacts" \
        timeout 300 node "$top_srcdir/tests/browser/$script" >"$T_TMP/browser.out" 2>"$T_TMP/browser.err"
    while IFS='|' read -r verdict what why; do
        case "$verdict" in
        PASS) ok 0 "$label: $what"; n=$((n + 1)) ;;
        FAIL) ok 1 "$label: $what ($why)"; n=$((n + 1)) ;;
        esac
    done <"$T_TMP/browser.out"
    [ "$n" -eq "$count" ]
    ok $? "the $count $label checks ran ($n; $(tail -c 300 "$T_TMP/browser.err" | tr '\n' ' '))"
}

# Helpers for the integration tests: TAP output, free ports, snmpsimd, vigie-server and agents on
# loopback, all cleaned up on exit. Sourced by each tests/integration/*.sh.
set -u

: "${top_builddir:=.}" "${top_srcdir:=.}"
AGENT="$top_builddir/agent/vigie-agent"
SERVER="$top_builddir/server/vigie-server"
CLI="$top_builddir/cli/vigie"
MIBS_DIR="$top_srcdir/mibs"
export MIBS=

T_COUNT=0
T_FAILED=0
T_PIDS=""
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigie-it-XXXXXX")
chmod 755 "$T_TMP"

t_cleanup() {
    for p in $T_PIDS; do kill "$p" 2>/dev/null; done
    for p in $T_PIDS; do wait "$p" 2>/dev/null; done
    if [ "$T_FAILED" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then rm -rf "$T_TMP"; else echo "# kept $T_TMP" >&2; fi
}
trap t_cleanup EXIT

plan() { echo "1..$1"; }
ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
    T_COUNT=$((T_COUNT + 1))
    if [ "$1" -eq 0 ]; then echo "ok $T_COUNT - $2"; else echo "not ok $T_COUNT - $2"; T_FAILED=$((T_FAILED + 1)); fi
}
check() { # check DESCRIPTION COMMAND...: runs the command, ok when it succeeds
    local d="$1"; shift
    if "$@" >"$T_TMP/last.out" 2>&1; then ok 0 "$d"; else ok 1 "$d"; sed 's/^/#   /' "$T_TMP/last.out" | head -20; fi
}
bail() { echo "Bail out! $*"; exit 1; }

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

# sim_start DATADIR: serves every *.snmprec of DATADIR (community = file name) on a free port,
# printed in SIM_PORT. Files are linked into a folder snmpsimd's user can read.
sim_start() {
    local src="$1" data="$T_TMP/sim-data-$RANDOM" cache="$T_TMP/sim-cache-$RANDOM"
    mkdir -p "$data" "$cache"; chmod 777 "$cache"; chmod 755 "$data"
    for f in "$src"/*.snmprec; do ln -sf "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$data/"; done
    SIM_PORT=$(free_port udp)
    local user=()
    [ "$(id -u)" -eq 0 ] && user=(--process-user=nobody --process-group=nogroup)
    snmpsimd --data-dir="$data" --cache-dir="$cache" --agent-udpv4-endpoint="127.0.0.1:$SIM_PORT" \
        "${user[@]}" --logging-method=null >"$T_TMP/snmpsimd-$SIM_PORT.log" 2>&1 &
    SIM_PID=$!
    T_PIDS="$T_PIDS $SIM_PID"
    local first; first=$(basename "$(ls "$data"/*.snmprec | head -1)" .snmprec)
    for _ in $(seq 1 100); do
        snmpget -v2c -c "$first" -t 0.3 -r 0 "127.0.0.1:$SIM_PORT" .1.3.6.1.2.1.1.2.0 >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    bail "snmpsimd did not start on port $SIM_PORT"
}

sim_stop() { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; }

# server_start NAME YAML-BODY: writes $T_TMP/NAME.yaml (listen and data_dir added) and starts the
# server; SERVER_URL and SERVER_DATA are set.
server_start() {
    local name="$1" body="$2"
    SERVER_PORT=$(free_port tcp)
    SERVER_DATA="$T_TMP/$name-data"
    SERVER_URL="http://127.0.0.1:$SERVER_PORT"
    SERVER_YAML="$T_TMP/$name.yaml"
    printf 'listen: 127.0.0.1:%s\ndata_dir: %s\n%s\n' "$SERVER_PORT" "$SERVER_DATA" "$body" > "$SERVER_YAML"
    chmod 600 "$SERVER_YAML"
    "$SERVER" -c "$SERVER_YAML" --log-level warn 2>>"$T_TMP/$name.log" &
    SERVER_PID=$!
    T_PIDS="$T_PIDS $SERVER_PID"
    for _ in $(seq 1 100); do
        curl -sf "$SERVER_URL/api/v1/health" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$T_TMP/$name.log" >&2
    bail "vigie-server did not start"
}

# json_get FILE PYTHON-EXPRESSION-ON-j: prints the value
json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

finish() {
    [ "$T_FAILED" -eq 0 ]
}

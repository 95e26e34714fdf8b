# A PostgreSQL of the test's own, from Debian's packages (postgresql): initdb in a temporary folder,
# listening on a free loopback port only (and a socket in that folder), with a password (SCRAM) as a
# real deployment has; stopped and removed by pg_stop. PostgreSQL refuses to run as root: under root
# it runs as nobody. Sourced by the tests that need it, after lib.sh or on its own.
#
#   pg_start            sets PG_DIR, PG_PORT, PG_PASSWORD and exports VIGIE_TEST_PG, the database's
#                       URI (postgresql://vigie:PASSWORD@127.0.0.1:PORT/vigie); 1 when it cannot
#   pg_schema NAME      prints a URI whose tables live in schema NAME (created empty): one per server
#                       or test, in the same database
#   pg_sql SQL          runs SQL through psql on VIGIE_TEST_PG (or on PG_URI when set), prints rows
#   pg_stop             stops it (fast) and removes its folder

pg_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || {
        echo "pg_lib: no PostgreSQL server found under /usr/lib/postgresql (Debian package postgresql)" >&2
        return 1
    }
    echo "$d"
}

pg_as() { # pg_as CMD...: as nobody when root
    if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

pg_start() {
    local bin port
    bin=$(pg_bin) || return 1
    PG_BIN=$bin
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vigie-pg-XXXXXX")
    chmod 755 "$PG_DIR"
    [ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$PG_DIR"
    PG_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    printf '%s\n' "$PG_PASSWORD" >"$PG_DIR/pw"
    [ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$PG_DIR/pw"
    chmod 600 "$PG_DIR/pw"
    pg_as "$bin/initdb" -D "$PG_DIR/data" -U vigie -A scram-sha-256 --pwfile="$PG_DIR/pw" -E UTF8 \
        --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    rm -f "$PG_DIR/pw"
    for _ in 1 2 3 4 5; do
        port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
        # fsync off: the tests' data is thrown away, and a CI machine's disk is slow
        if pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c synchronous_commit=off -c max_connections=300" \
            start >/dev/null 2>&1; then
            PG_PORT=$port
            break
        fi
    done
    [ -n "${PG_PORT:-}" ] || { tail -20 "$PG_DIR/postgres.log" >&2; return 1; }
    PGPASSWORD=$PG_PASSWORD "$bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U vigie -d postgres \
        -c "CREATE DATABASE vigie" >/dev/null || return 1
    export VIGIE_TEST_PG="postgresql://vigie:$PG_PASSWORD@127.0.0.1:$PG_PORT/vigie"
}

pg_schema() {
    pg_sql "DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1" >/dev/null || return 1
    echo "$VIGIE_TEST_PG?options=-csearch_path%3D$1"
}

pg_sql() {
    PGOPTIONS="-c client_min_messages=warning" PGCONNECT_TIMEOUT=5 "${PG_BIN:-$(pg_bin)}/psql" -X -q -A -t -v ON_ERROR_STOP=1 "${PG_URI:-$VIGIE_TEST_PG}" -c "$1"
}

pg_stop() {
    [ -n "${PG_DIR:-}" ] || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
    rm -rf "$PG_DIR"
    PG_DIR=
}

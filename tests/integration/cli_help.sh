#!/bin/bash
# A command line that helps (issue 21): every command of cli/cli.c's dispatch (read from the source, so
# that a new command without help fails here), and every subcommand, answers --help and -h with its
# own usage on stdout, exit 0, the same text as `vigie help CMD`, before any other argument check and
# without a connection to the server; `vigie help nosuch` exits 2. vigie-agent and vigie-server list
# every option of their getopt tables in --help. The bash completion of the three programs, driven as
# bash drives it (COMP_WORDS, COMP_CWORD, COMPREPLY), completes commands, options, and site and device
# names from a running server, and never hangs on a server that does not answer.
. "${top_srcdir:-.}/tests/integration/lib.sh"

# A listener that writes down every connection: help must make none.
LISTEN_PORT=$(free_port tcp)
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("connection\n")
    c.close()
' "$LISTEN_PORT" "$T_TMP/connections" &
T_PIDS="$T_PIDS $!"
wait_for 5 python3 -c "import socket; socket.create_connection(('127.0.0.1', $LISTEN_PORT)).close()" ||
    bail "the listener did not start"
rm -f "$T_TMP/connections"
export VIGIE_SERVER="http://127.0.0.1:$LISTEN_PORT" VIGIE_TOKEN=tok-never-sent-0001

# ---- every command of the dispatch ----
mapfile -t CMDS < <(grep -oE 'strcmp\(cmd, "[a-z][a-z-]*"\) == 0' "$top_srcdir/cli/cli.c" | sed -E 's/.*"(.*)".*/\1/')
[ "${#CMDS[@]}" -ge 19 ]
ok $? "cli/cli.c's dispatch has ${#CMDS[@]} commands (status ... login-link, help, complete): ${CMDS[*]}"

# help_same WORDS...: `vigie WORDS --help`, `vigie WORDS -h` and `vigie help WORDS` exit 0, print a
# usage naming "vigie WORDS" on stdout and nothing on stderr, all three the same.
help_same() {
    local words="$*" f="$T_TMP/help-${*// /-}" bad=""
    "$CLI" "$@" --help >"$f.long" 2>"$f.err" || bad="--help exit $?"
    "$CLI" "$@" -h >"$f.short" 2>>"$f.err" || bad="$bad -h exit $?"
    "$CLI" help "$@" >"$f.help" 2>>"$f.err" || bad="$bad help exit $?"
    [ -s "$f.err" ] && bad="$bad stderr: $(head -c 200 "$f.err")"
    if [ $# -eq 1 ]; then
        grep -q "^Usage: vigie $words\b" "$f.long" || bad="$bad no 'Usage: vigie $words'"
    else # a subcommand: its line in the usage (oncall's usage names them all)
        grep -qE "^(Usage: |       )vigie $words\b" "$f.long" || bad="$bad no 'vigie $words' line"
    fi
    grep -q "^Examples:" "$f.long" || bad="$bad no examples"
    cmp -s "$f.long" "$f.short" || bad="$bad -h differs"
    cmp -s "$f.long" "$f.help" || bad="$bad 'vigie help' differs"
    [ -z "$bad" ]
    ok $? "vigie $words --help, -h and vigie help $words: exit 0, the same usage with examples${bad:+ ($bad)}"
}

# opts_in_help WORDS...: every option the completion offers for WORDS is in its help
opts_in_help() {
    local o missing=""
    for o in $("$CLI" complete options "$@" | sed 's/=.*//'); do
        grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" "$T_TMP/help-${*// /-}.long" || missing="$missing $o"
    done
    [ -z "$missing" ]
    ok $? "the options of vigie $* are all in its help${missing:+ (missing:$missing)}"
}

for cmd in "${CMDS[@]}"; do
    help_same "$cmd"
    opts_in_help "$cmd"
    mapfile -t SUBS < <("$CLI" complete commands "$cmd")
    # the subcommands the command's function compares against must all be known to the help table
    file=$(grep -lE "^int cli_${cmd//-/_}\(" "$top_srcdir"/cli/*.c)
    missing=""
    for s in $(sed -n "/^int cli_${cmd//-/_}(/,/^}/p" $file | grep -oE 'strcmp\((sub|argv\[0\]), "[a-z][a-z-]*"\)' |
        sed -E 's/.*"(.*)".*/\1/' | sort -u); do
        [[ " ${SUBS[*]} " == *" $s "* ]] || missing="$missing $s"
    done
    [ -z "$missing" ]
    ok $? "the subcommands of $cmd in ${file##*/} all have a help (${SUBS[*]:-none})${missing:+ missing:$missing}"
    for s in "${SUBS[@]}"; do
        help_same "$cmd" "$s"
        opts_in_help "$cmd" "$s"
    done
done

# help comes before the other checks, and an option's value is not a request for help
"$CLI" availability --month nonsense --help >"$T_TMP/h.out" 2>&1
ok $? "vigie availability --month nonsense --help: exit 0 (help first)"
check "  and it is availability's usage" grep -q '^Usage: vigie availability' "$T_TMP/h.out"
"$CLI" maintenance add --site x --reason y --help >"$T_TMP/h.out" 2>&1
ok $? "vigie maintenance add --site x --reason y --help: exit 0"
check "  and it is maintenance add's usage" grep -q '^Usage: vigie maintenance add' "$T_TMP/h.out"
"$CLI" alerts --bogus --help >/dev/null 2>&1
ok $? "vigie alerts --bogus --help: exit 0 (an unknown option is not checked first)"

"$CLI" help >"$T_TMP/general.out" 2>&1
ok $? "vigie help: exit 0"
"$CLI" --help >"$T_TMP/general2.out" 2>&1
cmp -s "$T_TMP/general.out" "$T_TMP/general2.out"
ok $? "  the general help, as vigie --help"
check "  which tells of vigie help COMMAND" grep -q 'help \[COMMAND\]' "$T_TMP/general.out"
"$CLI" help nosuch >"$T_TMP/nosuch.out" 2>"$T_TMP/nosuch.err"
[ $? -eq 2 ] && grep -q nosuch "$T_TMP/nosuch.err" && [ ! -s "$T_TMP/nosuch.out" ]
ok $? "vigie help nosuch: exit 2 naming it on stderr ($(head -1 "$T_TMP/nosuch.err"))"
"$CLI" help maintenance nosuch >/dev/null 2>"$T_TMP/nosuch.err"
[ $? -eq 2 ] && grep -q nosuch "$T_TMP/nosuch.err"
ok $? "vigie help maintenance nosuch: exit 2 naming it"
missing=""
for o in $(sed -n '/^int main/,/^}/p' "$top_srcdir/cli/cli.c" | grep -oE '\{"[a-z][a-z-]*", (no|required)_argument' | sed -E 's/\{"([^"]*)".*/\1/'); do
    grep -q -- "--$o\b" "$T_TMP/general.out" || missing="$missing --$o"
done
[ -z "$missing" ]
ok $? "vigie --help lists every global option of cli.c's getopt table${missing:+ (missing:$missing)}"
[ ! -e "$T_TMP/connections" ]
ok $? "no help made a connection to the server"
"$CLI" silence --site s --duration 2h --reason -h >"$T_TMP/h.out" 2>&1
[ $? -eq 1 ] && ! grep -q Usage "$T_TMP/h.out"
ok $? "vigie silence --reason -h: -h is the reason there, the silence is asked for (exit 1: the listener closes)"
[ -s "$T_TMP/connections" ]
ok $? "  (and that one did connect: the listener sees what it would have seen)"

# ---- vigie-agent and vigie-server ----
for prog in agent server; do
    bin=$AGENT && src="$top_srcdir/agent/main.c"
    [ "$prog" = server ] && bin=$SERVER && src="$top_srcdir/server/main.c"
    "$bin" --help >"$T_TMP/$prog.help" 2>&1
    ok $? "vigie-$prog --help: exit 0"
    missing=""
    for o in $(grep -ohE '\{"[a-z][a-z0-9-]*", *(no|required|optional)_argument' "$src" "$top_srcdir/$prog"/discover/*.c 2>/dev/null |
        sed -E 's/\{"([^"]*)".*/\1/' | sort -u); do
        grep -q -- "--$o\b" "$T_TMP/$prog.help" || missing="$missing --$o"
    done
    [ -z "$missing" ]
    ok $? "  it lists every option of its getopt table${missing:+ (missing:$missing)}"
    "$bin" --version >"$T_TMP/$prog.version" 2>&1
    [ $? -eq 0 ] && grep -qE "^vigie-$prog [0-9]" "$T_TMP/$prog.version"
    ok $? "vigie-$prog --version: exit 0 ($(cat "$T_TMP/$prog.version"))"
done

# ---- bash completion ----
for f in vigie vigie-agent vigie-server; do
    check "bash -n completions/$f" bash -n "$top_srcdir/completions/$f"
done
. "$top_srcdir/completions/vigie"
. "$top_srcdir/completions/vigie-agent"
. "$top_srcdir/completions/vigie-server"
# comp FUNCTION WORDS...: COMPREPLY, one a line, for the last word being completed
comp() {
    local fn=$1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    "$fn"
    printf '%s\n' "${COMPREPLY[@]}" | sort
}
[ "$(comp _vigie "$CLI" ma)" = maintenance ]
ok $? "vigie ma<TAB>: maintenance"
[ "$(comp _vigie "$CLI" maintenance a)" = add ]
ok $? "vigie maintenance a<TAB>: add"
[ "$(comp _vigie "$CLI" help avail)" = availability ]
ok $? "vigie help avail<TAB>: availability"
[ "$(comp _vigie "$CLI" availability --s)" = --site ]
ok $? "vigie availability --s<TAB>: --site"
[ "$(comp _vigie "$CLI" maintenance add --r)" = "$(printf -- '--reason\n--rrule')" ]
ok $? "vigie maintenance add --r<TAB>: --reason, --rrule"
[ "$(comp _vigie "$CLI" --ser)" = --server ]
ok $? "vigie --ser<TAB>: --server (a global option)"
[ "$(comp _vigie "$CLI" report --format h)" = html ]
ok $? "vigie report --format h<TAB>: html"
[ "$(comp _vigie "$CLI" status --lang '')" = "$(printf 'en\nfr')" ]
ok $? "vigie status --lang <TAB>: en, fr"
[ -z "$(comp _vigie "$CLI" complete)" ] && [ -z "$(comp _vigie "$CLI" comp)" ]
ok $? "the hidden complete command is not offered"
[ "$(comp _vigie_agent "$AGENT" --check-)" = "$(printf -- '--check-config\n--check-profiles')" ]
ok $? "vigie-agent --check-<TAB>: --check-config, --check-profiles (from its --help)"
[ "$(comp _vigie_server "$SERVER" --import)" = --import-sites ]
ok $? "vigie-server --import<TAB>: --import-sites"
[ "$(comp _vigie_server "$SERVER" --log-level d)" = debug ]
ok $? "vigie-server --log-level d<TAB>: debug"
[ -z "$(comp _vigie "$CLI" availability --site '')" ]
ok $? "vigie availability --site <TAB> with a server that closes at once: nothing"

# names from a running server: two sites (a data center and an NRO), devices pushed at each
server_start server "sites:
  - {id: italie, kind: datacenter, timezone: Europe/Paris}
  - {id: nro-doullens, kind: nro, timezone: Europe/Paris}
agents: [{id: italie-agent, token: tok-agent-token-0001, site: italie},
         {id: nro-agent, token: tok-agent-token-0002, site: nro-doullens}]
api_tokens: [{name: reader, token: tok-reader-token-001, role: read}]"
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN=tok-reader-token-001
now=$(date +%s)
push() { # push AGENT-TOKEN AGENT DEVICE SEQ CLASS: the device described, and one sample of it
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        -d "{\"agent\":\"$2\",\"seq\":$4,\"devices\":[{\"name\":\"$3\",\"class\":\"$5\"}],
             \"samples\":[{\"device\":\"$3\",\"metric\":\"device.reachable\",\"value\":1,\"unit\":\"bool\",\"ts\":$now}]}" \
        "$SERVER_URL/api/v1/ingest"
}
[ "$(push tok-agent-token-0001 italie-agent ups1 1 ups)" = 200 ] && [ "$(push tok-agent-token-0001 italie-agent pdu-a1 2 pdu)" = 200 ] &&
    [ "$(push tok-agent-token-0002 nro-agent olt1 1 olt)" = 200 ]
ok $? "devices pushed: ups1 and pdu-a1 at italie, olt1 at nro-doullens"
[ "$(comp _vigie "$CLI" availability --site '')" = "$(printf 'italie\nnro-doullens')" ]
ok $? "vigie availability --site <TAB>: italie, nro-doullens (from the server)"
[ "$(comp _vigie "$CLI" maintenance add --site n)" = nro-doullens ]
ok $? "vigie maintenance add --site n<TAB>: nro-doullens"
[ "$(comp _vigie "$CLI" availability --site = '')" = "$(printf 'italie\nnro-doullens')" ]
ok $? "vigie availability --site=<TAB>: the same"
[ "$(comp _vigie "$CLI" sites --nro '')" = nro-doullens ]
ok $? "vigie sites --nro <TAB>: only the NRO"
[ "$(comp _vigie "$CLI" silence --site italie --device '')" = "$(printf 'pdu-a1\nups1')" ]
ok $? "vigie silence --site italie --device <TAB>: that site's devices, pdu-a1 and ups1"
[ "$(comp _vigie "$CLI" silence --device '')" = "$(printf 'olt1\npdu-a1\nups1')" ]
ok $? "vigie silence --device <TAB>: every device"
[ "$(VIGIE_SERVER=http://127.0.0.1:$LISTEN_PORT comp _vigie "$CLI" -s "$SERVER_URL" availability --site it)" = italie ]
ok $? "vigie -s URL availability --site it<TAB>: the server given on the line is asked"
[ "$(VIGIE_SERVER=http://127.0.0.1:$LISTEN_PORT VIGIE_TOKEN='' comp _vigie "$CLI" -c "$SERVER_YAML" availability --site '')" = \
    "$(printf 'italie\nnro-doullens')" ]
ok $? "vigie -c server.yaml availability --site <TAB>: the address and token of that server.yaml"
[ "$(VIGIE_SERVER=http://127.0.0.1:$LISTEN_PORT VIGIE_TOKEN='' comp _vigie "$CLI" --config = "$SERVER_YAML" sites --nro n)" = \
    nro-doullens ]
ok $? "vigie --config=server.yaml sites --nro n<TAB>: the same (bash splits --config=FILE in three words)"
[ -z "$(VIGIE_TOKEN=wrong-token-00000001 comp _vigie "$CLI" availability --site '' 2>&1)" ]
ok $? "with a token the server refuses: nothing completed, nothing printed"

# a server that accepts and never answers: the completion gives up (2 s) instead of hanging
HANG_PORT=$(free_port tcp)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$HANG_PORT" &
T_PIDS="$T_PIDS $!"
wait_for 5 python3 -c "import socket; socket.create_connection(('127.0.0.1', $HANG_PORT)).close()" || bail "no hanging listener"
VIGIE_SERVER="http://127.0.0.1:$HANG_PORT" timeout 20 "$CLI" complete sites >"$T_TMP/hang.out" 2>"$T_TMP/hang.err"
rc=$?
[ $rc -eq 1 ] && [ ! -s "$T_TMP/hang.out" ] && [ ! -s "$T_TMP/hang.err" ]
ok $? "vigie complete sites against a server that never answers: exit 1, quietly, not killed by timeout (rc $rc)"
server_stop
finish

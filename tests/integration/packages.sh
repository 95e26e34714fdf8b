#!/bin/bash
# The Debian packages (debian/), built and used as an administrator would: a `make distdir` copy of the
# tree is built with dpkg-buildpackage -b, lintian checks the .changes (no error, no warning that
# debian/*.lintian-overrides does not explain), the packages are installed with dpkg -i, and then:
#   - the agent's package depends on no server library (its Depends and its binary's NEEDED);
#   - the user vigie, /etc/vigie 0750 root:vigie, the conffiles 0640 root:vigie, /var/lib/vigie and
#     /var/spool/vigie 0750 vigie:vigie; no unit enabled; systemd-analyze verify accepts the units;
#   - each unit is run as systemd would (no systemd here): its ExecStartPre/ExecStart/ExecReload
#     lines, as its User with its capability sets (setpriv) and the root file system read-only but
#     its ReadWritePaths/StateDirectory, empty /tmp, /root and /home (unshare), in a clean
#     environment. With the shipped examples the CHANGE-ME guard refuses to start; with test
#     configurations in /etc/vigie the installed server (default web and vocabulary paths) stores
#     what the installed agent polls from snmpsimd (tests/fixtures/snmprec/skeleton-ups) and pings
#     (ICMP with CAP_NET_RAW only) into /var/lib/vigie, spooling in /var/spool/vigie; the installed
#     `vigie status` shows it; ExecReload makes the server take a new token;
#   - dpkg -r keeps /var/lib/vigie, /var/spool/vigie and the changed configurations, a reinstall
#     does not overwrite them, dpkg --purge removes the three folders and keeps the user.
# Root (CI). The packages, the folders and the user (when this test made it) go on exit, failed or
# not. VIGIE_NO_PACKAGES=1 skips it, said in the plan (a machine where vigie is really installed).
. "${top_srcdir:-.}/tests/integration/lib.sh"
[ "${VIGIE_NO_PACKAGES:-}" = 1 ] && skip_all "VIGIE_NO_PACKAGES=1"
[ "$(id -u)" = 0 ] || bail "packages.sh installs and purges packages: run it as root (CI does)"
for c in dpkg-buildpackage dh lintian systemd-analyze setpriv unshare readelf; do
    command -v "$c" >/dev/null || bail "$c not found: install debhelper, lintian, systemd, util-linux, binutils (.ci/run lists them)"
done
PKGS="vigie-server vigie-agent vigie vigie-common"
pkg_present() { dpkg-query -W -f='${Package} ${db:Status-Status}\n' 'vigie*' 2>/dev/null | awk '$2 != "not-installed" { print $1 }'; }
[ -z "$(pkg_present)" ] || bail "vigie packages are on this machine ($(pkg_present | paste -sd' ')): this test installs and purges them (dpkg --purge them first, or VIGIE_NO_PACKAGES=1 skips it)"
for d in /etc/vigie /var/lib/vigie /var/spool/vigie; do
    [ ! -e "$d" ] || bail "$d exists: this test would purge it (VIGIE_NO_PACKAGES=1 skips it)"
done
USER_BEFORE=$(getent passwd vigie)

# Whatever happens: our processes stopped, the packages purged, the folders removed (they did not
# exist, checked above), the user removed when this test made it.
pkg_cleanup() {
    t_cleanup
    local left; left=$(pkg_present)
    [ -z "$left" ] || dpkg --purge $left >>"$T_TMP/cleanup.log" 2>&1
    rm -rf /etc/vigie /var/lib/vigie /var/spool/vigie
    if [ -z "$USER_BEFORE" ]; then
        getent passwd vigie >/dev/null && userdel vigie
        getent group vigie >/dev/null && groupdel vigie
    fi
}
trap 'rc=$?; pkg_cleanup; (exit $rc); t_exit' EXIT
T0=$(date +%s)
elapsed() { echo "# $1: $(($(date +%s) - T0)) s since the start"; }
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
# ok_or STATUS DESCRIPTION COMMAND...: ok, then COMMAND when STATUS is a failure (what to show, a bail)
ok_or() { local st=$1 d=$2; shift 2; ok "$st" "$d"; [ "$st" = 0 ] || "$@"; }
# show FILE [LINES]: FILE's last lines (20) as TAP comments
show() { tail -n "${2:-20}" "$1" | sed 's/^/#   /'; }

# ---- build and lintian ------------------------------------------------------------------------------
# the parent make's jobserver and the test environment (VIGIE_MIBS_DIR...) stay out of the build
NOMAKE=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES)
SRC="$T_TMP/src/vigie"
mkdir -p "$T_TMP/src"
"${NOMAKE[@]}" make -s -C "$top_builddir" distdir distdir="$SRC" >"$T_TMP/distdir.log" 2>&1 ||
    { tail -20 "$T_TMP/distdir.log"; bail "make distdir failed"; }
VERSION=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
(cd "$SRC" && "${NOMAKE[@]}" -u VIGIE_MIBS_DIR -u srcdir -u top_srcdir -u top_builddir \
    dpkg-buildpackage -b -us -uc -j2) >"$T_TMP/build.log" 2>&1
rc=$?
ok $rc "dpkg-buildpackage -b -us -uc builds vigie $VERSION from a make distdir copy"
[ $rc = 0 ] || { tail -30 "$T_TMP/build.log" | sed 's/^/#   /'; bail "no packages to test"; }
elapsed "built"
OUT="$T_TMP/src"
DEB_COMMON="$OUT/vigie-common_${VERSION}_all.deb"
DEB_AGENT="$OUT/vigie-agent_${VERSION}_$ARCH.deb"
DEB_SERVER="$OUT/vigie-server_${VERSION}_$ARCH.deb"
DEB_CLI="$OUT/vigie_${VERSION}_$ARCH.deb"
DEBS=("$DEB_COMMON" "$DEB_AGENT" "$DEB_SERVER" "$DEB_CLI")
[ "$(ls "$OUT"/*.deb | sort)" = "$(printf '%s\n' "${DEBS[@]}" | sort)" ]
ok $? "exactly four packages: vigie-common (all), vigie-agent, vigie-server, vigie ($(cd "$OUT" && echo *.deb))"

lintian --fail-on error "$OUT/vigie_${VERSION}_$ARCH.changes" >"$T_TMP/lintian.out" 2>"$T_TMP/lintian.err"
rc=$?
ok $rc "lintian: no error"
[ $rc = 0 ] || sed 's/^/#   /' "$T_TMP/lintian.out"
! grep -q '^W:' "$T_TMP/lintian.out"
ok $? "lintian: no warning that debian/*.lintian-overrides does not explain"
grep '^W:' "$T_TMP/lintian.out" | sed 's/^/#   /'
elapsed "lintian"

# ---- what each package depends on -------------------------------------------------------------------
SERVER_LIBS='librrd|libcairo|libpango|libmicrohttpd|libsqlite|librsvg|libglib|libgobject|libical|libgnutls'
deps_agent=$(dpkg-deb -f "$DEB_AGENT" Depends)
echo "$deps_agent" | grep -q 'libsnmp' && echo "$deps_agent" | grep -q 'liboping' &&
    ! echo "$deps_agent" | grep -Eq "$SERVER_LIBS"
ok $? "vigie-agent depends on Net-SNMP and liboping and on no server library ($deps_agent)"
deps_server=$(dpkg-deb -f "$DEB_SERVER" Depends)
echo "$deps_server" | grep -q 'librrd' && echo "$deps_server" | grep -q 'libmicrohttpd' &&
    echo "$deps_server" | grep -q 'vigie-common (= ' && ! echo "$deps_server" | grep -Eq 'libsnmp|liboping'
ok $? "vigie-server depends on librrd, libmicrohttpd, vigie-common, not on Net-SNMP nor liboping"
deps_cli=$(dpkg-deb -f "$DEB_CLI" Depends)
! echo "$deps_cli" | grep -Eq 'librrd|libcairo|libpango|libmicrohttpd|libsqlite|librsvg|libsnmp|liboping|vigie-common'
ok $? "vigie (the CLI) depends on no storage, graphics, SNMP library nor on vigie-common ($deps_cli)"

# ---- install ----------------------------------------------------------------------------------------
dpkg -i "${DEBS[@]}" >"$T_TMP/install.log" 2>&1
ok_or $? "dpkg -i installs the four packages (their dependencies are there)" show "$T_TMP/install.log"
for p in $PKGS; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ]
    ok $? "dpkg -s $p: install ok installed"
done
[ -x /usr/sbin/vigie-agent ] && [ -x /usr/sbin/vigie-server ] && [ -x /usr/bin/vigie ] &&
    [ -f /usr/share/vigie/mibs/vocabulary.yaml ] && [ -f /usr/share/vigie/mibs/ups-rfc1628.yaml ] &&
    [ -f /usr/share/vigie/web/index.html ] && [ -f /usr/share/bash-completion/completions/vigie ]
ok $? "the programs, profiles, vocabulary, dashboard and completions are in /usr/sbin, /usr/bin, /usr/share"
needed=$(readelf -d /usr/sbin/vigie-agent | awk '/NEEDED/ { print $NF }' | paste -sd' ')
! echo "$needed" | grep -Eq "$SERVER_LIBS"
ok $? "the installed vigie-agent links no server library ($needed)"

IFS=: read -r _ _ uid _ _ home shell <<<"$(getent passwd vigie)"
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && [ "$home" = /var/lib/vigie ] && [ "$shell" = /usr/sbin/nologin ] &&
    getent group vigie >/dev/null
ok $? "a system user vigie (uid $uid < 1000, home $home, shell $shell) and its group"
mode_is() { # mode_is PATH "MODE OWNER:GROUP"
    local got; got=$(stat -c '%a %U:%G' "$1" 2>&1)
    [ "$got" = "$2" ]; ok $? "$1 is $2 (got $got)"
}
mode_is /etc/vigie "750 root:vigie"
mode_is /etc/vigie/agent.yaml "640 root:vigie"
mode_is /etc/vigie/server.yaml "640 root:vigie"
mode_is /var/lib/vigie "750 vigie:vigie"
mode_is /var/spool/vigie "750 vigie:vigie"
dpkg-query --control-show vigie-agent conffiles 2>/dev/null | grep -q '^ */etc/vigie/agent.yaml' &&
    dpkg-query --control-show vigie-server conffiles 2>/dev/null | grep -q '^ */etc/vigie/server.yaml'
ok $? "agent.yaml and server.yaml are conffiles of their packages"
grep -q "^spool_dir: /var/spool/vigie " /etc/vigie/agent.yaml && ! grep -q /usr/local/share/vigie /etc/vigie/server.yaml
ok $? "the packaged agent.yaml spools in /var/spool/vigie, server.yaml's comments name /usr/share/vigie"

# ---- the units ----------------------------------------------------------------------------------------
UNITS=/lib/systemd/system
systemd-analyze verify --man=no "$UNITS/vigie-agent.service" "$UNITS/vigie-server.service" \
    "$UNITS/vigie-report.service" "$UNITS/vigie-report.timer" >"$T_TMP/verify.out" 2>&1
ok_or $? "systemd-analyze verify accepts the four installed units" show "$T_TMP/verify.out"
docs_ok=0
for d in "${DEBS[@]}"; do dpkg-deb -c "$d"; done | awk '{ print $NF }' >"$T_TMP/contents"   # not dpkg -S:
# a container's dpkg may leave /usr/share/man out (path-exclude), the packages still hold the pages
for u in vigie-agent.service vigie-server.service vigie-report.service vigie-report.timer; do
    for m in $(sed -n 's/^Documentation=//p' "$UNITS/$u"); do   # man:vigie-agent(8)
        page=${m#man:}; name=${page%(*}; sec=${page#*(}; sec=${sec%)}
        grep -qx "./usr/share/man/man$sec/$name.$sec.gz" "$T_TMP/contents" || { echo "# $u: $m is in no package"; docs_ok=1; }
    done
done
ok $docs_ok "every unit's Documentation= man page is in a package"
ls /etc/systemd/system/*.wants/vigie-* >/dev/null 2>&1
ok $((!$?)) "no vigie unit is enabled at install (the configurations are examples until edited)"
[ "$(dpkg -S "$UNITS/vigie-report.timer" 2>/dev/null | cut -d: -f1)" = vigie-server ] &&
    [ "$(dpkg -S "$UNITS/vigie-report.service" 2>/dev/null | cut -d: -f1)" = vigie-server ]
ok $? "vigie-server ships the monthly report's service and timer"

# unit_key UNIT KEY: each value of KEY in [Service] of the installed UNIT, one a line
# unit_cmds UNIT KEY [MAINPID]: each command line of KEY, shell-quoted, as systemd splits it ($$ is $,
# $MAINPID the given pid)
cat >"$T_TMP/unit.py" <<'PY'
import shlex, sys
path, key, mode = sys.argv[1], sys.argv[2], sys.argv[3]
env = {"MAINPID": sys.argv[4] if len(sys.argv) > 4 else ""}
section, values, cont = None, [], ""
for raw in open(path):
    line = cont + raw.rstrip("\n")
    cont = ""
    if line.endswith("\\"):
        cont = line[:-1] + " "
        continue
    s = line.strip()
    if not s or s[0] in "#;":
        continue
    if s.startswith("["):
        section = s.strip("[]")
    elif section == "Service" and "=" in s:
        k, v = s.split("=", 1)
        if k.strip() == key:
            values.append(v.strip())
for v in values:
    if mode == "raw":
        print(v)
        continue
    v = v.lstrip("-@+!:")
    v = v.replace("$$", "\0").replace("${MAINPID}", env["MAINPID"]).replace("$MAINPID", env["MAINPID"])
    print(shlex.join(w.replace("\0", "$") for w in shlex.split(v)))
PY
unit_key() { python3 "$T_TMP/unit.py" "$UNITS/$1" "$2" raw; }
unit_cmds() { python3 "$T_TMP/unit.py" "$UNITS/$1" "$2" argv "${3:-}"; }
has_line() { grep -Fqx "$2" "$UNITS/$1"; ok $? "$1: $2"; }
for l in User=vigie NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    CapabilityBoundingSet=CAP_NET_RAW AmbientCapabilities=CAP_NET_RAW ExecReload='/bin/kill -HUP $MAINPID'; do
    has_line vigie-agent.service "$l"
done
for l in User=vigie NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    CapabilityBoundingSet= ReadWritePaths=/var/lib/vigie ExecReload='/bin/kill -HUP $MAINPID'; do
    has_line vigie-server.service "$l"
done

# caps "CAP_NET_RAW CAP_X": setpriv's "-all,+net_raw,+x"
caps() { local out=-all c; for c in $1; do c=${c#CAP_}; out="$out,+${c,,}"; done; echo "$out"; }
# as_unit UNIT COMMAND...: COMMAND as UNIT would run it: its User and Group, its capability bounding
# and ambient sets, no new privileges, a clean environment, in /; the root file system read-only but
# for the unit's ReadWritePaths and StateDirectory (ProtectSystem=strict), and /tmp, /var/tmp, /root,
# /home empty (PrivateTmp, ProtectHome). Other mounts than / stay as they are: an approximation.
# AS_UNIT_EXEC=1: the shell is replaced, so that a background job's $! is the program's pid.
as_unit() {
    local u="$1"; shift
    local user group bnd amb rw p binds=""
    user=$(unit_key "$u" User); group=$(unit_key "$u" Group)
    bnd=$(caps "$(unit_key "$u" CapabilityBoundingSet | tail -1)")
    amb=$(caps "$(unit_key "$u" AmbientCapabilities | tail -1)")
    for p in $(unit_key "$u" ReadWritePaths) $(unit_key "$u" StateDirectory | sed 's|^|/var/lib/|'); do
        p=${p#-}
        [ -d "$p" ] && binds="$binds mount --bind '$p' '$p' &&"
    done
    ${AS_UNIT_EXEC:+exec} unshare -m --propagation private sh -c "$binds
        mount -t tmpfs -o mode=1777 tmpfs /tmp && mount -t tmpfs -o mode=1777 tmpfs /var/tmp &&
        mount -t tmpfs -o ro tmpfs /root && mount -t tmpfs -o ro tmpfs /home &&
        mount -o remount,bind,ro / && cd / && exec \"\$@\"" as_unit \
        "${CLEAN_ENV[@]}" setpriv --reuid="$user" --regid="${group:-$user}" --init-groups --no-new-privs \
        --bounding-set="$bnd" --inh-caps="$amb" --ambient-caps="$amb" -- "$@"
}
# unit_pre UNIT: its ExecStartPre lines, in order, as the unit; stderr in $T_TMP/UNIT.pre
unit_pre() {
    local line cmd
    : >"$T_TMP/$1.pre"
    while IFS= read -r line; do
        eval "cmd=($line)"
        as_unit "$1" "${cmd[@]}" >>"$T_TMP/$1.pre" 2>&1 || return 1
    done < <(unit_cmds "$1" ExecStartPre)
}
check "the sandbox of as_unit works here (unshare, mounts, setpriv)" \
    as_unit vigie-server.service sh -c 'test "$(id -un)" = vigie && ! touch /usr/x 2>/dev/null && touch /var/lib/vigie/x && rm /var/lib/vigie/x && grep -q "^CapEff:.*0000000000000000" /proc/self/status'
check "as vigie-agent.service: the effective capabilities are CAP_NET_RAW alone (0x2000)" \
    as_unit vigie-agent.service grep -q "^CapEff:.*0000000000002000" /proc/self/status

# The shipped examples: the units refuse them, naming the lines but not the values.
for p in agent server; do
    unit_pre "vigie-$p.service"
    rc=$?
    tok=$(grep -n '^ *[^#]*CHANGE-ME' "/etc/vigie/$p.yaml" | head -1 | cut -d: -f1)
    [ $rc != 0 ] && grep -q "/etc/vigie/$p.yaml: line(s) [0-9,]*\b$tok\b.*CHANGE-ME" "$T_TMP/vigie-$p.service.pre" &&
        ! grep -q 'CHANGE-ME-' "$T_TMP/vigie-$p.service.pre"
    ok $? "vigie-$p.service does not start on the shipped $p.yaml: its CHANGE-ME lines (line $tok first) are named, not their values"
    sed 's/^/#   /' "$T_TMP/vigie-$p.service.pre" | head -3
done

# ---- the installed programs, run as their units -----------------------------------------------------
sim_start "$top_srcdir/tests/fixtures/snmprec"
# the monthly report's mail: a plain SMTP receiver on loopback (starttls: false is allowed there)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || bail "aiosmtpd is not installed (Debian package python3-aiosmtpd)"
SMTP_PORT=$(free_port tcp)
MAILDIR="$T_TMP/maildir"
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR" >"$T_TMP/smtp.log" 2>&1 &
T_PIDS="$T_PIDS $!"
wait_for 10 /usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$SMTP_PORT" 2>/dev/null ||
    bail "the SMTP receiver did not start (see $T_TMP/smtp.log)"
SERVER_PORT=$(free_port tcp)
SERVER_URL="http://127.0.0.1:$SERVER_PORT"
SERVER_DATA=/var/lib/vigie
TOKEN=packages-agent-token-01
SPOOL_LINE=$(grep '^spool_dir:' /etc/vigie/agent.yaml)   # the package's, kept in the test's agent.yaml
READ=packages-admin-token-01
NEW=packages-added-token-01
# written into the conffiles: their owner and mode stay dpkg's and postinst's
cat >/etc/vigie/server.yaml <<EOF
# packages.sh: the installed server on loopback; data_dir, web_dir, mibs_dir are the built-in defaults
listen: 127.0.0.1:$SERVER_PORT
step: 5
sites: [{id: italie, kind: datacenter}]
agents: [{id: pkg-agent, site: italie, token: $TOKEN}]
api_tokens: [{name: ops, role: admin, token: $READ}]
smtp: {url: 'smtp://127.0.0.1:$SMTP_PORT', from: 'vigie <vigie@example.org>', starttls: false, timeout: 20}
report: {recipients: [sla@example.org]}
EOF
cat >/etc/vigie/agent.yaml <<EOF
# packages.sh: the installed agent; profiles are the built-in default, the spool the package's
agent: pkg-agent
site: italie
server: $SERVER_URL
token: $TOKEN
$SPOOL_LINE
interval: 5
timeout: 0.5
retries: 0
check_interval: 10
check_pings: 2
check_timeout: 0.5
checks:
  - {name: lo-echo, host: 127.0.0.1}
devices:
  - {name: ups1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}
EOF
mode_is /etc/vigie/server.yaml "640 root:vigie"

unit_pre vigie-server.service
ok_or $? "vigie-server.service's ExecStartPre lines (CHANGE-ME guard, --check-config) pass on a real server.yaml" \
    show "$T_TMP/vigie-server.service.pre"
SERVER_LOG="$T_TMP/server.log"
eval "cmd=($(unit_cmds vigie-server.service ExecStart))"
AS_UNIT_EXEC=1 as_unit vigie-server.service "${cmd[@]}" 2>>"$SERVER_LOG" &
SERVER_PID=$!
T_PIDS="$T_PIDS $SERVER_PID"
wait_for 15 curl -sf "$SERVER_URL/api/v1/health" -o /dev/null
ok_or $? "the installed vigie-server starts as vigie-server.service would and answers on $SERVER_URL" \
    eval 'show "$SERVER_LOG" 10; bail "the installed vigie-server did not start"'
curl -sf "$SERVER_URL/" -o "$T_TMP/index.html" && cmp -s "$T_TMP/index.html" /usr/share/vigie/web/index.html
ok $? "it serves the dashboard from /usr/share/vigie/web (the built-in web_dir)"
code=$(curl -s -o "$T_TMP/vocab.json" -w '%{http_code}' -H "Authorization: Bearer $READ" "$SERVER_URL/api/v1/vocabulary")
[ "$code" = 200 ] && grep -q 'battery.charge' "$T_TMP/vocab.json"
ok $? "it reads the vocabulary from /usr/share/vigie/mibs (GET /api/v1/vocabulary: $code)"

unit_pre vigie-agent.service
ok_or $? "vigie-agent.service's ExecStartPre lines pass on a real agent.yaml" show "$T_TMP/vigie-agent.service.pre"
AGENT_YAML=/etc/vigie/agent.yaml
AGENT_LOG="$T_TMP/agent.log"
eval "cmd=($(unit_cmds vigie-agent.service ExecStart))"
AS_UNIT_EXEC=1 as_unit vigie-agent.service "${cmd[@]}" 2>>"$AGENT_LOG" &
AGENT_PID=$!
T_PIDS="$AGENT_PID $T_PIDS"
agent_wait_pushed 1 20
ok_or $? "the installed agent, run as vigie-agent.service would, pushes to the installed server" show "$AGENT_LOG" 10
wait_for 10 t_count_ge 1 latest "device = 'ups1' and metric = 'battery.charge'"
check "ups1's battery.charge is upsEstimatedChargeRemaining 97 of skeleton-ups" num_eq "$(db_latest ups1 battery.charge)" 97
echo_up() { num_eq "$(db_latest lo-echo link.reachable)" 1; }
wait_for 25 echo_up
ok_or $? "the ICMP echo check of 127.0.0.1 answers with CAP_NET_RAW as its only capability (link.reachable 1)" \
    show "$AGENT_LOG" 5
[ "$(stat -c %U:%G /var/lib/vigie/vigie.db 2>&1)" = vigie:vigie ]
ok $? "the database /var/lib/vigie/vigie.db is vigie's"
[ "$(stat -c %U /var/spool/vigie/lock 2>&1)" = vigie ] && [ ! -e /var/lib/vigie/spool ]
ok $? "the agent spools in /var/spool/vigie (its lock is vigie's), not in /var/lib/vigie/spool"

# as the report's unit runs the CLI: user vigie, server and token from server.yaml
as_unit vigie-report.service /usr/bin/vigie -c /etc/vigie/server.yaml status >"$T_TMP/status.out" 2>&1
grep -Eq '^italie +ups1 +reachable' "$T_TMP/status.out"
ok_or $? "the installed vigie -c /etc/vigie/server.yaml status, as vigie-report.service would run it, shows ups1 reachable" \
    show "$T_TMP/status.out"

# the timer's service: its ExecStart mails last month's report through the server
eval "cmd=($(unit_cmds vigie-report.service ExecStart))"
as_unit vigie-report.service "${cmd[@]}" >"$T_TMP/report.out" 2>&1
rc=$?
mail_has_pdf() { grep -lq 'application/pdf' "$MAILDIR"/new/* 2>/dev/null; }
[ $rc = 0 ] && wait_for 20 mail_has_pdf
ok_or $? "vigie-report.service's ExecStart (${cmd[*]}) has the server mail a PDF to report.recipients" \
    show "$T_TMP/report.out" 5

# systemctl reload: ExecReload on the server's pid, with a token added to server.yaml
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $NEW" "$SERVER_URL/api/v1/status")
sed -i "s/^api_tokens: .*/api_tokens: [{name: ops, role: admin, token: $READ}, {name: new, token: $NEW}]/" /etc/vigie/server.yaml
eval "cmd=($(unit_cmds vigie-server.service ExecReload "$SERVER_PID"))"
as_unit vigie-server.service "${cmd[@]}"
new_token_works() { [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $NEW" "$SERVER_URL/api/v1/status")" = 200 ]; }
[ "$code" = 401 ] && wait_for 10 new_token_works && kill -0 "$SERVER_PID"
ok $? "ExecReload (kill -HUP \$MAINPID): the running server takes a token added to server.yaml (401 before)"

check "the agent stops on SIGTERM with status 0" agent_stop
check "the server stops on SIGTERM with status 0" server_stop
sim_stop
elapsed "ran"

# ---- the demo estate on the installed programs and paths ----------------------------------------------
# scripts/demo.sh's estate (tests/integration/demo_estate.sh: 16 devices of three sites, an hour of past)
# run by /usr/sbin and /usr/bin's programs on /usr/share/vigie's profiles, vocabulary and dashboard
SERVER=/usr/sbin/vigie-server AGENT=/usr/sbin/vigie-agent CLI=/usr/bin/vigie MIBS_DIR=/usr/share/vigie/mibs
DEMO_WEB_DIR=""
. "$top_srcdir/tests/integration/demo_estate.sh"
demo_estate_start 10 1
demo_estate_wait 16
ok $? "the demo estate, polled by the installed agents, stored by the installed server: 16 devices"
"$CLI" -s "$SERVER_URL" -t "$DEMO_TOKEN" status >"$T_TMP/demo-status.txt" 2>&1
ok_or $? "the installed vigie status shows the estate ($(tail -1 "$T_TMP/demo-status.txt"))" show "$T_TMP/demo-status.txt" 5
check "... every device of the three sites" grep -q '^16 device(s)' <(tail -1 "$T_TMP/demo-status.txt")
code=$(curl -s -o "$T_TMP/demo-index.html" -w '%{http_code}' "$SERVER_URL/")
check "the dashboard comes from the installed /usr/share/vigie/web ($code)" \
    sh -c "[ $code = 200 ] && cmp -s '$T_TMP/demo-index.html' /usr/share/vigie/web/index.html"
"$CLI" -s "$SERVER_URL" -t "$DEMO_TOKEN" availability --site italie >"$T_TMP/demo-avail.txt" 2>&1
ok_or $? "the installed vigie availability reads the hour of past" show "$T_TMP/demo-avail.txt" 5
check "the demo's agents stop cleanly" demo_estate_stop_agents
check "the demo's server stops cleanly" server_stop
sim_stop
elapsed "the demo estate"

# ---- remove, reinstall, purge -----------------------------------------------------------------------
sum_server=$(md5sum </etc/vigie/server.yaml)
dpkg -r $PKGS >"$T_TMP/remove.log" 2>&1
ok_or $? "dpkg -r removes the four packages" show "$T_TMP/remove.log"
[ ! -e /usr/sbin/vigie-server ] && [ ! -e /usr/sbin/vigie-agent ] && [ ! -e /usr/bin/vigie ] &&
    [ ! -e /usr/share/vigie/web/index.html ]
ok $? "the programs and their files are gone"
[ -f /var/lib/vigie/vigie.db ] && [ -d /var/lib/vigie/rrd/italie/ups1 ] && [ -f /var/spool/vigie/lock ]
ok $? "remove keeps /var/lib/vigie (the database, the RRD files) and /var/spool/vigie"
[ "$(md5sum </etc/vigie/server.yaml)" = "$sum_server" ] && grep -q '^agent: pkg-agent' /etc/vigie/agent.yaml
ok $? "remove keeps the changed configurations"
[ "$(dpkg-query -W -f='${Status}' vigie-server)" = "deinstall ok config-files" ]
ok $? "dpkg -s vigie-server: deinstall ok config-files"

dpkg -i "${DEBS[@]}" >"$T_TMP/reinstall.log" 2>&1
ok_or $? "the packages install again over their kept configuration" show "$T_TMP/reinstall.log"
[ "$(md5sum </etc/vigie/server.yaml)" = "$sum_server" ] && grep -q '^agent: pkg-agent' /etc/vigie/agent.yaml &&
    [ -f /var/lib/vigie/vigie.db ]
ok $? "a reinstall overwrites neither changed configuration, nor the data"
mode_is /etc/vigie/server.yaml "640 root:vigie"

dpkg --purge $PKGS >"$T_TMP/purge.log" 2>&1
ok_or $? "dpkg --purge purges the four packages" show "$T_TMP/purge.log"
[ -z "$(pkg_present)" ]
ok $? "no vigie package is left, not even its configuration files"
[ ! -e /var/lib/vigie ] && [ ! -e /var/spool/vigie ] && [ ! -e /etc/vigie ]
ok $? "purge removes /var/lib/vigie, /var/spool/vigie and /etc/vigie"
getent passwd vigie >/dev/null
ok $? "purge keeps the system user vigie (Debian does not remove system users; this test does, after)"
elapsed "done"
finish

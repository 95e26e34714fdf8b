# Network namespaces for the integration tests of the active checks (netns_*.sh), sourced after lib.sh:
# namespaces with names of their own (vg-PID-NAME), veth pairs between them, addresses of the
# benchmarking range 198.18.0.0/15 inside them only (never in the root namespace, and nothing is sent
# to an address outside them), routes and forwarding, loss and delay on an interface (tc netem, or
# netns_shaper.py where the kernel has no sch_netem), a link set down or an nft drop for an outage,
# and a TCP listener standing for a camera's RTSP port. Everything is removed on exit, failure
# included (lib.sh's t_cleanup is extended). vigie-server, vigie-agent, the CLI and curl can be made to
# run inside one namespace (ns_run_programs_in), so that lib.sh's helpers work there unchanged.
#
# Namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN): without them the script bails out, which is a
# failure, never a skip (CI runs as root).

NS_PREFIX="vg-$$-"
NS_LIST=""           # the namespaces created, in order
NS_SHAPED=""         # "NS:IF:KIND[:TUN:PREF]" of each shaped interface, for ns_unshape
NS_SHAPE_SEQ=0
NS_NETEM=""          # yes / no once probed
NS_LIB_DIR="$top_srcdir/tests/integration"

# ns NAME: the full name of the test's namespace NAME
ns() { echo "$NS_PREFIX$1"; }

# ns_exec NAME COMMAND...: runs COMMAND inside namespace NAME (a function: for a program in the
# background whose pid is wanted, call ip netns exec "$(ns NAME)" itself, else $! is a subshell's)
ns_exec() { local n="$1"; shift; ip netns exec "$(ns "$n")" "$@"; }

# ns_require: bails out unless this process may create network namespaces and veth pairs
ns_require() {
    local probe; probe=$(ns require-probe)
    command -v ip >/dev/null || bail "ip (iproute2) is not installed"
    command -v nft >/dev/null || bail "nft (nftables) is not installed"
    command -v tc >/dev/null || bail "tc (iproute2) is not installed"
    if ! ip netns add "$probe" 2>"$T_TMP/netns.err"; then
        bail "cannot create a network namespace ($(cat "$T_TMP/netns.err")): these tests need root (CAP_SYS_ADMIN, CAP_NET_ADMIN)"
    fi
    ip netns del "$probe"
    ns_forget_stale
}

# ns_forget_stale: removes the names of namespaces left by earlier runs killed without cleanup
# (vg-PID-... whose PID is gone), so that they do not pile up
ns_forget_stale() {
    local n pid
    for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^vg-[0-9]+-'); do
        pid=${n#vg-}; pid=${pid%%-*}
        [ "$pid" = "$$" ] || kill -0 "$pid" 2>/dev/null || ip netns del "$n" 2>/dev/null
    done
}

# ns_new NAME...: creates each namespace with its loopback up, IPv6 off (no router solicitations, no
# duplicate address detection to wait for) and forwarding off
ns_new() {
    local n full
    for n in "$@"; do
        full=$(ns "$n")
        ip netns add "$full" || bail "ip netns add $full failed"
        NS_LIST="$NS_LIST $full"
        ip -n "$full" link set lo up || bail "lo of $full does not come up"
        ns_sysctl "$n" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
}

ns_sysctl() { # ns_sysctl NAME KEY=VALUE...
    local n="$1"; shift
    ns_exec "$n" sysctl -q -w "$@" >/dev/null || bail "sysctl $* in $(ns "$n") failed"
}

# ns_forward NAME: the namespace routes between its interfaces (a router: the "wan" between the probe
# and the sites). Reverse-path filtering is off: packets shaped by netns_shaper.py come back on its TUN.
ns_forward() {
    ns_sysctl "$1" net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

# ns_in_range CIDR|ADDRESS: succeeds when it lies inside 198.18.0.0/15
ns_in_range() {
    /usr/bin/python3 -c "import ipaddress,sys; n=ipaddress.ip_network(sys.argv[1], strict=False); sys.exit(not n.subnet_of(ipaddress.ip_network('198.18.0.0/15')))" "$1" 2>/dev/null
}

# ns_veth NAME-A IF-A NAME-B IF-B: a veth pair from IF-A in namespace A to IF-B in namespace B, both
# up; it is created inside A (never in the root namespace)
ns_veth() {
    ip -n "$(ns "$1")" link add "$2" type veth peer name "$4" netns "$(ns "$3")" ||
        bail "veth $1:$2 - $3:$4 failed"
    ip -n "$(ns "$1")" link set "$2" up && ip -n "$(ns "$3")" link set "$4" up || bail "veth $2/$4 does not come up"
}

# ns_addr NAME IF CIDR...: addresses on an interface of the namespace, each inside 198.18.0.0/15
# (refused otherwise: the tests never use an address that could exist outside this machine)
ns_addr() {
    local n="$1" dev="$2" a; shift 2
    for a in "$@"; do
        ns_in_range "$a" || bail "ns_addr: $a is not inside 198.18.0.0/15"
        ip -n "$(ns "$n")" addr add "$a" dev "$dev" || bail "ip addr add $a dev $dev in $(ns "$n") failed"
    done
}

# ns_addrs NAME IF FIRST COUNT: COUNT host addresses (/32) from FIRST on, added in one ip -batch
ns_addrs() {
    local n="$1" dev="$2"
    ns_in_range "$3" || bail "ns_addrs: $3 is not inside 198.18.0.0/15"
    /usr/bin/python3 - "$3" "$4" "$dev" >"$T_TMP/addrs-$n.batch" <<'PY' || bail "ns_addrs: $3 + $4 leaves 198.18.0.0/15"
import ipaddress, sys
a, n, dev = ipaddress.ip_address(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
net = ipaddress.ip_network('198.18.0.0/15')
for i in range(n):
    if a + i not in net:
        sys.exit(1)
    print('addr add %s/32 dev %s' % (a + i, dev))
PY
    ip -n "$(ns "$n")" -batch "$T_TMP/addrs-$n.batch" || bail "adding $4 addresses in $(ns "$n") failed"
}

# ns_route NAME DEST VIA: a route in the namespace (DEST "default" or a CIDR of 198.18.0.0/15)
ns_route() {
    [ "$2" = default ] || ns_in_range "$2" || bail "ns_route: $2 is not inside 198.18.0.0/15"
    ns_in_range "$3" || bail "ns_route: the gateway $3 is not inside 198.18.0.0/15"
    ip -n "$(ns "$1")" route add "$2" via "$3" || bail "ip route add $2 via $3 in $(ns "$1") failed"
}

# ns_link NAME IF up|down: sets an interface up or down (down: the link is cut, as a fibre is)
ns_link() { ip -n "$(ns "$1")" link set "$2" "$3" || bail "ip link set $2 $3 in $(ns "$1") failed"; }

# ns_drop NAME CIDR...: the namespace silently drops every packet to or from these addresses (an nft
# table of its own); ns_undrop NAME lifts it
ns_drop() {
    local n="$1" a set=""; shift
    for a in "$@"; do ns_in_range "$a" || bail "ns_drop: $a is not inside 198.18.0.0/15"; set="$set${set:+, }$a"; done
    ns_exec "$n" nft -f - <<NFT || bail "nft drop in $(ns "$n") failed"
table inet vgdrop {
    chain vgfwd { type filter hook forward priority -10; policy accept; ip daddr { $set } drop; ip saddr { $set } drop; }
    chain vgin { type filter hook input priority -10; policy accept; ip saddr { $set } drop; }
    chain vgout { type filter hook output priority -10; policy accept; ip daddr { $set } drop; }
}
NFT
}
ns_undrop() { ns_exec "$1" nft delete table inet vgdrop || bail "nft delete table inet vgdrop in $(ns "$1") failed"; }

# ns_has_netem: whether the kernel has tc netem (probed once in a namespace of its own)
ns_has_netem() {
    if [ -z "$NS_NETEM" ]; then
        local p; p=$(ns netem-probe)
        ip netns add "$p" && NS_NETEM=no
        ip netns exec "$p" tc qdisc add dev lo root netem delay 1ms 2>/dev/null && NS_NETEM=yes
        ip netns del "$p"
    fi
    [ "$NS_NETEM" = yes ]
}

# ns_shape NAME IF DELAY-MS LOSS-PCT: what leaves the namespace by IF is delayed and a share of it
# lost: tc netem on IF, or, where the kernel has no sch_netem, netns_shaper.py on a TUN device through
# which the namespace routes (policy routing on an nft mark) what it forwards to IF's destinations
# (its connected subnet and the routes via it). Only forwarded packets are shaped there, which is
# what the "wan" namespace of the tests carries. Says which on stdout (a TAP comment).
ns_shape() {
    local n="$1" dev="$2" delay="$3" loss="$4"
    if ns_has_netem; then
        ns_exec "$n" tc qdisc replace dev "$dev" root netem delay "${delay}ms" loss "${loss}%" ||
            bail "tc netem on $dev in $(ns "$n") failed"
        NS_SHAPED="$NS_SHAPED $n:$dev:netem"
        echo "# $n/$dev: tc netem delay ${delay} ms loss ${loss} %"
        return
    fi
    NS_SHAPE_SEQ=$((NS_SHAPE_SEQ + 1))
    local tun="vgshape$NS_SHAPE_SEQ" pref=$((1000 + NS_SHAPE_SEQ)) mark=$((0x100 + NS_SHAPE_SEQ)) dsts
    dsts=$(ip -n "$(ns "$n")" -4 route show dev "$dev" | awk '{print $1}' | paste -sd, -)
    [ -n "$dsts" ] || bail "ns_shape: no route by $dev in $(ns "$n")"
    ip netns exec "$(ns "$n")" /usr/bin/python3 "$NS_LIB_DIR/netns_shaper.py" "$tun" "$delay" "$loss" "$pref" \
        2>>"$T_TMP/shaper-$tun.log" &
    local pid=$!
    T_PIDS="$T_PIDS $pid"
    wait_for 5 ip -n "$(ns "$n")" link show "$tun" >/dev/null 2>&1 || bail "netns_shaper.py did not open $tun"
    ip -n "$(ns "$n")" link set "$tun" up || bail "$tun does not come up"
    ns_sysctl "$n" "net.ipv4.conf.$tun.rp_filter=0"
    ip -n "$(ns "$n")" route add default dev "$tun" table "$pref" &&
        ip -n "$(ns "$n")" rule add fwmark "$mark" lookup "$pref" pref "$pref" || bail "policy routing to $tun failed"
    ns_exec "$n" nft -f - <<NFT || bail "nft mark for $tun in $(ns "$n") failed"
table ip vgshape$NS_SHAPE_SEQ {
    chain vgpre { type filter hook prerouting priority -150; policy accept; iifname != "$tun" ip daddr { $dsts } meta mark set $mark; }
}
NFT
    NS_SHAPED="$NS_SHAPED $n:$dev:tun:$tun:$pref:$pid"
    echo "# $n/$dev: the kernel has no sch_netem; netns_shaper.py delays ${delay} ms and loses ${loss} % ($dsts)"
}

# ns_unshape NAME IF: takes the shaping of ns_shape away
ns_unshape() {
    local e f
    for e in $NS_SHAPED; do
        IFS=: read -r -a f <<<"$e"
        [ "${f[0]}" = "$1" ] && [ "${f[1]}" = "$2" ] || continue
        if [ "${f[2]}" = netem ]; then
            ns_exec "$1" tc qdisc del dev "$2" root || bail "tc qdisc del on $2 failed"
        else
            ip -n "$(ns "$1")" rule del pref "${f[4]}"
            ns_exec "$1" nft delete table ip "${f[3]}" 2>/dev/null
            kill "${f[5]}" 2>/dev/null; wait "${f[5]}" 2>/dev/null
        fi
        NS_SHAPED=$(echo "$NS_SHAPED" | tr ' ' '\n' | grep -vxF "$e" | tr '\n' ' ')
        return 0
    done
    bail "ns_unshape: $1/$2 is not shaped"
}

# ns_shaper_stats: the counts of each netns_shaper.py that has stopped (TAP comments)
ns_shaper_stats() { cat "$T_TMP"/shaper-*.log 2>/dev/null | sed 's/^/# /'; }

# ns_listen NAME ADDRESS PORT: a TCP listener inside the namespace that accepts and closes every
# connection (a camera's RTSP port); its pid in NS_LISTEN_PID, once it listens
ns_listen() {
    local n="$1" addr="$2" port="$3"
    ns_in_range "$addr" || bail "ns_listen: $addr is not inside 198.18.0.0/15"
    ip netns exec "$(ns "$n")" /usr/bin/python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(128)
while True:
    c, _ = s.accept()
    c.close()' "$addr" "$port" 2>>"$T_TMP/listener-$n.log" &
    NS_LISTEN_PID=$!
    T_PIDS="$T_PIDS $NS_LISTEN_PID"
    wait_for 5 ns_listening "$n" "$addr" "$port" || bail "the listener on $addr:$port in $(ns "$n") did not start"
}
ns_listening() { ns_exec "$1" ss -Hltn "src $2:$3" 2>/dev/null | grep -q LISTEN; }

# ns_listen_stop PID: stops a listener of ns_listen (its port is closed: a connect gets a reset)
ns_listen_stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; return 0; }

# ns_sleep_until EPOCH: sleeps until that second (at once when it is past)
ns_sleep_until() { local d=$(($1 - $(date +%s))); [ "$d" -le 0 ] || sleep "$d"; }

# ns_run_programs_in NAME: from now on SERVER, AGENT, CLI and curl run inside namespace NAME (small
# wrappers in $T_TMP/nsbin, first in PATH), so that server_start, agent_start, wait_for curl ... and the
# CLI work unchanged, on that namespace's 127.0.0.1
ns_run_programs_in() {
    local full; full=$(ns "$1")
    local d="$T_TMP/nsbin" name real
    mkdir -p "$d"
    for name in SERVER AGENT CLI curl; do
        case $name in
            curl) real=$(command -v curl) ;;
            *) real=$(readlink -f "${!name}") ;;
        esac
        [ -x "$real" ] || bail "ns_run_programs_in: $name ($real) is not built"
        printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$full" "$real" >"$d/$(basename "$real")"
        chmod 755 "$d/$(basename "$real")"
        [ "$name" = curl ] || printf -v "$name" '%s' "$d/$(basename "$real")"
    done
    PATH="$d:$PATH"
}

# ns_destroy_all: stops what still runs inside the test's namespaces (processes this test started
# there) and deletes them, with their interfaces; run on exit by t_cleanup
ns_destroy_all() {
    local n p
    for n in $NS_LIST; do
        for p in $(ip netns pids "$n" 2>/dev/null); do kill "$p" 2>/dev/null; done
    done
    for n in $NS_LIST; do
        ip netns pids "$n" 2>/dev/null | grep -q . && sleep 0.5
        for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$n" 2>/dev/null
    done
    NS_LIST=""
}

# lib.sh's cleanup, then the namespaces'
eval "$(declare -f t_cleanup | sed '1s/^t_cleanup/t_cleanup_lib/')"
t_cleanup() { t_cleanup_lib; ns_destroy_all; }
trap 'exit 130' INT
trap 'exit 143' TERM

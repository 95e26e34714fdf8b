#!/bin/bash
# vigie-agent --discover on a subnet of real SNMP agents in network namespaces (netns_lib.sh). The
# prober is in namespace "probe" (198.18.20.1), routed to namespace "devs", which holds every address
# of 198.18.21.0/28 (the 14 hosts .1 to .14) on its loopback, with snmpsimd agents on some (each its own
# process, one recording, community "disc"):
#   .2  skeleton-ups (fixture)      ups-rfc1628, sysName ups-test
#   .3  nro-doullens-ups (demo)     sysName nro-doullens-ups
#   .4  skeleton-ups without sysName: the suggested name is class-octet, ups-4
#   .5  nro-doullens-env (demo)     sysName nro-doullens-env
#   .6  italie-clim-1 (demo)
#   .8  nro-doullens-env again      the same sysName: suggested nro-doullens-env-2
#   .9  a recording under community "other": the wrong community, silent for "disc"
#   .11 SNMPv3 only (user vigie, SHA/AES, context disc)
# and nothing on the others, whose UDP port 161 devs drops (no ICMP: silent, as a host that is away).
# Expected for --community disc: 6 answered, 8 silent (.1 .7 .9 .10 .11 .12 .13 .14), with each
# device's profiles those --probe detects.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/netns_lib.sh"
ns_require
NET=198.18.21
DEVS="2 3 4 5 6 8"

ns_new probe devs
ns_veth probe p0 devs d0
ns_addr probe p0 198.18.20.1/30
ns_addr devs d0 198.18.20.2/30
ns_route probe $NET.0/28 198.18.20.2
ns_addrs devs lo $NET.1 14
ns_exec devs nft -f - <<NFT || bail "nft in devs failed"
table inet vgdisc {
    chain vgin { type filter hook input priority -10; policy accept;
        ip daddr != { $NET.2, $NET.3, $NET.4, $NET.5, $NET.6, $NET.8, $NET.9, $NET.11 } udp dport 161 drop; }
}
NFT

# sim_at OCTET FILE COMMUNITY [SNMPSIMD-ARGS...]: snmpsimd in devs on NET.OCTET:161 serving FILE as COMMUNITY
sim_at() {
    local o="$1" f="$2" c="$3" data="$T_TMP/sim-$1" cache="$T_TMP/sim-cache-$1"; shift 3
    mkdir -p "$data" "$cache"; chmod 755 "$data"; chmod 777 "$cache"
    cp "$f" "$data/$c.snmprec" && chmod 644 "$data/$c.snmprec" || bail "cannot copy $f"
    ip netns exec "$(ns devs)" snmpsimd --data-dir="$data" --cache-dir="$cache" --agent-udpv4-endpoint="$NET.$o:161" \
        --process-user=nobody --process-group=nogroup --logging-method=null "$@" >"$T_TMP/snmpsimd-$o.out" 2>&1 &
    T_PIDS="$T_PIDS $!"
}
DEMO="$top_srcdir/demo/snmprec"
FIX="$top_srcdir/tests/fixtures/snmprec"
grep -v '^1\.3\.6\.1\.2\.1\.1\.5\.0|' "$FIX/skeleton-ups.snmprec" >"$T_TMP/noname.snmprec"
sim_at 2 "$FIX/skeleton-ups.snmprec" disc
sim_at 3 "$DEMO/nro-doullens-ups.snmprec" disc
sim_at 4 "$T_TMP/noname.snmprec" disc
sim_at 5 "$DEMO/nro-doullens-env.snmprec" disc
sim_at 6 "$DEMO/italie-clim-1.snmprec" disc
sim_at 8 "$DEMO/nro-doullens-env.snmprec" disc
sim_at 9 "$FIX/skeleton-ups.snmprec" other
sim_at 11 "$FIX/skeleton-ups.snmprec" disc3 --v3-only --v3-user=vigie --v3-auth-key=vigie-auth-key \
    --v3-auth-proto=SHA --v3-priv-key=vigie-priv-key --v3-priv-proto=AES
for o in 2 3 4 5 6 8; do
    wait_for 30 ns_exec probe snmpget -v2c -c disc -t 0.3 -r 0 $NET.$o .1.3.6.1.2.1.1.2.0 >/dev/null 2>&1 ||
        bail "snmpsimd on $NET.$o did not start"
done
wait_for 30 ns_exec probe snmpget -v2c -c other -t 0.3 -r 0 $NET.9 .1.3.6.1.2.1.1.2.0 >/dev/null 2>&1 ||
    bail "snmpsimd on $NET.9 did not start"
V3=(--version 3 --user vigie --level authPriv --auth-protocol SHA --auth-password vigie-auth-key
    --priv-protocol AES --priv-password vigie-priv-key --context disc3)
wait_for 30 ns_exec probe snmpget -v3 -u vigie -l authPriv -a SHA -A vigie-auth-key -x AES -X vigie-priv-key -n disc3 \
    -t 0.3 -r 0 $NET.11 .1.3.6.1.2.1.1.2.0 >/dev/null 2>&1 || bail "snmpsimd (SNMPv3) on $NET.11 did not start"

discover() { ns_exec probe "$AGENT" --profiles "$MIBS_DIR" --discover "$@"; }

# ---- the sweep, v2c ---------------------------------------------------------------------------
t0=$(t_now_ms)
discover $NET.0/28 --community disc --timeout 1 --retries 1 >"$T_TMP/table.out" 2>"$T_TMP/table.err"
rc=$?
t1=$(t_now_ms)
sed 's/^/# /' "$T_TMP/table.out"
ok $rc "--discover $NET.0/28 exits 0 when devices answered"
# 14 addresses, each at most 2 tries of 1 s paced at 100/s, 256 at once: 14*2/100 + 1*2*1 + 1 = 3.28 s
check "the bound is announced before the sweep: 14 addresses, at most 3 s" \
    grep -q "discover $NET.0/28: 14 address(es), at most 100 request(s)/s and 256 at once, 1 s timeout, 1 retry: the sweep takes at most 3 s" "$T_TMP/table.err"
check "summary: 14 asked, 6 answered, 8 silent" grep -q "^14 address(es) asked in .*: 6 answered, 8 silent\.$" "$T_TMP/table.out"
check "the summary says a wrong v2c community is silence" grep -q "does not know the community does not answer" "$T_TMP/table.out"
# the bound of the sweep plus 2 s for the detection of six devices (some 30 requests at 100/s)
ok $(( t1 - t0 <= 5280 ? 0 : 1 )) "within the bound: $((t1 - t0)) ms <= 3280 + 2000 ms"
found=$(awk -v net="$NET." 'index($1, net) == 1 { print $1 }' "$T_TMP/table.out" | tr '\n' ' ')
ok $([ "$found" = "$NET.2 $NET.3 $NET.4 $NET.5 $NET.6 $NET.8 " ] && echo 0 || echo 1) "the answering devices, in order: $found"
for o in 1 7 9 10 11 12 13 14; do
    ok $(grep -q "^$NET.$o " "$T_TMP/table.out" && echo 1 || echo 0) "$NET.$o (silent, wrong community or v3 only) is not listed"
done
check "sysName and sysObjectID of $NET.2" grep -Eq "^$NET.2 +ups-test +\.1\.3\.6\.1\.4\.1\.8072\.3\.2\.10 +ups-rfc1628 +vigie test UPS" "$T_TMP/table.out"
check "no sysName for $NET.4: '-'" grep -Eq "^$NET.4 +- +\.1\.3\.6\.1\.4\.1\.8072\.3\.2\.10 +ups-rfc1628 " "$T_TMP/table.out"
# each device's profiles are those --probe detects
for o in $DEVS; do
    want=$(ns_exec probe "$AGENT" --profiles "$MIBS_DIR" --probe $NET.$o --community disc --json 2>/dev/null |
        python3 -c 'import json,sys; print(",".join(json.load(sys.stdin)["device"]["profiles"]) or "generic")')
    got=$(awk -v a="$NET.$o" '$1 == a { print $4 }' "$T_TMP/table.out")
    ok $([ -n "$want" ] && [ "$got" = "$want" ] && echo 0 || echo 1) "$NET.$o: profiles $got, as --probe says ($want)"
done

# ---- --yaml: agent.yaml entries ----------------------------------------------------------------
discover $NET.0/28 --community disc --timeout 1 --retries 0 --yaml >"$T_TMP/devices.yaml" 2>"$T_TMP/yaml.err"
ok $? "--yaml exits 0"
sed 's/^/# /' "$T_TMP/devices.yaml"
names=$(python3 -c 'import yaml,sys; d=yaml.safe_load(open(sys.argv[1])); print(" ".join("%s=%s=%s" % (e["name"], e["host"], e["community"]) for e in d["devices"]))' "$T_TMP/devices.yaml")
ok $? "the YAML parses (python3 yaml)"
ok $([ "$names" = "ups-test=$NET.2=disc nro-doullens-ups=$NET.3=disc ups-4=$NET.4=disc nro-doullens-env=$NET.5=disc italie-clim-1=$NET.6=disc nro-doullens-env-2=$NET.8=disc" ] && echo 0 || echo 1) \
    "suggested names from sysName, de-duplicated, else class-octet: $names"
check "the table and summary go to stderr with --yaml" grep -q "6 answered, 8 silent" "$T_TMP/yaml.err"
{ printf 'agent: disc\nsite: s\nserver: http://127.0.0.1:9\ntoken: discover-test-token-0123\nspool_dir: %s/spool\n' "$T_TMP"
  cat "$T_TMP/devices.yaml"; } >"$T_TMP/agent.yaml"
chmod 600 "$T_TMP/agent.yaml"
"$AGENT" --profiles "$MIBS_DIR" -c "$T_TMP/agent.yaml" --check-config >"$T_TMP/check-config.out" 2>&1
ok $? "vigie-agent --check-config accepts the entries"
check "... all six devices" grep -q "6 device(s)" "$T_TMP/check-config.out"
# each entry works: its host and community answer a probe
for e in $(python3 -c 'import yaml,sys; print(" ".join("%s,%s" % (e["host"], e["community"]) for e in yaml.safe_load(open(sys.argv[1]))["devices"]))' "$T_TMP/devices.yaml"); do
    check "the entry for ${e%,*} answers --probe" ns_exec probe "$AGENT" --profiles "$MIBS_DIR" --probe "${e%,*}" --community "${e#*,}"
done

# ---- the rate holds, retries included ----------------------------------------------------------
t0=$(t_now_ms)
discover $NET.0/28 --community disc --timeout 0.5 --retries 1 --rate 20 >"$T_TMP/rate.out" 2>"$T_TMP/rate.err"
t1=$(t_now_ms)
req=$(sed -n 's/.*s), \([0-9]*\) request(s):.*/\1/p' "$T_TMP/rate.out")
# 14 GETs, 8 retries of the silent ones, then each device's probes: at 20/s, (req - 1) / 20 s at least
ok $([ -n "$req" ] && [ "$req" -ge 22 ] && [ $((t1 - t0)) -ge $(( (req - 1) * 50 )) ] && echo 0 || echo 1) \
    "--rate 20: $req requests took $((t1 - t0)) ms >= $(( (${req:-1} - 1) * 50 )) ms"
check "--rate 20: still 6 answered" grep -q ": 6 answered, 8 silent\.$" "$T_TMP/rate.out"

# ---- SNMPv3 ------------------------------------------------------------------------------------
discover $NET.0/28 "${V3[@]}" --timeout 1 --retries 1 >"$T_TMP/v3.out" 2>"$T_TMP/v3.err"
ok $? "--discover with SNMPv3 exits 0"
sed 's/^/# /' "$T_TMP/v3.out"
# .11 answers; every other snmpsimd (.2-.6, .8, .9) has an SNMPv3 engine that refuses user vigie
check "SNMPv3: 1 answered, 6 silent, 7 refused the user or keys" \
    grep -q ": 1 answered, 6 silent, 7 refused the SNMPv3 user or keys\.$" "$T_TMP/v3.out"
check "SNMPv3: $NET.11 with its profile" grep -Eq "^$NET.11 +ups-test +.* ups-rfc1628 " "$T_TMP/v3.out"
discover $NET.0/28 "${V3[@]}" --timeout 1 --retries 1 --yaml >"$T_TMP/v3.yaml" 2>/dev/null
check "SNMPv3 --yaml: the keys are placeholders, never the passwords given" \
    python3 -c 'import yaml,sys; e=yaml.safe_load(open(sys.argv[1]))["devices"][0]; sys.exit(not (e["host"] == "198.18.21.11" and e["version"] == 3 and e["user"] == "vigie" and e["auth_password"] == "CHANGE-ME-auth" and e["priv_password"] == "CHANGE-ME-priv" and e["context"] == "disc3"))' "$T_TMP/v3.yaml"
ok $(grep -q "vigie-auth-key\|vigie-priv-key" "$T_TMP/v3.yaml" "$T_TMP/v3.out" "$T_TMP/v3.err" && echo 1 || echo 0) \
    "no SNMPv3 password in the output"
V3BAD=("${V3[@]}"); V3BAD[9]=wrong-auth-key
discover $NET.0/28 "${V3BAD[@]}" --timeout 1 --retries 0 >"$T_TMP/v3bad.out" 2>"$T_TMP/v3bad.err"
ok $([ $? -eq 1 ] && echo 0 || echo 1) "a wrong SNMPv3 key: exit 1, nothing found"
check "... and 8 refused the user or keys" grep -q ": 0 answered, 6 silent, 8 refused the SNMPv3 user or keys\.$" "$T_TMP/v3bad.out"

# ---- bad input: exit 2 with a clear message -------------------------------------------------------
bad() { # bad DESCRIPTION MESSAGE-PATTERN ARGS...
    local d="$1" pat="$2"; shift 2
    "$AGENT" --profiles "$MIBS_DIR" "$@" >"$T_TMP/bad.out" 2>&1
    local rc=$?
    ok $([ $rc -eq 2 ] && grep -q -- "$pat" "$T_TMP/bad.out" && echo 0 || echo 1) "$d: exit $rc, $(head -1 "$T_TMP/bad.out")"
}
bad "a /8 is refused" "at most a /16" --discover 127.0.0.0/8 --community disc
bad "a /15 is refused" "at most a /16" --discover 198.18.0.0/15 --community disc
bad "a bad CIDR" "not an IPv4 CIDR" --discover 198.18.300.0/24 --community disc
bad "a bad prefix" "prefix length must be 16 to 32" --discover 198.18.21.0/33 --community disc
bad "host bits set" "did you mean 198.18.21.0/28" --discover 198.18.21.5/28 --community disc
bad "multicast" "multicast" --discover 224.0.0.0/24 --community disc
bad "no community" "needs --community" --discover 198.18.21.0/28
bad "SNMPv3 without a user" "needs --user" --discover 198.18.21.0/28 --version 3
bad "--rate 0" "rate must be 1 to 1000" --discover 198.18.21.0/28 --community disc --rate 0
bad "--rate without --discover" "go with --discover" --probe 127.0.0.1 --rate 5
finish

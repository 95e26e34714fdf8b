#!/bin/bash
# vigie-agent --record: a UPS and a PDU of ../shared/snmprec are served by snmpsimd and recorded; the new
# files, served in turn, must hold every object of the walked subtrees with the same type and value,
# and --probe must read the same metrics from them. Then the bounds (--max-oids, --max-time), a silent
# host, an existing file, bad arguments, SNMPv3 (no secret in the file or the log) and Net-SNMP's snmpd.
# Needs ../shared (CI always has it).
. "${top_srcdir:-.}/tests/integration/lib.sh"
SHARED=$(shared_dir) || bail "$SHARED"
RECS=(ups/eaton-mgeups_5px pdu/raritan-pdu_px2-temp)
ORIG="$T_TMP/orig" NEW="$T_TMP/new"
mkdir -p "$ORIG" "$NEW"
for r in "${RECS[@]}"; do
    [ -f "$SHARED/snmprec/$r.snmprec" ] || bail "$SHARED/snmprec/$r.snmprec not found"
    ln -s "$SHARED/snmprec/$r.snmprec" "$ORIG/"
done
chmod 755 "$NEW"

# snmprec.py check FILE: every line parses and the lines are in OID order, one per OID; prints the count.
# snmprec.py compare ORIGINAL NEW SUMMARY: the objects of ORIGINAL under the subtrees SUMMARY lists (the
# recorder's stderr) are all in NEW with the same type and value; NEW holds nothing else; the
# summary's count of each subtree is what NEW holds under it.
cat >"$T_TMP/snmprec.py" <<'EOF'
import codecs, re, sys
OCTETS = {'4', '64', '68'}
TAGS = {'2', '4', '5', '6', '64', '65', '66', '67', '68', '70'}
def key(oid): return [int(x) for x in oid.split('.')]
def value(tag, val):
    base, enc = (tag[:-1], tag[-1]) if tag[-1] in 'xe' else (tag, '')
    if base not in TAGS:
        raise ValueError('unknown tag ' + tag)
    if enc == 'x':
        return base, bytes.fromhex(val)
    if enc == 'e':
        return base, codecs.escape_decode(val.encode('latin-1'))[0]
    if base == '64' and re.fullmatch(r'\d+\.\d+\.\d+\.\d+', val):
        return base, bytes(int(x) for x in val.split('.'))
    if base in OCTETS or base == '5':
        return base, val.encode('latin-1')
    if base == '6':
        return base, val.lstrip('.')
    return base, int(val)
def load(path, strict=False):
    recs, order = {}, []
    for n, line in enumerate(open(path, 'rb'), 1):
        s = line.strip().decode('latin-1')
        if not s or (s.startswith('#') and not strict):
            continue
        oid, tag, val = s.split('|', 2)
        if strict and (oid.startswith('.') or not re.fullmatch(r'[0-9.]+', oid)):
            raise ValueError('%s:%d: bad OID %r' % (path, n, oid))
        recs[oid] = value(tag, val)
        order.append(key(oid))
    return recs, order
def under(oid, root): return oid == root or oid.startswith(root + '.')
if sys.argv[1] == 'check':
    recs, order = load(sys.argv[2], strict=True)
    if order != sorted(order) or len(order) != len(recs):
        sys.exit('%s: lines out of OID order or an OID twice' % sys.argv[2])
    print(len(recs))
    sys.exit(0)
orig, _ = load(sys.argv[2])
new, order = load(sys.argv[3], strict=True)
roots = {m.group(1): int(m.group(2)) for m in
         (re.match(r'^\s+([0-9.]+)\s+(\d+) OIDs', l) for l in open(sys.argv[4])) if m}
want = {o: v for o, v in orig.items() if any(under(o, r) for r in roots)}
missing = [o for o in want if o not in new]
differ = [o for o in want if o in new and new[o] != want[o]]
extra = [o for o in new if o not in want]
wrong_counts = [r for r, c in roots.items() if c != sum(1 for o in new if under(o, r))]
print('# %s: %d subtrees, %d objects of the original under them, %d in the re-recording: %d missing, '
      '%d different, %d extra, %d subtree counts wrong' % (sys.argv[2].split('/')[-1], len(roots), len(want),
      len(new), len(missing), len(differ), len(extra), len(wrong_counts)))
for o in (missing + differ + extra)[:10]:
    print('#   %s: original %r, new %r' % (o, want.get(o), new.get(o)))
ok = want and not missing and not differ and not extra and not wrong_counts and order == sorted(order)
sys.exit(0 if ok else 1)
EOF
SNMPREC="python3 $T_TMP/snmprec.py"

# same_probe A.json B.json: the same device class and profile, the same metrics with the same values
cat >"$T_TMP/same_probe.py" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def metrics(j): return {(m['name'], m['instance']): (m['value'], m['unit'], m['text'], m['severity'], m['label'])
                        for m in j['metrics']}
ma, mb = metrics(a), metrics(b)
print('# %s: %d metrics on the original, %d on the re-recording, %d differ' % (sys.argv[3], len(ma), len(mb),
      len(set(ma.items()) ^ set(mb.items()))))
for k in sorted(set(ma) | set(mb)):
    if ma.get(k) != mb.get(k):
        print('#   %s: %r / %r' % (k, ma.get(k), mb.get(k)))
same_dev = all(a['device'][k] == b['device'][k] for k in ('class', 'profile', 'sys_object_id'))
sys.exit(0 if same_dev and len(ma) > 3 and ma == mb else 1)
EOF

sim_start "$ORIG"
ORIG_PORT=$SIM_PORT
for r in "${RECS[@]}"; do
    name=$(basename "$r")
    "$AGENT" --profiles "$MIBS_DIR" --record "127.0.0.1:$ORIG_PORT" --community "$name" --timeout 3 --retries 2 \
        -o "$NEW/$name.snmprec" 2>"$T_TMP/$name.err"
    rc=$?
    [ $rc -eq 0 ] && [ -f "$NEW/$name.snmprec" ] && [ ! -e "$NEW/$name.snmprec.tmp" ] &&
        grep -q "OIDs from .* subtrees" "$T_TMP/$name.err"
    ok $? "$r: --record writes the file, exit status 0 (got $rc), no .tmp left, a summary on stderr"
    [ $rc -eq 0 ] || sed 's/^/#   /' "$T_TMP/$name.err" | head -10
    $SNMPREC compare "$ORIG/$name.snmprec" "$NEW/$name.snmprec" "$T_TMP/$name.err" >"$T_TMP/$name.cmp" 2>&1
    ok $? "$r: every object of the walked subtrees is re-recorded with its type and value, nothing else"
    cat "$T_TMP/$name.cmp"
done
chmod 644 "$NEW"/*.snmprec
sim_start "$NEW"
NEW_PORT=$SIM_PORT
for r in "${RECS[@]}"; do
    name=$(basename "$r")
    for port in "$ORIG_PORT" "$NEW_PORT"; do
        "$AGENT" --profiles "$MIBS_DIR" --probe "127.0.0.1:$port" --community "$name" --timeout 3 --retries 2 \
            --json >"$T_TMP/$name-$port.json" 2>"$T_TMP/$name-$port.probe.err"
    done
    python3 "$T_TMP/same_probe.py" "$T_TMP/$name-$ORIG_PORT.json" "$T_TMP/$name-$NEW_PORT.json" "$r" \
        >"$T_TMP/$name.same" 2>&1
    ok $? "$r: --probe reads the same profile, metrics and values from the re-recording as from the original"
    cat "$T_TMP/$name.same"
done

# ---- bounds ----
UPS=$(basename "${RECS[0]}")
"$AGENT" --profiles "$MIBS_DIR" --record "127.0.0.1:$ORIG_PORT" --community "$UPS" --max-oids 10 \
    -o "$T_TMP/ten.snmprec" 2>"$T_TMP/ten.err"
rc=$?
n=$($SNMPREC check "$T_TMP/ten.snmprec" 2>&1)
[ $rc -eq 3 ] && [ "$n" = 10 ] && grep -q 'stopped early (--max-oids 10 reached): the recording is incomplete' \
    "$T_TMP/ten.err"
ok $? "--max-oids 10: exit status 3 (got $rc), a valid file of 10 OIDs (got $n), the reason on stderr"
"$AGENT" --profiles "$MIBS_DIR" --record "127.0.0.1:$ORIG_PORT" --community "$UPS" --max-time 0.001 \
    -o "$T_TMP/quick.snmprec" 2>"$T_TMP/quick.err"
rc=$?
[ $rc -eq 3 ] && [ -f "$T_TMP/quick.snmprec" ] && grep -q 'stopped early (--max-time 0.001 s reached)' "$T_TMP/quick.err"
ok $? "--max-time 0.001: exit status 3 (got $rc), a file written, the reason on stderr"

# ---- failures: nothing written ----
SILENT=$(free_port udp)
"$AGENT" --profiles "$MIBS_DIR" --record "127.0.0.1:$SILENT" --timeout 0.3 --retries 1 -o "$T_TMP/silent.snmprec" \
    2>"$T_TMP/silent.err"
rc=$?
[ $rc -eq 1 ] && [ ! -e "$T_TMP/silent.snmprec" ] && [ ! -e "$T_TMP/silent.snmprec.tmp" ] &&
    grep -q "did not answer (2 tries of 0.3 s).*nothing written" "$T_TMP/silent.err"
ok $? "a host that does not answer: exit status 1 (got $rc), a clear error, no file"
sed 's/^/#   /' "$T_TMP/silent.err"

EXIST="$NEW/$UPS.snmprec"
before=$(md5sum <"$EXIST")
"$AGENT" --profiles "$MIBS_DIR" --record "127.0.0.1:$ORIG_PORT" --community "$UPS" -o "$EXIST" 2>"$T_TMP/exist.err"
rc=$?
[ $rc -eq 2 ] && [ "$(md5sum <"$EXIST")" = "$before" ] && grep -q "exists: give another -o FILE, or --force" "$T_TMP/exist.err"
ok $? "an existing -o file is refused without --force (exit status $rc) and left as it was"
echo "1.3.6.1.2.1.1.1.0|4|old" >"$T_TMP/old.snmprec"
"$AGENT" --profiles "$MIBS_DIR" --record "127.0.0.1:$ORIG_PORT" --community "$UPS" -o "$T_TMP/old.snmprec" --force \
    2>"$T_TMP/force.err"
rc=$?
[ $rc -eq 0 ] && cmp -s "$T_TMP/old.snmprec" "$EXIST"
ok $? "--force replaces it with the same recording as before (exit status $rc)"

bad_arg() { # bad_arg DESCRIPTION EXPECTED-TEXT ARGS...
    local d="$1" want="$2"; shift 2
    "$AGENT" --profiles "$MIBS_DIR" "$@" >"$T_TMP/bad.out" 2>&1
    local rc=$?
    [ $rc -eq 2 ] && grep -q -- "$want" "$T_TMP/bad.out" && [ ! -e "$T_TMP/bad.snmprec" ]
    ok $? "$d: exit status 2 (got $rc) and '$want'"
    [ $rc -eq 2 ] || sed 's/^/#   /' "$T_TMP/bad.out" | head -5
}
bad_arg "--record without -o" "--record needs -o FILE" --record 127.0.0.1
bad_arg "--max-oids 0" "--max-oids must be 1-10000000, not: 0" --record 127.0.0.1 -o "$T_TMP/bad.snmprec" --max-oids 0
bad_arg "--max-time abc" "--max-time must be in (0, 86400\] seconds, not: abc" --record 127.0.0.1 \
    -o "$T_TMP/bad.snmprec" --max-time abc
bad_arg "-o without --record" "go with --record" --probe 127.0.0.1 -o "$T_TMP/bad.snmprec"
bad_arg "a bad port" "--record takes HOST or HOST:PORT, not: 127.0.0.1:99999" --record 127.0.0.1:99999 \
    -o "$T_TMP/bad.snmprec"
bad_arg "SNMPv3 without --user" "SNMPv3 needs --user" --record 127.0.0.1 --version 3 -o "$T_TMP/bad.snmprec"

# ---- SNMPv3: the same walk, and no secret written anywhere ----
V3D="$T_TMP/v3-data" V3C="$T_TMP/v3-cache"
mkdir -p "$V3D" "$V3C"; chmod 777 "$V3C"; chmod 755 "$V3D"
cp "$SHARED/snmprec/${RECS[1]}.snmprec" "$V3D/"; chmod 644 "$V3D"/*
PDU=$(basename "${RECS[1]}")
V3PORT=$(free_port udp)
user=(); [ "$(id -u)" -eq 0 ] && user=(--process-user=nobody --process-group=nogroup)
snmpsimd --data-dir="$V3D" --cache-dir="$V3C" --agent-udpv4-endpoint="127.0.0.1:$V3PORT" "${user[@]}" \
    --logging-method=null --v3-only --v3-user=recorder --v3-auth-key=auth-secret-77 --v3-auth-proto=SHA256 \
    --v3-priv-key=priv-secret-77 --v3-priv-proto=AES >"$T_TMP/snmpsimd-v3.log" 2>&1 &
T_PIDS="$T_PIDS $!"
wait_for 15 snmpget -v3 -l authPriv -u recorder -a SHA-256 -A auth-secret-77 -x AES -X priv-secret-77 -n "$PDU" \
    -t 0.3 -r 0 "127.0.0.1:$V3PORT" .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 || bail "snmpsimd (SNMPv3) did not start"
"$AGENT" --profiles "$MIBS_DIR" --record "127.0.0.1:$V3PORT" --version 3 --user recorder --auth-protocol SHA-256 \
    --auth-password auth-secret-77 --priv-protocol AES --priv-password priv-secret-77 --context "$PDU" \
    --log-level debug -o "$T_TMP/v3.snmprec" 2>"$T_TMP/v3.err"
rc=$?
[ $rc -eq 0 ] && cmp -s "$T_TMP/v3.snmprec" "$NEW/$PDU.snmprec"
ok $? "SNMPv3 authPriv: the recording is the same as with v2c (exit status $rc)"
! grep -q -e auth-secret-77 -e priv-secret-77 -e recorder "$T_TMP/v3.snmprec" "$T_TMP/v3.err"
ok $? "SNMPv3: neither the user nor a password is in the file or on stderr"

# ---- Net-SNMP's snmpd, a real agent: its system group and its enterprise subtree (sysObjectID) ----
if command -v snmpd >/dev/null; then
    SPORT=$(free_port udp)
    mkdir -p "$T_TMP/snmpd-state"
    cat >"$T_TMP/snmpd.conf" <<EOF
rocommunity rec-public 127.0.0.1
sysLocation rack 42 | row B
sysContact ops@example.org
override .1.3.6.1.4.1.8072.9999.1.0 integer 4242
override .1.3.6.1.4.1.8072.9999.2.0 octet_str "two  spaces"
EOF
    MIBS= SNMP_PERSISTENT_DIR="$T_TMP/snmpd-state" SNMPCONFPATH="$T_TMP/snmpd-state" snmpd -f -C \
        -c "$T_TMP/snmpd.conf" -Lf "$T_TMP/snmpd-out.log" -p "$T_TMP/snmpd.pid" \
        -I override,system_mib,snmp_mib,vacm_conf,vacm_vars "udp:127.0.0.1:$SPORT" &
    T_PIDS="$T_PIDS $!"
    wait_for 15 snmpget -v2c -c rec-public -t 0.3 -r 0 "127.0.0.1:$SPORT" .1.3.6.1.2.1.1.2.0 >/dev/null 2>&1 ||
        bail "snmpd did not start on port $SPORT"
    "$AGENT" --profiles "$MIBS_DIR" --record "127.0.0.1:$SPORT" --community rec-public -o "$T_TMP/snmpd.snmprec" \
        2>"$T_TMP/snmpd-rec.err"
    rc=$?
    n=$($SNMPREC check "$T_TMP/snmpd.snmprec" 2>&1)
    sys=$(snmpwalk -v2c -c rec-public -On "127.0.0.1:$SPORT" .1.3.6.1.2.1.1 | grep -c '^\.1\.3\.6\.1\.2\.1\.1\.')
    got=$(grep -c '^1\.3\.6\.1\.2\.1\.1\.' "$T_TMP/snmpd.snmprec")
    [ $rc -eq 0 ] && [ "$got" -eq "$sys" ] && [ "$sys" -gt 5 ]
    ok $? "snmpd: exit status $rc, a valid file ($n OIDs), the system group whole ($got of snmpwalk's $sys)"
    grep -q '^1\.3\.6\.1\.4\.1\.8072\.9999\.1\.0|2|4242$' "$T_TMP/snmpd.snmprec" &&
        grep -q '^1\.3\.6\.1\.4\.1\.8072\.9999\.2\.0|4|two  spaces$' "$T_TMP/snmpd.snmprec" &&
        grep -q '^ *1\.3\.6\.1\.4\.1\.8072 .*(sysObjectID)' "$T_TMP/snmpd-rec.err"
    ok $? "snmpd: its enterprise subtree (from sysObjectID 1.3.6.1.4.1.8072...) is recorded"
    grep -q '^1\.3\.6\.1\.2\.1\.1\.6\.0|4x|7261636b203432207c20726f772042$' "$T_TMP/snmpd.snmprec"
    ok $? "snmpd: a string with '|' is written in hex ('4x')"
    chmod 755 "$T_TMP"; chmod 644 "$T_TMP/snmpd.snmprec"
    mkdir -p "$T_TMP/snmpd-rec" && chmod 755 "$T_TMP/snmpd-rec" && cp "$T_TMP/snmpd.snmprec" "$T_TMP/snmpd-rec/"
    chmod 644 "$T_TMP/snmpd-rec/snmpd.snmprec"
    sim_start "$T_TMP/snmpd-rec"
    a=$(snmpget -v2c -c rec-public -On -Oqv "127.0.0.1:$SPORT" .1.3.6.1.2.1.1.6.0 .1.3.6.1.2.1.1.1.0)
    b=$(snmpget -v2c -c snmpd -On -Oqv "127.0.0.1:$SIM_PORT" .1.3.6.1.2.1.1.6.0 .1.3.6.1.2.1.1.1.0)
    [ -n "$a" ] && [ "$a" = "$b" ]
    ok $? "snmpd: snmpsimd serves the recording's sysLocation and sysDescr as snmpd does"
else
    echo "# snmpd not installed: the real-agent part is not run"
fi
finish

#!/bin/bash
# The recorder profiles (mibs/recorder-*.yaml) against the recordings of tests/fixtures/nvr/: two real
# ones from LibreNMS (a Hikvision NVR, a Dahua NVR) and one written from HIKVISION-MIB with a disk
# in each state (README.md there). Each is detected, classed `recorder` and read as its .expected
# file says; the severities the MIB's disk states are given are checked one by one.
. "${top_srcdir:-.}/tests/integration/lib.sh"
FIX="$top_srcdir/tests/fixtures/nvr"
COMPARE="python3 $top_srcdir/tests/integration/compare_expected.py"

check "vigie-agent --check-profiles accepts the recorder profiles" "$AGENT" --check-profiles "$MIBS_DIR"

sim_start "$FIX"
for rec in hikvision-nvr dahua-nvr hikvision-nvr-disks; do
    "$AGENT" --profiles "$MIBS_DIR" --probe "127.0.0.1:$SIM_PORT" --community "$rec" --timeout 3 --retries 2 \
        --json >"$T_TMP/$rec.json" 2>"$T_TMP/$rec.err"
    $COMPARE "$T_TMP/$rec.json" "$FIX/$rec.expected" >"$T_TMP/$rec.diff" 2>&1
    ok $? "$rec is read as $rec.expected says"
    [ -s "$T_TMP/$rec.diff" ] && sed 's/^/#   /' "$T_TMP/$rec.diff" | head -20
done

# severity SEV METRIC INSTANCE FILE: the severity the agent gave that value
severity() {
    python3 -c "import json,sys; j=json.load(open(sys.argv[3]))
print(next(m['severity'] for m in j['metrics'] if m['name']==sys.argv[1] and m['instance']==sys.argv[2]))" \
        "$1" "$2" "$3" 2>/dev/null
}
D="$T_TMP/hikvision-nvr-disks.json"
for want in 1:ok 2:warning 3:ok 4:critical 5:unknown; do
    disk=${want%%:*} sev=${want#*:}
    got=$(severity recorder.disk.status "$disk" "$D")
    [ "$got" = "$sev" ]
    ok $? "disk $disk ($(json_get "$D" "next(m['text'] for m in j['metrics'] if m['name']=='recorder.disk.status' and m['instance']=='$disk')")) is $sev (got ${got:-nothing})"
done
[ "$(severity device.alarm "" "$T_TMP/dahua-nvr.json")" = ok ]
ok $? "the Dahua recorder's deviceStatus good(1) is ok"
json_get "$D" "j['device']['sys_object_id']" | grep -qx '.1.3.6.1.4.1.8072.3.2.10'
ok $? "a recorder answering with the Net-SNMP sysObjectID is detected by its disk table"
finish

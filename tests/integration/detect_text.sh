#!/bin/bash
# Detection by an answer's text (issue 17): a Rittal PDU and a Rittal CMC III processing unit answer
# the same sysObjectID and the same variable table; only sysDescr tells them apart. Two recordings of
# our own, written here, served by snmpsimd and probed with the shipped profiles: the PDU is a pdu
# (pdu-rittal-cmc3-pdu's probe on sysDescr "Rittal PDU*") with env-rittal-cmc3 composed below it, the
# PU an env device that the PDU profile never joins.
. "${top_srcdir:-.}/tests/integration/lib.sh"
mkdir -p "$T_TMP/sim"
rec() { # rec NAME SYSDESCR: a CMC III answering one variable row, device 2 "Phase L1.Voltage.Value"
    cat >"$T_TMP/sim/$1.snmprec" <<REC
1.3.6.1.2.1.1.1.0|4|$2
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.2606.7
1.3.6.1.2.1.1.3.0|67|123456
1.3.6.1.4.1.2606.7.2.1.0|2|1
1.3.6.1.4.1.2606.7.4.2.2.1.3.2.1|4|Phase L1.Voltage.Value
1.3.6.1.4.1.2606.7.4.2.2.1.5.2.1|4|V
1.3.6.1.4.1.2606.7.4.2.2.1.10.2.1|4|229.2 V
REC
}
rec rittal-pdu "Rittal PDU SN 10000001 HW REV.0404 - SW V7.17.30_1"
rec rittal-pu "Rittal CMC III PU SN 10000002 HW V6.02 - SW V3.15.70_4"
sim_start "$T_TMP/sim"
for n in rittal-pdu rittal-pu; do
    "$AGENT" --profiles "$MIBS_DIR" --probe "127.0.0.1:$SIM_PORT" --community "$n" --json >"$T_TMP/$n.json" 2>"$T_TMP/$n.err"
done
check "the PDU is a pdu, read first by pdu-rittal-cmc3-pdu, the controller's profile composed below it" \
    python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['device']; assert d['class']=='pdu' and d['profiles'][0]=='pdu-rittal-cmc3-pdu' and 'env-rittal-cmc3' in d['profiles'], d" "$T_TMP/rittal-pdu.json"
check "... and its phase voltage is read (229.2 V)" \
    python3 -c "import json,sys; m=[x for x in json.load(open(sys.argv[1]))['metrics'] if x['name']=='input.voltage']; assert len(m)==1 and m[0]['value']==229.2, m" "$T_TMP/rittal-pdu.json"
check "the processing unit, same sysObjectID and table, is an env device without the PDU profile" \
    python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['device']; assert d['class']=='env' and 'pdu-rittal-cmc3-pdu' not in d['profiles'], d" "$T_TMP/rittal-pu.json"
finish

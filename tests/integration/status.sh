#!/bin/bash
# `vigie status` sums table values up, from the summary GET /api/v1/status computes: first on pushes
# with hand-computed figures (a PDU of 8 outlets, 7 on, and 3 phases of 2.1 + 3.4 + 1.0 A; an OLT of
# 16 PON ports, 12 up, and 128 ONTs, 120 online; cooling units; a UPS's runtime; uptimes in days and
# hours), in English and in French (--lang, LANG), as JSON too; then on the demo estate served by
# snmpsimd (demo/snmprec, demo/README.md says what each device holds), through the real agents.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/demo_estate.sh"

AGENT_TOKEN=status-test-agent-token-01
READ=status-test-read-token-0001
server_start status "step: 5
sites: [{id: italie, name: \"Data center Italie\", kind: datacenter}]
agents: [{id: dc-italie, token: $AGENT_TOKEN, site: italie}]
api_tokens: [{name: ops, token: $READ}]"

NOW=$(date +%s)
python3 - "$NOW" >"$T_TMP/batch.json" <<'PY'
import json, sys
ts = int(sys.argv[1]) - 2
s = []
def add(dev, metric, value, unit, inst="", text=None, sev=None):
    x = {"device": dev, "metric": metric, "instance": inst, "value": value, "unit": unit, "ts": ts}
    if text: x["text"] = text
    if sev: x["severity"] = sev
    s.append(x)
for d in ("pdu1", "olt1", "clim1", "ups1", "env1"):
    add(d, "device.reachable", 1, "bool")
# PDU: 8 outlets, the 5th off; 3 phases; up 12 d 4 h = 12 x 86,400 + 4 x 3,600 = 1,051,200 s
for i in range(1, 9):
    add("pdu1", "outlet.status", 1 if i == 5 else 2, "state", str(i), "off" if i == 5 else "on", "warning" if i == 5 else "ok")
for ph, a, w in (("L1", 2.1, 480), ("L2", 3.4, 780), ("L3", 1.0, 230)):
    add("pdu1", "input.current", a, "A", ph)
    add("pdu1", "input.realpower", w, "W", ph)
add("pdu1", "device.uptime", 1051200, "s")
# OLT: 16 PON ports, 12 up; 128 ONTs, 120 online, 8 offline; the worst receive power -28.5 dBm at 0/3/17
for p in range(16):
    add("olt1", "olt.pon.status", 1 if p < 12 else 2, "state", str(p), "up" if p < 12 else "down", "ok" if p < 12 else "warning")
for i in range(128):
    inst = "0/%d/%d" % (i // 32, i % 32)
    add("olt1", "olt.ont.status", 1 if i < 120 else 2, "state", inst, "online" if i < 120 else "offline")
    add("olt1", "olt.ont.rx.power", -28.5 if inst == "0/3/17" else -20.0 - i % 5, "dBm", inst)
add("olt1", "device.uptime", 273600, "s")   # 3 d 4 h = 259,200 + 14,400 s
# cooling: three units, on, standby, on; one alarm of two active
for u, code, word in (("1", 1, "on"), ("2", 3, "standby"), ("3", 1, "on")):
    add("clim1", "cooling.state", code, "state", u, word, "ok")
add("clim1", "cooling.alarm", 2, "state", "1", "alarm", "critical")
add("clim1", "cooling.alarm", 1, "state", "2", "ok", "ok")
# UPS: 2,579 s of runtime = 42 whole minutes; up 7,500 s = 2 h 05 min
add("ups1", "battery.charge", 97, "%")
add("ups1", "battery.runtime", 2579, "s")
add("ups1", "device.uptime", 7500, "s")
add("env1", "env.temperature", 22.5, "degC", "1")
print(json.dumps({"agent": "dc-italie", "seq": 1, "samples": s,
                  "devices": [{"name": "pdu1", "class": "pdu", "profile": "pdu-apc-rpdu2"},
                              {"name": "olt1", "class": "olt", "profile": "olt-huawei-smartax"},
                              {"name": "clim1", "class": "cooling", "profile": "cooling-stulz-wib8000"},
                              {"name": "ups1", "class": "ups", "profile": "ups-rfc1628"},
                              {"name": "env1", "class": "env", "profile": "env-akcp-sensorprobe"}]}))
PY
code=$(curl -s -o "$T_TMP/push.out" -w '%{http_code}' -H "Authorization: Bearer $AGENT_TOKEN" \
    --data-binary @"$T_TMP/batch.json" "$SERVER_URL/api/v1/ingest")
[ "$code" = 200 ] || bail "push refused: $code $(cat "$T_TMP/push.out")"

export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN="$READ"
run() { # run NAME ARGS...: the CLI's output in $T_TMP/NAME.out, its exit status in $RC
    local name="$1"; shift
    "$CLI" "$@" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
    RC=$?
}
# after DEVICE FILE: the line under DEVICE's line (its summary)
after() { awk -v d="$1" '$2 == d { getline; print; exit }' "$T_TMP/$2.out"; }
line_is() { # line_is DESCRIPTION GOT WANT
    [ "$2" = "$3" ]; ok $? "$1"
    [ "$2" = "$3" ] || { echo "#   got:  '$2'"; echo "#   want: '$3'"; }
}

LC_ALL=C run en status
[ "$RC" = 0 ]; ok $? "vigie status exits 0"
line_is "PDU: total current over its phases, outlets on/off, power, uptime" "$(after pdu1 en)" \
    "    current 6.5 A (sum of 3 phases), outlets 7 on / 1 off, power 1.49 kW, up 12 d 4 h"
line_is "OLT: PON ports up of all, ONTs online of known, worst ONT receive power" "$(after olt1 en)" \
    "    PON ports 12/16 up, ONTs 120/128 online, worst ONT rx -28.5 dBm (0/3/17), up 3 d 4 h"
line_is "cooling: the units' states and the alarms active" "$(after clim1 en)" "    units 2 on, 1 standby, 1 alarm active"
line_is "UPS: runtime in whole minutes, uptime under a day in hours and minutes" "$(after ups1 en)" \
    "    runtime 42 min, up 2 h 05 min"
check "the UPS's line keeps its key values" grep -Eq '^italie +ups1 +reachable .* battery.charge=97 %' "$T_TMP/en.out"
check "a device with nothing to sum up has no summary line" sh -c "awk '\$2 == \"env1\" { getline; print; exit }' '$T_TMP/en.out' | grep -Eq '^italie +olt1 '"
check "without -v, no table row and no uptime on the device line" sh -c "! grep -E '^italie +pdu1 ' '$T_TMP/en.out' | grep -Eq '@|device.uptime'"

run fr status --lang fr
line_is "--lang fr: the PDU in French, decimal comma" "$(after pdu1 fr)" \
    "    courant 6,5 A (somme de 3 phases), prises 7 allumées / 1 éteinte, puissance 1,49 kW, en service depuis 12 j 4 h"
line_is "--lang fr: the OLT in French" "$(after olt1 fr)" \
    "    ports PON 12/16 actifs, ONT 120/128 en ligne, pire réception ONT -28,5 dBm (0/3/17), en service depuis 3 j 4 h"
line_is "--lang fr: the cooling units in French" "$(after clim1 fr)" "    unités 2 on, 1 standby, 1 alarme active"
check "--lang fr: the header and the states in French" sh -c "head -1 '$T_TMP/fr.out' | grep -Eq '^SITE +ÉQUIPEMENT +ÉTAT +ÂGE  VALEURS\$' &&
    grep -Eq '^italie +pdu1 +joignable ' '$T_TMP/fr.out' && tail -1 '$T_TMP/fr.out' | grep -q '^5 équipement(s)\.\$'"
check "--lang fr: the columns line up (characters, not bytes)" sh -c "head -1 '$T_TMP/fr.out' | grep -q '^SITE             ÉQUIPEMENT       ÉTAT            ÂGE  VALEURS\$'"
env -u LC_ALL -u LC_MESSAGES LANG=fr_FR.UTF-8 "$CLI" status >"$T_TMP/lang.out" 2>&1
check "LANG=fr_FR.UTF-8 speaks French" grep -q '^    unités 2 on' "$T_TMP/lang.out"
env LC_ALL=C.UTF-8 LANG=fr_FR.UTF-8 "$CLI" status >"$T_TMP/lcall.out" 2>&1
check "LC_ALL comes before LANG" grep -q '^    units 2 on' "$T_TMP/lcall.out"
env LANG=fr_FR.UTF-8 "$CLI" status --lang en >"$T_TMP/forced.out" 2>&1
check "--lang en comes before the environment" grep -q '^    units 2 on' "$T_TMP/forced.out"

run verbose status -v --lang en
check "-v: the uptime in days and hours among the values" grep -Eq '^italie +pdu1 .* device.uptime=12 d 4 h' "$T_TMP/verbose.out"
check "-v: the table rows too" grep -Eq '^italie +pdu1 .* outlet.status@5=off' "$T_TMP/verbose.out"

run json status --json
check "--json: the summary and the class of each device" python3 - "$T_TMP/json.out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
d = {x["device"]: x for x in j["devices"]}
p = d["pdu1"]["summary"]
assert d["pdu1"]["class"] == "pdu", d["pdu1"]["class"]
assert abs(p["current"]["value"] - 6.5) < 1e-9 and p["current"]["over"] == "phases" and p["current"]["count"] == 3, p
assert p["outlets"] == {"on": 7, "off": 1, "other": 0, "total": 8}, p
assert abs(p["power"]["value"] - 1490) < 1e-9 and p["uptime"] == {"seconds": 1051200}, p
o = d["olt1"]["summary"]
assert o["pon_ports"] == {"up": 12, "down": 4, "other": 0, "total": 16}, o
assert o["onts"] == {"online": 120, "offline": 8, "other": 0, "known": 128, "from": "status"}, o
assert o["ont_rx_worst"]["value"] == -28.5 and o["ont_rx_worst"]["instance"] == "0/3/17", o
c = d["clim1"]["summary"]
assert [u["state"] for u in c["units"]] == ["on", "standby", "on"] and c["alarms"]["active"] == 1, c
assert d["ups1"]["summary"]["runtime"] == {"seconds": 2579.0, "minutes": 42}, d["ups1"]["summary"]
assert d["env1"]["summary"] == {} and d["env1"]["class"] == "env", d["env1"]
PY
run badlang status --lang de
[ "$RC" = 2 ] && grep -q -- "--lang must be fr or en" "$T_TMP/badlang.err"; ok $? "--lang de: exit 2, saying what --lang may be"
run badarg status --frobnicate
[ "$RC" = 2 ] && grep -q "unexpected argument: --frobnicate" "$T_TMP/badarg.err"; ok $? "an unknown argument: exit 2"
server_stop
ok $? "the server stops cleanly"

# ---- the demo estate: real profiles, real agents, snmpsimd ----
demo_estate_start 5
demo_estate_wait 16
# the ONTs are read in a slow sweep: wait until Doullens' 26 are all in
onts_in() {
    curl -sf -H "Authorization: Bearer $DEMO_TOKEN" "$SERVER_URL/api/v1/status" | python3 -c "
import json, sys
d = [d for d in json.load(sys.stdin)['devices'] if d['site'] == 'doullens' and d['device'] == 'olt']
sys.exit(0 if d and d[0]['summary'].get('onts', {}).get('known') == 26 else 1)"
}
wait_for 60 onts_in
ok $? "the demo OLT of Doullens reports its 26 ONTs"
VIGIE_SERVER=$SERVER_URL VIGIE_TOKEN=$DEMO_TOKEN LC_ALL=C run demo status
sed "s/^/# /" "$T_TMP/demo.out" # what the demo estate looks like, in the log
demo_after() { awk -v s="$1" -v d="$2" '$1 == s && $2 == d { getline; print; exit }' "$T_TMP/demo.out"; }
# demo/README.md: eight outlets, all on; one phase; PON ports GPON 0/1/0..7 up with 26 ONTs; cooling on
check "demo PDU A: its single phase, 8 outlets on, its power" sh -c "echo '$(demo_after italie pdu-a)' |
    grep -Eq '^    current [0-9]+\.[0-9] A \(1 phase\), outlets 8 on / 0 off, power [0-9.]+ kW, up [0-9]+ d [0-9]+ h\$'"
check "demo OLT of Doullens: 8/8 PON ports up, 26/26 ONTs online" sh -c "echo '$(demo_after doullens olt)' |
    grep -Eq '^    PON ports 8/8 up, ONTs 26/26 online, worst ONT rx -[0-9]+\.[0-9] dBm \([^)]+\), up [0-9]+ d [0-9]+ h\$'"
check "demo cooling unit of Italie: its state" sh -c "echo '$(demo_after italie clim-1)' | grep -Eq '^    state on(, |\$)'"
check "demo UPS A: its runtime in minutes" sh -c "echo '$(demo_after italie ups-a)' | grep -Eq '^    runtime [0-9]+ min'"
demo_estate_stop_agents
ok $? "the three agents stop cleanly on SIGTERM (exit 0)"
server_stop
ok $? "the demo server stops cleanly"
finish

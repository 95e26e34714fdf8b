#!/bin/bash
# Per-ONT optical levels of a large OLT read in a slow sweep (issue 17): a Huawei SmartAX-like OLT of
# 2,048 ONTs over 16 PON ports (written at run time by ont_sweep_snmprec.py), polled every 5 s with
# sweep_requests N. Its swept columns (olt.ont.rx.power, tx.power, olt.rx.power, distance: `sweep: true`
# in mibs/olt-huawei-smartax.yaml) are walked a slice a cycle; asserted:
#   - every ONT's rx power reaches the server, each with its own value, within ceil(rows / (N * bulk))
#     cycles (bulk: the rows of a GETBULK, 48 varbinds over the swept columns), a slice per cycle;
#   - the requests of every cycle, counted by a UDP relay between the agent and snmpsimd, are what
#     the agent says, at most N of them for the sweep, the rest (the normal poll) the same every cycle;
#   - the normal metrics (the PON ports) are stored every cycle, and the next pass starts over.
# The server's step is 3600 s: a file per ONT at the agent's 5 s would be 660 KiB (1.3 GB here).
. "${top_srcdir:-.}/tests/integration/lib.sh"
TOKEN=ont-sweep-token-00001
test_gt() { [ "$($1)" -gt "$2" ]; } # test_gt COMMAND N: COMMAND prints more than N
N=40
ONTS=2048
mkdir -p "$T_TMP/sim"
python3 "$top_srcdir/tests/integration/ont_sweep_snmprec.py" "$T_TMP/sim/olt.snmprec" 16 128 ||
    bail "cannot write the OLT's recording"
sim_start "$T_TMP/sim"

# The relay: each datagram from the agent is forwarded to snmpsimd, and written to relay.log with its
# time and whether it opens a cycle.
python3 - "$T_TMP/relay.port" "$SIM_PORT" "$T_TMP/relay.log" <<'PY' &
import os, select, socket, sys, time
front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
front.bind(('127.0.0.1', 0))
open(sys.argv[1] + '.tmp', 'w').write(str(front.getsockname()[1]))
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
sim = ('127.0.0.1', int(sys.argv[2]))
log = open(sys.argv[3], 'w', buffering=1)
back, client = {}, {}
while True:
    for s in select.select([front] + list(back.values()), [], [])[0]:
        if s is front:
            data, addr = front.recvfrom(65535)
            if addr not in back:
                b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                b.connect(sim)
                back[addr], client[b] = b, addr
            back[addr].send(data)
            # a cycle opens with a GET of sysObjectID alone (engine.c): 0xa0 PDU, OID 1.3.6.1.2.1.1.2.0
            first = len(data) < 80 and b'\xa0' in data and b'\x06\x08\x2b\x06\x01\x02\x01\x01\x02\x00' in data
            log.write('%.3f %d\n' % (time.time(), first))
        else:
            front.sendto(s.recv(65535), client[s])
PY
T_PIDS="$T_PIDS $!"
wait_for 5 test -f "$T_TMP/relay.port" || bail "the relay did not start"
RELAY_PORT=$(cat "$T_TMP/relay.port")

server_start server "step: 3600
max_series_per_device: 20000
max_series_per_agent: 50000
agents: [{id: sweep, token: $TOKEN}]"
agent_start agent "agent: sweep
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
profiles: $MIBS_DIR
interval: 5
timeout: 2
retries: 1
sweep_requests: $N
devices:
  - {name: olt, host: 127.0.0.1, port: $RELAY_PORT, community: olt, profile: olt-huawei-smartax}" \
    --profiles "$MIBS_DIR" --log-level debug

rx_all() { [ "$(db_query "select count(*) from latest where device = 'olt' and metric = 'olt.ont.rx.power'")" = "$ONTS" ]; }
wait_for 120 grep -q "olt: .* pass 1 complete" "$AGENT_LOG"
ok $? "the sweep completes a pass"
wait_for 10 rx_all
ok $? "every ONT's rx power reached the server"
db_query "select group_concat(instance || '=' || value || '@' || ts, ' ') from latest where device = 'olt' and metric = 'olt.ont.rx.power'" \
    >"$T_TMP/rx.latest"

# the figures of the sweep, from the agent's log: columns, cycles of the first pass
cols=$(sed -n 's/.*olt: [0-9]* requests, [0-9]* of [0-9]* for the sweep: [0-9]* cells of \([0-9]*\) columns.*/\1/p' "$AGENT_LOG" | head -1)
cycles=$(sed -n 's/.*olt: .* pass 1 complete in \([0-9]*\) cycles.*/\1/p' "$AGENT_LOG")
bulk=$((48 / ${cols:-1}))
expect=$(((ONTS + N * bulk - 1) / (N * bulk)))
echo "# $cols swept columns, $bulk rows a request, $N requests a cycle: first pass in $cycles cycles (expected $expect)"
ok $([ "$cycles" = "$expect" ]; echo $?) "the pass took ceil($ONTS / ($N * $bulk)) = $expect cycles ($cycles)"
check "each ONT has its own value, and each cycle gave one slice of at most $((N * bulk)) ONTs" \
    python3 - "$T_TMP/rx.latest" "$expect" "$((N * bulk))" <<'PY'
import collections, sys
rows = [r.split('=') for r in open(sys.argv[1]).read().split()]
cycles, slice_max = int(sys.argv[2]), int(sys.argv[3])
by_ts = collections.Counter()
base = 4194304000 + 8192
for inst, rest in rows:
    value, ts = rest.split('@')
    port_ix, ont = (int(x) for x in inst.split('/'))
    g = (port_ix - base) // 256 * 128 + ont
    assert abs(float(value) - (-(10 + g / 100))) < 1e-6, (inst, value)
    by_ts[int(ts)] += 1
assert len(rows) == 2048, len(rows)
# the pass's slices; if the next pass began meanwhile, its first slice holds the newest time
assert len(by_ts) == cycles, sorted(by_ts.items())
assert max(by_ts.values()) <= slice_max, sorted(by_ts.items())
PY

# two more cycles: the normal metrics every cycle, and the next pass from the first row
cycles_logged() { grep -c "cycle at" "$AGENT_LOG"; }
pon_at() { # pon_at TS: every PON port's tx power stored with that cycle's time
    [ "$(db_query "select count(*) from latest where device = 'olt' and metric = 'olt.pon.tx.power' and ts = $1")" = 16 ]
}
seen=$(cycles_logged)
for i in 1 2; do
    wait_for 15 test_gt cycles_logged "$((seen + i - 1))"
    ts=$(grep "cycle at" "$AGENT_LOG" | tail -1 | sed -n 's/.*cycle at \([0-9]*\):.*/\1/p')
    wait_for 10 pon_at "$ts"
    ok $? "cycle at $ts: every PON port's tx power stored with that cycle's time"
done
# the cycle after the one that completed the pass starts the next from the first row
next=$(sed -n '/olt: .*pass 1 complete/,$p' "$AGENT_LOG" | sed -n 's/.*cycle at \([0-9]*\):.*/\1/p' | sed -n 2p)
first=$(db_query "select ts from latest where device = 'olt' and metric = 'olt.ont.rx.power' and instance = '4194312192/0'")
ok $([ -n "$next" ] && [ "$first" = "$next" ]; echo $?) "the next pass starts from the first ONT (stored at $first, the cycle after the pass: $next)"

# the requests so far (the agent's log first: every cycle it tells of is then whole in the relay's)
cp "$AGENT_LOG" "$T_TMP/agent.snap"
cp "$T_TMP/relay.log" "$T_TMP/relay.snap"
python3 - "$T_TMP/relay.snap" "$T_TMP/agent.snap" "$N" >"$T_TMP/requests.out" 2>&1 <<'PY'
import re, sys
cycles = []
for line in open(sys.argv[1]):
    if line.split()[1] == '1' or not cycles:
        cycles.append(0)
    cycles[-1] += 1
said = [(int(a), int(b)) for a, b in re.findall(r'olt: (\d+) requests, (\d+) of \d+ for the sweep', open(sys.argv[2]).read())]
budget = int(sys.argv[3])
print('requests per cycle (relay):', cycles)
print('(total, sweep) per cycle (agent):', said)
assert len(said) >= 5 and cycles[:len(said)] == [a for a, _ in said], (cycles, said)
assert all(s <= budget for _, s in said), said
normal = {a - s for a, s in said}
assert len(normal) == 1, normal
print('normal poll: %d requests a cycle; at most %d with the sweep' % (normal.pop(), max(a for a, _ in said)))
PY
ok $? "the requests of each cycle: as many as the agent says, at most $N for the sweep, the normal poll the same"
sed 's/^#* */# /' "$T_TMP/requests.out"

# the OLT reboots (its sysUpTime goes back) in the middle of the second pass, after its second slice:
# the cycle after the one that sees it starts a new pass
slices() { sed -n 's/.*olt: [0-9]* requests, .* up to row \([0-9.]*\)$/\1/p'; }
slice1=$(slices <"$AGENT_LOG" | head -1)
sim_stop
python3 "$top_srcdir/tests/integration/ont_sweep_snmprec.py" "$T_TMP/sim/olt.snmprec" 16 128 --uptime=500
sim_start "$T_TMP/sim" "$SIM_PORT"
# the restarted simulator indexes the new recording on its first requests: the agent may time out and
# back off a few cycles before it sees the reboot
wait_for 90 grep -q "olt: sysUpTime went back" "$AGENT_LOG"
ok $? "the agent sees the OLT reboot"
after_reboot() { sed -n '/olt: sysUpTime went back/,$p' "$AGENT_LOG" | slices | grep -q .; }
wait_for 45 after_reboot
before=$(sed -n '1,/olt: sysUpTime went back/p' "$AGENT_LOG" | grep "olt: [0-9]* requests," | tail -1)
slice_rb=$(sed -n '/olt: sysUpTime went back/,$p' "$AGENT_LOG" | slices | head -1)
echo "# the cycle that saw the reboot: ${before#*poll: }"
ok $(echo "$before" | grep -q "up to row" && ! echo "$before" | grep -q -F "row $slice1" &&
    [ -n "$slice1" ] && [ "$slice_rb" = "$slice1" ]; echo $?) \
    "after the reboot the sweep starts over: its first slice ends at row $slice_rb, as the first pass's"
agent_stop
ok $? "the agent stops cleanly"

server_stop
ok $? "the server stops cleanly"
finish

#!/bin/bash
# More devices than the poller asks at once (POLL_WINDOW, 64): 200 devices answering and 6 silent ones
# in one agent. Every answering device must be polled whole (the ones that waited for a place too),
# the silent ones reported unreachable, and every sample pushed in pushes the server accepts, cut at
# the outbox's slice. Times are the benchmark's business (make bench); here only what was stored.
# (The profile is given, and timeouts are long: snmpsimd, in Python, answers a few hundred requests a
# second, and 64 devices at once keep it busy.)
. "${top_srcdir:-.}/tests/integration/lib.sh"
FIX="$top_srcdir/tests/fixtures"
TOKEN=many-devices-token-0001
sim_start "$FIX/snmprec"
server_start server "step: 60
agents: [{id: many, token: $TOKEN}]"

# silent devices: UDP ports bound and never read (a closed port could answer with an ICMP error)
python3 - "$T_TMP/dead.ports" <<'PY' &
import socket, sys, time
socks = []
for _ in range(6):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    socks.append(s)
open(sys.argv[1] + '.tmp', 'w').write(' '.join(str(s.getsockname()[1]) for s in socks))
import os
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
time.sleep(600)
PY
T_PIDS="$T_PIDS $!"
wait_for 5 test -f "$T_TMP/dead.ports" || bail "the silent ports were not bound"
agent_yaml() {
    cat <<YAML
agent: many
server: $SERVER_URL
token: $TOKEN
spool_dir: $T_TMP/spool
profiles: $MIBS_DIR
interval: 60
timeout: 3
retries: 2
devices:
YAML
    for i in $(seq -w 1 200); do
        echo "  - {name: ups$i, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups, profile: ups-rfc1628}"
    done
    i=0
    for p in $(cat "$T_TMP/dead.ports"); do
        i=$((i + 1))
        echo "  - {name: silent$i, host: 127.0.0.1, port: $p, community: public}"
    done
}
agent_config agent "$(agent_yaml)"

"$AGENT" -c "$AGENT_YAML" --once --log-level debug 2>"$AGENT_LOG"
ok $? "one cycle of 206 devices polled, spooled and pushed (exit 0)"
check "200 of 206 devices answered" grep -Eq "cycle at [0-9]+: 200 of 206 devices answered" "$T_TMP/agent.log"

# What one device gives alone is what each of the 200 gave in the crowd.
"$AGENT" --profiles "$MIBS_DIR" --probe "127.0.0.1:$SIM_PORT" --community skeleton-ups --json >"$T_TMP/one.json" \
    2>"$T_TMP/one.err"
check "every answering device stored every metric and instance one device gives alone" \
    python3 - "$T_TMP/one.json" "$SERVER_DATA/rrd/many" <<'PY'
import json, os, sys
one = json.load(open(sys.argv[1]))
want = sorted((m['name'], m.get('instance', '')) for m in one['metrics'])
assert len(want) > 10, want
root = sys.argv[2]
devs = sorted(d for d in os.listdir(root) if d.startswith('ups'))
assert len(devs) == 200, len(devs)
for d in devs:
    files = os.listdir(os.path.join(root, d))
    assert len(files) == len(want), (d, len(files), len(want))
PY
silent_unreachable() {
    local i
    for i in 1 2 3 4 5 6; do
        num_eq "$(rrd_last "$SERVER_DATA/rrd/many/silent$i/device.reachable.rrd")" 0 || { echo "silent$i is not 0"; return 1; }
    done
}
check "the silent devices are stored as unreachable" silent_unreachable
db_query "select group_concat(seq, ' ') from (select seq from batches where agent = 'many' order by seq)" >"$T_TMP/stored.seqs"
check "the cycle went out in several pushes, each stored once" python3 - "$AGENT_LOG" "$T_TMP/stored.seqs" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
made = [int(s) for s in re.findall(r'batch (\d+) spooled', log)]
values = int(re.search(r'devices answered, (\d+) values', log).group(1))
assert len(made) == -(-values // 2500) >= 2, (made, values)  # OUTBOX_SLICE samples per push
stored = [int(s) for s in open(sys.argv[2]).read().split()]
assert stored == sorted(made), (stored, made)
PY
finish

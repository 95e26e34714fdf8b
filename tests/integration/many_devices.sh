#!/bin/bash
# More devices than the poller asks at once (POLL_WINDOW, 64): 200 devices answering and 6 silent ones
# in one agent. Every answering device must be polled whole (the ones that waited for a place too),
# the silent ones reported unreachable, and every sample pushed in pushes the server accepts, cut at
# the outbox's slice. Times are the benchmark's business (make bench); here only what was stored.
# (The profile is given, and timeouts are long: snmpsimd, in Python, answers a few hundred requests a
# second, and 64 devices at once keep it busy.)
. "${top_srcdir:-.}/tests/integration/lib.sh"
plan 5
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
for _ in $(seq 50); do [ -f "$T_TMP/dead.ports" ] && break; sleep 0.1; done
{
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
} >"$T_TMP/agent.yaml"
chmod 600 "$T_TMP/agent.yaml"

"$AGENT" -c "$T_TMP/agent.yaml" --once --log-level debug 2>"$T_TMP/agent.log"
ok $? "one cycle of 206 devices polled, spooled and pushed (exit 0)"
check "200 of 206 devices answered" grep -q "cycle: 200 of 206 devices answered" "$T_TMP/agent.log"

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
check "the silent devices are stored as unreachable" python3 - "$SERVER_DATA/rrd/many" <<'PY'
import os, subprocess, sys
root = sys.argv[1]
for i in range(1, 7):
    f = os.path.join(root, 'silent%d' % i, 'device.reachable.rrd')
    last = subprocess.run(['rrdtool', 'lastupdate', f], capture_output=True, text=True, check=True).stdout
    assert last.split()[-1] in ('0', '0.0', '0.0000000000e+00'), (f, last)
PY
check "the cycle went out in several pushes, each stored once" python3 - "$T_TMP/agent.log" "$SERVER_DATA/vigie.db" <<'PY'
import re, sqlite3, sys
log = open(sys.argv[1]).read()
made = [int(s) for s in re.findall(r'batch (\d+) spooled', log)]
values = int(re.search(r'devices answered, (\d+) values', log).group(1))
assert len(made) == -(-values // 2500) >= 2, (made, values)  # OUTBOX_SLICE samples per push
db = sqlite3.connect(sys.argv[2])
stored = [r[0] for r in db.execute("select seq from batches where agent = 'many' order by seq")]
assert stored == sorted(made), (stored, made)
PY
finish

#!/bin/bash
# The demo: a simulated estate (the Tier III data center "Italie" and two NRO shelters) served by
# snmpsimd from demo/snmprec, one vigie-agent per site polling it every 10 s, and vigie-server
# storing everything under demo-data/. Installs what is missing, builds, runs until Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${VIGIE_DEMO_PORT:-8470}
SIM_PORT=${VIGIE_DEMO_SNMP_PORT:-16161}
DATA="$ROOT/demo-data"

./scripts/deps.sh
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then autoreconf -fi >/dev/null; fi
mkdir -p build
(cd build && { [ -f Makefile ] || ../configure -q; } && make -j2 -s >/dev/null)
B="$ROOT/build"

mkdir -p "$DATA"
chmod 700 "$DATA"
token() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
[ -f "$DATA/tokens" ] || printf 'ITALIE=%s\nDOULLENS=%s\nPERONNE=%s\nADMIN=%s\n' "$(token)" "$(token)" "$(token)" "$(token)" >"$DATA/tokens"
. "$DATA/tokens"

cat >"$DATA/server.yaml" <<YAML
listen: 127.0.0.1:$PORT
data_dir: $DATA/server
web_dir: $ROOT/web
mibs_dir: $ROOT/mibs
step: 10
sites:
  - {id: italie, name: "Data center Italie", kind: datacenter, target: 99.982}
  - {id: doullens, name: "NRO Doullens", kind: nro}
  - {id: peronne, name: "NRO Péronne", kind: nro}
agents:
  - {id: dc-italie, site: italie, token: "$ITALIE"}
  - {id: nro-doullens, site: doullens, token: "$DOULLENS"}
  - {id: nro-peronne, site: peronne, token: "$PERONNE"}
api_tokens:
  - {name: demo, role: admin, token: "$ADMIN"}
YAML

# agent_yaml AGENT-ID SITE PREFIX TOKEN: one device per demo/snmprec/PREFIX-*.snmprec
agent_yaml() {
    local id=$1 site=$2 prefix=$3 tok=$4 f name
    printf 'agent: %s\nsite: %s\nserver: http://127.0.0.1:%s\ntoken: "%s"\ninterval: 10\ntimeout: 1\nretries: 1\nprofiles: %s\nspool_dir: %s\ndevices:\n' \
        "$id" "$site" "$PORT" "$tok" "$ROOT/mibs" "$DATA/spool-$site"
    for f in "$ROOT"/demo/snmprec/"$prefix"-*.snmprec; do
        name=$(basename "$f" .snmprec)
        printf '  - {name: %s, host: 127.0.0.1, port: %s, community: "%s"}\n' "${name#"$prefix"-}" "$SIM_PORT" "$name"
    done
}
agent_yaml dc-italie italie italie "$ITALIE" >"$DATA/agent-italie.yaml"
agent_yaml nro-doullens doullens nro-doullens "$DOULLENS" >"$DATA/agent-doullens.yaml"
agent_yaml nro-peronne peronne nro-peronne "$PERONNE" >"$DATA/agent-peronne.yaml"
chmod 600 "$DATA"/*.yaml

# snmpsimd drops root for nobody: give it a copy of the demo recordings it can read.
rm -rf "$DATA/sim"
mkdir -p "$DATA/sim/data" "$DATA/sim/cache"
cp "$ROOT"/demo/snmprec/*.snmprec "$DATA/sim/data/"
chmod 755 "$DATA/sim" "$DATA/sim/data"
chmod 644 "$DATA"/sim/data/*
chmod 777 "$DATA/sim/cache"
chmod 711 "$DATA"

PIDS=()
stop() {
    trap - INT TERM EXIT
    echo
    echo "vigie demo: stopping"
    kill "${PIDS[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap stop INT TERM EXIT

USER_OPTS=()
[ "$(id -u)" -eq 0 ] && USER_OPTS=(--process-user=nobody --process-group=nogroup)
snmpsimd --data-dir="$DATA/sim/data" --cache-dir="$DATA/sim/cache" --agent-udpv4-endpoint="127.0.0.1:$SIM_PORT" \
    "${USER_OPTS[@]}" --logging-method=null >"$DATA/snmpsimd.log" 2>&1 &
PIDS+=($!)
"$B/server/vigie-server" -c "$DATA/server.yaml" 2>>"$DATA/server.log" &
PIDS+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null || { echo "vigie-server did not start: see $DATA/server.log (is port $PORT free?)"; exit 1; }
for _ in $(seq 50); do MIBS= snmpget -v2c -c italie-ups-a -t 0.3 -r 0 "127.0.0.1:$SIM_PORT" .1.3.6.1.2.1.1.2.0 >/dev/null 2>&1 && break; sleep 0.2; done
for s in italie doullens peronne; do
    "$B/agent/vigie-agent" -c "$DATA/agent-$s.yaml" 2>>"$DATA/agent-$s.log" &
    PIDS+=($!)
done

cat <<MSG

vigie demo is running: 3 sites, $(ls demo/snmprec/*.snmprec | wc -l) simulated devices polled every 10 s.

  Status now:       $B/cli/vigie -c $DATA/server.yaml status
  Dashboard:        http://127.0.0.1:$PORT/?token=$ADMIN
  API (JSON):       curl -H "Authorization: Bearer $ADMIN" http://127.0.0.1:$PORT/api/v1/status
  Try one device:   $B/agent/vigie-agent --profiles $ROOT/mibs --probe 127.0.0.1:$SIM_PORT --community nro-peronne-clim
  RRD files:        $DATA/server/rrd/SITE/DEVICE/METRIC.rrd
  Logs:             $DATA/*.log

Press Ctrl-C to stop everything.
MSG
sleep 3
"$B/cli/vigie" -c "$DATA/server.yaml" status || true
wait

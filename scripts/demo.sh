#!/bin/bash
# The demo: a simulated estate (the Tier III data center "Italie" and two NRO shelters) served by
# snmpsimd from demo/snmprec, one vigie-agent per site polling it every 10 s, and vigie-server
# storing everything under demo-data/. Installs what is missing, builds, runs until Ctrl-C.
# Before the agents start, scripts/demo_history.py gives the estate a past: the previous calendar
# month and this one up to now, with incidents and maintenance windows, through the ingest API (once:
# a demo-data/ that has data keeps it; remove demo-data/ for a fresh past).
# Public sites (schools, town halls, police, traffic lights behind the two NROs, loopback addresses
# 127.1.x.y, which all answer ICMP on Linux) are checked by dc-italie's agent and have a past too: the
# previous month is a délégataire's contract month, GTR breaches and penalties included.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${VIGIE_DEMO_PORT:-8470}
SIM_PORT=${VIGIE_DEMO_SNMP_PORT:-16161}
DATA="$ROOT/demo-data"
# 60 public sites, not the syndicate's 1,200: each is a device the server judges every step, and its
# past (scripts/demo_public.py) costs the fill about as much as the rest of the estate's: 60 give a real
# contract month (an NRO outage, GTR breaches, penalties) and keep the fill to minutes, the dashboard light.
PUBLIC_SITES=${VIGIE_DEMO_PUBLIC_SITES:-60}

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

# The server's step is 60 s: RRD files take a row a minute (3 min of heartbeat) and health runs join
# observations at most 90 s apart (server/sla/health.c, state_tol), so the history is pushed a sample
# a minute, about half the time and a sixth of the samples of a 10 s step, while the agents poll every
# 10 s: RRD averages their six samples a row, and health sees every poll.
cat >"$DATA/server.yaml" <<YAML
listen: 127.0.0.1:$PORT
data_dir: $DATA/server
web_dir: $ROOT/web
mibs_dir: $ROOT/mibs
step: 60
sites:
  - id: italie
    name: "Data center Italie"
    kind: datacenter
    target: 99.982
    energy:                     # PUE: the LV board's meter (in the history only) over the UPS outputs,
      facility: [{device: meter, metric: input.realpower}]   # which feed all IT (the PDUs meter one rack)
      it: [{device: ups-a, metric: ups.realpower}, {device: ups-b, metric: ups.realpower}]
      ratings:                  # demo/README.md: SRT 10000 UPS, AP8653 16 A PDUs, ACRC103 InRow units
        - {device: ups-a, realpower: 10000}
        - {device: ups-b, realpower: 10000}
        - {device: pdu-a, phase_current: 16}
        - {device: pdu-b, phase_current: 16}
        - {device: clim-1, cooling_kw: 25}
        - {device: clim-2, cooling_kw: 25}
        - {device: clim-3, cooling_kw: 25}
  - {id: doullens, name: "NRO Doullens", kind: nro}
  - {id: peronne, name: "NRO Péronne", kind: nro}
# the public sites' contracts (GET /api/v1/incidents?contract=standard&month=YYYY-MM): the GTR clock
# of standard runs in business hours, French public holidays off; a public site down within
# dependency_grace of its NRO is the NRO's outage (attributed_to), not the site's own link
dependency_grace: 120
calendars:
  business:
    timezone: Europe/Paris
    hours: {mon: "08:00-18:00", tue: "08:00-18:00", wed: "08:00-18:00", thu: "08:00-18:00", fri: "08:00-18:00"}
    holidays: [fr]
contracts:
  standard:
    fr: "Sites publics — standard"
    en: "Public sites — standard"
    target: 99.5
    gtr: 4h
    calendar: business
    penalty_per_hour: 150
    penalty_cap: 5000
  prioritaire:                  # police stations and traffic lights (scripts/demo_public.py)
    fr: "Sites publics — prioritaires (police, feux)"
    en: "Public sites — priority (police, traffic lights)"
    target: 99.9
    gtr: 2h
    calendar: 24x7
    penalty_per_hour: 300
    penalty_cap: 5000
public_sites: {file: public-sites.csv, agent: dc-italie}
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
# dc-italie also checks the public sites the server lists for it (GET /api/v1/agent/targets)
{ agent_yaml dc-italie italie italie "$ITALIE"; printf 'targets_from_server: true\ncheck_interval: 10\n'; } >"$DATA/agent-italie.yaml"
agent_yaml nro-doullens doullens nro-doullens "$DOULLENS" >"$DATA/agent-doullens.yaml"
agent_yaml nro-peronne peronne nro-peronne "$PERONNE" >"$DATA/agent-peronne.yaml"
chmod 600 "$DATA"/*.yaml
# made once, like the past it goes with (a fixed seed: the same sites every time)
[ -f "$DATA/public-sites.csv" ] || /usr/bin/python3 "$ROOT/scripts/demo_history.py" sites "$PUBLIC_SITES" "$DATA/public-sites.csv"

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
trap stop EXIT
trap "exit 130" INT TERM   # then stop(), once, whatever the script was doing

"$B/server/vigie-server" -c "$DATA/server.yaml" 2>>"$DATA/server.log" &
PIDS+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null || { echo "vigie-server did not start: see $DATA/server.log (is port $PORT free?)"; exit 1; }
# the past, before the agents: RRD files take no sample older than their last update. history.partial
# outlives a fill cut short (Ctrl-C): filling again would only add windows twice and a hole.
if [ -f "$DATA/history.partial" ]; then
    echo "vigie demo: an earlier run stopped while filling the history, so its past is incomplete; remove $DATA for a whole one"
else
    touch "$DATA/history.partial"
    /usr/bin/python3 "$ROOT/scripts/demo_history.py" fill "http://127.0.0.1:$PORT" "$DATA/tokens" --public "$DATA/public-sites.csv" ||
        { echo "vigie demo: filling the history failed (see above and $DATA/server.log); remove $DATA to start afresh"; exit 1; }
    rm -f "$DATA/history.partial"
fi
PREV=$(TZ=Europe/Paris date -d "$(TZ=Europe/Paris date +%Y-%m-01) -1 month" +%Y-%m)

USER_OPTS=()
[ "$(id -u)" -eq 0 ] && USER_OPTS=(--process-user=nobody --process-group=nogroup)
snmpsimd --data-dir="$DATA/sim/data" --cache-dir="$DATA/sim/cache" --agent-udpv4-endpoint="127.0.0.1:$SIM_PORT" \
    "${USER_OPTS[@]}" --logging-method=null >"$DATA/snmpsimd.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do MIBS= snmpget -v2c -c italie-ups-a -t 0.3 -r 0 "127.0.0.1:$SIM_PORT" .1.3.6.1.2.1.1.2.0 >/dev/null 2>&1 && break; sleep 0.2; done
for s in italie doullens peronne; do
    "$B/agent/vigie-agent" -c "$DATA/agent-$s.yaml" 2>>"$DATA/agent-$s.log" &
    PIDS+=($!)
done

cat <<MSG

vigie demo is running: 3 sites, $(ls demo/snmprec/*.snmprec | wc -l) simulated devices polled every 10 s,
and $(($(wc -l <"$DATA/public-sites.csv") - 1)) public sites (127.1.x.y) that dc-italie's agent pings every 10 s$(
[ "$(id -u)" -eq 0 ] || printf '\n(not as root: the agent has no CAP_NET_RAW, so their echoes are not measured)')

  Status now:       $B/cli/vigie -c $DATA/server.yaml status
  Dashboard:        http://127.0.0.1:$PORT/    (type the token $ADMIN once into its form)
  or, once:         $("$B/cli/vigie" -c "$DATA/server.yaml" login-link 2>/dev/null || echo "(no login link: see $DATA/server.log)")
                    (a one-time link, 10 minutes; another: $B/cli/vigie -c $DATA/server.yaml login-link)
  Last month:       http://127.0.0.1:$PORT/#/incidents?month=$PREV    (once logged in)
  Its report:       $B/cli/vigie -c $DATA/server.yaml report --previous-month     (a PDF here)
                    $B/cli/vigie -c $DATA/server.yaml availability --month $PREV
  Public sites:     $B/cli/vigie -c $DATA/server.yaml sites --down
  Contract month:   $B/cli/vigie -c $DATA/server.yaml incidents --contract standard --month $PREV
                    (GTR breaches, penalties, the outages of NRO Péronne apart; also: prioritaire)
  API (JSON):       curl -H "Authorization: Bearer $ADMIN" http://127.0.0.1:$PORT/api/v1/status
  Try one device:   $B/agent/vigie-agent --profiles $ROOT/mibs --probe 127.0.0.1:$SIM_PORT --community nro-peronne-clim
  RRD files:        $DATA/server/rrd/SITE/DEVICE/METRIC.rrd
  Logs:             $DATA/*.log

Press Ctrl-C to stop everything.
MSG
sleep 3
"$B/cli/vigie" -c "$DATA/server.yaml" status || true
wait

# The demo estate of scripts/demo.sh for the tests, on free ports and in $T_TMP: snmpsimd serving
# demo/snmprec (16 devices), vigie-server with the three sites (Italie, Doullens, Péronne) and the
# dashboard's files from $top_srcdir/web, and one vigie-agent per site. Sourced after lib.sh.
#
#   demo_estate_start INTERVAL [HOURS]
#                                starts everything; with HOURS, first pushes that much made-up history
#                                (scripts/demo_history.py recent) so that graphs have a past; sets
#                                DEMO_TOKEN (an admin API token), SERVER_URL and DEMO_AGENT_PIDS
#   demo_estate_server STEP      starts only vigie-server, with the demo's sites, agents and tokens
#                                (DEMO_TOKENS: their file, as scripts/demo_history.py reads it)
#   DEMO_PUBLIC_SITES=N          (set before) the demo's N public sites too (scripts/demo_history.py
#                                sites: DEMO_PUBLIC_CSV), checked live by dc-italie's agent; default 0,
#                                for the dashboard counts the sites of /api/v1/sites (browser.sh)
#   demo_estate_wait N           waits until the server has values of N devices (bails after 60 s)
#   demo_estate_stop_agents      stops the agents; fails unless each exits 0 with a clean log

#   DEMO_WEB_DIR=DIR            (set before) the dashboard's files; "" for the server's own default (the
#                                installed /usr/share/vigie/web: packages.sh); default $top_srcdir/web

DEMO_TOKEN=demo-estate-admin-token-01
DEMO_PUBLIC_SITES=${DEMO_PUBLIC_SITES:-0}

# the sites of scripts/demo.sh's server.yaml
demo_estate_server() {
    DEMO_TOKENS="$T_TMP/demo-tokens"
    printf 'ITALIE=demo-estate-token-italie\nDOULLENS=demo-estate-token-doullens\nPERONNE=demo-estate-token-peronne\nADMIN=%s\n' \
        "$DEMO_TOKEN" >"$DEMO_TOKENS"
    local public=""
    DEMO_PUBLIC_CSV="$T_TMP/public-sites.csv"   # server_start writes $T_TMP/demo.yaml: relative to it
    if [ "$DEMO_PUBLIC_SITES" -gt 0 ]; then
        /usr/bin/python3 "$top_srcdir/scripts/demo_history.py" sites "$DEMO_PUBLIC_SITES" "$DEMO_PUBLIC_CSV" >/dev/null ||
            bail "making the demo's public sites failed"
        public="public_sites: {file: public-sites.csv, agent: dc-italie}"
    fi
    local web=${DEMO_WEB_DIR-$(cd "$top_srcdir/web" && pwd)}
    server_start demo "step: $1
${web:+web_dir: $web}
sites:
  - id: italie
    name: \"Data center Italie\"
    kind: datacenter
    target: 99.982
    energy:
      facility: [{device: meter, metric: input.realpower}]
      it: [{device: ups-a, metric: ups.realpower}, {device: ups-b, metric: ups.realpower}]
      ratings:
        - {device: ups-a, realpower: 10000}
        - {device: ups-b, realpower: 10000}
        - {device: pdu-a, phase_current: 16}
        - {device: pdu-b, phase_current: 16}
        - {device: clim-1, cooling_kw: 25}
        - {device: clim-2, cooling_kw: 25}
        - {device: clim-3, cooling_kw: 25}
  - {id: doullens, name: \"NRO Doullens\", kind: nro}
  - {id: peronne, name: \"NRO Péronne\", kind: nro}
dependency_grace: $((2 * $1))
calendars:
  business:
    timezone: Europe/Paris
    hours: {mon: \"08:00-18:00\", tue: \"08:00-18:00\", wed: \"08:00-18:00\", thu: \"08:00-18:00\", fri: \"08:00-18:00\"}
    holidays: [fr]
contracts:
  standard:
    fr: \"Sites publics — standard\"
    en: \"Public sites — standard\"
    target: 99.5
    gtr: 4h
    calendar: business
    penalty_per_hour: 150
    penalty_cap: 5000
  prioritaire:
    fr: \"Sites publics — prioritaires (police, feux)\"
    en: \"Public sites — priority (police, traffic lights)\"
    target: 99.9
    gtr: 2h
    calendar: 24x7
    penalty_per_hour: 300
    penalty_cap: 5000
$public
agents:
  - {id: dc-italie, site: italie, token: demo-estate-token-italie}
  - {id: nro-doullens, site: doullens, token: demo-estate-token-doullens}
  - {id: nro-peronne, site: peronne, token: demo-estate-token-peronne}
api_tokens:
  - {name: demo, role: admin, token: $DEMO_TOKEN}
  - {name: wall, role: read, token: demo-estate-read-token-01}"
}

demo_estate_start() {
    local interval="$1" hours="${2:-}" site prefix id f name
    DEMO_AGENT_PIDS=""
    sim_start "$top_srcdir/demo/snmprec"
    demo_estate_server "$interval"
    if [ -n "$hours" ]; then
        /usr/bin/python3 "$top_srcdir/scripts/demo_history.py" recent "$SERVER_URL" "$hours" "$interval" "$DEMO_TOKENS" >"$T_TMP/history.log" 2>&1 ||
            { cat "$T_TMP/history.log" >&2; bail "pushing the demo history failed"; }
    fi
    for site in italie doullens peronne; do
        case $site in
            italie) id=dc-italie prefix=italie ;;
            *) id=nro-$site prefix=nro-$site ;;
        esac
        agent_config "agent-$site" "$(
            printf 'agent: %s\nsite: %s\nserver: %s\ntoken: "demo-estate-token-%s"\ninterval: %s\ntimeout: 1\nretries: 1\n' \
                "$id" "$site" "$SERVER_URL" "$site" "$interval"
            printf 'profiles: %s\nspool_dir: %s\ndevices:\n' "$MIBS_DIR" "$T_TMP/spool-$site"
            for f in "$top_srcdir"/demo/snmprec/"$prefix"-*.snmprec; do
                name=$(basename "$f" .snmprec)
                printf '  - {name: %s, host: 127.0.0.1, port: %s, community: "%s"}\n' "${name#"$prefix"-}" "$SIM_PORT" "$name"
            done
            if [ "$site" = italie ] && [ "$DEMO_PUBLIC_SITES" -gt 0 ]; then printf 'targets_from_server: true\ncheck_interval: 10\n'; fi
        )"
        agent_launch --log-level warn
        DEMO_AGENT_PIDS="$DEMO_AGENT_PIDS $AGENT_PID:$site"
    done
}

demo_estate_stop_agents() {
    local p rc=0
    for p in $DEMO_AGENT_PIDS; do kill -TERM "${p%%:*}" 2>/dev/null; done
    for p in $DEMO_AGENT_PIDS; do t_stop "${p%%:*}" "$T_TMP/agent-${p#*:}.log" "vigie-agent of ${p#*:}" || rc=1; done
    return $rc
}

demo_estate_wait() {
    wait_for 60 demo_estate_devices_ge "$1" ||
        bail "the demo estate reported $(demo_estate_devices) of $1 devices within 60 s (see $T_TMP/*.log)"
}
demo_estate_devices() {
    local n
    n=$(curl -sf -H "Authorization: Bearer $DEMO_TOKEN" "$SERVER_URL/api/v1/devices" 2>/dev/null |
        python3 -c "import json,sys; print(len(json.load(sys.stdin)['devices']))" 2>/dev/null)
    echo "${n:-0}"
}
demo_estate_devices_ge() { [ "$(demo_estate_devices)" -ge "$1" ]; }

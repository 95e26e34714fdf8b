#!/bin/bash
# The dashboard in a real browser: the demo estate (snmpsimd serving demo/snmprec, 16 devices, one
# vigie-agent per site, 24 h of made-up history first) feeds a vigie-server that serves web/; Debian's
# headless Chromium, driven by playwright-core (tests/browser/dashboard.mjs), loads the dashboard,
# compares each site tile with the API, clicks through to the site pages, the incidents and alerts
# pages, on a desktop and a phone; then the agents stop and the pages must say the data is stale.
# Screenshots go to $top_builddir/tests/artifacts/.
#
# Needs (CI installs them; missing ones fail this test, they do not skip it):
#   apt-get install chromium nodejs npm          and   npm ci --prefix tests/browser
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/demo_estate.sh"
LIVE_CHECKS=24
STALE_CHECKS=4

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
BROWSER_DIR="$top_srcdir/tests/browser"
# playwright-core: tests/browser/node_modules, or the folder VIGIE_BROWSER_MODULES names (make
# distcheck points it at the source tree's)
MODULES="$BROWSER_DIR/node_modules"
[ -f "$MODULES/playwright-core/package.json" ] || MODULES="${VIGIE_BROWSER_MODULES:-$MODULES}"
[ -x "$CHROMIUM" ] || bail "$CHROMIUM not found: the browser tests need Debian's chromium (apt-get install chromium)"
command -v node >/dev/null || bail "node not found: the browser tests need Node.js 20 (apt-get install nodejs npm)"
[ -f "$MODULES/playwright-core/package.json" ] ||
    bail "$MODULES/playwright-core not found: run 'npm ci --prefix tests/browser' first (no browser is downloaded: Debian's chromium is used)"
ARTIFACTS="$top_builddir/tests/artifacts"
mkdir -p "$ARTIFACTS" || bail "cannot create $ARTIFACTS"
ARTIFACTS=$(cd "$ARTIFACTS" && pwd)
rm -f "$ARTIFACTS"/*.png

STEP=5
demo_estate_start $STEP 24
demo_estate_wait 16
ok 0 "the demo estate runs: 16 devices of 3 sites reported, with 24 h of history"

# every site's state known (the first state events are written at ingest)
sites_known() {
    curl -sf -H "Authorization: Bearer $DEMO_TOKEN" "$SERVER_URL/api/v1/sites" |
        python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if len(j['sites']) == 3 and all(s.get('state') in ('up', 'down') for s in j['sites']) else 1)"
}
wait_for 30 sites_known
ok $? "the three sites have a known state"

# run_browser PHASE COUNT: the checks of dashboard.mjs as TAP; a check that never ran is a failure
run_browser() {
    local phase="$1" want="$2" n=0 res desc why
    VIGIE_URL="$SERVER_URL" VIGIE_TOKEN="$DEMO_TOKEN" ARTIFACTS="$ARTIFACTS" CHROMIUM="$CHROMIUM" MODULES="$MODULES" \
        timeout 600 node "$BROWSER_DIR/dashboard.mjs" "$phase" >"$T_TMP/browser-$phase.out" 2>"$T_TMP/browser-$phase.err"
    while IFS='|' read -r res desc why; do
        case "$res" in
            PASS) ok 0 "$desc"; n=$((n + 1)) ;;
            FAIL) ok 1 "$desc"; echo "#   $why"; n=$((n + 1)) ;;
            \#*) echo "$res" ;;
        esac
    done <"$T_TMP/browser-$phase.out"
    sed 's/^/#   /' "$T_TMP/browser-$phase.err" | head -20
    while [ "$n" -lt "$want" ]; do ok 1 "browser check $((n + 1)) of the $phase phase did not run (see above)"; n=$((n + 1)); done
    [ "$n" -eq "$want" ] || echo "# the $phase phase ran $n checks, this script expected $want: update LIVE_CHECKS/STALE_CHECKS"
}
run_browser live $LIVE_CHECKS

# the agents stop: after 3 steps the data is stale
demo_estate_stop_agents
ok $? "the three agents stop cleanly on SIGTERM (exit 0)"
sleep $((3 * STEP + 2))
run_browser stale $STALE_CHECKS

shots=$(ls "$ARTIFACTS"/*.png 2>/dev/null | wc -l)
[ "$shots" -ge 10 ]; ok $? "$shots screenshots saved in $ARTIFACTS"
finish

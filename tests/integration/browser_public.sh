#!/bin/bash
# The public-sites view of the dashboard (web/public.js) in headless Chromium with 1,200 sites: a
# vigie-server with four NROs and the 1,200 public sites of scripts/gen_public_sites.py (300 an NRO),
# whose states are made by pushing live what the checking agent would (device = the site's id, class
# link, link.reachable / link.loss / link.rtt with their severities, per address for the sites that
# have two; every target in the batch's devices), and nro-d's own agent its OLT:
#   - nro-d's OLT goes down, and its 300 sites with it: down, attributed to nro-d;
#   - the first 4 sites of each of nro-a, nro-b, nro-c (CSV order) go down alone, two rounds earlier;
#   - the last 4 of nro-b and of nro-c are never checked: unknown;
#   - the 880 others answer: up.
# The pusher goes on pushing the last state while the browser runs, as a running agent would (an
# outage whose data stops is no longer ongoing). The API's counts are checked against these
# hand-computed ones, then tests/browser/public.mjs checks the page against the API and against
# numbers computed here from the CSV (expect.json): every site rendered, the counts, worst first, the
# groups by NRO and by commune, the search and the filters, a site's page (state, addresses, graphs,
# incidents), French and English, no script error, and the time the page takes to render the 1,200
# tiles (the page's own performance measures, under a second). Screenshots go to
# $top_builddir/tests/artifacts/.
#
# Needs (CI installs them; missing ones fail this test, they do not skip it):
#   apt-get install chromium nodejs npm          and   npm ci --prefix tests/browser
. "${top_srcdir:-.}/tests/integration/lib.sh"
BROWSER_CHECKS=15

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
MODULES="$top_srcdir/tests/browser/node_modules"
[ -f "$MODULES/playwright-core/package.json" ] || MODULES="${VIGIE_BROWSER_MODULES:-$MODULES}"
[ -x "$CHROMIUM" ] || bail "$CHROMIUM not found: the browser tests need Debian's chromium (apt-get install chromium)"
command -v node >/dev/null || bail "node not found: the browser tests need Node.js 20 (apt-get install nodejs npm)"
[ -f "$MODULES/playwright-core/package.json" ] ||
    bail "$MODULES/playwright-core not found: run 'npm ci --prefix tests/browser' first (no browser is downloaded: Debian's chromium is used)"
ARTIFACTS="$top_builddir/tests/artifacts"
mkdir -p "$ARTIFACTS" || bail "cannot create $ARTIFACTS"
ARTIFACTS=$(cd "$ARTIFACTS" && pwd)

CHECKER=public-checker-token-0001
NRO_D=public-nro-d-token-00001
READER=public-read-token-000001
/usr/bin/python3 "$top_srcdir/scripts/gen_public_sites.py" -n 1200 --nro nro-a,nro-b,nro-c,nro-d \
    --contract standard:3 --contract premium:1 --dual 2 --seed 19 -o "$T_TMP/public-sites.csv" ||
    bail "scripts/gen_public_sites.py failed"
server_start public "step: 60
sites:
  - {id: dc, name: Data center, kind: datacenter}
  - {id: nro-a, name: NRO A, kind: nro}
  - {id: nro-b, name: NRO B, kind: nro}
  - {id: nro-c, name: NRO C, kind: nro}
  - {id: nro-d, name: NRO D, kind: nro}
agents:
  - {id: dc-checker, token: $CHECKER, site: dc}
  - {id: nro-d-agent, token: $NRO_D, site: nro-d}
api_tokens: [{name: wall, token: $READER}]
contracts:
  standard: {fr: 'Sites publics — standard', en: 'Public sites — standard', target: 99.5, gtr: 4h}
  premium: {fr: 'Sites publics — renforcé', en: 'Public sites — premium', target: 99.9, gtr: 2h, penalty_per_hour: 150}
public_sites: {file: public-sites.csv, agent: dc-checker}
dependency_grace: 120
web_dir: $(cd "$top_srcdir/web" && pwd)"
ok 0 "vigie-server runs with 4 NROs and the 1,200 public sites of gen_public_sites.py"

# The checking agent and nro-d's agent push live (ts = now), a round at least 6 s after the last: the
# step is 60 s, so that health joins rounds up to 90 s apart (a push of 1,200 devices takes a second
# or two here, more under ASan). Two rounds with every site up, two with the
# 12 single sites down, then three with nro-d's OLT and its 300 sites down too. Unknown sites are
# never in a batch. The pusher also writes what the page must show, computed from the CSV alone (expect.json).
cat >"$T_TMP/pusher.py" <<'PY'
import csv, json, sys, time, urllib.request
out, url, checker, nro_token, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
rows = list(csv.DictReader(open(out + "/public-sites.csv", encoding="utf-8")))
by_nro = {}
for r in rows:
    by_nro.setdefault(r["nro"], []).append(r)
single = {r["id"] for n in ("nro-a", "nro-b", "nro-c") for r in by_nro[n][:4]}
unknown = {r["id"] for n in ("nro-b", "nro-c") for r in by_nro[n][-4:]}
behind = {r["id"] for r in by_nro["nro-d"]}
def count(pred):
    return sum(1 for r in rows if pred(r))
def q_count(needle, extra=lambda r: True):
    return count(lambda r: extra(r) and any(needle in r[k].lower() for k in ("id", "name", "commune")))
expect = {
    "total": len(rows), "down": len(single | behind), "down_nro": len(behind), "unknown": len(unknown),
    "up": len(rows) - len(single | behind) - len(unknown),
    "nros": {n: len(v) for n, v in by_nro.items()},
    "communes": {c: count(lambda r, c=c: r["commune"] == c) for c in sorted({r["commune"] for r in rows})},
    "single": sorted(single), "unknown_ids": sorted(unknown),
    "q": "jaur", "q_count": q_count("jaur"),
    "q2": "péronne", "q2_count": q_count("péronne"),
    "category": "school", "category_count": count(lambda r: r["category"] == "school"),
    "contract": "premium", "contract_count": count(lambda r: r["contract"] == "premium"),
    "both_count": count(lambda r: r["category"] == "school" and r["contract"] == "premium"),
    "q_both_count": q_count("jaur", lambda r: r["category"] == "school" and r["contract"] == "premium"),
    "site": sorted(single)[0], "site_nro": sorted(behind)[0],
    "dual": sorted(r["id"] for r in rows if len(r["address"].split()) > 1),
}
json.dump(expect, open(out + "/expect.json", "w"), ensure_ascii=False, indent=1)
def push(token, body):
    req = urllib.request.Request(url + "/api/v1/ingest", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as res:
        if res.status != 200:
            raise SystemExit("push refused: %d" % res.status)
def s(dev, metric, inst, value, unit, ts, sev):
    return {"device": dev, "metric": metric, "instance": inst, "value": value, "unit": unit, "ts": ts, "severity": sev}
checked = [r for r in rows if r["id"] not in unknown]
devices = [{"name": r["id"], "class": "link"} for r in checked]
def round_samples(k, ts, live):
    samples = []
    for i, r in enumerate(checked):
        down = live and ((r["id"] in behind and k >= 4) or (r["id"] in single and k >= 2))
        hosts = r["address"].split()
        for h in hosts:   # the ICMP metrics are per address when a site has several
            inst = h if len(hosts) > 1 else ""
            samples.append(s(r["id"], "link.reachable", inst, 0 if down else 1, "bool", ts, "critical" if down else "ok"))
            samples.append(s(r["id"], "link.loss", inst, 100 if down else 0, "%", ts, "ok"))
            if not down:
                samples.append(s(r["id"], "link.rtt", inst, round(1.5 + (i % 17) / 10 + (k % 3) / 20, 3), "ms", ts, "ok"))
    return samples
# first a past: ten minutes of every site up, a round a step, so that each graph has points whatever
# the live rounds' timing (a step's point needs the step over)
HISTORY = 10
t_now = int(time.time())
for j in range(HISTORY):
    ts = t_now - 60 * (HISTORY - j)
    push(checker, {"agent": "dc-checker", "seq": j + 1, "devices": devices, "samples": round_samples(j, ts, False)})
    push(nro_token, {"agent": "nro-d-agent", "seq": j + 1, "devices": [{"name": "olt", "class": "olt"}],
                     "samples": [s("olt", "link.reachable", "", 1, "bool", ts, "ok")]})
last, k = 0, 0
while True:   # the rounds, then the last state again until killed: an agent that keeps checking
    # at least 6 s apart however fast the server is; 20 s once the state is made (less load on the
    # machine while the browser measures)
    time.sleep(max(0, last + (6 if k < rounds else 20) - time.time()))
    ts = last = int(time.time())
    samples = round_samples(k, ts, True)
    push(checker, {"agent": "dc-checker", "seq": HISTORY + k + 1, "devices": devices, "samples": samples})
    olt = 0 if k >= 4 else 1
    push(nro_token, {"agent": "nro-d-agent", "seq": HISTORY + k + 1, "devices": [{"name": "olt", "class": "olt"}],
                     "samples": [s("olt", "link.reachable", "", olt, "bool", ts, "ok" if olt else "critical")]})
    print("round %d at %d" % (k, ts), flush=True)
    k += 1
    if k == rounds:
        open(out + "/pusher.ready", "w").close()
PY
t0=$(date +%s)
/usr/bin/python3 "$T_TMP/pusher.py" "$T_TMP" "$SERVER_URL" "$CHECKER" "$NRO_D" 7 >"$T_TMP/pusher.log" 2>&1 &
PUSHER=$!
T_PIDS="$PUSHER $T_PIDS"
pusher_ready() { [ -f "$T_TMP/pusher.ready" ] || { kill -0 $PUSHER 2>/dev/null || bail "the pusher stopped: $(tail -3 "$T_TMP/pusher.log")"; false; }; }
wait_for 900 pusher_ready
ok $? "7 rounds of the checking agent's samples (1,192 sites, their devices each time) and of nro-d's OLT are pushed ($(($(date +%s) - t0)) s)"

get() { # get PATH OUT: the HTTP status
    curl -s -o "$2" -w '%{http_code}' -H "Authorization: Bearer $READER" "$SERVER_URL$1"
}
# the states settle at ingest; the holds behind the NRO within dependency_grace
counts_settled() {
    [ "$(get /api/v1/public-sites "$T_TMP/list.json")" = 200 ] &&
        python3 - "$T_TMP/list.json" "$T_TMP/expect.json" <<'PY'
import json, sys
j, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
c = j["counts"]
sys.exit(0 if (c["down"], c["unknown"], c["up"]) == (e["down"], e["unknown"], e["up"]) else 1)
PY
}
wait_for 30 counts_settled
check "GET /api/v1/public-sites: 1,200 sites, 312 down (300 behind nro-d, 12 single), 8 unknown, 880 up, worst first" \
    python3 - "$T_TMP/list.json" "$T_TMP/expect.json" <<'PY'
import json, sys
j, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
s = j["sites"]
assert len(s) == e["total"] == 1200, len(s)
assert (e["down"], e["down_nro"], e["unknown"], e["up"]) == (312, 300, 8, 880), e
c = j["counts"]
assert (c["down"], c["unknown"], c["up"]) == (312, 8, 880), c
rank = {"down": 0, "unknown": 1, "up": 2}
assert [x["state"] for x in s] == sorted((x["state"] for x in s), key=rank.get), "not worst first"
down = [x for x in s if x["state"] == "down"]
by_nro = [x for x in down if x["attributed_to"] == "nro-d"]
assert len(by_nro) == 300 and all(x["nro"] == "nro-d" for x in by_nro), len(by_nro)
assert sorted(x["id"] for x in down if x["attributed_to"] is None) == e["single"], [x["id"] for x in down][:20]
assert sorted(x["id"] for x in s if x["state"] == "unknown") == e["unknown_ids"]
PY
code=$(get "/api/v1/public-sites?q=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(open(sys.argv[1]))["q"]))' "$T_TMP/expect.json")&category=school" "$T_TMP/q.json")
check "the API's own filters agree with the CSV's numbers (q, category)" \
    python3 - "$T_TMP/q.json" "$T_TMP/public-sites.csv" "$T_TMP/expect.json" "$code" <<'PY'
import csv, json, sys
assert sys.argv[4] == "200", sys.argv[4]
j, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[3]))
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
want = sorted(r["id"] for r in rows if r["category"] == "school" and any(e["q"] in r[k].lower() for k in ("id", "name", "commune")))
assert sorted(x["id"] for x in j["sites"]) == want, (len(j["sites"]), len(want))
PY

VIGIE_URL="$SERVER_URL" VIGIE_TOKEN="$READER" CHROMIUM="$CHROMIUM" MODULES="$MODULES" ARTIFACTS="$ARTIFACTS" \
    EXPECT="$T_TMP/expect.json" timeout 300 node "$top_srcdir/tests/browser/public.mjs" >"$T_TMP/browser.out" 2>"$T_TMP/browser.err"
n=0
while IFS='|' read -r verdict what why; do
    case "$verdict" in
    PASS) ok 0 "dashboard: $what"; n=$((n + 1)) ;;
    FAIL) ok 1 "dashboard: $what"; echo "#   $why"; n=$((n + 1)) ;;
    \#*) echo "$verdict" ;;
    esac
done <"$T_TMP/browser.out"
sed 's/^/#   /' "$T_TMP/browser.err" | head -20
[ "$n" -eq "$BROWSER_CHECKS" ]
ok $? "the $BROWSER_CHECKS dashboard checks ran ($n)"
kill $PUSHER 2>/dev/null
wait $PUSHER 2>/dev/null
check "vigie-server stops cleanly" server_stop
finish

#!/bin/bash
# Scopes end to end (doc/api.md, "Scopes"): a running vigie-server with a data center, two NROs and
# four public sites, a push of each agent through the ingest path, and a read token limited to
# "nro:nro-doullens" (the NRO and the public sites behind it). Over HTTP with curl: the monthly report
# in PDF (read back with pdftotext), HTML, CSV and JSON, the délégataire's report of a contract in PDF
# and CSV, /metrics and /api/v1/status must name nothing of the other sites (whose ids, names,
# communes and agents all hold "italie" or "peronne"), while the unlimited token's name them; a site
# outside the scope answers the 404 of a site that does not exist.
. "${top_srcdir:-.}/tests/integration/lib.sh"

command -v pdftotext >/dev/null || bail "pdftotext is not installed (Debian package poppler-utils)"

cat >"$T_TMP/public.csv" <<'CSV'
id,name,commune,category,nro,address,contract
ecole-jaures,Ecole Jaures,Doullens,school,nro-doullens,127.0.0.11,standard
cam-parvis,Camera du parvis,Doullens,camera,nro-doullens,127.0.0.12,premium
mairie-peronne,Mairie,Peronne,town_hall,nro-peronne,127.0.0.13,standard
police-peronne,Commissariat,Peronne,police,nro-peronne,127.0.0.14,premium
CSV

SCOPED=scope-it-read-token-nro-doullens
ALL=scope-it-read-token-everything-1
server_start scope "step: 60
sites: [{id: dc-italie, name: Italie, kind: datacenter}, {id: nro-doullens, name: NRO Doullens, kind: nro},
        {id: nro-peronne, name: NRO Peronne, kind: nro}]
agents:
  - {id: ag-italie, token: scope-it-agent-italie-00001, site: dc-italie}
  - {id: chk, token: scope-it-agent-checker-00001, site: dc-italie}
  - {id: ag-doullens, token: scope-it-agent-doullens-0001, site: nro-doullens}
  - {id: ag-peronne, token: scope-it-agent-peronne-00001, site: nro-peronne}
api_tokens:
  - {name: delegataire-doullens, token: $SCOPED, scope: 'nro:nro-doullens'}
  - {name: noc, token: $ALL}
contracts: {standard: {target: 99.5, gtr: 4h}, premium: {target: 99.9, gtr: 2h}}
public_sites: {file: $T_TMP/public.csv, agent: chk}"
U=$SERVER_URL
NOW=$(date +%s)
MONTH=$(TZ=Europe/Paris date +%Y-%m)

push() { # push AGENT TOKEN SAMPLES-JSON DEVICES-JSON
    printf '{"agent": "%s", "seq": 1, "samples": %s, "devices": %s}' "$1" "$3" "$4" >"$T_TMP/push.json"
    curl -s -o "$T_TMP/push.out" -w '%{http_code}' -H "Authorization: Bearer $2" --data-binary @"$T_TMP/push.json" \
        "$U/api/v1/ingest"
}
s() { printf '{"device": "%s", "metric": "%s", "value": %s, "unit": "%s", "ts": %s}' "$1" "$2" "$3" "$4" "$NOW"; }
codes=$(push ag-italie scope-it-agent-italie-00001 "[$(s ups-italie battery.charge 100 %)]" '[{"name": "ups-italie", "class": "ups"}]')
codes="$codes $(push ag-doullens scope-it-agent-doullens-0001 "[$(s olt link.reachable 1 bool)]" '[{"name": "olt", "class": "olt"}]')"
codes="$codes $(push ag-peronne scope-it-agent-peronne-00001 "[$(s olt-peronne link.reachable 1 bool)]" '[{"name": "olt-peronne", "class": "olt"}]')"
links="$(s ecole-jaures link.reachable 1 bool), $(s cam-parvis link.reachable 1 bool), $(s mairie-peronne link.reachable 1 bool), $(s police-peronne link.reachable 1 bool)"
devs='[{"name": "ecole-jaures", "class": "link"}, {"name": "cam-parvis", "class": "link"}, {"name": "mairie-peronne", "class": "link"}, {"name": "police-peronne", "class": "link"}]'
codes="$codes $(push chk scope-it-agent-checker-00001 "[$links]" "$devs")"
[ "$codes" = "200 200 200 200" ]
ok $? "each agent's push is stored ($codes)"

fetch() { # fetch TOKEN PATH FILE: the status on stdout
    curl -s -o "$3" -w '%{http_code}' -H "Authorization: Bearer $1" "$U$2"
}
outside() { grep -qiE 'italie|peronne' "$1"; }

# The scoped caller's documents: 200, its own sites, nothing of the others.
for fmt in pdf html csv json; do
    code=$(fetch $SCOPED "/api/v1/report?month=$MONTH&format=$fmt" "$T_TMP/report.$fmt")
    text="$T_TMP/report.$fmt"
    if [ "$fmt" = pdf ]; then
        pdftotext -q "$T_TMP/report.pdf" "$T_TMP/report.pdf.txt"
        text="$T_TMP/report.pdf.txt"
    fi
    [ "$code" = 200 ] && grep -q 'nro-doullens' "$text" && ! outside "$text"
    ok $? "the monthly report in $fmt of the scoped token has nro-doullens and no other site ($code)"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [s["site"] for s in d["sites"]] == ["nro-doullens"] else 1)' \
    "$T_TMP/report.json"
ok $? "its JSON's sites are nro-doullens alone"
code=$(fetch $ALL "/api/v1/report?month=$MONTH&format=pdf" "$T_TMP/all.pdf")
pdftotext -q "$T_TMP/all.pdf" "$T_TMP/all.pdf.txt"
[ "$code" = 200 ] && grep -q 'dc-italie' "$T_TMP/all.pdf.txt" && grep -q 'nro-peronne' "$T_TMP/all.pdf.txt"
ok $? "the unlimited token's PDF has dc-italie and nro-peronne ($code)"

# The délégataire's report of a contract: the scope's public sites of it only.
for fmt in pdf csv; do
    code=$(fetch $SCOPED "/api/v1/report?contract=standard&month=$MONTH&format=$fmt" "$T_TMP/contract.$fmt")
    text="$T_TMP/contract.$fmt"
    if [ "$fmt" = pdf ]; then
        pdftotext -q "$T_TMP/contract.pdf" "$T_TMP/contract.pdf.txt"
        text="$T_TMP/contract.pdf.txt"
    fi
    [ "$code" = 200 ] && grep -q 'ecole-jaures\|Ecole Jaures' "$text" && ! outside "$text"
    ok $? "the contract report in $fmt of the scoped token has ecole-jaures and not mairie-peronne ($code)"
done
code=$(fetch $ALL "/api/v1/report?contract=standard&month=$MONTH&format=csv" "$T_TMP/contract-all.csv")
[ "$code" = 200 ] && grep -q 'mairie-peronne' "$T_TMP/contract-all.csv"
ok $? "the unlimited token's contract CSV has mairie-peronne ($code)"

# /metrics and /api/v1/status
code=$(fetch $SCOPED /metrics "$T_TMP/metrics")
[ "$code" = 200 ] && grep -q 'site="nro-doullens"' "$T_TMP/metrics" && ! outside "$T_TMP/metrics" &&
    grep -q '^vigie_ingest_batches_total 4$' "$T_TMP/metrics"
ok $? "/metrics of the scoped token: its sites' series and the server's counters only ($code)"
code=$(fetch $ALL /metrics "$T_TMP/metrics-all")
[ "$code" = 200 ] && grep -q 'site="nro-peronne"' "$T_TMP/metrics-all" && grep -q 'site="dc-italie"' "$T_TMP/metrics-all"
ok $? "/metrics of the unlimited token has every site ($code)"
code=$(fetch $SCOPED /api/v1/status "$T_TMP/status")
[ "$code" = 200 ] && grep -q 'ecole-jaures' "$T_TMP/status" && ! outside "$T_TMP/status"
ok $? "/api/v1/status of the scoped token: its devices only ($code)"

# Outside the scope is as unknown: the same 404, word for word.
c1=$(fetch $SCOPED "/api/v1/availability?site=dc-italie" "$T_TMP/out.json")
c2=$(fetch $SCOPED "/api/v1/availability?site=no-such-site" "$T_TMP/unknown.json")
[ "$c1" = 404 ] && [ "$c2" = 404 ] && cmp -s "$T_TMP/out.json" "$T_TMP/unknown.json"
ok $? "a site outside the scope answers the 404 of a site that does not exist ($c1 $c2: $(cat "$T_TMP/out.json"))"
c1=$(fetch $SCOPED "/api/v1/public-sites/mairie-peronne" "$T_TMP/out.json")
c2=$(fetch $SCOPED "/api/v1/public-sites/mairie-nowhere" "$T_TMP/unknown.json")
[ "$c1" = 404 ] && [ "$c2" = 404 ] && cmp -s "$T_TMP/out.json" "$T_TMP/unknown.json"
ok $? "so does a public site outside it ($c1 $c2)"

server_stop
ok $? "vigie-server stops cleanly"
finish

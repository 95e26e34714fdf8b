#!/bin/bash
# The délégataire's report end to end. Contract "standard" (24x7, GTR 1 h, 100 € per started hour,
# capped at 250 € per site a month) has the four public sites of tests/unit/contract_test, whose
# first 14 hours of October 2026 are written through the ingest path (contract_test --populate: the
# outages and the hand-computed figures are in its header). Contract "bulk" has 1,200 generated
# sites over 60 communes. vigie-server renders them over GET /api/v1/report?contract=C and
# `vigie report --contract C --month M` fetches every format in French and English: the PDF is read
# back with pdftotext, the CSV with Python's csv, the HTML must give its summary tables before the
# annex, and the 1,200 sites must keep the part before the annex to a few pages. --send mails the PDF
# through an SMTP receiver on loopback.
. "${top_srcdir:-.}/tests/integration/lib.sh"

command -v pdftotext >/dev/null || bail "pdftotext is not installed (Debian package poppler-utils)"
FIXTURE="$top_builddir/tests/unit/contract_test"
[ -x "$FIXTURE" ] || bail "$FIXTURE is not built (make check builds it)"

# The public sites: the four of the fixture, then 1,200 of contract bulk (20 per commune, 6 categories).
python3 - "$T_TMP/public.csv" <<'PY'
import sys
cats = ["school", "town_hall", "police", "traffic", "camera", "other"]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("id,name,commune,category,nro,address,contract,epci\n")
    f.write("ecole-1,École Jaurès,Amiens,school,nro-a,127.0.0.11,standard,Amiens Métropole\n")
    f.write("ecole-2,École Hugo,Amiens,school,nro-a,127.0.0.12,standard,Amiens Métropole\n")
    f.write("mairie-1,Mairie,Amiens,town_hall,nro-b,127.0.0.13,standard,Amiens Métropole\n")
    f.write("police-1,Police,Doullens,police,nro-b,127.0.0.14,standard,Doullennais\n")
    for i in range(1200):
        f.write("bulk-%04d,Site public %d,Commune-%02d,%s,nro-%s,127.1.%d.%d,bulk,EPCI-%d\n"
                % (i, i, i // 20, cats[i % 6], "ab"[i % 2], i // 250, i % 250 + 1, i // 200))
PY

# The SMTP receiver of report.sh (aiosmtpd, Debian python3-aiosmtpd), here without TLS on loopback.
PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || bail "aiosmtpd is not installed (Debian package python3-aiosmtpd)"
SMTP_PORT=$(free_port tcp)
MAILDIR="$T_TMP/maildir"
$PY -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR" >"$T_TMP/smtp.log" 2>&1 &
T_PIDS="$T_PIDS $!"
wait_for 10 $PY -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$SMTP_PORT" 2>/dev/null ||
    bail "the SMTP receiver did not start (see $T_TMP/smtp.log)"

READER=contract-read-token-1
ADMIN=contract-admin-token-1
BODY="step: 60
sites: [{id: dc, kind: datacenter}, {id: nro-a, kind: nro}, {id: nro-b, kind: nro}]
agents:
  - {id: dc, token: contract-test-token-dc, site: dc}
  - {id: nro-a-agent, token: contract-test-token-na, site: nro-a}
api_tokens: [{name: wall, token: $READER}, {name: noc, token: $ADMIN, role: admin}]
smtp: {url: 'smtp://127.0.0.1:$SMTP_PORT', from: 'vigie <vigie@syndicat.example>', starttls: false, timeout: 20}
contracts:
  standard: {fr: 'Sites publics — standard', en: 'Public sites — standard', target: 99.5, gtr: 1h, penalty_per_hour: 100, penalty_cap: 250}
  bulk: {fr: 'Sites publics — masse', en: 'Public sites — bulk', target: 99, gtr: 4h}
  empty: {target: 99, gtr: 1d}
public_sites: {file: public.csv, agent: dc}
dependency_grace: 120
report: {recipients: [sla@delegataire.example], lang: fr}"
BODY="$(db_line contract)
$BODY"
printf 'data_dir: %s\nmibs_dir: %s\n%s\n' "$T_TMP/contract-data" "$MIBS_DIR" "$BODY" >"$T_TMP/populate.yaml"
chmod 600 "$T_TMP/populate.yaml"
check "14 hours of October 2026 are written through the ingest path" "$FIXTURE" --populate "$T_TMP/populate.yaml"
server_start contract "$BODY"
[ "$SERVER_DATA" = "$T_TMP/contract-data" ] || bail "lib.sh changed where server_start keeps its data"
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN="$READER"
OUT="$T_TMP/out"
mkdir -p "$OUT"

# Every format in both languages, for both contracts, through the CLI.
for c in standard bulk; do
    for lang in fr en; do
        for fmt in pdf html csv json; do
            "$CLI" report --contract $c --month 2026-10 --format $fmt --lang $lang -o "$OUT/$c-$lang.$fmt" >/dev/null 2>>"$T_TMP/cli.log" ||
                echo "$c $fmt $lang" >>"$OUT/failed"
        done
    done
done
[ ! -s "$OUT/failed" ]
ok $? "vigie report --contract writes pdf, html, csv and json in fr and en ($(cat "$OUT/failed" 2>/dev/null))"

for lang in fr en; do
    "$CLI" report --contract empty --month 2026-10 --lang $lang -o "$OUT/empty-$lang.pdf" >/dev/null 2>>"$T_TMP/cli.log" &&
        pdftotext "$OUT/empty-$lang.pdf" - | grep -q "$( [ $lang = fr ] && echo 'GTR 1 j' || echo 'GTR 1 d')" || echo "empty $lang" >>"$OUT/failed-empty"
done
[ ! -s "$OUT/failed-empty" ]
ok $? "a contract without sites renders as PDF in fr and en ($(cat "$OUT/failed-empty" 2>/dev/null))"

# The API: the same document, its content type and file name.
curl -s -D "$OUT/headers" -H "Authorization: Bearer $READER" -o "$OUT/api.csv" \
    "$SERVER_URL/api/v1/report?contract=standard&month=2026-10&format=csv&lang=en"
check "GET /api/v1/report?contract=standard gives the CSV as an attachment vigie-contract-standard-2026-10.csv" \
    sh -c "grep -qi '^content-type: text/csv' '$OUT/headers' && grep -q 'filename=\"vigie-contract-standard-2026-10.csv\"' '$OUT/headers'"
check "the API's CSV is the CLI's (but for the time it was generated)" \
    bash -c "diff <(grep -v generated_at '$OUT/api.csv') <(grep -v generated_at '$OUT/standard-en.csv') >/dev/null"
code() { curl -s -o "$OUT/err.json" -w '%{http_code}' -H "Authorization: Bearer $READER" "$SERVER_URL/api/v1/report?$1"; }
[ "$(code 'contract=gold&month=2026-10')" = 404 ] && grep -q '"contract"' "$OUT/err.json"
ok $? "an unknown contract is 404 naming the field contract"
[ "$(code 'contract=standard&month=2026-13')" = 400 ] && grep -q '"month"' "$OUT/err.json"
ok $? "a bad month is 400 naming the field month"
[ "$(code 'contract=standard&site=ecole-1&month=2026-10')" = 400 ] && grep -q '"site"' "$OUT/err.json"
ok $? "contract with site is 400 naming the field site"
[ "$(code 'contract=standard&month=2026-10&format=xls')" = 400 ] && grep -q '"format"' "$OUT/err.json"
ok $? "a bad format is 400 naming the field format"
[ "$(code 'contract=standard&month=2026-10&lang=de')" = 400 ] && grep -q '"lang"' "$OUT/err.json"
ok $? "a bad language is 400 naming the field lang"
[ "$(code 'contract=../etc&month=2026-10')" = 400 ] && grep -q '"contract"' "$OUT/err.json"
ok $? "a contract that is not a name is 400 naming the field contract"
[ "$(code 'contract=standard&month=2099-01')" = 400 ] && grep -q 'not started' "$OUT/err.json"
ok $? "a month to come is 400"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL/api/v1/report?contract=standard&month=2026-10")" = 401 ]
ok $? "without a token: 401"

check "the JSON: worst first, the penalties split NRO / single link, per-commune totals (hand-computed)" \
    python3 - "$OUT/standard-en.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert [s["site"] for s in j["sites"]] == ["mairie-1", "ecole-1", "ecole-2", "police-1"], j["sites"]
s = j["summary"]
assert (s["incidents"], s["attributed"], s["breaches"], s["sites_capped"]) == (5, 2, 5, 1), s
assert (s["penalties"], s["penalties_nro"], s["penalties_link"]) == (750, 400, 350), s
c = {x["commune"]: x for x in j["communes"]}
assert (c["Amiens"]["sites"], c["Amiens"]["penalty"], c["Amiens"]["penalty_nro"]) == (3, 650, 400), c
assert (c["Doullens"]["sites"], c["Doullens"]["penalty_link"]) == (1, 100), c
assert c["Amiens"]["not_met"] == 0 and s["missed"] == 0 and s["insufficient_data"] == 4, (c, s)  # no verdict: 1.9 % seen
assert j["digest"]["algorithm"] == "SHA-256" and len(j["digest"]["value"]) == 64, j["digest"]
PY

check "the CSV: one row per site with its hand-computed figures, in both languages" \
    python3 - "$OUT/standard-en.csv" "$OUT/standard-fr.csv" <<'PY'
import csv, sys
# The month is over (the server's now is past it), so the site counts as monitored what it saw: the
# 14 hours and the last sample's step, 50,460 s, 1.9 % of October (745 h: the clocks go back on the 25th): figures, but no verdict.
# site: availability = 1 - downtime / 50,460 s, downtime, incidents, attributed, breaches, penalty, nro, link
want = {"mairie-1": (16200, 2, 0, 2, 250, 0, 250), "ecole-1": (10800, 1, 1, 1, 200, 200, 0),
        "ecole-2": (10800, 1, 1, 1, 200, 200, 0), "police-1": (5400, 1, 0, 1, 100, 0, 100)}
for path, sep, dec in ((sys.argv[1], ",", "."), (sys.argv[2], ";", ",")):
    head, sections = None, {}
    for r in csv.reader(open(path, encoding="utf-8-sig", newline=""), delimiter=sep):
        if r[0] == "section":
            head = r
        else:
            sections.setdefault(r[0], []).append(dict(zip(head, r)))
    num = lambda x: float(x.replace(dec, "."))
    sites = sections["sites"]
    assert [r["site"] for r in sites] == list(want), [r["site"] for r in sites]
    for r in sites:
        d, n, a, b, p, pn, pl = want[r["site"]]
        assert abs(num(r["availability_pct"]) - 100 * (1 - d / 50460)) < 1e-5, r
        assert (int(r["downtime_s"]), int(r["incidents"]), int(r["attributed_to_nro"]), int(r["breaches"])) == (d, n, a, b), r
        assert (num(r["penalty_eur"]), num(r["penalty_nro_eur"]), num(r["penalty_link_eur"])) == (p, pn, pl), r
        assert r["verdict"] == "insufficient_data" and abs(num(r["coverage_pct"]) - 100 * 50460 / (745 * 3600)) < 1e-3, r
    inc = sections["incidents"]
    assert len(inc) == 5 and sum(1 for r in inc if r["attributed_to"] == "nro-a") == 2, inc
    assert [num(r["penalty_eur"]) for r in inc] == [200, 200, 100, 200, 50], inc
    meta = {r["key"]: r["value"] for r in sections["meta"]}
    assert meta["contract"] == "standard" and meta["period"] == "2026-10", meta
PY

pages() { pdfinfo "$1" | awk '/^Pages:/ { print $2 }'; }
for lang in fr en; do pdftotext -layout "$OUT/standard-$lang.pdf" "$OUT/standard-$lang.txt"; done
check "the PDFs are PDFs of 2 to 6 pages" \
    sh -c "head -c5 '$OUT/standard-fr.pdf' | grep -q '%PDF-' && p=\$(pdfinfo '$OUT/standard-fr.pdf' | awk '/^Pages:/ {print \$2}') && [ \"\$p\" -ge 2 ] && [ \"\$p\" -le 6 ]"
check "the French PDF: title, terms, penalties and their split, communes, attribution" \
    sh -c "f='$OUT/standard-fr.txt'; grep -q 'RAPPORT DU DÉLÉGATAIRE' \$f && grep -q 'octobre 2026' \$f &&
           grep -q 'GTR 1 h (calendrier 24x7)' \$f && grep -q '750 €' \$f && grep -q 'pannes de NRO 400 € (53,3 %)' \$f &&
           grep -q 'Totaux par commune' \$f && grep -q 'Doullens' \$f && grep -q 'NRO nro-a' \$f && grep -q '4 sans verdict' \$f &&
           grep -q 'lien propre' \$f && grep -q 'Annexe' \$f && grep -q '67,8953 %' \$f"
check "the English PDF: title, penalties, single links, the annex" \
    sh -c "f='$OUT/standard-en.txt'; grep -q \"THE DÉLÉGATAIRE'S REPORT\" \$f && grep -q 'October 2026' \$f &&
           grep -q 'NRO failures €400 (53.3 %)' \$f && grep -q 'single link' \$f && grep -q 'Annex' \$f &&
           grep -q '67.8953 %' \$f && ! grep -q 'octobre' \$f"

check "the HTML is one page in its language, the summary and commune tables before the annex" \
    python3 - "$OUT/standard-fr.html" "$OUT/standard-en.html" <<'PY'
import sys
for path, lang in ((sys.argv[1], "fr"), (sys.argv[2], "en")):
    h = open(path, encoding="utf-8").read()
    assert h.startswith("<!DOCTYPE html>") and '<html lang="%s">' % lang in h, path
    assert "<script" not in h and "http://" not in h.replace('xmlns="http://www.w3.org/2000/svg"', ""), path
    s, c, a = h.find('class="summary"'), h.find('class="communes"'), h.find('class="annex"')
    assert 0 < s < c < a, (path, s, c, a)
    assert h.count("mairie-1") >= 2, path  # in the exceptions and in the annex
PY

# 1,200 sites: the summary, communes and exceptions stay a few pages; the annex holds the sites.
for lang in fr en; do pdftotext -layout "$OUT/bulk-$lang.pdf" "$OUT/bulk-$lang.txt"; done
check "the 1,200-site PDF: at most 5 pages before the annex, the annex 15 to 30 pages" python3 - "$OUT/bulk-fr.txt" "$OUT/bulk-en.txt" <<'PY'
import sys
for path, annex in ((sys.argv[1], "Annexe – tous les sites"), (sys.argv[2], "Annex – every site")):
    pages = open(path, encoding="utf-8").read().split("\f")
    first = [i for i, p in enumerate(pages) if annex in p]
    assert first, path
    body, rest = first[0], len([p for p in pages[first[0]:] if p.strip()])
    assert body <= 5 and 15 <= rest <= 30, (path, body, rest)
    text = "\f".join(pages[first[0]:])
    assert all("bulk-%04d" % i in text for i in (0, 599, 1199)), path
    assert "Commune-59" in "\f".join(pages[:first[0]]), path
PY
check "the 1,200-site CSV: 1,200 site rows and 60 communes" python3 - "$OUT/bulk-en.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert sum(1 for r in rows if r[0] == "sites") == 1200, len(rows)
assert sum(1 for r in rows if r[0] == "communes") == 60
assert len({r[1] for r in rows if r[0] == "sites"}) == 1200
PY
check "the monthly report leaves the 1,204 public sites to the contract report" \
    sh -c "'$CLI' report --month 2026-10 --format json -o '$OUT/monthly.json' >/dev/null &&
           python3 -c \"import json; j = json.load(open('$OUT/monthly.json')); assert sorted(s['site'] for s in j['sites']) == ['dc', 'nro-a', 'nro-b'], [s['site'] for s in j['sites']]\""
"$CLI" report --contract standard --site ecole-1 --month 2026-10 >/dev/null 2>"$OUT/both.err"
[ $? -ne 0 ] && grep -q -- "--contract" "$OUT/both.err"
ok $? "vigie report refuses --contract with --site"

# --send: the PDF mailed, the summary as the text.
VIGIE_TOKEN=$READER "$CLI" report --contract standard --month 2026-10 --send >/dev/null 2>"$OUT/send-403.err"
[ $? -ne 0 ] && grep -q 403 "$OUT/send-403.err" && [ -z "$(ls "$MAILDIR/new" 2>/dev/null)" ]
ok $? "--send with a read-only token is refused (403) and nothing is mailed"
check "vigie report --contract standard --send mails it to the recipients" \
    sh -c "VIGIE_TOKEN=$ADMIN '$CLI' report --contract standard --month 2026-10 --send --json >'$OUT/send.json' &&
           grep -q '\"contract\": \"standard\"' '$OUT/send.json' && grep -q 'sla@delegataire.example' '$OUT/send.json'"
check "the mail: its subject, the summary with the penalties' split, the exceptions and the PDF attached" \
    $PY - "$MAILDIR" <<'PY'
import email, email.policy, glob, sys
paths = glob.glob(sys.argv[1] + "/new/*")
assert len(paths) == 1, paths
m = email.message_from_binary_file(open(paths[0], "rb"), policy=email.policy.default)
assert m["Subject"] == "Rapport du délégataire – Sites publics — standard – octobre 2026", m["Subject"]
text = m.get_body(("plain",)).get_content()
for want in ("Pénalités dues : 750 €", "pannes de NRO 400 € (53,3 %)", "Mairie (Amiens)", "Empreinte SHA-256"):
    assert want in text, (want, text)
att = [p for p in m.iter_attachments()]
assert len(att) == 1 and att[0].get_filename() == "vigie-contract-standard-2026-10.pdf", att
assert att[0].get_content().startswith(b"%PDF-")
PY

check "the server stops cleanly" server_stop
finish

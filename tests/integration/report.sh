#!/bin/bash
# The monthly SLA report end to end: October 2026 of a data center and an NRO shelter is written
# through the ingest path (tests/unit/report_test --populate: a 10-minute power cut at the data
# center, an excluded cooling alarm inside a maintenance window, an hour without data and a PON port
# lost for one poll at the shelter), vigie-server renders it, and `vigie report` fetches every
# format in French and English. The PDF is read back with pdftotext, the CSV with Python's csv, and
# their figures must be the JSON's; the JSON's digest is checked with Python alone. Then --send
# mails the PDF through a real SMTP server on loopback (aiosmtpd, STARTTLS with a private CA), and
# the mail must hold the summary and the PDF.
. "${top_srcdir:-.}/tests/integration/lib.sh"

PY=/usr/bin/python3 # Debian's, where python3-aiosmtpd lives
command -v pdftotext >/dev/null || bail "pdftotext is not installed (Debian package poppler-utils)"
$PY -c 'import aiosmtpd' 2>/dev/null || bail "aiosmtpd is not installed (Debian package python3-aiosmtpd)"
FIXTURE="$top_builddir/tests/unit/report_test"
[ -x "$FIXTURE" ] || bail "$FIXTURE is not built (make check builds it)"

# A private CA and the SMTP server's certificate for 127.0.0.1.
PKI="$T_TMP/pki"
mkdir -p "$PKI"
(
    cd "$PKI" &&
        openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=vigie report test CA" \
            -keyout ca.key -out ca.pem &&
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" -keyout smtp.key -out smtp.csr &&
        printf 'subjectAltName=IP:127.0.0.1\n' >ext &&
        openssl x509 -req -in smtp.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile ext -out smtp.pem
) >"$T_TMP/pki.log" 2>&1 || { cat "$T_TMP/pki.log" >&2; bail "openssl could not make the test certificates"; }

# The SMTP receiver: aiosmtpd requires STARTTLS when given a certificate, and files each message in a Maildir.
SMTP_PORT=$(free_port tcp)
MAILDIR="$T_TMP/maildir"
$PY -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" --tlscert "$PKI/smtp.pem" --tlskey "$PKI/smtp.key" \
    -c aiosmtpd.handlers.Mailbox "$MAILDIR" >"$T_TMP/smtp.log" 2>&1 &
SMTP_PID=$!
T_PIDS="$T_PIDS $SMTP_PID"
wait_for 10 $PY -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$SMTP_PORT" 2>/dev/null ||
    bail "the SMTP receiver did not start (see $T_TMP/smtp.log)"

ADMIN=report-admin-token-0001
READER=report-read-token-0001
BODY="step: 300
sites:
  - {id: italie, name: \"Data center Italie\", kind: datacenter}
  - {id: doullens, name: \"NRO Doullens\", kind: nro}
agents:
  - {id: dc-italie, token: report-test-token-italie, site: italie}
  - {id: nro-doullens, token: report-test-token-doullens, site: doullens}
api_tokens:
  - {name: astreinte, token: $ADMIN, role: admin}
  - {name: tableau, token: $READER}
smtp: {url: 'smtp://127.0.0.1:$SMTP_PORT', from: 'vigie <vigie@syndicat.example>', ca_file: '$PKI/ca.pem', timeout: 20}
report: {recipients: [sla@delegataire.example, noc@syndicat.example], lang: fr}"

# October first, through the same code as the agents' pushes, into the data_dir the server will use.
BODY="$(db_line report)
$BODY"
printf 'data_dir: %s\n%s\n' "$T_TMP/report-data" "$BODY" >"$T_TMP/populate.yaml"
chmod 600 "$T_TMP/populate.yaml"
check "October 2026 is written through the ingest path" "$FIXTURE" --populate "$T_TMP/populate.yaml"
server_start report "$BODY"
[ "$SERVER_DATA" = "$T_TMP/report-data" ] || bail "lib.sh changed where server_start keeps its data"
export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN="$ADMIN"

OUT="$T_TMP/out"
mkdir -p "$OUT"
check "vigie report --format json" "$CLI" report --month 2026-10 --format json -o "$OUT/report.json"
check "the JSON's SHA-256 is that of its figures, computed by Python alone" $PY - "$OUT/report.json" <<'PY'
import hashlib, json, sys
j = json.load(open(sys.argv[1]))
d = j.pop("digest")
j.pop("generated_at")
canon = json.dumps(j, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
assert d["algorithm"] == "SHA-256" and hashlib.sha256(canon.encode()).hexdigest() == d["value"], d
PY
check "the JSON has the month's known figures, worst site first" $PY - "$OUT/report.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["sites"]
assert [x["site"] for x in s] == ["italie", "doullens"], [x["site"] for x in s]
it, dl = s[0]["figures"], s[1]["figures"]
assert it["downtime"] == 600 and not it["target_met"] and it["incidents"] == 1, it
assert abs(it["allowed_downtime"] - 745 * 3600 * 0.00018) < 0.01, it
assert dl["target_met"] and dl["downtime"] == 300 and dl["unknown"] >= 2400, dl
assert len(s[0]["incidents"]) == 2 and s[0]["incidents"][1]["excluded"], s[0]["incidents"]
PY
DIGEST=$(json_get "$OUT/report.json" "j['digest']['value']")
check "coverage: October has a verdict, the year to date (data since October only) has none" $PY - "$OUT/report.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for s in j["sites"]:
    f, y = s["figures"], s["year_to_date"]
    assert s["min_coverage"] == 90, s
    for x in (f, y):
        assert x["monitored"] == x["length"] - x["maintenance"] - x["unknown"], x
        assert abs(x["coverage"] - 100.0 * x["monitored"] / (x["length"] - x["maintenance"])) < 1e-9, x
    assert f["coverage"] > 99 and f["verdict"] == ("met" if f["target_met"] else "missed"), f
    # 1 January to 1 November 2026 in Paris is 304 days, 7,296 h (an hour lost in March, found in October), of which at most October's 745 h were seen
    assert y["length"] == 7296 * 3600 and y["coverage"] < 745 / 7296 * 100 + 1e-9, y
    assert y["verdict"] == "insufficient_data" and y["target_met"] is None, y
PY

# Every format in both languages.
for lang in fr en; do
    for fmt in pdf html csv json; do
        "$CLI" report --month 2026-10 --format $fmt --lang $lang -o "$OUT/report-$lang.$fmt" >/dev/null 2>>"$T_TMP/cli.log" ||
            echo "$fmt $lang" >>"$OUT/failed"
    done
done
[ ! -s "$OUT/failed" ]
ok $? "vigie report writes pdf, html, csv and json in fr and en ($(cat "$OUT/failed" 2>/dev/null))"
check "the PDFs are PDFs of several pages" sh -c "head -c5 '$OUT/report-fr.pdf' | grep -q '%PDF-' && pdfinfo '$OUT/report-fr.pdf' | grep -Eq '^Pages: +[3-9]' && pdfinfo '$OUT/report-en.pdf' | grep -Eq '^Pages: +[3-9]'"
pdftotext -layout "$OUT/report-fr.pdf" "$OUT/report-fr.txt"
pdftotext -layout "$OUT/report-en.pdf" "$OUT/report-en.txt"

# The figures of the PDF, as the JSON has them: availability truncated to 4 decimals.
expect() { # expect LANG: the strings the report must show for the JSON's figures
    $PY - "$OUT/report.json" "$1" <<'PY'
import json, math, sys
j, lang = json.load(open(sys.argv[1])), sys.argv[2]
def num(v, d):
    s = "%.*f" % (d, v)
    return s.replace(".", ",") if lang == "fr" else s
def dur(s):
    if s < 60: return "%d s" % round(s)
    if s < 3600:
        if abs(s - round(s)) < 0.05: return "%d min %02d s" % (round(s) // 60, round(s) % 60)
        sec = s - int(s) // 60 * 60
        return "%d min %s%s s" % (int(s) // 60, "0" if sec < 10 else "", num(sec, 1))
    return "%d h %02d min" % (s // 3600, s % 3600 // 60)
for s in j["sites"]:
    f = s["figures"]
    print(num(math.floor(f["availability"] * 1e4 + 1e-6) / 1e4, 4) + " %")
    print(dur(f["downtime"]))
    print(dur(f["allowed_downtime"]))
    for i in s["incidents"]:
        print(i["cause"][i["cause"].index("("):i["cause"].index(")") + 1])  # "(ups.status=OB)"
PY
}
missing() { # missing FILE LANG: the expected strings not in FILE
    expect "$2" | while IFS= read -r want; do grep -qF -- "$want" "$1" || echo "$want"; done
}
m=$(missing "$OUT/report-fr.txt" fr)
[ -z "$m" ]
ok $? "the French PDF shows the JSON's availability, downtime, allowed downtime and incidents (missing: $m)"
m=$(missing "$OUT/report-en.txt" en)
[ -z "$m" ]
ok $? "the English PDF shows the JSON's figures (missing: $m)"
check "the French PDF: octobre 2026, 99,9 decimals, target 99,982 %, 8 min 02,8 s allowed" \
    sh -c "grep -q 'octobre 2026' '$OUT/report-fr.txt' && grep -q '99,9776 %' '$OUT/report-fr.txt' &&
           grep -q '99,982 %' '$OUT/report-fr.txt' && grep -q '8 min 02,8 s' '$OUT/report-fr.txt' && ! grep -q 'October' '$OUT/report-fr.txt'"
check "the English PDF: October 2026, 99.9776 %, NOT MET" \
    sh -c "grep -q 'October 2026' '$OUT/report-en.txt' && grep -q '99.9776 %' '$OUT/report-en.txt' && grep -q 'NOT MET' '$OUT/report-en.txt'"
check "the PDFs give the coverage and no verdict on the year to date" \
    sh -c "grep -q 'Couverture (temps surveillé)' '$OUT/report-fr.txt' && grep -q 'données insuffisantes' '$OUT/report-fr.txt' &&
           grep -q 'minimum 90 %' '$OUT/report-fr.txt' && grep -q 'Coverage (time monitored)' '$OUT/report-en.txt' &&
           grep -q 'insufficient data' '$OUT/report-en.txt'"
check "the PDF names its data: period, sites, zone, unknown policy, version and the digest" \
    sh -c "grep -q 'Europe/Paris' '$OUT/report-fr.txt' && grep -q 'italie, doullens' '$OUT/report-fr.txt' &&
           grep -q 'exclue du calcul' '$OUT/report-fr.txt' && grep -q 'vigie [0-9]' '$OUT/report-fr.txt' && grep -q '$DIGEST' '$OUT/report-fr.txt'"
check "the PDF shows target met / not met per site, the excluded incident and the maintenance window" \
    sh -c "grep -q 'OBJECTIF NON ATTEINT' '$OUT/report-fr.txt' && grep -q 'OBJECTIF ATTEINT' '$OUT/report-fr.txt' &&
           grep -q 'oui (maintenance)' '$OUT/report-fr.txt' && grep -q 'Remplacement du compresseur' '$OUT/report-fr.txt'"
# librrd draws the graphs as SVG, librsvg paints them into the page: read back as SVG, the PDF has the
# first two series' lines stroked in their colours (#1F5FA8, #E07B00), and not one raster image.
check "the PDF draws the month's graphs as vector lines (librrd's SVG), with no raster image" \
    sh -c "pdftocairo -svg '$OUT/report-fr.pdf' '$OUT/report-fr.svg' &&
           grep -Eq 'stroke:rgb\(12\.15[0-9]*%,37\.25[0-9]*%,65\.88[0-9]*%\)' '$OUT/report-fr.svg' &&
           grep -Eq 'stroke:rgb\(87\.84[0-9]*%,48\.23[0-9]*%,0%\)' '$OUT/report-fr.svg' &&
           test \"\$(pdfimages -list '$OUT/report-fr.pdf' | awk 'NR>2' | wc -l)\" -eq 0"

check "the CSV has the JSON's figures, in both languages" $PY - "$OUT/report.json" "$OUT/report-en.csv" "$OUT/report-fr.csv" <<'PY'
import csv, json, sys
j = json.load(open(sys.argv[1]))
for path, sep, dec, yes, no in ((sys.argv[2], ",", ".", "yes", "no"), (sys.argv[3], ";", ",", "oui", "non")):
    rows = list(csv.reader(open(path, encoding="utf-8-sig", newline=""), delimiter=sep))
    head, sections = None, {}
    for r in rows:                      # one file, a section column; each section has its header row
        if r[0] == "section":
            head = r
        else:
            sections.setdefault(r[0], []).append(dict(zip(head, r)))
    meta = {r["key"]: r["value"] for r in sections["meta"]}
    assert meta["period"] == "2026-10" and meta["digest_sha256"] == j["digest"]["value"], meta
    num = lambda s: float(s.replace(dec, ".")) if dec == "," else float(s)
    for s in j["sites"]:
        row = [r for r in sections["sites"] if r["site"] == s["site"]][0]
        f = s["figures"]
        assert abs(num(row["availability_pct"]) - f["availability"]) < 1e-6, (row, f)
        assert int(row["downtime_s"]) == f["downtime"] and int(row["incidents"]) == f["incidents"], row
        assert row["target_met"] == (yes if f["target_met"] else no), row
        assert row["verdict"] == f["verdict"] and row["ytd_verdict"] == "insufficient_data", row
        assert abs(num(row["coverage_pct"]) - f["coverage"]) < 1e-3, (row, f)
        inc = [r for r in sections.get("incidents", []) if r["site"] == s["site"]]
        assert len(inc) == len(s["incidents"]), (inc, s["incidents"])
        for a, b in zip(inc, s["incidents"]):
            assert int(a["duration_s"]) == b["duration"] and a["cause"] == b["cause"], (a, b)
            assert a["excluded"] == (yes if b["excluded"] else no), a
    if dec == ",":
        assert "," in [r for r in sections["sites"]][0]["availability_pct"]
PY
check "the HTML is self-contained and printable, graphs inlined, in French" \
    sh -c "grep -q 'lang=\"fr\"' '$OUT/report-fr.html' && grep -q 'octobre 2026' '$OUT/report-fr.html' &&
           grep -q '99,9776 %' '$OUT/report-fr.html' && grep -q 'data:image/png;base64,' '$OUT/report-fr.html' &&
           grep -q '@page' '$OUT/report-fr.html' && ! grep -Eq '(src|href)=\"https?:' '$OUT/report-fr.html'"
check "the HTML in English" sh -c "grep -q 'October 2026' '$OUT/report-en.html' && grep -q '99.9776 %' '$OUT/report-en.html'"
[ "$(json_get "$OUT/report-fr.json" "j['digest']['value']")" = "$DIGEST" ] &&
    grep -q "$DIGEST" "$OUT/report-en.html" && grep -q "$DIGEST" "$OUT/report-en.csv" && grep -q "$DIGEST" "$OUT/report-en.txt"
ok $? "the same data gives the same digest in every format and language"

# The API: content type and file name.
code=$(curl -s -o "$OUT/api.pdf" -D "$OUT/api.h" -w '%{http_code}' -H "Authorization: Bearer $READER" \
    "$SERVER_URL/api/v1/report?month=2026-10&site=doullens&format=pdf&lang=en")
[ "$code" = 200 ] && grep -qi '^Content-Type: application/pdf' "$OUT/api.h" &&
    grep -qi '^Content-Disposition: attachment; filename="vigie-report-2026-10-doullens.pdf"' "$OUT/api.h"
ok $? "GET /api/v1/report answers application/pdf with its file name ($code)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL/api/v1/report?month=2026-10")
[ "$code" = 401 ]
ok $? "the report needs an API token ($code)"
code=$(curl -s -o "$OUT/bad" -w '%{http_code}' -H "Authorization: Bearer $READER" "$SERVER_URL/api/v1/report?month=2026-10&format=docx")
[ "$code" = 400 ] && grep -q '"field":"format"' "$OUT/bad"
ok $? "an unknown format is refused with 400 naming it ($code)"
code=$(curl -s -o "$OUT/bad" -w '%{http_code}' -H "Authorization: Bearer $READER" "$SERVER_URL/api/v1/report?month=2026-10&site=nowhere")
[ "$code" = 404 ]
ok $? "an unknown site is 404 ($code)"

# The CLI's default file name, and the site.
CLI_ABS="$(cd "$(dirname "$CLI")" && pwd)/$(basename "$CLI")"
(cd "$OUT" && "$CLI_ABS" report --month 2026-10 --site doullens >/dev/null 2>>"$T_TMP/cli.log")
check "without -o the file is vigie-report-2026-10-doullens.pdf, one site in it" \
    sh -c "pdftotext '$OUT/vigie-report-2026-10-doullens.pdf' - | grep -q 'NRO Doullens' && ! pdftotext '$OUT/vigie-report-2026-10-doullens.pdf' - | grep -q 'Data center Italie'"
check "-o FILE.csv chooses the format" sh -c "'$CLI' report --month 2026-10 -o '$OUT/by-name.csv' >/dev/null && head -c 40 '$OUT/by-name.csv' | grep -q 'section'"
"$CLI" report --previous-month --format json -o "$OUT/previous.json" >/dev/null 2>>"$T_TMP/cli.log"
want=$($PY -c "import datetime, zoneinfo; n = datetime.datetime.now(zoneinfo.ZoneInfo('Europe/Paris')); y, m = (n.year, n.month - 1) if n.month > 1 else (n.year - 1, 12); print('%04d-%02d' % (y, m))")
[ "$(json_get "$OUT/previous.json" "j['period']")" = "$want" ]
ok $? "--previous-month is the month before this one in the sites' zone ($want)"
"$CLI" report --month 2026-13 >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "a bad --month is a usage error (exit 2)"
"$CLI" report --month 2026-10 --format docx >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "a bad --format is a usage error (exit 2)"

# --send: the server renders the PDF and mails it.
VIGIE_TOKEN=$READER "$CLI" report --month 2026-10 --send >/dev/null 2>"$OUT/send-403.err"
rc=$?
[ $rc -eq 1 ] && grep -q 403 "$OUT/send-403.err" && [ -z "$(ls "$MAILDIR/new" 2>/dev/null)" ]
ok $? "--send with a read-only token is refused (403) and nothing is mailed"
check "vigie report --send --month 2026-10 succeeds" sh -c "'$CLI' report --month 2026-10 --send >'$OUT/send.out' && grep -q 'sent to sla@delegataire.example, noc@syndicat.example' '$OUT/send.out'"
mail_arrived() { [ -n "$(ls "$MAILDIR/new" 2>/dev/null)" ]; }
wait_for 5 mail_arrived
check "the mail arrived over STARTTLS, to both recipients, with the summary in its body and the PDF attached" \
    $PY - "$MAILDIR" "$OUT/mailed.pdf" "$DIGEST" <<'PY'
import email, mailbox, sys
from email import policy
msgs = list(mailbox.Maildir(sys.argv[1], factory=None, create=False))
assert len(msgs) == 1, len(msgs)
m = email.message_from_bytes(msgs[0].as_bytes(), policy=policy.default)
assert m["Subject"] == "Rapport de disponibilité – octobre 2026", m["Subject"]
assert "sla@delegataire.example" in m["To"] and "noc@syndicat.example" in m["To"], m["To"]
assert m["X-RcptTo"] and "noc@syndicat.example" in m["X-RcptTo"], m["X-RcptTo"]
body = m.get_body(("plain",)).get_content()
for want in ("octobre 2026", "✗ Data center Italie (italie)", "99,9776 %", "NON ATTEINT", "✓ NRO Doullens (doullens)",
             sys.argv[3][:32], sys.argv[3][32:]):
    assert want in body, (want, body)
assert max(len(l) for l in body.splitlines()) <= 60, "lines too long for a phone"
att = [p for p in m.iter_attachments()]
assert len(att) == 1 and att[0].get_content_type() == "application/pdf", att
assert att[0].get_filename() == "vigie-report-2026-10.pdf", att[0].get_filename()
pdf = att[0].get_content()
assert pdf[:5] == b"%PDF-", pdf[:10]
open(sys.argv[2], "wb").write(pdf)
PY
check "the mailed PDF reads as the report of octobre 2026 with the same digest" \
    sh -c "pdftotext '$OUT/mailed.pdf' - | grep -q 'octobre 2026' && pdftotext '$OUT/mailed.pdf' - | grep -q '$DIGEST'"

# A mail server that cannot be reached: the server says so, the CLI exits 1.
kill "$SMTP_PID"
wait "$SMTP_PID" 2>/dev/null
"$CLI" report --month 2026-10 --send >/dev/null 2>"$OUT/send-down.err"
rc=$?
[ $rc -eq 1 ] && grep -q "answered 502" "$OUT/send-down.err" && grep -q "smtp://127.0.0.1:$SMTP_PORT" "$OUT/send-down.err"
ok $? "when the mail server is down --send fails with its reason ($(head -c 200 "$OUT/send-down.err"))"
finish

#!/bin/bash
# HTTPS between the agents, the CLI and vigie-server. openssl makes a private CA and a server
# certificate for 127.0.0.1 and localhost (as doc/tls.md explains), vigie-server serves them, and:
# an agent trusting that CA pushes and the RRD files get the values; clients that do not trust it
# (curl without the CA, an agent with another CA) or that reach a server whose certificate names
# another host are refused and store nothing; `vigie --cacert` works; plain HTTP to the TLS port
# gets no answer. Also the configuration checks and warnings around tls_cert and tls_key.
. "${top_srcdir:-.}/tests/integration/lib.sh"

PKI="$T_TMP/pki"
mkdir -p "$PKI"
# mkca NAME: a CA key and self-signed certificate, PKI/NAME.key and PKI/NAME.pem
mkca() {
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj "/O=vigie tests/CN=$1" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$PKI/$1.key" -out "$PKI/$1.pem"
}
# mkcert NAME CA SUBJECT-ALT-NAMES: a server key and certificate signed by CA
mkcert() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
        -keyout "$PKI/$1.key" -out "$PKI/$1.csr" &&
        printf '%s\n' "basicConstraints = critical,CA:FALSE" "keyUsage = critical,digitalSignature" \
            "extendedKeyUsage = serverAuth" "subjectAltName = $3" > "$PKI/$1.ext" &&
        openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.pem" -CAkey "$PKI/$2.key" -CAcreateserial \
            -days 30 -extfile "$PKI/$1.ext" -out "$PKI/$1.pem" &&
        chmod 600 "$PKI/$1.key"
}
check "openssl makes the CA, another CA and two server certificates" sh -c "
    $(declare -f mkca mkcert); PKI='$PKI'
    mkca ca && mkca other-ca && mkcert server ca 'DNS:localhost,IP:127.0.0.1' &&
    mkcert elsewhere ca 'DNS:elsewhere.example,IP:192.0.2.10' &&
    openssl verify -CAfile '$PKI/ca.pem' '$PKI/server.pem'"

# tls_server_start NAME CERT KEY YAML-BODY: like server_start, over HTTPS; sets the same variables.
tls_server_start() {
    local name="$1" cert="$2" key="$3" body="$4"
    SERVER_PORT=$(free_port tcp)
    SERVER_DATA="$T_TMP/$name-data"
    SERVER_URL="https://127.0.0.1:$SERVER_PORT"
    SERVER_YAML="$T_TMP/$name.yaml"
    printf 'listen: 127.0.0.1:%s\ndata_dir: %s\ntls_cert: %s\ntls_key: %s\n%s\n' "$SERVER_PORT" "$SERVER_DATA" \
        "$cert" "$key" "$body" > "$SERVER_YAML"
    chmod 600 "$SERVER_YAML"
    SERVER_LOG="$T_TMP/$name.log"
    "$SERVER" -c "$SERVER_YAML" --log-level warn 2>>"$SERVER_LOG" &
    SERVER_PID=$!
    T_PIDS="$T_PIDS $SERVER_PID"
    wait_for 10 tls_healthy && return 0
    cat "$SERVER_LOG" >&2
    bail "vigie-server did not start over HTTPS"
}
tls_healthy() { # under either name of the certificate
    curl -sf --cacert "$PKI/ca.pem" "$SERVER_URL/api/v1/health" >/dev/null 2>&1 ||
        curl -sf --cacert "$PKI/ca.pem" --resolve "elsewhere.example:$SERVER_PORT:127.0.0.1" \
            "https://elsewhere.example:$SERVER_PORT/api/v1/health" >/dev/null 2>&1
}

sim_start "$top_srcdir/tests/fixtures/snmprec"
TOKEN=tls-agent-token-000001
OTHER_TOKEN=tls-other-token-000001
READ_TOKEN=tls-read-token-0000001
BODY="step: 5
sites: [{id: italie, kind: datacenter}, {id: other, kind: nro}]
agents: [{id: dc-italie, token: $TOKEN, site: italie}, {id: nro-other, token: $OTHER_TOKEN, site: other}]
api_tokens: [{name: ops, token: $READ_TOKEN}]"

# Configuration checks first (the same body, written by hand).
conf() { printf 'listen: 127.0.0.1:1\ndata_dir: %s\n%s\n%s\n' "$T_TMP/unused" "$1" "$BODY" > "$T_TMP/conf.yaml"; }
conf "tls_cert: $PKI/server.pem
tls_key: $PKI/server.key"
check "--check-config reads tls_cert and tls_key and says HTTPS" \
    sh -c "'$SERVER' --check-config -c '$T_TMP/conf.yaml' 2>&1 | grep -q 'HTTPS'"
conf "tls_cert: $PKI/server.pem"
"$SERVER" --check-config -c "$T_TMP/conf.yaml" >"$T_TMP/c1.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "conf.yaml:3:11: key 'tls_cert': needs tls_key" "$T_TMP/c1.out"
ok $? "tls_cert without tls_key: exit 2 naming the key ($rc: $(cat "$T_TMP/c1.out"))"
conf "tls_cert: $PKI/server.pem
tls_key: $PKI/missing.key"
"$SERVER" --check-config -c "$T_TMP/conf.yaml" >"$T_TMP/c2.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "key 'tls_key': cannot read '$PKI/missing.key'" "$T_TMP/c2.out"
ok $? "an unreadable tls_key: exit 2 naming the key ($rc: $(cat "$T_TMP/c2.out"))"
cp "$PKI/server.key" "$PKI/open.key" && chmod 644 "$PKI/open.key"
conf "tls_cert: $PKI/server.pem
tls_key: $PKI/open.key"
check "a key file readable by others gets a warning" \
    sh -c "'$SERVER' --check-config -c '$T_TMP/conf.yaml' 2>&1 | grep -q 'open.key (tls_key) is the server.s private key and is readable by other users'"

tls_server_start server "$PKI/server.pem" "$PKI/server.key" "$BODY"
check "the server answers over HTTPS with a certificate for 127.0.0.1" \
    curl -sf --cacert "$PKI/ca.pem" "$SERVER_URL/api/v1/health"
check "... and for localhost" curl -sf --cacert "$PKI/ca.pem" "https://localhost:$SERVER_PORT/api/v1/health"

# agent_once NAME ID TOKEN CA-FILE SERVER-URL: one poll and push with vigie-agent --once
agent_once() {
    agent_config "$1" "agent: $2
server: $5
token: $3
ca_file: $4
spool_dir: $T_TMP/spool-$1
interval: 5
timeout: 0.5
retries: 0
devices:
  - {name: ups-$1, host: 127.0.0.1, port: $SIM_PORT, community: skeleton-ups}"
    "$AGENT" -c "$AGENT_YAML" --profiles "$MIBS_DIR" --once --log-level warn 2>"$AGENT_LOG"
}

agent_once good dc-italie "$TOKEN" "$PKI/ca.pem" "$SERVER_URL"
ok $? "an agent with ca_file = the CA pushes over HTTPS $(head -3 "$T_TMP/good.log")"
RRD="$SERVER_DATA/rrd/italie/ups-good"
last() { rrd_last "$RRD/$1.rrd"; }
check "its RRD file holds battery.charge = 97" num_eq "$(last battery.charge)" 97
check "its RRD file holds battery.voltage = 54.5" num_eq "$(last battery.voltage)" 54.5

curl -s -o /dev/null "$SERVER_URL/api/v1/health" 2>"$T_TMP/curl1.err"
rc=$?
[ "$rc" = 60 ]
ok $? "curl without the CA fails to verify the certificate (exit $rc, wanted 60)"
curl -s -o /dev/null --cacert "$PKI/other-ca.pem" "$SERVER_URL/api/v1/health"
rc=$?
[ "$rc" = 60 ]
ok $? "curl with another CA fails to verify the certificate (exit $rc, wanted 60)"

agent_once bad nro-other "$OTHER_TOKEN" "$PKI/other-ca.pem" "$SERVER_URL"
rc=$?
[ "$rc" = 1 ] && grep -q "certificate problem" "$T_TMP/bad.log"
ok $? "an agent with another CA cannot push and says why ($rc: $(head -2 "$T_TMP/bad.log"))"
[ ! -e "$SERVER_DATA/rrd/other" ]
ok $? "... and nothing of it is stored"

export VIGIE_SERVER="$SERVER_URL" VIGIE_TOKEN="$READ_TOKEN"
check "vigie --cacert CA status works over HTTPS" \
    sh -c "'$CLI' --cacert '$PKI/ca.pem' status | grep -E '^italie +ups-good +reachable'"
check "VIGIE_CACERT=CA vigie status --json works too" \
    sh -c "VIGIE_CACERT='$PKI/ca.pem' '$CLI' status --json | grep -q ups-good"
check "vigie -c server.yaml --cacert CA status finds the HTTPS URL in server.yaml" \
    sh -c "env -u VIGIE_SERVER -u VIGIE_TOKEN '$CLI' -c '$SERVER_YAML' --cacert '$PKI/ca.pem' status | grep -q ups-good"
"$CLI" status >"$T_TMP/cli-noca.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q -- "--cacert" "$T_TMP/cli-noca.out"
ok $? "vigie without the CA fails and tells about --cacert ($rc: $(head -1 "$T_TMP/cli-noca.out"))"
"$CLI" --cacert "$PKI/other-ca.pem" status >"$T_TMP/cli-other.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "certificate problem" "$T_TMP/cli-other.out"
ok $? "vigie --cacert OTHER-CA status fails on the certificate ($rc: $(head -1 "$T_TMP/cli-other.out"))"
"$CLI" --cacert "$PKI/nonexistent.pem" status >"$T_TMP/cli-missing.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "nonexistent.pem" "$T_TMP/cli-missing.out"
ok $? "vigie --cacert with a missing file: exit 2 naming it ($rc)"

code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$SERVER_PORT/api/v1/health")
rc=$?
[ "$rc" != 0 ] && [ "$code" = 000 ]
ok $? "plain HTTP to the TLS port gets no HTTP answer (curl exit $rc, code $code)"
check "the server still answers over HTTPS afterwards" \
    curl -sf --cacert "$PKI/ca.pem" "$SERVER_URL/api/v1/health"
! grep -q "without TLS" "$SERVER_LOG"
ok $? "no warning about clear text for a TLS server"

# A certificate from the right CA for another host name is refused as well.
server_stop
ok $? "the HTTPS server stops cleanly on SIGTERM (exit 0)"
tls_server_start elsewhere "$PKI/elsewhere.pem" "$PKI/elsewhere.key" "$BODY"
agent_once wrongname dc-italie "$TOKEN" "$PKI/ca.pem" "$SERVER_URL"
rc=$?
[ "$rc" = 1 ] && grep -q "subject name" "$T_TMP/wrongname.log" &&
    [ -z "$(find "$SERVER_DATA" -name '*.rrd')" ]
ok $? "an agent refuses a certificate of its CA that does not name 127.0.0.1 ($rc: $(head -1 "$T_TMP/wrongname.log"))"
server_stop

# Plain HTTP on every address: it works, with a warning.
PORT=$(free_port tcp)
SERVER_YAML="$T_TMP/plain.yaml" SERVER_LOG="$T_TMP/plain.log" SERVER_URL="http://127.0.0.1:$PORT"
printf 'listen: 0.0.0.0:%s\ndata_dir: %s\n%s\n' "$PORT" "$T_TMP/plain-data" "$BODY" > "$SERVER_YAML"
chmod 600 "$SERVER_YAML"
server_launch
grep -q "listening on 0.0.0.0 without TLS" "$SERVER_LOG"
ok $? "plain HTTP on 0.0.0.0 warns that tokens cross the network in clear ($(head -1 "$SERVER_LOG"))"
server_stop
ok $? "the plain server stops cleanly on SIGTERM (exit 0)"
finish

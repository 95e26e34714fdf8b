#!/bin/bash
# Installs the Debian 12 packages vigie needs to build, run its demo and run its tests.
# Does nothing when they are all there already; uses sudo when not run as root.
set -eu
PACKAGES="build-essential autoconf automake pkg-config libsnmp-dev libcurl4-openssl-dev librrd-dev
libyaml-dev libcmocka-dev libmicrohttpd-dev libjansson-dev libsqlite3-dev snmp snmpsim rrdtool curl
python3 tzdata ca-certificates valgrind openssl libcairo2-dev libpango1.0-dev librsvg2-dev libgnutls28-dev libglib2.0-dev libical-dev
python3-aiosmtpd poppler-utils prometheus chromium fonts-dejavu-core rrdcached
clang libclang-rt-14-dev llvm debhelper lintian systemd"
missing=()
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
command -v node >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "vigie: installing ${missing[*]}" >&2
    SUDO=
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# the browser tests drive Debian's chromium with playwright-core (no browser is downloaded)
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/tests/browser/node_modules/playwright-core" ]; then
    npm ci --prefix "$root/tests/browser" --no-audit --no-fund >&2
fi

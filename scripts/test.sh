#!/bin/bash
# Builds vigie in build/ and runs the whole test suite (unit tests, integration tests against real
# SNMP agents on loopback, every shared device recording). Ends with one line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
./scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
    autoreconf -fi || { echo "0 passed, 1 failed"; exit 1; }
fi
mkdir -p build
cd build
if [ ! -f Makefile ] || [ ../configure -nt Makefile ]; then
    ../configure ${VIGIE_CONFIGURE_FLAGS:-} >configure.out || { cat configure.out; echo "0 passed, 1 failed"; exit 1; }
fi
make -j2 >make.out 2>&1 || { tail -50 make.out; echo "0 passed, 1 failed"; exit 1; }
make -j2 check
rc=$?
count() { awk -v k="# $1:" '$0 ~ "^"k { n += $NF } END { print n + 0 }' test-suite.log; }
[ -f test-suite.log ] || { echo "0 passed, 1 failed"; exit 1; }
passed=$(count PASS)
failed=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
    echo "--- failures (build/test-suite.log) ---"
    grep -E "^(FAIL|ERROR|XPASS)|^# " test-suite.log | head -60
    [ "$failed" -eq 0 ] && failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

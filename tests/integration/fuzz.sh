#!/bin/bash
# A short libFuzzer run of every harness of tests/fuzz, so that CI fuzzes on each run (issue 7). A
# separate build of the source tree with clang (./configure --enable-fuzzing CC=clang, out of tree
# in a temporary folder: the source tree stays untouched and may be read-only, as in make
# distcheck) makes the five fuzz_* programs; scripts/fuzz.sh runs each for VIGIE_FUZZ_SECONDS
# (default 20) with a fixed seed, a memory limit and a per-input timeout, and its findings go to
# the temporary folder. A crash, a leak, undefined behaviour or a broken property fails the test,
# which prints the input (base64) and the report, enough to reproduce from the CI log alone.
#
# Needs clang and its libFuzzer runtime (Debian: clang libclang-rt-14-dev; llvm for symbolized
# stacks): without them the test fails, naming the packages, unless VIGIE_NO_FUZZ=1, which skips it.
. "${top_srcdir:-.}/tests/integration/lib.sh"
HARNESSES="push config profile snmp_value traps"
SECONDS_EACH=${VIGIE_FUZZ_SECONDS:-20}
SEED=${VIGIE_FUZZ_SEED:-1}
PACKAGES="clang libclang-rt-14-dev llvm"

# clang and libFuzzer: a program linked with the flags the harnesses use
missing=
if ! command -v clang >/dev/null 2>&1; then
    missing="clang is not installed"
else
    printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
        >"$T_TMP/probe.c"
    clang -fsanitize=fuzzer,address,undefined "$T_TMP/probe.c" -o "$T_TMP/probe" >"$T_TMP/probe.log" 2>&1 ||
        missing="clang cannot link a libFuzzer program ($(grep -m1 -iE 'error|cannot find' "$T_TMP/probe.log"))"
fi
if [ -n "${VIGIE_NO_FUZZ:-}" ] && [ "$VIGIE_NO_FUZZ" != 0 ]; then
    skip_all "libFuzzer run of tests/fuzz: VIGIE_NO_FUZZ=$VIGIE_NO_FUZZ${missing:+ ($missing)}"
fi
if [ -n "$missing" ]; then
    ok 1 "libFuzzer run of tests/fuzz: $missing: install the Debian packages $PACKAGES (apt-get install $PACKAGES, or scripts/deps.sh), or set VIGIE_NO_FUZZ=1 to skip this test"
    sed 's/^/#   /' "$T_TMP/probe.log" 2>/dev/null | head -10
    finish; exit
fi

n=0
for _ in $HARNESSES; do n=$((n + 1)); done

# The fuzzing build, out of tree. The make of the enclosing `make check` must not leak into it
# (its jobserver, its command-line variables), nor the compiler settings of the normal build.
SRC=$(cd "$top_srcdir" && pwd)
B="$T_TMP/build"
mkdir -p "$B" "$T_TMP/tmp" "$T_TMP/work"
PROGS=""
for h in $HARNESSES; do PROGS="$PROGS tests/fuzz/fuzz_$h"; done
start=$(date +%s)
built=1
(
    cd "$B" || exit 1
    unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES CC CFLAGS CPPFLAGS LDFLAGS LIBS
    "$SRC/configure" --enable-fuzzing CC=clang >configure.out 2>&1 || { echo "configure failed:"; tail -20 configure.out; exit 1; }
    # shellcheck disable=SC2086
    make -j2 $PROGS >make.out 2>&1 || { echo "make failed:"; grep -E "error|Error" make.out | head -20; tail -10 make.out; exit 1; }
) >"$T_TMP/build.log" 2>&1 && built=0
ok $built "fuzzing build (configure --enable-fuzzing CC=clang in $B): $n harnesses in $(( $(date +%s) - start )) s"
[ $built -eq 0 ] || sed 's/^/#   /' "$T_TMP/build.log" | head -40

# dump_artifacts H: the failing inputs libFuzzer kept (base64) and its report, from the log alone
dump_artifacts() {
    local h="$1" f shown=0 size
    local log="$T_TMP/work/$h/fuzz.log"
    for f in "$T_TMP/work/$h"/crash-* "$T_TMP/work/$h"/leak-* "$T_TMP/work/$h"/timeout-* "$T_TMP/work/$h"/oom-*; do
        [ -f "$f" ] || continue
        shown=$((shown + 1))
        [ $shown -le 3 ] || { echo "#   and $f"; continue; }
        size=$(stat -c %s "$f")
        echo "#   input $f: $size bytes$([ "$size" -gt 8192 ] && echo ", the first 8192"), base64 below."
        echo "#   To reproduce: base64 -d >input, then tests/fuzz/fuzz_$h input in a --enable-fuzzing build;"
        echo "#   once fixed, keep it as tests/fuzz/regressions/$h/NAME (tests/fuzz/README.md)."
        head -c 8192 "$f" | base64 -w 76 | sed 's/^/#   /'
    done
    [ $shown -gt 0 ] || echo "#   no crash-, leak-, timeout- or oom- file in $T_TMP/work/$h"
    echo "#   libFuzzer's report ($log):"
    # from the first report to its SUMMARY (the stacks), then libFuzzer's own lines about the input
    awk '!on && /==ERROR|runtime error|property does not hold|ERROR: libFuzzer|^fuzz: / { on = 1; seen = 1 }
         on && n < 60 { print "#   " $0; n++ }
         on && /^SUMMARY/ { on = 0 }
         !on && /^(MS:|artifact_prefix|Test unit written|Base64:)/ { print "#   " $0 }
         { last[NR % 30] = $0 }
         END { if (!seen) for (i = NR - 29; i <= NR; i++) if (i > 0) print "#   " last[i % 30] }' "$log" 2>/dev/null
}

for h in $HARNESSES; do
    if [ $built -ne 0 ]; then
        ok 1 "fuzz_$h: not built"
        continue
    fi
    # fixed seed, per-input timeout and memory limit: the same run each time, bounded by the clock
    FUZZ_BIN="$B/tests/fuzz" FUZZ_WORK="$T_TMP/work" FUZZ_SECONDS="$SECONDS_EACH" VIGIE_FUZZ_SRCDIR="$SRC" \
        FUZZ_ARGS="-seed=$SEED -timeout=25 -rss_limit_mb=2048" TMPDIR="$T_TMP/tmp" \
        bash "$SRC/scripts/fuzz.sh" run "$h" >"$T_TMP/fuzz-$h.out" 2>&1
    rc=$?
    execs=$(sed -n 's/.*stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$T_TMP/fuzz-$h.out" | tail -1)
    if [ $rc -eq 0 ] && [ "${execs:-0}" -gt 0 ]; then
        ok 0 "fuzz_$h: $SECONDS_EACH s, $execs execs, no crash"
    else
        ok 1 "fuzz_$h: $SECONDS_EACH s, ${execs:-no} execs, FAILED (scripts/fuzz.sh exit $rc, seed $SEED)"
        sed 's/^/#   /' "$T_TMP/fuzz-$h.out" | head -20
        dump_artifacts "$h"
    fi
done
finish

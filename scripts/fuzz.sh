#!/bin/bash
# Runs the libFuzzer harnesses of tests/fuzz, built by ./configure --enable-fuzzing CC=clang.
#
#   scripts/fuzz.sh run [HARNESS...]     each harness for FUZZ_SECONDS (default 60); `make fuzz`
#   scripts/fuzz.sh merge [HARNESS...]   minimizes corpus + new findings back into tests/fuzz/corpus
#
# Harnesses: push config profile snmp_value traps (default: all). `run` starts from
# tests/fuzz/corpus/H and tests/fuzz/regressions/H (read only) and writes what it finds to
# FUZZ_WORK/H/corpus. It fails when a harness finds a crash, a leak, undefined behaviour or a broken
# property; the input is then
# FUZZ_WORK/H/crash-* (or leak-*, timeout-*...): fix the code, then keep the input as
# tests/fuzz/regressions/H/NAME so that `make check` replays it (tests/fuzz/replay).
#
# Environment: FUZZ_BIN (folder of the fuzz_H programs; default build/tests/fuzz), FUZZ_SECONDS,
# FUZZ_CORPUS_MAX (files kept per corpus by merge, default 50),
# FUZZ_WORK (default FUZZ_BIN/work), FUZZ_ARGS (more libFuzzer options, e.g. "-jobs=2 -workers=2"),
# VIGIE_FUZZ_SRCDIR (the source tree; default this script's parent).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
src=${VIGIE_FUZZ_SRCDIR:-$here}
bin=${FUZZ_BIN:-$src/build/tests/fuzz}
seconds=${FUZZ_SECONDS:-60}
work=${FUZZ_WORK:-$bin/work}
export VIGIE_FUZZ_SRCDIR=$src
# UBSan: stop on the first report, with a stack; ASan: report leaks (libFuzzer checks them per input)
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}

mode=${1:-run}
[ $# -gt 0 ] && shift
harnesses=${*:-push config profile snmp_value traps}

case $mode in run|merge) ;; *) echo "usage: $0 run|merge [HARNESS...]" >&2; exit 2 ;; esac

failed=()
for h in $harnesses; do
    prog=$bin/fuzz_$h
    if [ ! -x "$prog" ]; then
        echo "fuzz: $prog missing: ./configure --enable-fuzzing CC=clang && make" >&2
        exit 2
    fi
    # `run` only reads the source tree (it may be read-only, as in make distcheck); `merge` writes it
    mkdir -p "$work/$h/corpus" || exit 2
    [ "$mode" = merge ] && { mkdir -p "$src/tests/fuzz/corpus/$h" || exit 2; }
    dirs=()
    [ -d "$src/tests/fuzz/corpus/$h" ] && dirs+=("$src/tests/fuzz/corpus/$h")
    [ -d "$src/tests/fuzz/regressions/$h" ] && dirs+=("$src/tests/fuzz/regressions/$h")
    dict=()
    [ -f "$src/tests/fuzz/$h.dict" ] && dict=("-dict=$src/tests/fuzz/$h.dict")
    if [ "$mode" = merge ]; then
        # libFuzzer's merge (edges only: no counters, no comparisons), then a greedy set cover over
        # each kept file's own edges, so that the corpus stays at most FUZZ_CORPUS_MAX (50) files
        out=$work/$h/merged
        rm -rf "$out"
        mkdir -p "$out"
        "$prog" -merge=1 -use_counters=0 -use_cmp=0 "$out" "$src/tests/fuzz/corpus/$h" "$work/$h/corpus" \
            >"$work/$h/merge.log" 2>&1 || { echo "fuzz: merge of $h failed, see $work/$h/merge.log" >&2; exit 1; }
        python3 - "$prog" "$out" "$src/tests/fuzz/corpus/$h" "${FUZZ_CORPUS_MAX:-50}" <<'PY' || exit 1
import os, shutil, subprocess, sys, tempfile
prog, merged, dest, cap = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
edges = {}
with tempfile.TemporaryDirectory() as tmp:
    for name in sorted(os.listdir(merged)):
        one, out, control = (os.path.join(tmp, d) for d in ("one", "out", "control"))
        for d in (one, out):
            shutil.rmtree(d, ignore_errors=True)
            os.mkdir(d)
        shutil.copy(os.path.join(merged, name), one)
        if os.path.exists(control):
            os.unlink(control)  # else libFuzzer resumes the previous merge
        subprocess.run([prog, "-merge=1", "-use_counters=0", "-use_cmp=0", "-merge_control_file=" + control, out, one],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cov = set()
        for line in open(control):
            if line.startswith("COV "):
                cov.update(line.split()[2:])
        edges[name] = cov
covered, chosen = set(), []
while len(chosen) < cap:
    best = max(edges, key=lambda n: (len(edges[n] - covered), -os.path.getsize(os.path.join(merged, n))), default=None)
    if best is None or not edges[best] - covered:
        break
    chosen.append(best)
    covered |= edges.pop(best)
for name in os.listdir(dest):
    os.unlink(os.path.join(dest, name))
for name in chosen:
    shutil.copy(os.path.join(merged, name), dest)
print("fuzz: %s: %d corpus files, %d edges (%d left out)" % (os.path.basename(dest), len(chosen), len(covered),
      sum(1 for c in edges.values() if c - covered)))
PY
        continue
    fi
    echo "fuzz: $h for ${seconds}s"
    # shellcheck disable=SC2086
    "$prog" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
        -artifact_prefix="$work/$h/" "${dict[@]}" ${FUZZ_ARGS:-} "$work/$h/corpus" "${dirs[@]}" \
        >"$work/$h/fuzz.log" 2>&1
    rc=$?
    grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "$work/$h/fuzz.log" |
        sed "s/^/fuzz: $h: /"
    if [ $rc -ne 0 ]; then
        echo "fuzz: $h FAILED (exit $rc): see $work/$h/fuzz.log; the input:" >&2
        ls "$work/$h"/crash-* "$work/$h"/leak-* "$work/$h"/timeout-* "$work/$h"/oom-* >&2 2>/dev/null
        grep -E "ERROR|SUMMARY|property does not hold|runtime error" "$work/$h/fuzz.log" | head -5 >&2
        failed+=("$h")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: no crash"

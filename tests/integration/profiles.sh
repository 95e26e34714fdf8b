#!/bin/bash
# Every recording of ../shared/snmprec is served by snmpsimd; vigie-agent detects its profile and
# polls it once; the normalised values must equal tests/expected/CLASS/NAME.expected, which were
# derived by hand from the recording and the vendor MIB. A recording without an expected file (a
# device class or vendor not covered yet) fails. Needs ../shared (CI always has it).
. "${top_srcdir:-.}/tests/integration/lib.sh"
SHARED=$(shared_dir) || bail "$SHARED"
mapfile -t RECS < <(cd "$SHARED/snmprec" && ls */*.snmprec | sort)
[ "${#RECS[@]}" -gt 0 ] || bail "no recording in $SHARED/snmprec"

check "vigie-agent --check-profiles accepts every profile in mibs/" "$AGENT" --check-profiles "$MIBS_DIR"

ALL="$T_TMP/all"
mkdir -p "$ALL"
for r in "${RECS[@]}"; do ln -s "$SHARED/snmprec/$r" "$ALL/$(basename "$r")"; done
sim_start "$ALL"

probe_one() { # probe_one CLASS/NAME.snmprec
    local rec="$1" name cls exp out
    name=$(basename "$rec" .snmprec); cls=$(dirname "$rec")
    exp="$top_srcdir/tests/expected/$cls/$name.expected"
    out="$T_TMP/$cls-$name"
    "$AGENT" --profiles "$MIBS_DIR" --probe "127.0.0.1:$SIM_PORT" --community "$name" --timeout 3 --retries 2 \
        --json >"$out.json" 2>"$out.err"
    if [ ! -f "$exp" ]; then
        echo "no expected values file $exp: this device is not covered by a profile yet" >"$out.diff"
        return 1
    fi
    python3 "$top_srcdir/tests/integration/compare_expected.py" "$out.json" "$exp" >"$out.diff" 2>&1
}

# Two probes at a time: snmpsimd is single-threaded, the agent mostly waits.
i=0
pids=()
for r in "${RECS[@]}"; do
    ( probe_one "$r"; echo $? >"$T_TMP/rc-$i" ) &
    pids+=($!)
    i=$((i + 1))
    if [ ${#pids[@]} -eq 2 ]; then wait "${pids[@]}"; pids=(); fi
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
i=0
for r in "${RECS[@]}"; do
    rc=$(cat "$T_TMP/rc-$i" 2>/dev/null || echo 1)
    prof=$(json_get "$T_TMP/$(dirname "$r")-$(basename "$r" .snmprec).json" "j['device']['profile']" 2>/dev/null)
    ok "$rc" "$r is read as tests/expected says (profile ${prof:-none})"
    [ "$rc" -eq 0 ] || sed 's/^/#   /' "$T_TMP/$(dirname "$r")-$(basename "$r" .snmprec).diff" | head -25
    i=$((i + 1))
done
finish

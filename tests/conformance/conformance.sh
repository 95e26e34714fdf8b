#!/bin/bash
# Conformance against LibreNMS (issue 17): every recording of ../shared/snmprec, ../shared/librenms and
# tests/conformance/corpus is served by snmpsimd and probed by vigie-agent; conformance.py matches the
# sensors LibreNMS reads from each (README.md, "The conformance test"). TAP points: each device's class,
# the floor of floor.tsv (the share reached so far: a drop is a regression), and the goal of 95 %, a
# TODO until it is reached. CONFORMANCE_ONLY="name ..." probes only those devices. Needs ../shared.
. "${top_srcdir:-.}/tests/integration/lib.sh"
SHARED=$(shared_dir) || bail "$SHARED"
CONF=$(cd "$top_srcdir/tests/conformance" && pwd)
ALL="$T_TMP/all"
PROBES="$T_TMP/probes"
mkdir -p "$ALL" "$PROBES"
declare -A CLASS_OF
for f in "$SHARED"/snmprec/*/*.snmprec "$SHARED"/librenms/snmprec/*/*.snmprec "$CONF"/corpus/snmprec/*/*.snmprec; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .snmprec)
    [ -z "${CLASS_OF[$n]:-}" ] || bail "$n is in two places: ${CLASS_OF[$n]} and $f"
    if [ -n "${CONFORMANCE_ONLY:-}" ] && [[ " $CONFORMANCE_ONLY " != *" $n "* ]]; then continue; fi
    CLASS_OF[$n]=$(basename "$(dirname "$f")")
    ln -s "$f" "$ALL/$n.snmprec"
    mkdir -p "$PROBES/${CLASS_OF[$n]}"
done
[ "${#CLASS_OF[@]}" -gt 50 ] || [ -n "${CONFORMANCE_ONLY:-}" ] || bail "only ${#CLASS_OF[@]} recordings found"
[ "${#CLASS_OF[@]}" -gt 0 ] || bail "no recording"
sim_start "$ALL"

i=0
pids=()
for n in "${!CLASS_OF[@]}"; do
    "$AGENT" --profiles "$MIBS_DIR" --probe "127.0.0.1:$SIM_PORT" --community "$n" --timeout 3 --retries 2 --json \
        >"$PROBES/${CLASS_OF[$n]}/$n.json" 2>"$T_TMP/$n.err" &
    pids+=($!)
    if [ ${#pids[@]} -eq 2 ]; then wait "${pids[@]}"; pids=(); fi
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"

/usr/bin/python3 "$CONF/conformance.py" --probes "$PROBES" --shared "$SHARED" --summary "$T_TMP/summary.json" \
    ${CONFORMANCE_VERBOSE:+--verbose} >"$T_TMP/table.txt" 2>&1
sed 's/^/# /' "$T_TMP/table.txt"
[ -s "$T_TMP/summary.json" ] || bail "conformance.py wrote no summary"

# floor.tsv: "min_percent<TAB>P" and "known_wrong<TAB>NAME<TAB>why" (devices whose family has no profile yet)
floor=$(awk -F'\t' '$1 == "min_percent" { print $2 }' "$CONF/floor.tsv")
declare -A KNOWN
while IFS=$'\t' read -r k n why; do [ "$k" = known_wrong ] && KNOWN[$n]=$why; done <"$CONF/floor.tsv"
while IFS=$'\t' read -r n cls got; do
    if [ "$cls" = "$got" ]; then
        if [ -n "${KNOWN[$n]:-}" ]; then
            ok 1 "$n is now read as a $cls: remove it from floor.tsv's known_wrong"
        else
            ok 0 "$n is read as a $cls"
        fi
    elif [ -n "${KNOWN[$n]:-}" ]; then
        T_COUNT=$((T_COUNT + 1)); echo "not ok $T_COUNT - $n is read as a $cls (got $got) # TODO ${KNOWN[$n]}"
    else
        ok 1 "$n is read as a $cls (got $got)"
    fi
done < <(/usr/bin/python3 -c '
import json, sys
for d in json.load(open(sys.argv[1]))["devices"]:
    print(d["name"], d["class"], d["got_class"], sep="\t")' "$T_TMP/summary.json")
pct=$(json_get "$T_TMP/summary.json" "round(j['percent'], 1)")
stale=$(json_get "$T_TMP/summary.json" "len(j['stale_exceptions'])")
ok "$([ "$stale" -eq 0 ]; echo $?)" "every exception of exceptions.tsv names a LibreNMS sensor"
if [ -z "${CONFORMANCE_ONLY:-}" ]; then
    awk -v p="$pct" -v f="$floor" 'BEGIN { exit !(p + 0 >= f + 0) }'
    ok $? "$pct % of LibreNMS's sensors matched, no less than the floor of $floor % (floor.tsv)"
    if awk -v p="$pct" 'BEGIN { exit !(p + 0 >= 95) }'; then
        ok 0 "at least 95 % of LibreNMS's sensors matched ($pct %)"
    else
        T_COUNT=$((T_COUNT + 1)); echo "not ok $T_COUNT - at least 95 % of LibreNMS's sensors matched ($pct %) # TODO issue 17: profiles to write"
    fi
fi
finish

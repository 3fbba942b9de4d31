#!/usr/bin/env bash
# Run a vector suite (`reckon-sim vectors --suite --out DIR`) on an RTL: one build, every set, one line per set.
#
#   SUITE=DIR [SIM=verilator|icarus] [TOP=reckon] [BUILD=DIR] [EXTRA=...] tools/rtl/run_suite.sh RTL_FILES... [-- +plusargs...]
#
#   SUITE   suite folder (required): suite.json and one vector folder per set (set_00, set_01, ...)
#   BUILD   build folder shared by every set (default: a fresh temporary folder): the first set builds, the
#           others reuse the build (tools/rtl/run.sh); SIM, TOP, EXTRA and the arguments as for run.sh
# Prints `set_NN: PASS|FAIL (...)` per set (with the bench's first FAIL line; `SKIP (why)` on Verilator for a set
# with verilator_skip.txt: a known Verilator 5.006 bug, run it with SIM=icarus), then
# `SUITE: PASS|FAIL (P of N sets passed[, K skipped on Verilator], S s)`. Exit status 0 iff every set passed or was skipped; 1 on a FAIL; 2 on usage or
# build errors. Each set's bench log is BUILD/set_NN.log.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -gt 0 && -n "${SUITE:-}" ]] || usage
[[ -f "$SUITE/suite.json" ]] || { echo "run_suite.sh: $SUITE is not a vector suite (no suite.json)" >&2; exit 2; }
export BUILD="${BUILD:-$(mktemp -d "${TMPDIR:-/tmp}/reckon_suite.XXXXXX")}"
mkdir -p "$BUILD"
sets=()
for d in "$SUITE"/set_*/; do [[ -f "$d/stimulus.hex" ]] && sets+=("${d%/}"); done
[[ ${#sets[@]} -gt 0 ]] || { echo "run_suite.sh: no vector sets in $SUITE" >&2; exit 2; }
start=$SECONDS passed=0
skipped=0
for d in "${sets[@]}"; do
  name="$(basename "$d")" t0=$SECONDS
  if [[ "${SIM:-verilator}" == verilator && -f "$d/verilator_skip.txt" ]]; then   # a known Verilator 5.006 bug
    skipped=$((skipped + 1)); echo "$name: SKIP ($(head -1 "$d/verilator_skip.txt"))"; continue
  fi
  VEC="$d" "$here/run.sh" "$@" > "$BUILD/$name.log" 2>&1
  status=$?
  if [[ $status == 2 ]]; then
    tail -5 "$BUILD/$name.log" >&2; echo "run_suite.sh: $name: build or usage error ($BUILD/$name.log)" >&2; exit 2
  fi
  result="$(grep -m1 "RESULT:" "$BUILD/$name.log" | sed 's/.*RESULT: //')"
  if [[ $status == 0 ]]; then
    passed=$((passed + 1)); echo "$name: PASS ($result, $((SECONDS - t0)) s)"
  else
    echo "$name: FAIL (${result:-no RESULT line}, $((SECONDS - t0)) s)"
    grep -m1 -A2 ": FAIL" "$BUILD/$name.log" | sed 's/^/    /'     # the first failing sample, its first mismatches
  fi
done
verdict=PASS; [[ $((passed + skipped)) == ${#sets[@]} ]] || verdict=FAIL
skip_note=""; [[ $skipped == 0 ]] || skip_note=", $skipped skipped on Verilator"
echo "SUITE: $verdict ($passed of ${#sets[@]} sets passed$skip_note, $((SECONDS - start)) s)"
[[ $verdict == PASS ]]

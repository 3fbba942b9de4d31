#!/usr/bin/env bash
# Run the self-checking bench (reckon_vec_tb.sv) on an RTL against a vector folder written by `reckon-sim vectors`.
#
#   VEC=DIR [SIM=verilator|icarus] [TOP=reckon] [BUILD=DIR] tools/rtl/run.sh RTL_FILES... [-- +plusargs...]
#
#   VEC     vector folder (required), e.g. from: reckon-sim vectors --data ../shared/reckon-data --out DIR
#   SIM     verilator (default; Verilator >= 5.006, --binary --timing) or icarus (Icarus Verilog >= 11, -g2012;
#           much slower on the ReckOn RTL)
#   TOP     module name of the DUT's top level (default reckon; ports as ReckOn's reckon.v)
#   BUILD   build folder (default: a fresh temporary folder). A build there is reused when the simulator, TOP,
#           EXTRA and the contents of the bench and of every RTL file are unchanged (stamp: BUILD/stamp), so
#           one build serves many vector folders: BUILD=b VEC=v1 run.sh ...; BUILD=b VEC=v2 run.sh ...
#   EXTRA   extra compiler arguments (e.g. -Isrc, +define+FOO)
# Arguments after `--` go to the simulation (+sck_half=NS, +max_samples=N, +no_cycle_check, +verbose, ...).
# RTL_FILES are Verilog/SystemVerilog sources (+define+SRAM_BEHAV is set: ReckOn's behavioural SRAM models).
# Exit status 0 iff the bench exits 0 and prints "RESULT: PASS"; 1 on FAIL; 2 on usage or build errors.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

rtl=() plus=()
while (($#)); do
  if [[ "$1" == "--" ]]; then shift; plus=("$@"); break; fi
  rtl+=("$(realpath "$1")"); shift
done
[[ ${#rtl[@]} -gt 0 && -n "${VEC:-}" ]] || usage
[[ -f "$VEC/stimulus.hex" ]] || { echo "run.sh: $VEC is not a vector folder (no stimulus.hex)" >&2; exit 2; }
vec="$(realpath "$VEC")"
sim="${SIM:-verilator}" top="${TOP:-reckon}"
build="${BUILD:-$(mktemp -d "${TMPDIR:-/tmp}/reckon_tb.XXXXXX")}"
mkdir -p "$build"
log="$build/sim.log"
read -r -a extra <<< "${EXTRA:-}"

stamp="$( { echo "$sim $top ${EXTRA:-}"; cat "$here/reckon_vec_tb.sv" "$here"/reckon_vec_tb_*.svh "${rtl[@]}"; } | sha256sum | cut -d' ' -f1)"
reuse=0
if [[ -f "$build/stamp" && "$(cat "$build/stamp")" == "$stamp" ]]; then reuse=1; fi
[[ $reuse == 1 ]] && echo "run.sh: reusing the build in $build" >&2
rm -f "$build/stamp"

case "$sim" in
  verilator)
    command -v verilator >/dev/null || { echo "run.sh: verilator not found" >&2; exit 2; }
    [[ $reuse == 1 ]] || verilator --binary --timing -Wno-fatal -Wno-lint -Wno-style -Wno-MULTIDRIVEN -O2 \
      +define+SRAM_BEHAV +define+DUT_MODULE="$top" --top-module reckon_vec_tb -Mdir "$build/obj" -o tb -I"$here" \
      "${extra[@]}" "$here/reckon_vec_tb.sv" "${rtl[@]}" > "$build/build.log" 2>&1 \
      || { tail -30 "$build/build.log" >&2; echo "run.sh: Verilator build failed ($build/build.log)" >&2; exit 2; }
    run=("$build/obj/tb" "+vec=$vec" "${plus[@]}") ;;
  icarus|iverilog)
    command -v iverilog >/dev/null || { echo "run.sh: iverilog not found" >&2; exit 2; }
    [[ $reuse == 1 ]] || iverilog -g2012 -DSRAM_BEHAV -DDUT_MODULE="$top" -s reckon_vec_tb -o "$build/tb.vvp" -I"$here" \
      "${extra[@]}" "$here/reckon_vec_tb.sv" "${rtl[@]}" > "$build/build.log" 2>&1 \
      || { tail -30 "$build/build.log" >&2; echo "run.sh: Icarus build failed ($build/build.log)" >&2; exit 2; }
    run=(vvp -n "$build/tb.vvp" "+vec=$vec" "${plus[@]}") ;;
  *) echo "run.sh: SIM must be verilator or icarus, not '$sim'" >&2; exit 2 ;;
esac

echo "$stamp" > "$build/stamp"
set +e
"${run[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[[ $status == 0 ]] && grep -q "RESULT: PASS" "$log" || exit 1

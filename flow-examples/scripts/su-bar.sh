#!/usr/bin/env bash
# The SU(n) experiments of docs/results.md ("Densities on SU(n)"), run as a user runs eqflow: the plain command
# `eqflow train --target su<n>:boydaK` (reverse KL, the library's defaults), then `eqflow eval --target` (20,000
# importance samples: ESS, log Ẑ, reverse KL, conjugation invariance), one core per run (run two copies with
# different TARGETS to use two cores). With LIKELIHOOD=1, maximum likelihood instead: 10,000 exact training draws
# and 10,000 test draws of each target (`eqflow data`), `eqflow train --data --manifold`, then the test NLL and
# its gap to the target's entropy.
# Usage: flow-examples/scripts/su-bar.sh OUTDIR
#        TARGETS="su3:boyda1 su2:boyda1" flow-examples/scripts/su-bar.sh OUTDIR
# EXTRA adds flags to every training run; EQFLOW overrides the launcher.
set -euo pipefail
out=${1:?usage: su-bar.sh OUTDIR}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eqflow="${EQFLOW:-$here/eqflow}"
targets=${TARGETS:-"su3:boyda1 su3:boyda2 su3:boyda3 su2:boyda1 su2:boyda2 su2:boyda3"}
mkdir -p "$out"
cd "$out"
for t in $targets; do
  name=${t/:/-}
  if [[ -n ${LIKELIHOOD:-} ]]; then
    n=${t:2:1}
    "$eqflow" data --target "$t" -n 10000 --seed 1 --out "$name-train.csv"
    "$eqflow" data --target "$t" -n 10000 --seed 2 --out "$name-test.csv"
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$eqflow" train --data "$name-train.csv" --manifold "su$n" --no-progress --force --out "$name-ml.zip" ${EXTRA:-} 2> "$name-ml.log"
    echo "$t: trained in $(( $(date +%s) - start )) s" | tee -a "$name-ml.log"
    "$eqflow" eval --model "$name-ml.zip" --data "$name-test.csv" --target "$t" > "$name-ml.json" 2>> "$name-ml.log"
    cat "$name-ml.json"
  else
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$eqflow" train --target "$t" --no-progress --force --out "$name.zip" ${EXTRA:-} 2> "$name.log"
    echo "$t: trained in $(( $(date +%s) - start )) s" | tee -a "$name.log"
    "$eqflow" eval --model "$name.zip" --target "$t" > "$name.json" 2>> "$name.log"
    cat "$name.json"
  fi
done

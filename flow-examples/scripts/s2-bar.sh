#!/usr/bin/env bash
# The sphere experiments of docs/results.md ("Densities on the sphere S²"), run as a user runs eqflow, one core per
# run (run two copies with different TARGETS or MODE to use two cores).
# MODE=large (default): 10,000 exact training draws and 10,000 test draws of each target (`eqflow data`), the plain
#   `eqflow train --data --manifold s2 --symmetry axis:z`, then `eqflow eval --target` (test NLL, its gap to the
#   entropy, invariance under rotations about z).
# MODE=small: 300 training draws (seeds SEEDS), the invariant flow (axis:z) against the unconstrained one (none),
#   both with the plain command, each evaluated on 10,000 test draws.
# Usage: flow-examples/scripts/s2-bar.sh OUTDIR
#        MODE=small TARGETS="s2:bands" SEEDS="3 4 5" flow-examples/scripts/s2-bar.sh OUTDIR
# EXTRA adds flags to every training run; EQFLOW overrides the launcher.
set -euo pipefail
out=${1:?usage: s2-bar.sh OUTDIR}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eqflow="${EQFLOW:-$here/eqflow}"
targets=${TARGETS:-"s2:bands s2:vmf:5"}
mode=${MODE:-large}
mkdir -p "$out"
cd "$out"
for t in $targets; do
  name=${t//:/-}
  [[ -f "$name-test.csv" ]] || "$eqflow" data --target "$t" -n 10000 --seed 2 --out "$name-test.csv"
  if [[ $mode == large ]]; then
    "$eqflow" data --target "$t" -n 10000 --seed 1 --out "$name-train.csv"
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$eqflow" train --data "$name-train.csv" --manifold s2 --symmetry axis:z --no-progress --force --out "$name.zip" ${EXTRA:-} 2> "$name.log"
    echo "$t: trained in $(( $(date +%s) - start )) s" | tee -a "$name.log"
    "$eqflow" eval --model "$name.zip" --data "$name-test.csv" --target "$t" > "$name.json" 2>> "$name.log"
    cat "$name.json"
  else
    for seed in ${SEEDS:-3 4 5}; do
      "$eqflow" data --target "$t" -n 300 --seed "$seed" --out "$name-300-$seed.csv"
      for sym in axis:z none; do
        run="$name-300-$seed-${sym/:/}"
        start=$(date +%s)
        # shellcheck disable=SC2086
        "$eqflow" train --data "$name-300-$seed.csv" --manifold s2 --symmetry "$sym" --seed "$seed" --no-progress --force \
          --out "$run.zip" ${EXTRA:-} 2> "$run.log"
        echo "$t, 300 points, seed $seed, $sym: trained in $(( $(date +%s) - start )) s" | tee -a "$run.log"
        "$eqflow" eval --model "$run.zip" --data "$name-test.csv" --target "$t" > "$run.json" 2>> "$run.log"
        cat "$run.json"
      done
    done
  fi
done

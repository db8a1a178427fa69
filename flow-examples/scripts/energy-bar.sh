#!/usr/bin/env bash
# Training from an energy with the plain command (docs/results.md, "Training from an energy"): for each energy and
# seed, `eqflow train --energy E` (defaults only), then `eqflow eval --energy E` with the joint weights (1 momentum
# per draw), the default and 128 inner momenta. One line per evaluation.
# Usage: flow-examples/scripts/energy-bar.sh OUT_DIR [SEED ...]          (10 minutes of one core per run)
#        ENERGIES="ring:2,0.2 shell:3,2,0.2" flow-examples/scripts/energy-bar.sh OUT_DIR 1 2
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
shift
seeds="${*:-0}"
"$root/eqflow" --version > /dev/null   # builds on first use
export OMP_NUM_THREADS=1
for energy in ${ENERGIES:-ring:2,0.2}; do
  for seed in $seeds; do
    name="$(echo "$energy" | tr ':,' '__')-s$seed"
    start=$(date +%s)
    "$root/eqflow" train --energy "$energy" ${EXTRA:-} --seed "$seed" --threads 1 --no-progress --log-every 1000 \
        --out "$out/$name.zip" --force 2> "$out/$name.log"
    seconds=$(( $(date +%s) - start ))
    for k in 1 32 128; do
      "$root/eqflow" eval --model "$out/$name.zip" --energy "$energy" --inner-momenta $k --threads 1 2> /dev/null \
        | tr -d ' \n' | sed "s/^/$energy seed $seed ($seconds s, $(grep -o 'stopped at iteration [0-9]*' "$out/$name.log")) K=$k: /"
      echo
    done
  done
done

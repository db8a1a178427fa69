#!/usr/bin/env bash
# The 4-particle double well trained from its energy (docs/results.md, "Training from an energy"): the plain command
# (soft rotation constraint, the energy's own symmetry) and --symmetry none, each then compared with a long seeded
# Metropolis run: ESS, the bound, and the pair-distance histogram's total variation distance (DoubleWellStudy).
# Usage: flow-examples/scripts/dw4-bar.sh OUT_DIR [SEED]      (about 25 minutes of one core)
#        EXTRA="--iterations 1000" flow-examples/scripts/dw4-bar.sh OUT_DIR   (shorter runs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
seed="${2:-1}"
"$root/eqflow" --version > /dev/null   # builds on first use
export OMP_NUM_THREADS=1
for variant in plain none; do
  flags=""
  [[ $variant == none ]] && flags="--symmetry none"
  "$root/eqflow" train --energy dw4 $flags ${EXTRA:-} --seed "$seed" --threads 1 --no-progress --log-every 500 \
      --out "$out/dw4-$variant.zip" --force 2> "$out/dw4-$variant.log"
  grep "importance sampling" "$out/dw4-$variant.log"
done
cp="$root/flow-examples/target/classes:$root/flow-core/target/classes:$(cat "$root/flow-examples/target/classpath.txt")"
java -Xmx3g -cp "$cp" org.eqflow.examples.demo.DoubleWellStudy "$out" "rotation (soft)=$out/dw4-plain.zip" \
    "none=$out/dw4-none.zip" 2> /dev/null

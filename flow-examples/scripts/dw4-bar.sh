#!/usr/bin/env bash
# The 4-particle double well trained from its energy (docs/results.md, "Training from an energy"): the plain command
# (no constraint: the energy's rotation would take the soft one) and the rotation of all particles imposed by
# --symmetry, each then compared with a long seeded Metropolis run: ESS, the bound, and the pair-distance histogram's
# total variation distance (DoubleWellStudy). Writes dw4-distances.png/.csv into OUT_DIR.
# Usage: flow-examples/scripts/dw4-bar.sh OUT_DIR [SEED]      (about 22 minutes of one core)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
seed="${2:-0}"
"$root/eqflow" --version > /dev/null   # builds on first use
export OMP_NUM_THREADS=1
rotation="linear:rotation:0,-1,0,0,0,0;1,0,0,0,0,0;0,0,0,-1,0,0;0,0,1,0,0,0;0,0,0,0,0,-1;0,0,0,0,1,0"
"$root/eqflow" train --energy dw4 --seed "$seed" --threads 1 --no-progress --log-every 500 \
    --out "$out/dw4-plain.zip" --force 2> "$out/dw4-plain.log"
"$root/eqflow" train --energy dw4 --symmetry "$rotation" --seed "$seed" --threads 1 --no-progress --log-every 500 \
    --out "$out/dw4-rotation.zip" --force 2> "$out/dw4-rotation.log"
grep -h "stopped at\|importance sampling" "$out/dw4-plain.log" "$out/dw4-rotation.log"
cp="$root/flow-examples/target/classes:$root/flow-core/target/classes:$(cat "$root/flow-examples/target/classpath.txt")"
java -Xmx3g -cp "$cp" org.eqflow.examples.demo.DoubleWellStudy "$out" "plain (none)=$out/dw4-plain.zip" \
    "rotation (soft)=$out/dw4-rotation.zip" 2> /dev/null

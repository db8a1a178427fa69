#!/usr/bin/env bash
# Invariant mixtures (the paper's RQ5: a simple invariant base, a complex invariant density), docs/results.md
# "Invariant mixtures": the multi-ring targets with the soft constraint, the hard constraint (the plain command's
# default for so(k) since it measured best here) and none, 10,000 training points each, then `eqflow eval` on 10,000 test points (IWAE, M = 256): the gap to the
# entropy, the invariance error and the flow map's equivariance error.
# Usage: flow-examples/scripts/mixtures-bar.sh OUTDIR
#        TARGETS="rings circles" CONSTRAINTS="soft hard none" BUDGET=12m SEED=1 flow-examples/scripts/mixtures-bar.sh OUTDIR
#        TARGETS="shells:3,1,2.5,0.15" SYMMETRY=so3 flow-examples/scripts/mixtures-bar.sh OUTDIR   (the 3-D two shells)
# One core per run (--threads 1): run two copies with different CONSTRAINTS to use two cores. EQFLOW overrides the
# launcher.
set -euo pipefail
out=${1:?usage: mixtures-bar.sh OUTDIR}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eqflow="${EQFLOW:-$here/eqflow}"
seed=${SEED:-1}
mkdir -p "$out"
cd "$out"
for t in ${TARGETS:-rings circles}; do
  file=${t//[:,]/_}  # a target spec as a file name
  [[ -f $file-test.csv ]] || "$eqflow" data --target "$t" -n 10000 --seed 1001 --out "$file-test.csv"
  [[ -f $file-train-s$seed.csv ]] || "$eqflow" data --target "$t" -n 10000 --seed "$((100 + seed))" --out "$file-train-s$seed.csv"
  for c in ${CONSTRAINTS:-soft hard none}; do
    name=$file-$c-s$seed
    flags=(--symmetry "${SYMMETRY:-so2}" --seed "$seed" --time-budget "${BUDGET:-12m}" --threads 1 --no-progress --force)
    flags+=(--constraint "$c")
    start=$SECONDS
    "$eqflow" train --data "$file-train-s$seed.csv" "${flags[@]}" --out "$name.zip" 2> "$name.log"
    "$eqflow" eval --model "$name.zip" --data "$file-test.csv" --target "$t" --samples 256 --threads 1 > "$name.json" 2>> "$name.log"
    echo "$name: $((SECONDS - start)) s" | tee -a timings.txt
    python3 -c "import json,sys; r=json.load(open('$name.json')); print('$name', 'gap %.4f ± %.4f' % (r['gap'], r['gap_stderr']), 'invariance', r.get('invariance_error'), 'equivariance', r.get('equivariance_error'))"
  done
done

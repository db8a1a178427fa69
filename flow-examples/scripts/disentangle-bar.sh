#!/usr/bin/env bash
# Disentanglement (the paper's connection to disentangled representations), docs/results.md "Disentanglement":
# two independent rings in (x0,x1) and (x2,x3) (the product target ring:2,0.2*ring:1,0.15, symmetry so2:0,1 x so2:2,3),
# learned with the data's factorisation, with another one (so2:0,2 x so2:1,3), with the whole so(4) (too much
# symmetry) and with none; each evaluated on 10,000 test points (IWAE, M = 256) for its gap to the entropy and, per
# true factor, the flow map's equivariance error and its leak into the other block (`eval --factors`); the invariance
# error is under the true symmetry for every model.
# Usage: flow-examples/scripts/disentangle-bar.sh OUTDIR
#        MODELS="right wrong so4 none" BUDGET=12m SEED=1 N=10000 flow-examples/scripts/disentangle-bar.sh OUTDIR
# Every model is the plain command plus its --symmetry (hard for so(k) factors). One core per run (--threads 1):
# run two copies with different MODELS to use two cores. EQFLOW overrides the launcher.
set -euo pipefail
out=${1:?usage: disentangle-bar.sh OUTDIR}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eqflow="${EQFLOW:-$here/eqflow}"
seed=${SEED:-1}
n=${N:-10000}
target='ring:2,0.2*ring:1,0.15'
mkdir -p "$out"
cd "$out"
[[ -f test.csv ]] || "$eqflow" data --target "$target" -n 10000 --seed 1001 --out test.csv
[[ -f train-$n-s$seed.csv ]] || "$eqflow" data --target "$target" -n "$n" --seed "$((100 + seed))" --out "train-$n-s$seed.csv"
for m in ${MODELS:-right wrong so4 none}; do
  case $m in
    right) sym=(--symmetry so2:0,1 --symmetry so2:2,3) ;;
    wrong) sym=(--symmetry so2:0,2 --symmetry so2:1,3) ;;
    so4) sym=(--symmetry so4) ;;
    none) sym=(--symmetry none) ;;
    *) echo "unknown model $m (right, wrong, so4, none)" >&2; exit 2 ;;
  esac
  name=$m-$n-s$seed
  start=$SECONDS
  "$eqflow" train --data "train-$n-s$seed.csv" "${sym[@]}" --seed "$seed" --time-budget "${BUDGET:-12m}" --threads 1 \
      --no-progress --force --out "$name.zip" 2> "$name.log"
  "$eqflow" eval --model "$name.zip" --data test.csv --target "$target" --samples 256 --threads 1 \
      --symmetry so2:0,1 --symmetry so2:2,3 --factors so2:0,1 --factors so2:2,3 > "$name.json" 2>> "$name.log"
  echo "$name: $((SECONDS - start)) s" | tee -a timings.txt
  python3 -c "
import json; r = json.load(open('$name.json')); f = r.get('factors', {})
print('$name', 'gap %.4f ± %.4f' % (r['gap'], r['gap_stderr']), 'invariance', r.get('invariance_error'),
      ' '.join('%s: equivariance %.2g leak %.2g' % (k, v['equivariance_error'], v['leak']) for k, v in f.items()))"
done

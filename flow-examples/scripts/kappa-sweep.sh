#!/usr/bin/env bash
# The soft constraint's threshold κ against what it buys (docs/results.md, "The flow's map"): the plain command with
# --constraint soft on ring:2,0.2 (10,000 training points, seed 1) at each κ, then `eqflow eval` on 10,000 test points:
# the gap to the entropy, the density's invariance error and the map's equivariance error.
# Usage: flow-examples/scripts/kappa-sweep.sh OUTDIR
#        KAPPAS="1e-1 1e-2 1e-3 1e-4" BUDGET=4m SEED=1 flow-examples/scripts/kappa-sweep.sh OUTDIR
# One core per run (--threads 1): run two copies with different KAPPAS to use two cores. EQFLOW overrides the launcher.
set -euo pipefail
out=${1:?usage: kappa-sweep.sh OUTDIR}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eqflow="${EQFLOW:-$here/eqflow}"
seed=${SEED:-1}
budget=${BUDGET:-4m}
mkdir -p "$out"
cd "$out"
[[ -f ring-test.csv ]] || "$eqflow" data --target ring:2,0.2 -n 10000 --seed 1001 --out ring-test.csv
[[ -f ring-train-s$seed.csv ]] || "$eqflow" data --target ring:2,0.2 -n 10000 --seed "$((100 + seed))" --out "ring-train-s$seed.csv"
for k in ${KAPPAS:-1e-1 1e-2 1e-3 1e-4}; do
  name=kappa-$k-$budget-s$seed
  if [[ ! -f $name.json ]]; then
    "$eqflow" train --data "ring-train-s$seed.csv" --symmetry so2 --constraint soft --kappa "$k" --seed "$seed" \
      --time-budget "$budget" --threads 1 --no-progress --force --out "$name.zip" 2> "$name.log"
    "$eqflow" eval --model "$name.zip" --data ring-test.csv --target ring:2,0.2 --samples 256 --threads 1 > "$name.json.tmp" 2>> "$name.log"
    mv "$name.json.tmp" "$name.json"
  fi
done
python3 - <<'PY'
import glob, json, re
print("| κ | budget | seed | updates | gap ± se | invariance error | equivariance error |")
print("|---|---|---|---|---|---|---|")
rows = []
for f in glob.glob("kappa-*.json"):
    k, budget, seed = re.match(r"kappa-(.+)-(\d+m)-s(\d+)\.json", f).groups()
    r = json.load(open(f))
    log = open(f[:-5] + ".log").read()
    m = re.findall(r"training stopped at iteration (\d+)", log)
    rows.append((float(k), budget, seed, m[-1] if m else "?", r))
for k, budget, seed, its, r in sorted(rows, key=lambda x: (x[1], -x[0])):
    print(f"| {k:g} | {budget} | {seed} | {its} | {r['gap']:.3f} ± {r['gap_stderr']:.3f} | {r['invariance_error']:.3g} | {r['equivariance_error']:.3g} |")
PY

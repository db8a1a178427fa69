#!/usr/bin/env bash
# The quality-bar experiments of docs/results.md, run as a new user runs eqflow: the plain command,
#   eqflow train --data TRAIN.csv --symmetry so<k> --out MODEL.zip
# with no tuning flag (defaults: validation held out of the training data, training until it stops
# improving, at most the default iteration cap), then `eqflow eval` on 10,000 fresh test points
# (IWAE, M = 256) against the target's entropy.
# Usage: flow-examples/scripts/quality-bar.sh OUTDIR [SEEDS...]          (default seeds: 1 2 3)
#        SMALL=1 flow-examples/scripts/quality-bar.sh OUTDIR [SEEDS...]  (the small-data comparison instead: the plain
#          command — hard for so(k) —, --constraint soft and --constraint none at each size; PLAIN_ONLY=1 skips soft,
#          NO_PLAIN=1 the plain command)
# Each run is held to one core (--threads 1, a resource setting, not a tuning flag): run two copies with
# different seeds to use two cores.
# EQFLOW overrides the launcher; TARGETS the list of NAME=TARGET:SYMMETRY runs; SIZES the small-data sizes.
set -euo pipefail
out=${1:?usage: quality-bar.sh OUTDIR [SEEDS...]}
shift || true
if [[ $# -gt 0 ]]; then seeds=("$@"); else seeds=(1 2 3); fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eqflow="${EQFLOW:-$here/eqflow}"
targets=(${TARGETS:-ring=ring:so2 shell=shell:3,2,0.2:so3 circles=circles:so2})
sizes=(${SIZES:-100 300 1000})
mkdir -p "$out"
cd "$out"

train_eval() {  # name target symmetry train.csv test.csv extra-args...
  local name=$1 target=$2 symmetry=$3 train=$4 test=$5; shift 5
  if [[ ! -f $name.json ]]; then
    local start=$SECONDS
    "$eqflow" train --data "$train" --symmetry "$symmetry" --out "$name.zip" --force --no-progress --threads 1 "$@" 2> "$name.log"
    "$eqflow" eval --model "$name.zip" --data "$test" --target "$target" --samples 256 --threads 1 > "$name.json.tmp" 2>> "$name.log"
    # the per-point log-densities, for the paired small-data comparisons
    [[ -z ${SMALL:-} ]] || "$eqflow" logprob --model "$name.zip" --data "$test" --samples 256 --seed 7 --threads 1 --out "$name.logp.csv" 2>> "$name.log"
    mv "$name.json.tmp" "$name.json"
    echo "$name: $((SECONDS - start)) s" >> timings.txt
  fi
}

for t in "${targets[@]}"; do
  name=${t%%=*}; rest=${t#*=}; target=${rest%:*}; symmetry=${rest##*:}
  [[ -f $name-test.csv ]] || "$eqflow" data --target "$target" -n 10000 --seed 1001 --out "$name-test.csv"
  for s in "${seeds[@]}"; do
    if [[ -z ${SMALL:-} ]]; then
      [[ -f $name-train-s$s.csv ]] || "$eqflow" data --target "$target" -n 10000 --seed "$((100 + s))" --out "$name-train-s$s.csv"
      train_eval "$name-s$s" "$target" "$symmetry" "$name-train-s$s.csv" "$name-test.csv" --seed "$s"
    else
      for n in "${sizes[@]}"; do
        [[ -f $name-$n-s$s.csv ]] || "$eqflow" data --target "$target" -n "$n" --seed "$((200 + s))" --out "$name-$n-s$s.csv"
        [[ -n ${NO_PLAIN:-} ]] || train_eval "small-$name-$n-plain-s$s" "$target" "$symmetry" "$name-$n-s$s.csv" "$name-test.csv" --seed "$s"
        [[ -n ${PLAIN_ONLY:-} ]] || train_eval "small-$name-$n-soft-s$s" "$target" "$symmetry" "$name-$n-s$s.csv" "$name-test.csv" --seed "$s" --constraint soft
        train_eval "small-$name-$n-none-s$s" "$target" "$symmetry" "$name-$n-s$s.csv" "$name-test.csv" --seed "$s" --constraint none
      done
    fi
  done
done
python3 - <<'PY'
import json, glob, math, os, re
def stopped(log):
    m = [l for l in open(log) if "training stopped at iteration" in l]
    return m[-1].split("training stopped at iteration ")[1].split(":")[0] if m else "?"
for f in sorted(glob.glob("*.json")):
    r = json.load(open(f))
    print(f"{f[:-5]:28s} nll {r['nll']:.4f} ± {r['nll_stderr']:.4f}  gap {r.get('gap', float('nan')):.4f} ± {r.get('gap_stderr', float('nan')):.4f}"
          f"  invariance {r.get('invariance_error', float('nan')):.4f}  iterations {stopped(f[:-5] + '.log')}")
# small data: paired differences of test log p against no constraint (positive: the constraint is better)
for f in sorted(glob.glob("small-*-none-s*.logp.csv")):
    none = [float(l.split(",")[0]) for l in open(f)]
    for kind in ("plain", "soft"):
        g = f.replace("-none-", f"-{kind}-")
        if not os.path.exists(g):
            continue
        other = [float(l.split(",")[0]) for l in open(g)]
        d = [a - b for a, b in zip(other, none)]
        m = sum(d) / len(d)
        se = math.sqrt(sum((x - m) ** 2 for x in d) / (len(d) - 1) / len(d))
        print(f"{g[:-9].replace('-' + kind, ''):28s} {kind} − none = {m:+.4f} ± {se:.4f} nats per point ({'beats' if m > 2 * se else 'does not beat'})")
PY

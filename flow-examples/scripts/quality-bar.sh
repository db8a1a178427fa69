#!/usr/bin/env bash
# The quality-bar experiments of docs/results.md, through the eqflow command line.
# Usage: flow-examples/scripts/quality-bar.sh OUTDIR [SEEDS...]   (default seeds: 1 2 3)
# Each run trains, then evaluates on 10,000 fresh test points (IWAE, M = 256) against the target's entropy.
# One process per run, one thread each (--threads 1): run two copies with different seeds to use two cores.
# EQFLOW overrides the launcher; RING_ITERATIONS, SHELL_ITERATIONS and SMALL_ITERATIONS the run lengths.
# The configuration (docs/results.md): data in its own units (--no-standardize), a K and U per Leap-Frog step
# (--separate-hamiltonians), 4 steps, Adam 1e-3 with cosine decay, the default κ = 1e-2; hidden 64 (128 for
# the shell), 16,000 iterations for ring and shell. About 35 minutes for three seeds on two cores (two copies).
set -euo pipefail
out=${1:?usage: quality-bar.sh OUTDIR [SEEDS...]}
shift || true
if [[ $# -gt 0 ]]; then seeds=("$@"); else seeds=(1 2 3); fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eqflow="${EQFLOW:-$here/eqflow}"
mkdir -p "$out"
cd "$out"

[[ -f ring-test.csv ]] || "$eqflow" data --target ring -n 10000 --seed 1001 --out ring-test.csv
[[ -f shell-test.csv ]] || "$eqflow" data --target shell:3,2,0.2 -n 10000 --seed 1002 --out shell-test.csv

run() {  # name target test extra-args...
  local name=$1 target=$2 test=$3; shift 3
  if [[ ! -f $name.json ]]; then
    local start=$SECONDS
    "$eqflow" train --target "$target" --no-progress --log-every 1000 --force --threads 1 --out "$name.zip" "$@" 2> "$name.log"
    "$eqflow" eval --model "$name.zip" --data "$test" --target "$target" --samples 256 --threads 1 > "$name.json.tmp" 2>> "$name.log"
    if [[ $name == small-* ]]; then  # per-point log p for the paired comparison below
      "$eqflow" logprob --model "$name.zip" --data "$test" --samples 256 --seed 7 --threads 1 --out "$name.logp.csv" 2>> "$name.log"
    fi
    mv "$name.json.tmp" "$name.json"
    echo "$name: $((SECONDS - start)) s" >> timings.txt
  fi
}

common=(--no-standardize --separate-hamiltonians --leapfrog-steps 4 --lr 1e-3 --lr-schedule cosine)
for s in "${seeds[@]}"; do
  # 1. single ring, soft so(2), 10,000 training points
  run "ring-soft-s$s" ring ring-test.csv --train-size 10000 --symmetry so2 "${common[@]}" --hidden 64 \
      --iterations "${RING_ITERATIONS:-16000}" --batch 256 --seed "$s"
  # 2. radial shell in 3-D, soft so(3), 10,000 training points
  run "shell3-soft-s$s" shell:3,2,0.2 shell-test.csv --train-size 10000 --symmetry so3 "${common[@]}" --hidden 128 \
      --iterations "${SHELL_ITERATIONS:-16000}" --batch 256 --seed "$s"
  # 3. small data: 300 training points, constrained (soft and hard) against unconstrained
  for c in soft hard none; do
    run "small-$c-s$s" ring ring-test.csv --train-size 300 --symmetry so2 --constraint "$c" "${common[@]}" --hidden 64 \
        --iterations "${SMALL_ITERATIONS:-3000}" --batch 128 --seed "$s"
  done
done
python3 - <<'PY'
import json, glob, math, os
for f in sorted(glob.glob("*.json")):
    r = json.load(open(f))
    print(f"{f[:-5]:22s} nll {r['nll']:.4f} ± {r['nll_stderr']:.4f}  gap {r.get('gap', float('nan')):.4f} ± {r.get('gap_stderr', float('nan')):.4f}"
          f"  invariance {r.get('invariance_error', float('nan')):.4f}")
# small data: paired differences of test log p, constrained − unconstrained (positive: constrained better)
for f in sorted(glob.glob("small-none-s*.logp.csv")):
    seed = f[len("small-none-"):-len(".logp.csv")]
    none = [float(l.split(",")[0]) for l in open(f)]
    for c in ("soft", "hard"):
        g = f"small-{c}-{seed}.logp.csv"
        if not os.path.exists(g):
            continue
        other = [float(l.split(",")[0]) for l in open(g)]
        d = [a - b for a, b in zip(other, none)]
        m = sum(d) / len(d)
        se = math.sqrt(sum((x - m) ** 2 for x in d) / (len(d) - 1) / len(d))
        verdict = "beats" if m > 2 * se else "does not beat"
        print(f"small data {seed}: {c} − none = {m:+.4f} ± {se:.4f} nats per point ({c} {verdict} none)")
PY

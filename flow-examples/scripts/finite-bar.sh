#!/usr/bin/env bash
# The finite-flow experiments of docs/results.md ("Finite flows"), run as a user runs eqflow: the plain command
# of each family with its own defaults (held-out validation, training until it stops improving or the time
# budget is spent), then `eqflow eval` on 10,000 fresh test points with the invariance error measured under the
# target's true group. Each run is held to one core (--threads 1); run two copies with different RUNS lists to
# use two cores.
# Usage: flow-examples/scripts/finite-bar.sh OUTDIR
#        RUNS="eight-c8 eight-none" flow-examples/scripts/finite-bar.sh OUTDIR     (a subset)
#        SMALL=1 SEEDS="1 2 3 4 5" flow-examples/scripts/finite-bar.sh OUTDIR     (the small-data comparison)
# BUDGET (default: the library's) sets --time-budget of every run; EXTRA adds flags to every training run (e.g.
# EXTRA="--iterations 3000 --patience 10" BUDGET=2h: at most 3,000 updates, the same for every family and machine
# load); EQFLOW overrides the launcher.
set -euo pipefail
out=${1:?usage: finite-bar.sh OUTDIR}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eqflow="${EQFLOW:-$here/eqflow}"
budget=()
[[ -n ${BUDGET:-} ]] && budget=(--time-budget "$BUDGET")
mkdir -p "$out"
cd "$out"

# name: target | true group | training flags
declare -A spec=(
  [eight-c8]="8gaussians|c8|--flow residual --group c8"
  [eight-d8]="8gaussians|c8|--flow residual --group d8"
  [eight-none]="8gaussians|c8|--flow residual --group none"
  [eight-ham-so2]="8gaussians|c8|--symmetry so2"
  [eight-ham-none]="8gaussians|c8|--symmetry none"
  [eight-ham-hard]="8gaussians|c8|--symmetry so2 --constraint hard"
  [grid-d4]="grid|d4|--flow residual --group d4"
  [grid-none]="grid|d4|--flow residual --group none"
  [ring-c16]="ring|so2|--flow residual --group c16"
  [ring-none]="ring|so2|--flow residual --group none"
  [ring-ham-so2]="ring|so2|--symmetry so2"
  [ring-ham-hard]="ring|so2|--symmetry so2 --constraint hard"
  [dw-coupling]="doublewell|perm:4x2*c4|--flow coupling"
  [dw-coupling-sym]="doublewell|perm:4x2*c4|--flow coupling --symmetrize perm:4x2"
  [dw-perm]="doublewell|perm:4x2*c4|--flow residual --group perm:4x2"
  [dw-none]="doublewell|perm:4x2*c4|--flow residual --group none"
)
runs=(${RUNS:-eight-c8 eight-d8 eight-none eight-ham-so2 eight-ham-none grid-d4 grid-none ring-c16 ring-none})
# The comparison table of docs/results.md ("One table"): COMPARE=1 BUDGET=4m finite-bar.sh OUTDIR
[[ -n ${COMPARE:-} ]] && runs=(${RUNS:-eight-c8 eight-none eight-ham-so2 eight-ham-hard ring-c16 ring-none ring-ham-so2
  ring-ham-hard dw-coupling dw-coupling-sym dw-perm dw-none})

train_eval() {  # name target group train.csv test.csv flags...
  local name=$1 target=$2 group=$3 train=$4 test=$5; shift 5
  if [[ ! -f $name.json ]]; then
    local start=$SECONDS
    # shellcheck disable=SC2086
    "$eqflow" train --data "$train" "$@" "${budget[@]}" ${EXTRA:-} --out "$name.zip" --force --no-progress --threads 1 2> "$name.log"
    local trained=$((SECONDS - start))
    "$eqflow" eval --model "$name.zip" --data "$test" --target "$target" --group "$group" --samples 256 --threads 1 \
        > "$name.json.tmp" 2>> "$name.log"
    if [[ -n ${SMALL:-} ]]; then
      "$eqflow" logprob --model "$name.zip" --data "$test" --threads 1 --out "$name.logp.csv" 2>> "$name.log"
    fi
    mv "$name.json.tmp" "$name.json"
    echo "$name: trained in $trained s" >> timings.txt
  fi
}

for r in "${runs[@]}"; do
  IFS='|' read -r target group flags <<< "${spec[$r]}"
  [[ -f $target-test.csv ]] || "$eqflow" data --target "$target" -n 10000 --seed 1001 --out "$target-test.csv"
  if [[ -z ${SMALL:-} ]]; then
    [[ -f $target-train.csv ]] || "$eqflow" data --target "$target" -n 10000 --seed 101 --out "$target-train.csv"
    # shellcheck disable=SC2086
    train_eval "$r" "$target" "$group" "$target-train.csv" "$target-test.csv" $flags
  else
    for s in ${SEEDS:-1 2 3 4 5}; do
      for n in ${SIZES:-100 300 1000}; do
        [[ -f $target-$n-s$s.csv ]] || "$eqflow" data --target "$target" -n "$n" --seed "$((200 + s))" --out "$target-$n-s$s.csv"
        # shellcheck disable=SC2086
        train_eval "small-$r-$n-s$s" "$target" "$group" "$target-$n-s$s.csv" "$target-test.csv" $flags --seed "$s"
      done
    done
  fi
done
python3 - <<'PY'
import json, glob, re
def stopped(log):
    m = [l for l in open(log) if "training stopped at iteration" in l]
    return m[-1].split("training stopped at iteration ")[1].split(":")[0] if m else "?"
times = {l.split(":")[0]: l.split("in ")[1].strip() for l in open("timings.txt")} if glob.glob("timings.txt") else {}
for f in sorted(glob.glob("*.json")):
    r = json.load(open(f))
    name = f[:-5]
    print(f"{name:28s} nll {r['nll']:.4f} ± {r['nll_stderr']:.4f} ({'exact' if r.get('exact') else 'IWAE'})  "
          f"gap {r.get('gap', float('nan')):.4f} ± {r.get('gap_stderr', float('nan')):.4f}  "
          f"invariance[{r.get('invariance_group')}] {r.get('invariance_error', float('nan')):.2e}  "
          f"iterations {stopped(name + '.log')}  time {times.get(name, '?')}")
# small data: paired differences of test log p, the first run of RUNS minus the second, per size and seed
import math, collections
pairs = collections.defaultdict(dict)
for f in glob.glob("small-*.logp.csv"):
    m = re.match(r"small-(.+)-(\d+)-s(\d+)\.logp\.csv", f)
    if m:
        pairs[(int(m.group(2)), int(m.group(3)))][m.group(1)] = [float(v) for v in open(f)]
for (n, s), runs in sorted(pairs.items()):
    if len(runs) == 2:
        (a, la), (b, lb) = sorted(runs.items())
        d = [x - y for x, y in zip(la, lb)]
        mean = sum(d) / len(d)
        se = math.sqrt(sum((v - mean) ** 2 for v in d) / (len(d) - 1) / len(d))
        print(f"{n:5d} points seed {s}: log p[{a}] - log p[{b}] = {mean:+.4f} ± {se:.4f}  ({mean / se:+.1f} s.e.)")
PY

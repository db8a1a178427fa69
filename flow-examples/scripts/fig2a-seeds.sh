#!/usr/bin/env bash
# Fig. 2A over several seeds (docs/results.md, "SO(2) domain knowledge"): `eqflow demo so2 --seed S` for each seed,
# then every row of its table as mean ± standard error over the seeds.
# Usage: flow-examples/scripts/fig2a-seeds.sh OUTDIR [SEEDS...]      (default seeds: 1 2 3 4 5; about 40 s each)
set -euo pipefail
out=${1:?usage: fig2a-seeds.sh OUTDIR [SEEDS...]}
shift || true
if [[ $# -gt 0 ]]; then seeds=("$@"); else seeds=(1 2 3 4 5); fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eqflow="${EQFLOW:-$here/eqflow}"
mkdir -p "$out"
for s in "${seeds[@]}"; do
  [[ -f $out/s$s/summary.md ]] || "$eqflow" demo so2 --seed "$s" --out "$out/s$s" --force 2> "$out/s$s.log"
done
python3 - "$out" "${seeds[@]}" <<'PY'
import math, re, sys
out, seeds = sys.argv[1], sys.argv[2:]
rows = {}
for s in seeds:
    section = open(f"{out}/s{s}/summary.md").read().split("## SO(2) domain knowledge")[1]
    for line in section.splitlines():
        m = re.match(r"\| (infinite|finite) \| ([^|]+) \| ([-\d.]+) \| ([-\d.]+) \| ([-\d.]+) \| ([-\d.]+) \|", line)
        if m:
            rows.setdefault((m.group(1), m.group(2).strip()), []).append([float(m.group(i)) for i in range(3, 7)])
print(f"| regime | model | train log-lik | test log-lik | test NLL − entropy | invariance error |   ({len(seeds)} seeds: mean ± se)")
print("|---|---|---|---|---|---|")
for (regime, model), values in rows.items():
    cells = []
    for c in range(4):
        xs = [v[c] for v in values]
        mean = sum(xs) / len(xs)
        se = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1) / len(xs)) if len(xs) > 1 else float("nan")
        cells.append(f"{mean:.3f} ± {se:.3f}")
    print(f"| {regime} | {model} | " + " | ".join(cells) + " |")
PY

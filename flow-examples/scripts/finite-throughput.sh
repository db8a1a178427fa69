#!/usr/bin/env bash
# Density and sampling throughput of saved models, as a user meets it on the command line (one core):
# the wall time of `eqflow logprob` on N points and of `eqflow sample -n N`, less the same command on 10 points
# (start-up and model loading), for each model given.
# Usage: flow-examples/scripts/finite-throughput.sh TEST.csv MODEL.zip...  (N: LOGPROB_N=100000, the test rows repeated;
#        SAMPLE_N=2000). The Hamiltonian flow's log-densities are IWAE estimates with the default M = 256.
set -euo pipefail
test=${1:?usage: finite-throughput.sh TEST.csv MODEL.zip...}
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eqflow="${EQFLOW:-$here/eqflow}"
n_lp=${LOGPROB_N:-100000}
n_s=${SAMPLE_N:-2000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v n="$n_lp" 'NR == 1 { h = $0; next } { a[++m] = $0 } END { print h; for (i = 0; i < n; i++) print a[i % m + 1] }' \
    "$test" > "$tmp/big.csv"
head -n 11 "$test" > "$tmp/small.csv"
seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
for m in "$@"; do
  lp_small=$(seconds "$eqflow" logprob --model "$m" --data "$tmp/small.csv" --threads 1 --out "$tmp/o.csv")
  lp_big=$(seconds "$eqflow" logprob --model "$m" --data "$tmp/big.csv" --threads 1 --out "$tmp/o.csv")
  s_small=$(seconds "$eqflow" sample --model "$m" -n 10 --threads 1 --out "$tmp/s.csv")
  s_big=$(seconds "$eqflow" sample --model "$m" -n "$n_s" --threads 1 --out "$tmp/s.csv")
  printf "%-28s log-density %8.0f points/s   sampling %8.0f samples/s\n" "$(basename "$m" .zip)" \
    "$(echo "($n_lp - 10) / ($lp_big - $lp_small)" | bc -l)" "$(echo "($n_s - 10) / ($s_big - $s_small)" | bc -l)"
done

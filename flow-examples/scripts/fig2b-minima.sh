#!/usr/bin/env bash
# Fig. 2B's potential (docs/results.md, "Multimodal density"): the local minima of the learned U(q) for the kinetic
# energies, Hamiltonian sharing, lengths, seeds and bases of the table there. One model per line of output.
# Usage: flow-examples/scripts/fig2b-minima.sh            (the whole table, about 10 minutes of one core)
#        flow-examples/scripts/fig2b-minima.sh quadratic shared 4000 1 soft-uniform:4,4     (one model)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/eqflow" --version > /dev/null   # builds on first use
cp="$root/flow-examples/target/classes:$root/flow-core/target/classes:$(cat "$root/flow-examples/target/classpath.txt")"
run() { OMP_NUM_THREADS=1 java -Xmx3g -cp "$cp" org.eqflow.examples.demo.PotentialMinimaStudy "$@" 2> /dev/null; }
if [[ $# -gt 0 ]]; then run "$@"; exit; fi
su=soft-uniform:4,4
run mlp shared 1600 1 $su
run mlp separate 1600 1 $su
run quadratic shared 1600 1 $su
for s in 1 2 3; do run quadratic shared 4000 $s $su; done
run quadratic shared 8000 1 $su
run quadratic separate 3200 1 $su
for s in 1 2; do run quadratic shared 4000 $s normal; done

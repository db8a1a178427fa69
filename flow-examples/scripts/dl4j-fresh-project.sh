#!/usr/bin/env bash
# Builds and runs the fresh Maven project of docs/dl4j.md, verbatim: every code block marked
# <!-- fresh-project:PATH --> is written to PATH in an empty directory, with ring.csv from `eqflow data`.
# Run from the repository root; it installs eqflow into the local Maven repository first.
# Usage: flow-examples/scripts/dl4j-fresh-project.sh [DIR]     (default: a new temporary directory)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
mvn -B -q install -DskipTests
./eqflow data --target ring -n 2048 --seed 3 --out "$dir/ring.csv"
python3 - "$dir" <<'PY'
import os, re, sys
doc = open("docs/dl4j.md", encoding="utf-8").read()
blocks = re.findall(r"<!-- fresh-project:(\S+) -->\n```\w*\n(.*?)\n```", doc, re.S)
assert len(blocks) == 2, f"docs/dl4j.md marks {len(blocks)} fresh-project blocks, expected 2"
for path, text in blocks:
    target = os.path.join(sys.argv[1], path)
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    open(target, "w", encoding="utf-8").write(text + "\n")
    print("wrote", target)
PY
cd "$dir"
mvn -B -q compile exec:java -Dexec.args=ring.csv

#!/usr/bin/env bash
# Trains the DL4J density layer with DL4J's StatsListener (flow-examples/scripts/dl4j-ui, a separate Maven project
# that adds deeplearning4j-ui), serves DL4J's training UI on port 9000 and takes screenshots of its overview and of
# the layer's model page in headless Chromium (Playwright), into docs/images/dl4j-ui-{overview,model}.png.
# Needs Chromium (/usr/bin/chromium) and Node.js; run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
mvn -B -q install -DskipTests
work=$(mktemp -d)
cp -r flow-examples/scripts/dl4j-ui/. "$work"
(cd "$work" && npm install --silent playwright-core@1.64.1 >/dev/null)
(cd "$work" && mvn -B -q compile exec:java -Dexec.args="300 120" > server.log 2>&1 &)
for _ in $(seq 1 120); do grep -q "UI ready" "$work/server.log" 2>/dev/null && break; sleep 2; done
(cd "$work" && node shot.js "$root/docs/images")
echo "wrote docs/images/dl4j-ui-overview.png and docs/images/dl4j-ui-model.png"

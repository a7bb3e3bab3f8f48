#!/usr/bin/env bash
# Sets everything up, measures the extension on this machine and prints one
# table (figures, not pass/fail). See README "Performance".
#   bash scripts/bench.sh                  everything, the hub load last
#   bash scripts/bench.sh hub [--quick]    only the hub load (N = 100, 1,000
#                                          [, 5,000]; more: harness.py --help)
set -euo pipefail
cd "$(dirname "$0")/.."
# Hub load (issue 20): a real JupyterHub + credit service with N running
# servers, this project's relay as every server's reader; its own table.
hub_load() {
  .venv/bin/python scripts/bench/hubload/harness.py "$@"
  echo
  .venv/bin/python scripts/bench/hubload/pollcost.py
}
if [ "${1:-}" = hub ]; then
  shift
  [ -x .venv/bin/jupyterhub ] || bash scripts/setup.sh >/dev/null
  hub_load "$@"
  exit
fi
bash scripts/setup.sh >/dev/null
export PATH="$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH"
mkdir -p .test-output
npx tsc -p tsconfig.bench.json
node --expose-gc scripts/bench/node.mjs > .test-output/bench-node.json
npx playwright test --config scripts/bench/playwright.config.ts >&2
# Prediction error against real hubs (writes .test-output/prediction.json).
rm -f .test-output/prediction.json
npx playwright test --config ui-tests/playwright.config.ts predict.spec.ts >&2
node scripts/bench/report.mjs .test-output/bench-node.json .test-output/bench-browser.json
hub_load

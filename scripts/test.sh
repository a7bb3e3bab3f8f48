#!/usr/bin/env bash
# Sets everything up, then runs every check: lint, jest, pytest, and the
# browser tests against a real JupyterLab and a real JupyterHub with the
# credit service. Ends with one line totalling every test: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --matrix || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

out=.test-output
rm -rf "$out"
mkdir -p "$out"
export PATH="$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH"

status=0
echo "== lint"
npm run lint --silent || status=1
echo "== ruff (Python lint and format)"
.venv/bin/ruff check jupyterlab_hub_credits tests demo || status=1
.venv/bin/ruff format --check jupyterlab_hub_credits tests demo || status=1
echo "== type check (tests included)"
npm run typecheck --silent || status=1

# jest and pytest side by side (one core each); pytest's output follows jest's.
.venv/bin/python -m pytest --junitxml="$out/pytest.xml" > "$out/pytest.log" 2>&1 &
pytest_pid=$!
trap 'kill "$pytest_pid" 2>/dev/null' EXIT
echo "== jest"
npx jest --ci --json --outputFile="$out/jest.json" || status=1
echo "== pytest (the relay in a real Jupyter Server, a fake hub at the network edge)"
wait "$pytest_pid" || status=1
cat "$out/pytest.log"

echo "== browser tests (Chromium, real JupyterLab, real JupyterHub)"
npx playwright test --config ui-tests/playwright.config.ts || status=1

node scripts/summarize.mjs "$out/jest.json" "$out/playwright.json" "$out/pytest.xml" || status=1
exit $status

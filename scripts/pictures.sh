#!/usr/bin/env bash
# Takes the README's pictures from a live hub (the demo configuration), in
# the light and the dark theme, and copies them into docs/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
export PATH="$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH"
rm -rf .test-output/pictures
PICTURES=1 npx playwright test --config ui-tests/playwright.config.ts pictures.spec.ts
cp .test-output/pictures/*.png docs/
ls docs/*.png

#!/usr/bin/env bash
# Installs everything the demo and the tests need; safe to run again.
#   apt: chromium (Debian's, for Playwright)
#   pip: .venv with JupyterHub, the credit service, JupyterLab, this extension
#   npm: node_modules from package-lock.json (configurable-http-proxy included)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements-dev.txt
  echo "$want" > "$stamp"
fi

stamp=node_modules/.setup.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

say "building the extension"
npm run build --silent
say "installing the extension into .venv"
HATCH_JUPYTER_BUILDER_SKIP_NPM=1 .venv/bin/pip install -q --no-deps --force-reinstall .
.venv/bin/jupyter labextension list 2>&1 | grep -q 'jupyterlab-hub-credits.*enabled.*OK' || {
  say "the extension is not enabled in .venv"
  exit 1
}
say "ready"

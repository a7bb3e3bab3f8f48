#!/usr/bin/env bash
# Sets everything up, then runs a local JupyterHub with the credit service
# on http://127.0.0.1:8000; its servers run JupyterLab with this extension.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH"
export CREDITS_HUB_STATE="$PWD/.demo"
export CREDITS_PASSWORD="${CREDITS_PASSWORD:-credits}"
# Start from full balances every time.
rm -rf "$CREDITS_HUB_STATE"
cat <<MSG

  JupyterHub with credits: http://127.0.0.1:${CREDITS_HUB_PORT:-8000}/hub/login
  Log in with any user name and the password "$CREDITS_PASSWORD".
  Your server is billed 1 credit every 2 s (the project community1 pays
  first, then you); watch the status bar at the bottom of JupyterLab.
  Stop with Ctrl-C.

MSG
exec jupyterhub -f demo/jupyterhub_config.py

#!/usr/bin/env bash
# Installs everything the demo and the tests need; safe to run again.
#   apt: chromium (Debian's, for Playwright), python3-venv where missing
#   pip: .venv with JupyterHub, the credit service, JupyterLab, Notebook 7
#        and this extension's wheel; .venv-jl40 with the oldest supported
#        JupyterLab (4.0.0) and the same wheel
#        .venv-matrix/: JupyterHub + credit service pairs (ui-tests/matrix.json),
#        with --matrix only (scripts/test.sh passes it)
#   npm: node_modules from package-lock.json (configurable-http-proxy included)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

# Debian packages: Chromium, and venv for Python (a bare Debian lacks it).
packages=""
[ -x /usr/bin/chromium ] || packages="chromium"
python3 -c 'import ensurepip' 2>/dev/null || packages="$packages python3-venv"
if [ -n "$packages" ]; then
  say "installing Debian's$packages"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # shellcheck disable=SC2086 # a list of package names
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $packages >/dev/null
fi

# venv DIR REQUIREMENTS: a virtual environment with those requirements.
venv() {
  local dir=$1 requirements=$2
  if [ ! -x "$dir/bin/python" ]; then
    say "creating $dir"
    python3 -m venv "$dir"
  fi
  local stamp="$dir/.requirements.sha"
  local want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing $requirements into $dir"
    "$dir/bin/pip" install -q --upgrade pip
    "$dir/bin/pip" install -q -r "$requirements"
    echo "$want" > "$stamp"
  fi
}
venv .venv requirements-dev.txt
venv .venv-jl40 requirements-oldest.txt

# The hub matrix (ui-tests/matrix.json), only with --matrix (the test
# command asks for it): one small environment per pair of JupyterHub and
# credit service, built in parallel; their single-user servers run from .venv.
matrix_pairs=""
[ "${1:-}" = --matrix ] && matrix_pairs=$(python3 -c 'import json
m = json.load(open("ui-tests/matrix.json"))
for p in m["supported"] + m["unsupported"]:
    print(p["jupyterhub"], p["credits"])')
pids=()
while read -r hub credits; do
  [ -n "$hub" ] || continue
  dir=".venv-matrix/jh$hub-cs$credits"
  if [ ! -f "$dir/.installed" ]; then
    say "creating $dir"
    (rm -rf "$dir" && python3 -m venv "$dir" &&
      "$dir/bin/pip" install -q "jupyterhub==$hub" "jupyterhub-credit-service==$credits" \
        >"$dir.log" 2>&1 && touch "$dir/.installed") &
    pids+=($!)
  fi
done <<<"$matrix_pairs"
for pid in "${pids[@]}"; do
  wait "$pid" || { say "a matrix environment failed to install (see .venv-matrix/*.log)"; exit 1; }
done

stamp=node_modules/.setup.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

say "building the extension"
npm run build --silent
say "building the Python distribution (sdist and wheel)"
rm -rf dist
HATCH_JUPYTER_BUILDER_SKIP_NPM=1 .venv/bin/python -m build -q --outdir dist . >/dev/null
wheel=$(ls dist/*.whl)
for dir in .venv .venv-jl40; do
  say "installing $wheel into $dir"
  # Its dependencies first (the relay's), then the wheel itself afresh.
  "$dir/bin/pip" install -q "$wheel"
  "$dir/bin/pip" install -q --no-deps --force-reinstall "$wheel"
  # (Read whole first: grep -q closing the pipe early would fail the pipeline.)
  labextensions=$("$dir/bin/jupyter" labextension list 2>&1)
  grep -q 'jupyterlab-hub-credits.*enabled.*OK' <<<"$labextensions" || {
    say "the extension is not enabled in $dir"
    exit 1
  }
  serverextensions=$("$dir/bin/jupyter" server extension list 2>&1)
  grep -q 'jupyterlab_hub_credits.*enabled' <<<"$serverextensions" || {
    say "the credits relay is not enabled in $dir"
    exit 1
  }
done
say "ready"

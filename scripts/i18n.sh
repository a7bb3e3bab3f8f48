#!/usr/bin/env bash
# The translation catalogs of jupyterlab_hub_credits/locale/, with
# JupyterLab's own tooling (jupyterlab-translate, in .venv):
#   bash scripts/i18n.sh            extract the strings of src/ and schema/,
#                                   update every language's .po, compile
#   bash scripts/i18n.sh fr_FR      the same, and start a catalog for fr_FR
# Then translate the new msgstr entries of the .po files and run it again:
# it compiles them to the .json the page loads and the .mo the settings
# form uses. tests/test_i18n.py fails while a string has no translation.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
locale=jupyterlab_hub_credits/locale
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy with only what holds strings: the tool scans every file it finds.
cp -r src schema package.json "$work"/
mkdir -p "$work/$locale"
cp -r "$locale"/. "$work/$locale"/
cd "$work"
# A fresh template (the tool would otherwise keep strings the code dropped).
rm -f "$locale/jupyterlab_hub_credits.pot"
jupyterlab-translate extract . jupyterlab_hub_credits >/dev/null
languages=$(cd "$locale" && find . -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
for language in $languages "$@"; do
  jupyterlab-translate update . jupyterlab_hub_credits -l "$language" >/dev/null
done
# The template and the .po files back first: they survive a failed compile.
cp -r "$locale"/. "$OLDPWD/$locale"/
for language in $languages "$@"; do
  # Fuzzy or untranslated entries are left out: translate them and run again.
  # (Without -l the tool compiles no language at all.)
  jupyterlab-translate compile . jupyterlab_hub_credits -l "$language" >/dev/null
done
cd - >/dev/null
cp -r "$work/$locale"/. "$locale"/
echo "catalogs: $(cd "$locale" && find . -name '*.po' | sort | tr '\n' ' ')"

"""Every string a user reads has a German translation, and the compiled
catalogs are those of the translations: extracted afresh with JupyterLab's
own tooling (``scripts/i18n.sh``'s way) and compared."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from jupyterlab_hub_credits.i18n import DOMAIN, LOCALE_DIR, use_own_catalogs

ROOT = Path(__file__).parent.parent
BIN = ROOT / ".venv" / "bin"
LANGUAGES = sorted(p.name for p in LOCALE_DIR.iterdir() if p.is_dir())


def catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def keys(messages) -> set[tuple]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in messages if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """The template as the tool extracts it from src/ and schema/ now."""
    if not (BIN / "jupyterlab-translate").exists():
        pytest.fail("jupyterlab-translate is missing: run bash scripts/setup.sh")
    work = tmp_path_factory.mktemp("extract")
    for name in ("src", "schema"):
        shutil.copytree(ROOT / name, work / name)
    shutil.copy(ROOT / "package.json", work)
    (work / DOMAIN).mkdir()
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    subprocess.run(
        [str(BIN / "jupyterlab-translate"), "extract", ".", DOMAIN],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
    )
    return work / DOMAIN / "locale" / f"{DOMAIN}.pot"


def test_german_ships():
    assert "de_DE" in LANGUAGES


def test_the_template_holds_every_string_of_the_code(extracted: Path):
    assert keys(catalog(extracted)) == keys(catalog(LOCALE_DIR / f"{DOMAIN}.pot")), (
        "strings changed: run bash scripts/i18n.sh and translate the new ones"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_with_its_placeholders(language: str):
    template = catalog(LOCALE_DIR / f"{DOMAIN}.pot")
    translated = catalog(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po")
    assert keys(translated) >= keys(template)
    for message in translated:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"no {language} translation: {ids[0]!r}"
        wanted = set(re.findall(r"%\d", ids[0]))
        for string in strings:
            assert set(re.findall(r"%\d", string)) == wanted, (ids[0], string)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogs_are_the_translations(language: str):
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po = catalog(folder / f"{DOMAIN}.po")
    page = json.loads((folder / f"{DOMAIN}.json").read_text(encoding="utf-8"))
    assert page[""]["domain"] == DOMAIN
    for message in po:
        if message.id and isinstance(message.id, str):
            key = message.id if not message.context else f"{message.context}\u0004{message.id}"
            assert page[key][0] == message.string, message.id
    assert (folder / f"{DOMAIN}.mo").stat().st_mtime >= 0


def test_the_settings_form_is_read_from_this_packages_catalog():
    from jupyterlab_server.translation_utils import TranslationBundle

    assert use_own_catalogs()
    bundle = TranslationBundle(DOMAIN, "de_DE")
    german = bundle.pgettext("settings", "Show credits")
    assert german and german != "Show credits"
    # Other domains keep JupyterLab's own rule.
    assert TranslationBundle("jupyterlab", "en").gettext("Show credits") == "Show credits"

"""The admin guide's table of server options is generated from the code
(``scripts/server_options.py``): a new or changed option fails here until
the table is rewritten."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
from server_options import GUIDE, render  # noqa: E402

from jupyterlab_hub_credits.app import HubCreditsApp


def test_the_admin_guide_lists_every_server_option_as_the_code_defines_it():
    guide = GUIDE.read_text(encoding="utf-8")
    assert guide == render(guide), "run .venv/bin/python scripts/server_options.py"
    for name in HubCreditsApp.class_own_traits(config=True):
        assert f"`c.HubCreditsApp.{name}`" in guide

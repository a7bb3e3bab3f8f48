"""The settings form in the reader's language. JupyterLab's server
translates a schema (``jupyter.lab.internationalization``'s domain) with
the language pack's catalogs only (jupyterlab_server's
``TranslationBundle.update_locale``: "TODO: Need to handle packages that
provide their own .mo files"); for this package's domain it then reads
the catalog this package ships (``locale/<lang>/LC_MESSAGES/*.mo``). The
page's own strings need nothing of this: JupyterLab reads this package's
``.json`` catalogs through the ``jupyterlab.locale`` entry point."""

from __future__ import annotations

import gettext
from pathlib import Path

DOMAIN = "jupyterlab_hub_credits"
LOCALE_DIR = Path(__file__).parent / "locale"


def use_own_catalogs() -> bool:
    """Lets JupyterLab's server find this package's catalogs for its
    domain; ``False`` where there is no JupyterLab server."""
    try:
        from jupyterlab_server import translation_utils
    except ImportError:
        return False
    bundle = translation_utils.TranslationBundle
    original = bundle.update_locale
    if getattr(original, "hub_credits", False):
        return True

    def update_locale(self, locale_: str) -> None:
        original(self, locale_)
        if self._domain == DOMAIN and locale_ != translation_utils.DEFAULT_LOCALE:
            self._translator = gettext.translation(
                DOMAIN, localedir=str(LOCALE_DIR), languages=(locale_,), fallback=True
            )

    update_locale.hub_credits = True  # type: ignore[attr-defined]
    bundle.update_locale = update_locale
    return True

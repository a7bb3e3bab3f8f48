"""The jupyterlab-hub-credits lab extension, its server part and the
credits for running code: ``from jupyterlab_hub_credits import credits``,
or ``%load_ext jupyterlab_hub_credits`` then ``%credits`` in IPython.
"""

from .credits import Snapshot, credits

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a source tree that was never built
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-hub-credits"}]


def _jupyter_server_extension_points():
    from .app import HubCreditsApp

    return [{"module": "jupyterlab_hub_credits", "app": HubCreditsApp}]


def load_ipython_extension(ipython):
    """``%credits``: what the status bar shows, and when the credits run out."""

    def show(line=""):
        print(credits.now().text())

    ipython.register_magic_function(show, "line", "credits")


__all__ = ["Snapshot", "credits", "load_ipython_extension", "__version__"]

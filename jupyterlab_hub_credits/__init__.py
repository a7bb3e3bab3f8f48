"""Ships the jupyterlab-hub-credits lab extension and its server side: the
credits relay of the single-user server (see ``handlers.py``)."""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a source tree that was never built
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-hub-credits"}]


def _jupyter_server_extension_points():
    from .handlers import HubCreditsApp

    return [{"module": "jupyterlab_hub_credits", "app": HubCreditsApp}]

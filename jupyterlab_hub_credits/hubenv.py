"""The one place the hub's environment becomes URLs and TLS (standard library only).

``jupyterhub-singleuser`` starts this server with ``JUPYTERHUB_API_URL``
(the hub's internal API URL), ``JUPYTERHUB_API_TOKEN`` (the server's own
token, owned by the server's owner), ``JUPYTERHUB_USER`` (the owner),
``JUPYTERHUB_SERVER_NAME``, ``JUPYTERHUB_SERVICE_URL`` (this server's own
URL, ``http://{ip}:{port}``), ``JUPYTERHUB_SERVICE_PREFIX`` and, with
``internal_ssl``, ``JUPYTERHUB_SSL_KEYFILE`` / ``CERTFILE`` / ``CLIENT_CA``.

- ``HubEnv``: the hub side, for the relay (``relay.py``): the per-server
  stream, the REST list ``{api}/credits``, the credit service's stopserver.
- ``relay_endpoint()``: the relay side, for running code (``credits.py``):
  the relay's base URL on this server, the token to show it and the TLS
  context; ``no_relay_reason()`` says why there is none.

The token is never part of a URL or a ``repr``.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

#: Where the relay's routes live under the server's base URL.
RELAY_PREFIX = "hub-credits/"
#: Set by the server part for its kernels when the server speaks TLS with
#: client certificates (``internal_ssl``): a Unix socket (mode 0600) on which
#: the same server answers in plain HTTP, so kernels need no certificate.
SOCKET_VARIABLE = "JUPYTERLAB_HUB_CREDITS_SOCKET"


def _segment(value: str) -> str:
    return quote(value, safe="")


def ssl_context_from_environment(env: Mapping[str, str]) -> Optional[ssl.SSLContext]:
    """The ``internal_ssl`` client context, or ``None`` when the hub uses none.

    As JupyterHub builds it for its own requests (``make_ssl_context``): the
    internal CA trust bundle verifies the peer, this server's certificate
    and key identify it (the peers require client certificates).
    """
    keyfile = env.get("JUPYTERHUB_SSL_KEYFILE", "")
    certfile = env.get("JUPYTERHUB_SSL_CERTFILE", "")
    if not (keyfile and certfile):
        return None
    cafile = env.get("JUPYTERHUB_SSL_CLIENT_CA", "") or None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    context.load_cert_chain(certfile, keyfile)
    return context


def loopback_url(url: str) -> str:
    """A URL to connect to: an empty or wildcard host becomes the loopback address.

    JupyterHub builds ``JUPYTERHUB_SERVICE_URL`` as ``http://{ip}:{port}``;
    with ``Spawner.ip = ''`` that is ``http://:8888``, which nothing can
    connect to, and ``0.0.0.0`` / ``::`` are addresses to bind, not to reach.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host not in ("", "0.0.0.0", "::"):
        return url
    loopback = "[::1]" if host == "::" else "127.0.0.1"
    netloc = loopback if parts.port is None else f"{loopback}:{parts.port}"
    return urlunsplit((parts.scheme or "http", netloc, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class HubEnv:
    """What the relay needs to reach the hub for this server."""

    #: The hub's API, e.g. ``http://127.0.0.1:8081/hub/api`` (no trailing slash).
    api_url: str
    token: str = field(repr=False)
    #: The server's owner.
    user: str
    #: ``""`` for the default server.
    server_name: str = ""
    ssl_context: Optional[ssl.SSLContext] = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_url", self.api_url.rstrip("/"))

    @classmethod
    def from_environment(cls, env: Optional[Mapping[str, str]] = None) -> Optional[HubEnv]:
        """This server's hub, or ``None`` when not started by a hub."""
        env = os.environ if env is None else env
        api_url = env.get("JUPYTERHUB_API_URL", "")
        token = env.get("JUPYTERHUB_API_TOKEN", "")
        user = env.get("JUPYTERHUB_USER", "")
        if not (api_url and token and user):
            return None
        return cls(
            api_url=api_url,
            token=token,
            user=user,
            server_name=env.get("JUPYTERHUB_SERVER_NAME", ""),
            ssl_context=ssl_context_from_environment(env),
        )

    def _server_path(self) -> str:
        path = _segment(self.user)
        if self.server_name:
            path += f"/{_segment(self.server_name)}"
        return path

    @property
    def stream_url(self) -> str:
        """The credit service's per-server stream of this server."""
        return f"{self.api_url}/credits/sseserver/{self._server_path()}"

    @property
    def list_url(self) -> str:
        """The credit service's REST list of the owner's entries."""
        return f"{self.api_url}/credits"

    @property
    def stop_url(self) -> str:
        """The credit service's stop of this server (DELETE)."""
        return f"{self.api_url}/credits/stopserver/{self._server_path()}"

    @property
    def headers(self) -> dict[str, str]:
        """The server's token, in the header (never in a URL)."""
        return {"Authorization": f"token {self.token}"}


@dataclass(frozen=True)
class RelayEndpoint:
    """Where running code reaches the relay of its own server."""

    #: The server's base URL, ending in ``/`` (e.g. ``http://127.0.0.1:8888/user/alice/``).
    base_url: str
    token: str = field(repr=False)
    ssl_context: Optional[ssl.SSLContext] = field(default=None, repr=False, compare=False)
    #: A Unix socket to connect to instead of the URL's host and port.
    socket: Optional[str] = None

    def url(self, route: str) -> str:
        """``route`` of the relay, e.g. ``url("state")``."""
        return f"{self.base_url}{RELAY_PREFIX}{route}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}


def relay_endpoint(env: Optional[Mapping[str, str]] = None) -> Optional[RelayEndpoint]:
    """The relay of this server for running code, or ``None`` (see ``no_relay_reason``)."""
    env = os.environ if env is None else env
    token = env.get("JUPYTERHUB_API_TOKEN", "")
    service = env.get("JUPYTERHUB_SERVICE_URL", "")
    if not (token and service):
        return None
    # JupyterHub's SERVICE_URL already ends in the server's base URL
    # (``http://{ip}:{port}/user/<name>/``); the prefix, an absolute path,
    # replaces that path rather than being appended to it.
    prefix = "/" + (env.get("JUPYTERHUB_SERVICE_PREFIX", "") or "/").lstrip("/")
    socket = env.get(SOCKET_VARIABLE, "")
    if socket and os.path.exists(socket):
        # The server's own socket: plain HTTP, no certificate to present.
        base = urljoin("http://localhost/", prefix)
        return RelayEndpoint(base if base.endswith("/") else base + "/", token, None, socket)
    base = urljoin(loopback_url(service), prefix)
    if not base.endswith("/"):
        base += "/"
    return RelayEndpoint(base, token, ssl_context_from_environment(env))


def no_relay_reason(env: Optional[Mapping[str, str]] = None) -> str:
    """Why ``relay_endpoint`` found none (``""`` when it finds one)."""
    env = os.environ if env is None else env
    if not env.get("JUPYTERHUB_API_TOKEN"):
        return "not started by JupyterHub (JUPYTERHUB_API_TOKEN is not set)"
    if not env.get("JUPYTERHUB_SERVICE_URL"):
        return "JUPYTERHUB_SERVICE_URL is not set: the server's own URL is unknown"
    return ""

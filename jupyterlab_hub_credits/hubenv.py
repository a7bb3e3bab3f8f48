"""The one place the hub's environment (``JUPYTERHUB_*``, set by
``jupyterhub-singleuser``) becomes URLs and TLS, standard library only:
``HubEnv`` for the relay's requests to the hub, ``relay_endpoint()`` for
running code that asks its server part. The token is never part of a URL
or a ``repr``.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Optional
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

#: Where the relay's routes live under the server's base URL.
RELAY_PREFIX = "hub-credits/"
#: Set by the server part for its kernels when the server speaks TLS with
#: client certificates (``internal_ssl``): a Unix socket (mode 0600) on which
#: the same server answers in plain HTTP, so kernels need no certificate.
SOCKET_VARIABLE = "JUPYTERLAB_HUB_CREDITS_SOCKET"
#: Set by the admin (``c.Spawner.environment``) on hubs that run the shared
#: reader (``shared.py``): the URL of its prefix, read instead of the hub.
SHARED_VARIABLE = "HUB_CREDITS_SHARED_READER"


def ssl_context_from_environment(env: Mapping[str, str]) -> Optional[ssl.SSLContext]:
    """The ``internal_ssl`` client context (as JupyterHub's
    ``make_ssl_context``: the peers require client certificates), or
    ``None`` when the hub uses none."""
    keyfile = env.get("JUPYTERHUB_SSL_KEYFILE", "")
    certfile = env.get("JUPYTERHUB_SSL_CERTFILE", "")
    if not (keyfile and certfile):
        return None
    cafile = env.get("JUPYTERHUB_SSL_CLIENT_CA", "") or None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    context.load_cert_chain(certfile, keyfile)
    return context


def loopback_url(url: str) -> str:
    """A URL to connect to: an empty or wildcard host (``Spawner.ip = ''``
    gives ``http://:8888``; ``0.0.0.0`` and ``::`` are addresses to bind,
    not to reach) becomes the loopback address."""
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
    #: The shared reader's prefix URL (ending in ``/``), ``""``: the hub itself.
    shared_url: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_url", self.api_url.rstrip("/"))
        if self.shared_url and not self.shared_url.endswith("/"):
            object.__setattr__(self, "shared_url", self.shared_url + "/")

    def direct(self) -> HubEnv:
        """The same server, reading the hub itself."""
        return replace(self, shared_url="")

    @classmethod
    def from_environment(cls, env: Optional[Mapping[str, str]] = None) -> Optional[HubEnv]:
        """This server's hub, or ``None`` when not started by a hub."""
        env = os.environ if env is None else env
        api_url = env.get("JUPYTERHUB_API_URL", "")
        token = env.get("JUPYTERHUB_API_TOKEN", "")
        user = env.get("JUPYTERHUB_USER", "")
        if not (api_url and token and user):
            return None
        server = env.get("JUPYTERHUB_SERVER_NAME", "")
        shared = env.get(SHARED_VARIABLE, "").strip()
        if urlsplit(shared).scheme not in ("http", "https"):
            shared = ""
        return cls(api_url, token, user, server, ssl_context_from_environment(env), shared)

    def _server_path(self) -> str:
        path = quote(self.user, safe="")
        return f"{path}/{quote(self.server_name, safe='')}" if self.server_name else path

    @property
    def stream_url(self) -> str:
        if self.shared_url:
            return f"{self.shared_url}credits/stream"
        return f"{self.api_url}/credits/sseserver/{self._server_path()}"

    @property
    def list_url(self) -> str:
        return f"{self.shared_url}credits" if self.shared_url else f"{self.api_url}/credits"

    @property
    def stop_url(self) -> str:
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

    headers = HubEnv.headers


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
    if not (socket and os.path.exists(socket)):
        socket = None
    # The server's own socket: plain HTTP, no certificate to present.
    base = urljoin("http://localhost/" if socket else loopback_url(service), prefix)
    context = None if socket else ssl_context_from_environment(env)
    return RelayEndpoint(base if base.endswith("/") else base + "/", token, context, socket)


def no_relay_reason(env: Optional[Mapping[str, str]] = None) -> str:
    """Why ``relay_endpoint`` found none (``""`` when it finds one)."""
    env = os.environ if env is None else env
    if not env.get("JUPYTERHUB_API_TOKEN"):
        return "not started by JupyterHub (JUPYTERHUB_API_TOKEN is not set)"
    if not env.get("JUPYTERHUB_SERVICE_URL"):
        return "JUPYTERHUB_SERVICE_URL is not set: the server's own URL is unknown"
    return ""

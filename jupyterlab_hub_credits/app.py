"""The server extension: ``HubCreditsApp`` and its ``c.HubCreditsApp.*``
settings; builds the relay from the hub's environment and adds the routes.
"""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile
from typing import Optional

from jupyter_server.extension.application import ExtensionApp
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_unix_socket
from traitlets import Bool, Enum, Float

from . import protocol
from .events import Signals
from .handlers import handlers
from .hubenv import SOCKET_VARIABLE, HubEnv
from .i18n import use_own_catalogs
from .policy import Timings
from .relay import CreditsRelay
from .rule import Reading
from .store import HistoryStore, default_folder


def _seconds(default: float, help: str) -> Float:
    return Float(default, config=True, help=help)


class HubCreditsApp(ExtensionApp):
    """The server part of jupyterlab-hub-credits (``c.HubCreditsApp.*``)."""

    name = "jupyterlab_hub_credits"
    load_other_extensions = True

    reading = Enum(
        ["auto", "poll"],
        default_value="auto",
        config=True,
        help=(
            "How the relay reads the hub. 'auto': the hub's per-server stream while a"
            " tab looks (live), polls otherwise. 'poll': polls only, visible tabs more"
            " often: no burst on the hub at credit-task runs (for the biggest hubs)."
        ),
    )
    grace_seconds = _seconds(
        protocol.LIVE_GRACE_SECONDS,
        "Keep the hub stream this long after the last visible page's claim lapsed.",
    )
    backoff_base_seconds = _seconds(
        protocol.TIMINGS["backoffBaseSeconds"],
        "First retry waits up to this long (towards the hub: 2.5 task intervals,"
        " at most 5 min, if longer).",
    )
    backoff_cap_seconds = _seconds(protocol.TIMINGS["backoffCapSeconds"], "No retry waits longer.")
    connect_timeout_seconds = _seconds(
        protocol.TIMINGS["connectTimeoutSeconds"], "Give up on an unanswered attempt."
    )
    heartbeat_timeout_seconds = _seconds(
        protocol.TIMINGS["heartbeatTimeoutSeconds"],
        "Reconnect when nothing arrived from the hub for this long.",
    )
    poll_default_seconds = _seconds(
        protocol.POLL_DEFAULT_SECONDS, "Poll period before the hub's task interval is known."
    )
    poll_min_seconds = _seconds(protocol.POLL_MIN_SECONDS, "Never poll more often for hidden tabs.")
    visible_poll_min_seconds = _seconds(
        protocol.VISIBLE_POLL_MIN_SECONDS,
        "With reading = 'poll': never poll more often for visible tabs.",
    )
    task_interval_max_seconds = _seconds(
        protocol.TASK_INTERVAL_MAX_SECONDS, "Never poll less often than this."
    )

    shared_fallback_seconds = _seconds(
        protocol.SHARED_FALLBACK_SECONDS,
        "Where the admin runs the shared reader (HUB_CREDITS_SHARED_READER): read"
        " the hub itself once it failed this long in a row.",
    )

    kernel_socket = Bool(
        True,
        config=True,
        help=(
            "When the server speaks TLS with client certificates (internal_ssl), answer"
            " this server's kernels on a Unix socket (mode 0600, token still required):"
            " they hold no certificate the server accepts."
        ),
    )

    keep_history = Bool(
        True,
        config=True,
        help="Keep the balance history of the last 24 hours in Jupyter's data directory,"
        " so that it outlives a server restart (a small file per server).",
    )

    relay: Optional[CreditsRelay] = None
    _socket_server: Optional[HTTPServer] = None
    _socket_dir: Optional[str] = None

    def make_relay(self, hub: HubEnv) -> CreditsRelay:
        timings = Timings(
            backoff_base=self.backoff_base_seconds,
            backoff_cap=self.backoff_cap_seconds,
            connect_timeout=self.connect_timeout_seconds,
            heartbeat_timeout=self.heartbeat_timeout_seconds,
        )
        numbers = Reading(
            poll_default=self.poll_default_seconds,
            poll_min=self.poll_min_seconds,
            visible_poll_min=self.visible_poll_min_seconds,
            task_interval_max=self.task_interval_max_seconds,
        )
        folder = default_folder() if self.keep_history else None
        store = folder and HistoryStore.for_server(folder, hub.api_url, hub.user, hub.server_name)
        return CreditsRelay(
            hub,
            timings,
            self.reading,
            self.grace_seconds,
            numbers=numbers,
            store=store or None,
            shared_fallback=self.shared_fallback_seconds,
        )

    def initialize_settings(self) -> None:
        use_own_catalogs()  # the settings form in the reader's language
        try:
            hub = HubEnv.from_environment()
        except (OSError, ssl.SSLError) as error:
            self.log.error("jupyterlab_hub_credits: cannot read the internal_ssl files: %s", error)
            hub = None
        self.relay = self.make_relay(hub) if hub is not None else None
        self.settings["hub_credits_relay"] = self.relay
        if self.relay is None:
            self.log.info("jupyterlab_hub_credits: not under a hub: idle")
        else:
            # Registered now: a page's event socket opened later receives them.
            self.relay.on_change(Signals(self.serverapp.event_logger, self.relay.start))
            self.log.info(
                "jupyterlab_hub_credits: relaying this server's credits (reading: %s, from: %s)",
                self.reading,
                "the shared reader" if hub.shared_url else "the hub",
            )

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers())

    async def _start_jupyter_server_extension(self, serverapp) -> None:
        """With internal_ssl, a Unix socket for kernels (``kernel_socket``)."""
        if self.relay is None or not self.kernel_socket:
            return
        # Only where clients must show a certificate: TLS alone is reachable.
        if not (os.environ.get("JUPYTERHUB_SSL_CLIENT_CA") or serverapp.client_ca):
            return
        folder = None
        try:
            folder = tempfile.mkdtemp(prefix="hub-credits-")
            path = os.path.join(folder, "server.sock")
            server = HTTPServer(serverapp.web_app)
            server.add_socket(bind_unix_socket(path, mode=0o600))
        except OSError as error:
            self.log.warning("jupyterlab_hub_credits: no socket for kernels: %s", error)
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            return
        self._socket_server, self._socket_dir = server, folder
        # Kernels started from now on inherit it.
        os.environ[SOCKET_VARIABLE] = path
        self.log.info("jupyterlab_hub_credits: kernels reach this server at %s", path)

    async def stop_extension(self) -> None:
        if self._socket_server is not None:
            self._socket_server.stop()
            self._socket_server = None
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            os.environ.pop(SOCKET_VARIABLE, None)
        if self.relay is not None:
            await self.relay.close()

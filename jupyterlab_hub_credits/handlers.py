"""The relay's routes in the single-user server.

``GET {base_url}hub-credits/stream``: the credits stream of this server, as
``text/event-stream``. Hub events pass as ``data:`` events (re-serialized
JSON); the relay's own state as ``event: relay`` with
``{"state", "reason"}``. A keepalive every 8 s.

``GET {base_url}hub-credits/status``: the relay's state and counters (JSON).

Both to anyone the server lets in: Jupyter Server's authentication and
authorization, resource ``hub-credits``, action ``read``.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Optional
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.application import ExtensionApp
from tornado import web
from tornado.iostream import StreamClosedError
from traitlets import Float

from .policy import Timings
from .relay import CreditsRelay, Listener

KEEPALIVE_SECONDS = 8.0


def relay_from_environment(
    timings: Timings, grace: float, env: Optional[dict[str, str]] = None
) -> Optional[CreditsRelay]:
    """The relay of this server, or ``None`` when not started by a hub."""
    env = dict(os.environ if env is None else env)
    api_url = env.get("JUPYTERHUB_API_URL", "").rstrip("/")
    token = env.get("JUPYTERHUB_API_TOKEN", "")
    user = env.get("JUPYTERHUB_USER", "")
    if not (api_url and token and user):
        return None
    path = f"{api_url}/credits/sseserver/{quote(user, safe='')}"
    server = env.get("JUPYTERHUB_SERVER_NAME", "")
    if server:
        path += f"/{quote(server, safe='')}"
    return CreditsRelay(path, token, timings, grace=grace)


class RelayHandler(APIHandler):
    auth_resource = "hub-credits"

    @property
    def relay(self) -> CreditsRelay:
        relay: Optional[CreditsRelay] = self.settings.get("hub_credits_relay")
        if relay is None:
            raise web.HTTPError(404, "this server does not run under JupyterHub")
        return relay


class StatusHandler(RelayHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.finish(json.dumps(self.relay.status()))


class StreamHandler(RelayHandler):
    _listener: Optional[Listener] = None

    @web.authenticated
    @authorized
    async def get(self) -> None:
        relay = self.relay
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        # No buffering in a proxy between here and the browser.
        self.set_header("X-Accel-Buffering", "no")
        listener = self._listener = relay.subscribe()
        try:
            self.write("\n\n")
            await self.flush()
            while True:
                try:
                    message = await asyncio.wait_for(listener.queue.get(), KEEPALIVE_SECONDS)
                except asyncio.TimeoutError:
                    self.write("\n\n")
                else:
                    if message is None:
                        break
                    if message.kind == "state":
                        self.write(f"event: relay\ndata: {message.body}\n\n")
                    else:
                        self.write(f"data: {message.body}\n\n")
                await self.flush()
        except StreamClosedError:
            pass
        finally:
            relay.unsubscribe(listener)
            self._listener = None
        if not self._finished:
            self.finish()

    def on_connection_close(self) -> None:
        if self._listener is not None:
            self._listener.close()


class HubCreditsApp(ExtensionApp):
    """The server side of jupyterlab-hub-credits: the credits relay.

    Configure with ``c.HubCreditsApp.*``.
    """

    name = "jupyterlab_hub_credits"
    load_other_extensions = True

    grace_seconds = Float(
        30.0, config=True, help="Keep the hub stream this long after the last listener left."
    )
    backoff_base_seconds = Float(1.0, config=True, help="First retry waits up to this long.")
    backoff_cap_seconds = Float(60.0, config=True, help="No retry waits longer than this.")
    connect_timeout_seconds = Float(10.0, config=True, help="Give up on an unanswered attempt.")
    heartbeat_timeout_seconds = Float(
        24.0, config=True, help="Reconnect when nothing arrived from the hub for this long."
    )

    relay: Optional[CreditsRelay] = None

    def initialize_settings(self) -> None:
        timings = Timings(
            backoff_base=self.backoff_base_seconds,
            backoff_cap=self.backoff_cap_seconds,
            connect_timeout=self.connect_timeout_seconds,
            heartbeat_timeout=self.heartbeat_timeout_seconds,
        )
        self.relay = relay_from_environment(timings, self.grace_seconds)
        self.settings["hub_credits_relay"] = self.relay
        state = "relaying this server's credits" if self.relay else "not under a hub: idle"
        self.log.info("jupyterlab_hub_credits: %s", state)

    def initialize_handlers(self) -> None:
        self.handlers.extend(
            [
                (r"/hub-credits/stream", StreamHandler),
                (r"/hub-credits/status", StatusHandler),
            ]
        )

    async def stop_extension(self) -> None:
        if self.relay is not None:
            await self.relay.close()

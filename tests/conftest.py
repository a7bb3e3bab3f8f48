"""A fake hub at the network edge, and a real Jupyter Server with the relay.

The fake hub is a real Tornado server on a free port that plays the credit
service's per-server stream (each connection takes the next scripted
answer), its REST list ``GET api/credits`` (``entries``) and its
``DELETE api/credits/stopserver/...``. The Jupyter Server is
pytest-jupyter's, with this package's server extension enabled and the
relay's environment pointing at the fake hub; ``X-Test-User`` names the
request's user (the owner or a guest).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest
from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

pytest_plugins = ["pytest_jupyter.jupyter_server"]

HUB_TOKEN = "server-token-that-must-never-reach-a-browser"


@dataclass
class Answer:
    """One connection's answer: a status, then (for 200) events and an end.

    ``end``: ``close`` ends the response, ``hold`` keeps it open (sending
    keepalives when ``keepalive``), ``silent`` keeps it open with nothing,
    ``endless`` sends a line that never ends.
    """

    status: int = 200
    events: list[str] = field(default_factory=list)
    end: str = "hold"
    headers: dict[str, str] = field(default_factory=dict)
    keepalive: float = 0.2


class FakeHub:
    def __init__(self) -> None:
        self.answers: list[Answer] = []
        #: Every stream request: (path, Authorization header).
        self.requests: list[tuple[str, str]] = []
        #: Every list request and every stop request: (path, Authorization header).
        self.polls: list[tuple[str, str]] = []
        self.stops: list[tuple[str, str]] = []
        #: The client port of every list request (a new port: a new connection).
        self.poll_ports: list[int] = []
        #: What ``GET api/credits`` answers.
        self.entries: list[dict[str, Any]] = [{"name": "default", "balance": 95, "cap": 100}]
        self.list_status = 200
        self.stop_status = 202
        self.open = 0
        self._live: set[web.RequestHandler] = set()
        self.port = 0
        self._server: Optional[HTTPServer] = None

    def script(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def push(self, payload: Any) -> None:
        """Sends an event to every open stream."""
        for handler in list(self._live):
            handler.write(f"data: {json.dumps(payload)}\n\n")
            handler.flush()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hub/api"

    async def start(self) -> None:
        hub = self

        class Stream(web.RequestHandler):
            async def get(self, path: str) -> None:
                hub.requests.append(
                    (self.request.path, self.request.headers.get("Authorization", ""))
                )
                answer = hub.answers.pop(0) if hub.answers else Answer()
                self.set_status(answer.status)
                for name, value in answer.headers.items():
                    self.set_header(name, value)
                if answer.status != 200:
                    self.finish(json.dumps({"status": answer.status, "message": "scripted"}))
                    return
                self.set_header("Content-Type", "text/event-stream")
                self.write("\n\n")
                for event in answer.events:
                    self.write(f"data: {event}\n\n")
                await self.flush()
                if answer.end == "close":
                    self.finish()
                    return
                hub.open += 1
                hub._live.add(self)
                self._gone = asyncio.Event()
                try:
                    while not self._gone.is_set():
                        try:
                            await asyncio.wait_for(self._gone.wait(), answer.keepalive)
                        except asyncio.TimeoutError:
                            if answer.end == "hold":
                                self.write("\n\n")
                                await self.flush()
                            elif answer.end == "endless":
                                self.write("0" * 256 * 1024)
                                await self.flush()
                except Exception:
                    pass
                finally:
                    hub.open -= 1
                    hub._live.discard(self)

            def on_connection_close(self) -> None:
                gone = getattr(self, "_gone", None)
                if gone is not None:
                    gone.set()

        class Listing(web.RequestHandler):
            def get(self) -> None:
                hub.polls.append((self.request.path, self.request.headers.get("Authorization", "")))
                hub.poll_ports.append(self.request.connection.stream.socket.getpeername()[1])
                self.set_header("Content-Type", "application/json")
                self.set_status(hub.list_status)
                if hub.list_status != 200:
                    self.finish(json.dumps({"status": hub.list_status, "message": "scripted"}))
                    return
                self.finish(json.dumps(hub.entries))

        class Stop(web.RequestHandler):
            def delete(self, path: str) -> None:
                hub.stops.append((self.request.path, self.request.headers.get("Authorization", "")))
                self.set_status(hub.stop_status)
                if hub.stop_status >= 400:
                    self.finish(json.dumps({"status": hub.stop_status, "message": "scripted"}))

        app = web.Application(
            [
                (r"/hub/api/credits/sseserver/(.*)", Stream),
                (r"/hub/api/credits/stopserver/(.*)", Stop),
                (r"/hub/api/credits", Listing),
            ]
        )
        # Bound and listening at once: no gap for another process to take the port.
        sockets = bind_sockets(0, address="127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = HTTPServer(app)
        self._server.add_sockets(sockets)

    def drop_all(self) -> None:
        """Cuts every open stream (a hub restart or a network drop)."""
        for handler in list(self._live):
            handler.request.connection.close()

    def stop(self) -> None:
        self.drop_all()
        if self._server is not None:
            self._server.stop()


@pytest.fixture
def fake_hub(jp_asyncio_loop):
    hub = FakeHub()
    jp_asyncio_loop.run_until_complete(hub.start())
    yield hub
    hub.stop()


OWNER = "alice@example.org"


class HeaderIdentity(IdentityProvider):
    """Jupyter Server's own authentication, then the name a test asks for
    (``X-Test-User``): an owner or a guest of the server, as JupyterHub's
    identity provider would name them."""

    async def get_user(self, handler: web.RequestHandler) -> Optional[User]:
        user = await super().get_user(handler)
        name = handler.request.headers.get("X-Test-User")
        if user is not None and name:
            display = handler.request.headers.get("X-Test-Display-Name", name)
            return User(username=name, name=display)
        return user


def server_config(fake_hub: FakeHub, monkeypatch, **relay: Any):
    """The relay enabled, pointed at the fake hub, with short timings."""
    monkeypatch.setenv("JUPYTERHUB_API_URL", fake_hub.api_url)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", HUB_TOKEN)
    monkeypatch.setenv("JUPYTERHUB_USER", OWNER)
    monkeypatch.setenv("JUPYTERHUB_SERVER_NAME", "")
    from traitlets.config import Config

    return Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"jupyterlab_hub_credits": True},
                "identity_provider_class": HeaderIdentity,
            },
            "HubCreditsApp": {
                "grace_seconds": 0.5,
                "backoff_base_seconds": 0.05,
                "backoff_cap_seconds": 0.4,
                "connect_timeout_seconds": 1.0,
                "heartbeat_timeout_seconds": 1.0,
                "poll_default_seconds": 0.3,
                "poll_min_seconds": 0.3,
                "visible_poll_min_seconds": 0.2,
                **relay,
            },
        }
    )


@pytest.fixture
def jp_server_config(fake_hub, monkeypatch):
    return server_config(fake_hub, monkeypatch)


async def until(check, timeout: float = 10.0) -> None:
    """Waits (on the test's loop) until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)

"""The credits relay: one hub stream per single-user server, fanned out.

The hub's credit routes answer no CORS, and its per-server stream resolves
the server among the *requesting* user's servers. A browser on the server's
own origin (``subdomain_host``), a guest of a shared server and an admin
therefore cannot read the credits of this server from the hub. The server
can: with its own token (``JUPYTERHUB_API_TOKEN``, owned by the owner) at
the hub's internal URL (``JUPYTERHUB_API_URL``). ``Upstream`` reads that
stream with the browser's policy; ``CreditsRelay`` runs one upstream while
anyone listens and gives every listener each event, and a late joiner the
last snapshot at once. The token never leaves the server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random as _random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import httpx
from httpx_sse import EventSource

from .policy import DEFAULT_TIMINGS, Timings, Verdict, classify, hub_data, retry_delay

log = logging.getLogger(__name__)

#: States a listener can be told. ``refused``, ``unavailable`` and
#: ``stopped`` are terminal: the relay makes no further attempt until a new
#: listener asks.
TERMINAL = frozenset({"refused", "unavailable", "stopped"})


@dataclass(frozen=True)
class Message:
    """What a listener receives: a relay state or a hub event's data."""

    kind: str  # "state" or "data"
    body: str


@dataclass(eq=False)
class Listener:
    """One browser connection (or kernel) on the relay."""

    queue: asyncio.Queue[Optional[Message]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=64)
    )

    def put(self, message: Optional[Message]) -> None:
        """Queues a message; a listener too slow to keep up loses its oldest."""
        while True:
            try:
                self.queue.put_nowait(message)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()

    def close(self) -> None:
        """Ends the listener's stream (the server stops or it disconnected)."""
        self.put(None)


#: The longest line or event taken from the hub (1 MB; real ones are tiny).
MAX_EVENT = 1 << 20


class EventTooLarge(Exception):
    """A line or event from the hub grew past ``MAX_EVENT``."""


class _Capped(httpx.AsyncByteStream):
    """The hub's bytes, cut when a line or an event grows past the cap.

    A stream that never ends a line would otherwise grow the SSE decoder's
    buffer for ever (and every byte keeps the read timeout from firing).
    """

    def __init__(self, inner: httpx.AsyncByteStream, limit: int = MAX_EVENT):
        self._inner = inner
        self._limit = limit

    async def __aiter__(self):
        line = event = 0
        tail = b""
        async for chunk in self._inner:
            joined = tail + chunk
            newline = max(joined.rfind(b"\n"), joined.rfind(b"\r"))
            line = len(joined) - newline - 1 if newline >= 0 else line + len(chunk)
            blank = max(joined.rfind(b"\n\n"), joined.rfind(b"\r\n\r\n"), joined.rfind(b"\r\r"))
            event = len(joined) - blank if blank >= 0 else event + len(chunk)
            tail = joined[-3:]
            if line > self._limit or event > self._limit:
                raise EventTooLarge()
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class Upstream:
    """Reads the hub's per-server stream until a terminal state or cancel.

    Backoff with full jitter and cap, a connect timeout, a watchdog (no byte
    for ``heartbeat_timeout``), the status-code policy of ``policy.py`` and
    stop detection: the same policy as the browser's stream.
    """

    def __init__(
        self,
        url: str,
        token: str,
        on_message: Callable[[Message], None],
        timings: Timings = DEFAULT_TIMINGS,
        transport: Optional[httpx.AsyncBaseTransport] = None,
        random: Callable[[], float] = _random.random,
    ):
        self.url = url
        self._token = token
        self._on_message = on_message
        self.timings = timings
        self._transport = transport
        self._random = random
        self.connections = 0
        self.state = "connecting"
        self.reason = ""
        self._failures = 0
        self._stop_checks = 0
        self._saw_event = False
        self._stop_event = False

    def _set_state(self, state: str, reason: str = "") -> None:
        if (state, reason) != (self.state, self.reason):
            self.state, self.reason = state, reason
            body = json.dumps({"state": state, "reason": reason})
            self._on_message(Message("state", body))

    async def run(self) -> None:
        """Connects, reads and reconnects until a terminal state."""
        timeout = httpx.Timeout(
            self.timings.heartbeat_timeout, connect=self.timings.connect_timeout
        )
        async with httpx.AsyncClient(
            timeout=timeout, transport=self._transport, follow_redirects=False
        ) as client:
            while True:
                verdict, hint = await self._attempt(client)
                if verdict.kind == "end":
                    if (
                        verdict.state == "stopped"
                        and not self._stop_event
                        and self._failures > 0
                        and self._stop_checks < self.timings.stop_checks
                    ):
                        self._stop_checks += 1
                        verdict = Verdict("retry", f"{verdict.reason} (checking again)")
                    else:
                        self._set_state(verdict.state, verdict.reason)
                        return
                delay = retry_delay(
                    self._failures,
                    max(verdict.not_before, hint),
                    self.timings,
                    self._random(),
                )
                self._failures += 1
                self._set_state("reconnecting", verdict.reason)
                await asyncio.sleep(delay)

    async def _attempt(self, client: httpx.AsyncClient) -> tuple[Verdict, float]:
        """One request; returns how it ended and the stream's ``retry:`` hint."""
        self.connections += 1
        hint = 0.0
        request = client.build_request(
            "GET",
            self.url,
            headers={
                "Authorization": f"token {self._token}",
                "Accept": "text/event-stream",
                "Cache-Control": "no-cache",
            },
        )
        try:
            response = await asyncio.wait_for(
                client.send(request, stream=True), self.timings.connect_timeout
            )
        except asyncio.TimeoutError:
            return Verdict("retry", "no response from the hub"), hint
        except httpx.HTTPError as error:
            return Verdict("retry", f"network error: {type(error).__name__}"), hint
        try:
            verdict = classify(
                response.status_code,
                response.headers.get("content-type", ""),
                self._saw_event,
                response.headers.get("retry-after"),
                time.time(),
            )
            if verdict.kind != "open":
                return verdict, hint
            self._set_state("live")
            response.stream = _Capped(response.stream)
            async for event in EventSource(response).aiter_sse():
                if event.retry is not None:
                    hint = event.retry / 1000
                kind, body = hub_data(event.data)
                if kind == "stopped":
                    self._stop_event = True
                    self._on_message(Message("data", json.dumps({"error": body})))
                    return Verdict("end", body or "", state="stopped"), hint
                if kind == "snapshot":
                    self._saw_event = True
                    self._stop_checks = 0
                    if self._failures:
                        self._failures = 0
                    self._on_message(Message("data", body or ""))
                elif kind == "invalid":
                    log.debug("credits relay: ignored an invalid event from the hub")
            return Verdict("retry", "the hub closed the stream"), hint
        except httpx.ReadTimeout:
            return Verdict("retry", "the hub went silent"), hint
        except EventTooLarge:
            return Verdict("retry", "a line or event from the hub is larger than 1 MB"), hint
        except httpx.HTTPError as error:
            return Verdict("retry", f"connection lost: {type(error).__name__}"), hint
        finally:
            await response.aclose()


class CreditsRelay:
    """One upstream per server, every event to every listener.

    The upstream runs while anyone listens and for ``grace`` seconds after
    the last listener left; a new listener gets the current state and the
    last snapshot at once.
    """

    def __init__(
        self,
        url: str,
        token: str,
        timings: Timings = DEFAULT_TIMINGS,
        grace: float = 30.0,
        transport: Optional[httpx.AsyncBaseTransport] = None,
        random: Callable[[], float] = _random.random,
    ):
        self.url = url
        self._token = token
        self.timings = timings
        self.grace = grace
        self._transport = transport
        self._random = random
        self._listeners: set[Listener] = set()
        self._task: Optional[asyncio.Task[None]] = None
        self._idle: Optional[asyncio.TimerHandle] = None
        self._upstream: Optional[Upstream] = None
        self._last_state = Message("state", json.dumps({"state": "connecting", "reason": ""}))
        self._last_snapshot: Optional[Message] = None
        #: Hub connections opened by this relay, over its whole life.
        self.connections = 0

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    @property
    def upstream_running(self) -> bool:
        return self._task is not None and not self._task.done()

    def status(self) -> dict[str, Any]:
        """For the status route: no token, no URL with credentials."""
        state = json.loads(self._last_state.body)
        return {
            **state,
            "listeners": self.listeners,
            "upstream_running": self.upstream_running,
            "hub_connections": self.connections
            + (self._upstream.connections if self._upstream else 0),
        }

    def subscribe(self) -> Listener:
        listener = Listener()
        self._listeners.add(listener)
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        listener.put(self._last_state)
        if self._last_snapshot is not None:
            listener.put(self._last_snapshot)
        if not self.upstream_running:
            self._start()
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.discard(listener)
        if not self._listeners and self.upstream_running and self._idle is None:
            loop = asyncio.get_running_loop()
            self._idle = loop.call_later(self.grace, self._stop_if_idle)

    async def close(self) -> None:
        """Stops the upstream and ends every listener (server shutdown)."""
        for listener in list(self._listeners):
            listener.close()
        self._listeners.clear()
        await self._cancel()

    def _start(self) -> None:
        if self._upstream is not None:
            self.connections += self._upstream.connections
        self._upstream = Upstream(
            self.url,
            self._token,
            self._broadcast,
            self.timings,
            self._transport,
            self._random,
        )
        self._task = asyncio.ensure_future(self._upstream.run())

    def _stop_if_idle(self) -> None:
        self._idle = None
        if not self._listeners:
            asyncio.ensure_future(self._cancel())

    async def _cancel(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        # The next listener starts afresh, from "connecting".
        self._last_state = Message("state", json.dumps({"state": "connecting", "reason": ""}))

    def _broadcast(self, message: Message) -> None:
        if message.kind == "state":
            self._last_state = message
        else:
            self._last_snapshot = message
        for listener in list(self._listeners):
            listener.put(message)

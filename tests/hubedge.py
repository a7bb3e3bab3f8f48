"""A fake hub at the network edge (httpx ``MockTransport``) and a clock moved by hand.

``EdgeHub`` plays the credit service's per-server stream, its REST list and
its stopserver for one relay, with no sockets: the relay under test runs
its real HTTP code on an ``httpx.MockTransport``. ``FakeClock`` gives the
relay's ``monotonic``/``time``/``sleep``; ``advance`` wakes the sleepers in
deadline order, letting the event loop run between them.
"""

from __future__ import annotations

import asyncio
import copy
import heapq
import itertools
import json
from typing import Any, Optional

import httpx

from jupyterlab_hub_credits.hubenv import HubEnv
from jupyterlab_hub_credits.waits import Clock

TOKEN = "server-token-never-in-a-url"
#: The credit service writes a bare keepalive this often.
KEEPALIVE = 8.0


class FakeClock(Clock):
    def __init__(self, start: float = 1000.0):
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return 1_700_000_000.0 + self.now

    def sleep(self, seconds: float) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), future))
        return future

    async def advance(self, seconds: float) -> None:
        target = self.now + seconds
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            if future.done():
                continue
            self.now = max(self.now, deadline)
            future.set_result(None)
            await self.settle()
        self.now = target
        await self.settle()

    def jump(self, seconds: float) -> None:
        """Moves the clock and wakes the sleepers due by then, letting no
        task run yet: the test chooses how far the woken ones get."""
        self.now += seconds
        while self._sleepers and self._sleepers[0][0] <= self.now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    async def settle(self) -> None:
        """Between two wake-ups: lets ready tasks run."""
        await settle()


async def settle(rounds: int = 30) -> None:
    """Lets every ready task run (MockTransport answers without I/O)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class _Stream(httpx.AsyncByteStream):
    def __init__(self, hub: EdgeHub, first: list[bytes]):
        self.hub = hub
        self.queue: asyncio.Queue[Optional[bytes]] = asyncio.Queue()
        for chunk in first:
            self.queue.put_nowait(chunk)

    async def __aiter__(self):
        self.hub.open.add(self)
        getter: Optional[asyncio.Future[Optional[bytes]]] = None
        try:
            while True:
                # As the credit service: a keepalive every 8 s (of the fake clock).
                getter = asyncio.ensure_future(self.queue.get())
                sleeper = asyncio.ensure_future(self.hub.clock.sleep(KEEPALIVE))
                try:
                    await asyncio.wait([getter, sleeper], return_when=asyncio.FIRST_COMPLETED)
                finally:
                    sleeper.cancel()
                if not getter.done():
                    getter.cancel()
                    yield b"\n\n"
                    continue
                chunk = getter.result()
                if chunk is None:
                    return
                yield chunk
        finally:
            if getter is not None and not getter.done():
                getter.cancel()
            self.hub.open.discard(self)

    async def aclose(self) -> None:
        self.hub.open.discard(self)


class EdgeHub:
    """The hub as the relay sees it. ``entries`` is the owner's list;
    ``paying`` names the entry the per-server stream shows."""

    def __init__(
        self, clock: FakeClock, user: str = "alice", server: str = "", shared: bool = False
    ):
        self.clock = clock
        shared_url = "http://shared.test/services/hub-credits/" if shared else ""
        self.env = HubEnv("http://hub.test/hub/api/", TOKEN, user, server, shared_url=shared_url)
        #: With ``shared``: the shared reader answers as the hub would (the
        #: same shapes, its requests' kinds prefixed ``shared-``), unless down.
        self.shared_down = False
        self.entries: list[dict[str, Any]] = [entry("default", 95, 100)]
        self.paying = "default"
        #: (method, kind, time) of every request: kind is stream, list or stop.
        self.requests: list[tuple[str, str, float]] = []
        self.auth: list[str] = []
        self.open: set[_Stream] = set()
        self.stream_status = 200
        self.list_status = 200
        self.list_body: Optional[bytes] = None
        self.stop_status = 204
        self.down = False

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._answer)

    def kinds(self, kind: str) -> list[float]:
        return [t for _, k, t in self.requests if k == kind]

    def snapshot(self) -> dict[str, Any]:
        paying = next(e for e in self.entries if e["name"] == self.paying)
        shown: dict[str, Any] = {"balance": paying["balance"], "cap": paying["cap"]}
        if "project" in paying:
            p = paying["project"]
            shown["project"] = {"name": p["name"], "balance": p["balance"], "cap": p["cap"]}
        return shown

    def bill(self, amount: float, push: bool = True) -> None:
        """A task run: the paying entry pays; every stream gets the snapshot."""
        for e in self.entries:
            if e["name"] == self.paying:
                e["balance"] -= amount
        if push:
            self.push(self.snapshot())

    def push(self, payload: Any) -> None:
        for stream in list(self.open):
            stream.queue.put_nowait(f"data: {json.dumps(payload)}\n\n".encode())

    def drop_all(self) -> None:
        for stream in list(self.open):
            stream.queue.put_nowait(None)

    async def _answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        kind = "stream" if "/sseserver/" in path else "stop" if "/stopserver/" in path else "list"
        shared = request.url.host == "shared.test"
        if shared:
            kind = "shared-stream" if path.endswith("/stream") else "shared-list"
        self.requests.append((request.method, kind, self.clock.now))
        self.auth.append(request.headers.get("authorization", ""))
        if self.shared_down if shared else self.down:
            raise httpx.ConnectError("down", request=request)
        kind = kind.removeprefix("shared-")
        if kind == "stop":
            return httpx.Response(self.stop_status, text="")
        if kind == "list":
            if self.list_body is not None:
                return httpx.Response(
                    self.list_status,
                    content=self.list_body,
                    headers={"content-type": "application/json"},
                )
            return httpx.Response(self.list_status, json=copy.deepcopy(self.entries))
        if self.stream_status != 200:
            return httpx.Response(self.stream_status, json={"message": "scripted"})
        shown = self.snapshot()  # None: no entry pays, only keepalives
        chunks = [b"\n\n"]
        if shown is not None:
            chunks.append(f"data: {json.dumps(shown)}\n\n".encode())
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Stream(self, chunks)
        )


def entry(name: str, balance: float, cap: float, project: Optional[dict] = None) -> dict:
    value: dict[str, Any] = {
        "name": name,
        "balance": balance,
        "cap": cap,
        "grant_value": 10,
        "grant_interval": 600,
        "grant_last_update": "2026-01-09T12:00:00.123456",
    }
    if project is not None:
        value["project"] = {
            "grant_value": 100,
            "grant_interval": 300,
            "grant_last_update": "2026-01-09T11:55:00",
            **project,
        }
    return value

"""The relay in a real Jupyter Server against a fake hub at the network edge."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from httpx_sse import EventSource

from conftest import HUB_TOKEN, Answer, FakeHub, until

pytestmark = pytest.mark.timeout(60)

SNAPSHOT = '{"balance": 95, "cap": 100}'


class Client:
    """One browser tab on the relay: every event it received, in order."""

    def __init__(self, base: str, headers: dict[str, str]):
        self.events: list[tuple[str, Any]] = []
        self.status = 0
        self.raw = ""
        self._client = httpx.AsyncClient(timeout=30)
        self._task = asyncio.ensure_future(self._read(base, headers))

    async def _read(self, base: str, headers: dict[str, str]) -> None:
        async with self._client.stream("GET", f"{base}hub-credits/stream", headers=headers) as r:
            self.status = r.status_code
            if r.status_code != 200:
                self.raw = (await r.aread()).decode()
                return
            async for event in EventSource(r).aiter_sse():
                self.raw += event.data
                self.events.append((event.event, json.loads(event.data)))

    def states(self) -> list[str]:
        return [body["state"] for kind, body in self.events if kind == "relay"]

    def data(self) -> list[Any]:
        return [body for kind, body in self.events if kind == "message"]

    async def close(self) -> None:
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, Exception):
            pass
        await self._client.aclose()


@pytest.fixture
def connect(jp_serverapp, http_server_client, jp_auth_header, jp_base_url, jp_http_port):
    clients: list[Client] = []
    base = f"http://127.0.0.1:{jp_http_port}{jp_base_url}"

    def _connect() -> Client:
        client = Client(base, dict(jp_auth_header))
        clients.append(client)
        return client

    yield _connect
    for client in clients:
        asyncio.get_event_loop().run_until_complete(client.close())


@pytest.fixture
def relay_status(jp_fetch):
    async def _status() -> dict[str, Any]:
        response = await jp_fetch("hub-credits", "status")
        return json.loads(response.body)

    return _status


async def test_reads_the_hub_with_the_server_token_and_relays_snapshots(fake_hub: FakeHub, connect):
    fake_hub.script(Answer(events=[SNAPSHOT]))
    client = connect()
    await until(lambda: client.data() == [{"balance": 95, "cap": 100}])
    assert client.states()[-1] == "live"
    path, auth = fake_hub.requests[0]
    assert path == "/hub/api/credits/sseserver/alice%40example.org"
    assert auth == f"token {HUB_TOKEN}"
    fake_hub.push({"balance": 94, "cap": 100})
    await until(lambda: len(client.data()) == 2)
    assert client.data()[-1] == {"balance": 94, "cap": 100}


async def test_many_clients_share_one_hub_connection_and_each_gets_every_event(
    fake_hub: FakeHub, connect, relay_status
):
    fake_hub.script(Answer(events=[SNAPSHOT]))
    clients = [connect() for _ in range(4)]
    await until(lambda: all(c.data() for c in clients))
    fake_hub.push({"balance": 90, "cap": 100})
    await until(lambda: all(len(c.data()) == 2 for c in clients))
    assert len(fake_hub.requests) == 1
    assert fake_hub.open == 1
    status = await relay_status()
    assert status["listeners"] == 4 and status["live_listeners"] == 4
    assert status["hub_connections"] == 1 and status["hub_polls"] == 0
    assert status["mode"] == "stream"


async def test_a_late_joiner_gets_the_last_snapshot_at_once(fake_hub: FakeHub, connect):
    fake_hub.script(Answer(events=[SNAPSHOT]))
    first = connect()
    await until(lambda: first.data())
    fake_hub.push({"balance": 80, "cap": 100})
    await until(lambda: len(first.data()) == 2)
    late = connect()
    await until(lambda: late.data())
    assert late.data() == [{"balance": 80, "cap": 100}]
    assert late.states() == ["live"]
    assert len(fake_hub.requests) == 1


async def test_no_hub_connection_while_nobody_listens(fake_hub: FakeHub, connect, relay_status):
    await asyncio.sleep(0.3)
    assert fake_hub.requests == []
    fake_hub.script(Answer(events=[SNAPSHOT]))
    client = connect()
    await until(lambda: fake_hub.open == 1)
    await client.close()
    # Held for the grace period (0.5 s here), then closed.
    await until(lambda: fake_hub.open == 0, timeout=5)
    status = await relay_status()
    assert status["upstream_running"] is False
    assert status["listeners"] == 0


async def test_a_client_back_within_the_grace_period_reuses_the_connection(
    fake_hub: FakeHub, connect
):
    fake_hub.script(Answer(events=[SNAPSHOT]))
    first = connect()
    await until(lambda: first.data())
    await first.close()
    second = connect()
    await until(lambda: second.data())
    assert len(fake_hub.requests) == 1


async def test_a_dropped_hub_connection_is_reopened_with_backoff(fake_hub: FakeHub, connect):
    fake_hub.script(Answer(events=[SNAPSHOT]), Answer(events=['{"balance": 70, "cap": 100}']))
    client = connect()
    await until(lambda: client.data())
    fake_hub.drop_all()
    await until(lambda: len(client.data()) == 2)
    assert "reconnecting" in client.states()
    assert client.states()[-1] == "live"
    assert len(fake_hub.requests) == 2


async def test_a_silent_hub_is_left_after_the_heartbeat_timeout(fake_hub: FakeHub, connect):
    fake_hub.script(Answer(events=[SNAPSHOT], end="silent"), Answer(events=[SNAPSHOT]))
    client = connect()
    await until(lambda: len(fake_hub.requests) == 2, timeout=5)
    assert "reconnecting" in client.states()
    await until(lambda: client.states()[-1] == "live")


@pytest.mark.parametrize(
    "status, state",
    [(403, "unreachable"), (401, "unreachable"), (302, "unreachable"), (404, "unavailable")],
)
async def test_a_refusal_is_terminal_and_said_once(fake_hub: FakeHub, connect, status, state):
    # Refused by the stream and by the list alike (a stream refused alone
    # is polled: tests/test_reading.py).
    fake_hub.list_status = status
    fake_hub.script(Answer(status=status, headers={"Location": "/hub/login"}))
    client = connect()
    await until(lambda: client.states() and client.states()[-1] == state)
    await asyncio.sleep(0.5)
    assert len(fake_hub.requests) == 1
    assert client.states().count(state) == 1


async def test_the_stop_event_is_relayed_and_ends_the_upstream(fake_hub: FakeHub, connect):
    stop = '{"error": "Your Server is no longer running."}'
    fake_hub.script(Answer(events=[SNAPSHOT, stop], end="close"))
    client = connect()
    await until(lambda: client.states() and client.states()[-1] == "stopped")
    assert client.data()[-1] == {"error": "Your Server is no longer running."}
    await asyncio.sleep(0.5)
    assert len(fake_hub.requests) == 1


async def test_409_after_a_drop_is_checked_again_before_stopped(fake_hub: FakeHub, connect):
    # A restarting hub answers 409 until it has checked its servers.
    fake_hub.script(
        Answer(events=[SNAPSHOT]),
        Answer(status=409),
        Answer(status=409),
        Answer(events=['{"balance": 60, "cap": 100}']),
    )
    client = connect()
    await until(lambda: client.data())
    fake_hub.drop_all()
    await until(lambda: len(client.data()) == 2, timeout=10)
    assert client.states()[-1] == "live"
    assert "stopped" not in client.states()


async def test_a_hub_restart_is_followed(fake_hub: FakeHub, connect):
    fake_hub.script(
        Answer(events=[SNAPSHOT]),
        Answer(status=503),
        Answer(status=502, headers={"Retry-After": "3000000"}),
        Answer(events=['{"balance": 50, "cap": 100}']),
    )
    client = connect()
    await until(lambda: client.data())
    fake_hub.drop_all()
    # Retry-After is honoured only up to the cap (0.4 s here).
    await until(lambda: len(client.data()) == 2, timeout=5)
    assert len(fake_hub.requests) == 4


@pytest.mark.parametrize("bad", ["not json", "42", "[]", '{"balance": 1e400, "cap": 2}'])
async def test_an_unreadable_event_is_a_retry_and_json_is_reserialized(
    fake_hub: FakeHub, connect, bad
):
    fake_hub.script(Answer(events=[bad]), Answer(events=['{"balance": 1,\t"cap": 2}']))
    client = connect()
    await until(lambda: client.data())
    assert client.data() == [{"balance": 1, "cap": 2}]
    assert '"balance":1' in client.raw
    reasons = [body["reason"] for kind, body in client.events if kind == "relay"]
    assert any(r.startswith("the hub answered something unreadable") for r in reasons)
    assert len(fake_hub.requests) == 2


async def test_the_token_never_reaches_a_client(fake_hub: FakeHub, connect, jp_fetch):
    fake_hub.list_status = 403
    fake_hub.script(Answer(status=403))
    client = connect()
    await until(lambda: client.states() and client.states()[-1] == "unreachable")
    status = (await jp_fetch("hub-credits", "status")).body.decode()
    for text in (client.raw, status, json.dumps(client.events)):
        assert HUB_TOKEN not in text


async def test_an_unauthenticated_request_is_refused(
    fake_hub: FakeHub, jp_serverapp, http_server_client, jp_base_url, jp_http_port
):
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"http://127.0.0.1:{jp_http_port}{jp_base_url}hub-credits/stream"
        )
    assert response.status_code == 403
    assert fake_hub.requests == []


async def test_a_line_that_never_ends_is_cut_at_1_mb(fake_hub: FakeHub, connect):
    fake_hub.script(
        Answer(events=[SNAPSHOT], end="endless", keepalive=0.01),
        Answer(events=['{"balance": 40, "cap": 100}']),
    )
    client = connect()
    await until(lambda: len(client.data()) == 2, timeout=10)
    reasons = [body["reason"] for kind, body in client.events if kind == "relay"]
    assert any("a line or event from the hub is larger than 1 MB" in r for r in reasons)
    assert client.states()[-1] == "live"

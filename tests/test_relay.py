"""The relay in a real Jupyter Server against a fake hub at the network edge.

Pages hold no stream of their own: a visible page claims live numbers
(``POST hub-credits/claim``, renewed as the page renews it every 30 s of
its 90-s claim: here the claim is shortened to 1.5 s and renewed every
0.5 s), reads ``GET hub-credits/state`` and learns of changes from the
relay's change signals (recorded here with ``relay.on_change``).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Optional

import httpx
import pytest

from jupyterlab_hub_credits import relay as relay_module

from conftest import HUB_TOKEN, Answer, FakeHub, until

pytestmark = pytest.mark.timeout(60)

SNAPSHOT = '{"balance": 95, "cap": 100}'
#: The claim, shortened for real time (90 s in the relay), and how often a
#: visible page renews it (30 s).
CLAIM = 1.5
RENEW = 0.5
#: ``grace_seconds`` of ``conftest.server_config``.
GRACE = 0.5


@pytest.fixture(autouse=True)
def short_claims(monkeypatch):
    monkeypatch.setattr(relay_module, "CLAIM_SECONDS", CLAIM)


class Seen:
    """What the pages learn: at each change signal, the relay's state and
    reason (each new pair) and, at each delivery, its numbers (``[]`` once
    the server is free)."""

    def __init__(self, relay: Any):
        self.relay = relay
        self.seqs: list[int] = []
        self.pairs: list[tuple[str, str]] = []
        self.data: list[Any] = []
        self._updated = relay.updated
        relay.on_change(self)

    def __call__(self, seq: int) -> None:
        relay = self.relay
        self.seqs.append(seq)
        if not self.pairs or self.pairs[-1] != (relay.state, relay.reason):
            self.pairs.append((relay.state, relay.reason))
        if relay.updated != self._updated:
            self._updated = relay.updated
            self.data.append([] if relay.free else relay.snapshot)

    def states(self) -> list[str]:
        return [state for state, _ in self.pairs]

    def reasons(self) -> list[str]:
        return [reason for _, reason in self.pairs]


class Page:
    """One browser page on the server part: while visible it renews its
    claim; it reads ``GET state``; hidden or closed, it renews nothing."""

    def __init__(self, fetch: Any):
        self.fetch = fetch
        #: When the last claim was sent (the relay took it no sooner).
        self.last_claim = 0.0
        self.answers: list[bytes] = []
        self._renewing: Optional[asyncio.Task[None]] = None

    async def claim(self) -> dict[str, Any]:
        self.last_claim = time.monotonic()
        response = await self.fetch("hub-credits", "claim", method="POST", body="")
        self.answers.append(response.body)
        return json.loads(response.body)

    async def show(self) -> Page:
        await self.claim()
        self._renewing = asyncio.ensure_future(self._renew())
        return self

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW)
            await self.claim()

    async def close(self) -> None:
        """Hidden or closed: no more claims."""
        task, self._renewing = self._renewing, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    async def state(self) -> dict[str, Any]:
        response = await self.fetch("hub-credits", "state")
        self.answers.append(response.body)
        return json.loads(response.body)


@pytest.fixture
def relay(jp_serverapp) -> Any:
    return jp_serverapp.web_app.settings["hub_credits_relay"]


@pytest.fixture
def seen(relay) -> Seen:
    return Seen(relay)


@pytest.fixture
def open_page(jp_fetch, jp_asyncio_loop):
    pages: list[Page] = []

    async def _open() -> Page:
        page = Page(jp_fetch)
        pages.append(page)
        return await page.show()

    yield _open
    for page in pages:
        jp_asyncio_loop.run_until_complete(page.close())


@pytest.fixture
def relay_status(jp_fetch):
    async def _status() -> dict[str, Any]:
        response = await jp_fetch("hub-credits", "status")
        return json.loads(response.body)

    return _status


async def test_reads_the_hub_with_the_server_token_and_pages_read_its_snapshots(
    fake_hub: FakeHub, open_page, seen
):
    fake_hub.script(Answer(events=[SNAPSHOT]))
    page = await open_page()
    await until(lambda: seen.data == [{"balance": 95, "cap": 100}])
    state = await page.state()
    assert state["state"] == "live" and state["snapshot"] == {"balance": 95, "cap": 100}
    path, auth = fake_hub.requests[0]
    assert path == "/hub/api/credits/sseserver/alice%40example.org"
    assert auth == f"token {HUB_TOKEN}"
    fake_hub.push({"balance": 94, "cap": 100})
    await until(lambda: len(seen.data) == 2)
    assert seen.data[-1] == {"balance": 94, "cap": 100}
    assert (await page.state())["snapshot"] == {"balance": 94, "cap": 100}


async def test_many_pages_share_one_hub_connection_and_each_reads_every_change(
    fake_hub: FakeHub, open_page, seen, relay_status
):
    fake_hub.script(Answer(events=[SNAPSHOT]))
    pages = [await open_page() for _ in range(4)]
    await until(lambda: seen.data == [{"balance": 95, "cap": 100}])
    fake_hub.push({"balance": 90, "cap": 100})
    await until(lambda: len(seen.data) == 2)
    for page in pages:
        state = await page.state()
        assert state["snapshot"] == {"balance": 90, "cap": 100}
        assert state["seq"] == seen.seqs[-1]
    assert len(fake_hub.requests) == 1
    assert fake_hub.open == 1
    status = await relay_status()
    assert status["claimed"] is True
    # At most the one read of the list for the entry's name and grants.
    assert status["hub_connections"] == 1 and status["hub_polls"] <= 1
    assert status["mode"] == "stream"


async def test_a_late_page_reads_the_last_snapshot_at_once(fake_hub: FakeHub, open_page, seen):
    fake_hub.script(Answer(events=[SNAPSHOT]))
    await open_page()
    await until(lambda: seen.data)
    fake_hub.push({"balance": 80, "cap": 100})
    await until(lambda: len(seen.data) == 2)
    late = await open_page()
    state = await late.state()
    assert state["snapshot"] == {"balance": 80, "cap": 100}
    assert state["state"] == "live"
    assert len(fake_hub.requests) == 1


async def test_no_hub_connection_while_nobody_needs_numbers(
    fake_hub: FakeHub, open_page, relay, relay_status
):
    await asyncio.sleep(0.3)
    assert fake_hub.requests == [] and fake_hub.polls == []
    fake_hub.script(Answer(events=[SNAPSHOT]))
    page = await open_page()
    await until(lambda: fake_hub.open == 1)
    await page.close()
    # Held until the last claim and the grace period ran out, then closed.
    await until(lambda: fake_hub.open == 0, timeout=5)
    assert time.monotonic() >= page.last_claim + CLAIM + GRACE
    await until(lambda: not relay.upstream_running)
    status = await relay_status()
    assert status["upstream_running"] is False and status["claimed"] is False
    # No poll either: at most the one read of the list while streaming.
    assert len(fake_hub.polls) <= 1 and len(fake_hub.requests) == 1


async def test_a_page_back_within_the_grace_period_reuses_the_connection(
    fake_hub: FakeHub, open_page, seen, relay
):
    relay.grace = 2.0  # room for a slow machine between the lapse and the grace's end
    fake_hub.script(Answer(events=[SNAPSHOT]))
    first = await open_page()
    await until(lambda: seen.data)
    await first.close()
    # Its last claim ran out, the grace has not.
    await asyncio.sleep(CLAIM + 0.1)
    second = await open_page()
    assert (await second.state())["snapshot"] == {"balance": 95, "cap": 100}
    await asyncio.sleep(0.2)
    assert len(fake_hub.requests) == 1 and fake_hub.open == 1


async def test_a_dropped_hub_connection_is_reopened_with_backoff(
    fake_hub: FakeHub, open_page, seen
):
    fake_hub.script(Answer(events=[SNAPSHOT]), Answer(events=['{"balance": 70, "cap": 100}']))
    page = await open_page()
    await until(lambda: seen.data)
    fake_hub.drop_all()
    await until(lambda: len(seen.data) == 2)
    assert "reconnecting" in seen.states()
    assert seen.states()[-1] == "live"
    assert len(fake_hub.requests) == 2
    assert (await page.state())["snapshot"] == {"balance": 70, "cap": 100}


async def test_a_silent_hub_is_left_after_the_heartbeat_timeout(fake_hub: FakeHub, open_page, seen):
    fake_hub.script(Answer(events=[SNAPSHOT], end="silent"), Answer(events=[SNAPSHOT]))
    await open_page()
    await until(lambda: len(fake_hub.requests) == 2, timeout=5)
    assert "reconnecting" in seen.states()
    await until(lambda: seen.states()[-1] == "live")


@pytest.mark.parametrize(
    "status, state",
    [(403, "unreachable"), (401, "unreachable"), (302, "unreachable"), (404, "unavailable")],
)
async def test_a_refusal_is_terminal_and_said_once(
    fake_hub: FakeHub, open_page, seen, status, state
):
    # Refused by the stream and by the list alike (a stream refused alone
    # is polled: tests/test_reading.py).
    fake_hub.list_status = status
    fake_hub.script(Answer(status=status, headers={"Location": "/hub/login"}))
    page = await open_page()
    await until(lambda: seen.states() and seen.states()[-1] == state)
    await asyncio.sleep(0.5)  # the page renews its claim meanwhile
    assert len(fake_hub.requests) == 1
    assert seen.states().count(state) == 1
    assert (await page.state())["state"] == state


async def test_the_stop_event_is_shown_and_ends_the_upstream(fake_hub: FakeHub, open_page, seen):
    stop = '{"error": "Your Server is no longer running."}'
    fake_hub.script(Answer(events=[SNAPSHOT, stop], end="close"))
    page = await open_page()
    await until(lambda: seen.states() and seen.states()[-1] == "stopped")
    state = await page.state()
    assert state["state"] == "stopped"
    assert state["stop_message"] == "Your Server is no longer running."
    await asyncio.sleep(0.5)
    assert len(fake_hub.requests) == 1


async def test_409_after_a_drop_is_checked_again_before_stopped(fake_hub: FakeHub, open_page, seen):
    # A restarting hub answers 409 until it has checked its servers.
    fake_hub.script(
        Answer(events=[SNAPSHOT]),
        Answer(status=409),
        Answer(status=409),
        Answer(events=['{"balance": 60, "cap": 100}']),
    )
    await open_page()
    await until(lambda: seen.data)
    fake_hub.drop_all()
    await until(lambda: len(seen.data) == 2, timeout=10)
    assert seen.states()[-1] == "live"
    assert "stopped" not in seen.states()


async def test_a_hub_restart_is_followed(fake_hub: FakeHub, open_page, seen):
    fake_hub.script(
        Answer(events=[SNAPSHOT]),
        Answer(status=503),
        Answer(status=502, headers={"Retry-After": "3000000"}),
        Answer(events=['{"balance": 50, "cap": 100}']),
    )
    await open_page()
    await until(lambda: seen.data)
    fake_hub.drop_all()
    # Retry-After is honoured only up to the cap (0.4 s here).
    await until(lambda: len(seen.data) == 2, timeout=5)
    assert len(fake_hub.requests) == 4


@pytest.mark.parametrize("bad", ["not json", "42", "[]", '{"balance": 1e400, "cap": 2}'])
async def test_an_unreadable_event_is_a_retry_and_json_is_reserialized(
    fake_hub: FakeHub, open_page, seen, bad
):
    fake_hub.script(Answer(events=[bad]), Answer(events=['{"balance": 1,\t"cap": 2}']))
    page = await open_page()
    await until(lambda: seen.data)
    assert seen.data == [{"balance": 1, "cap": 2}]
    await page.state()
    raw = page.answers[-1].decode()
    assert '"snapshot": {"balance": 1, "cap": 2}' in raw and "\t" not in raw
    assert any(r.startswith("the hub answered something unreadable") for r in seen.reasons())
    assert len(fake_hub.requests) == 2


async def test_the_token_never_reaches_a_client(fake_hub: FakeHub, open_page, seen, jp_fetch):
    fake_hub.list_status = 403
    fake_hub.script(Answer(status=403))
    page = await open_page()
    await until(lambda: seen.states() and seen.states()[-1] == "unreachable")
    await page.state()
    await page.claim()
    status = (await jp_fetch("hub-credits", "status")).body.decode()
    for text in (*(a.decode() for a in page.answers), status, json.dumps(seen.pairs)):
        assert HUB_TOKEN not in text


async def test_an_unauthenticated_request_is_refused(
    fake_hub: FakeHub, jp_serverapp, http_server_client, jp_base_url, jp_http_port
):
    base = f"http://127.0.0.1:{jp_http_port}{jp_base_url}"
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{base}hub-credits/state")).status_code == 403
        assert (await client.post(f"{base}hub-credits/claim")).status_code == 403
    await asyncio.sleep(0.2)
    assert fake_hub.requests == [] and fake_hub.polls == []


async def test_a_line_that_never_ends_is_cut_at_1_mb(fake_hub: FakeHub, open_page, seen):
    fake_hub.script(
        Answer(events=[SNAPSHOT], end="endless", keepalive=0.01),
        Answer(events=['{"balance": 40, "cap": 100}']),
    )
    await open_page()
    await until(lambda: len(seen.data) == 2, timeout=10)
    assert any("a line or event from the hub is larger than 1 MB" in r for r in seen.reasons())
    assert seen.states()[-1] == "live"

"""The credits for running code (stdlib only) against a fake hub and the real
relay at the network edge: drops, silence, 403/404/409, the error event,
on_low once per crossing, and a shutdown that leaves no thread running."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from jupyterlab_hub_credits.credits import Credits, Source, sources_from_environment
from jupyterlab_hub_credits.policy import Timings

from conftest import HUB_TOKEN, Answer, FakeHub, until

pytestmark = pytest.mark.timeout(60)

FAST = Timings(backoff_base=0.05, backoff_cap=0.3, connect_timeout=1.0, heartbeat_timeout=1.0)


def hub_source(hub: FakeHub) -> Source:
    return Source(f"{hub.api_url}/credits/sseserver/alice", HUB_TOKEN, relay=False)


@pytest.fixture
def make():
    made: list[Credits] = []

    def _make(*sources: Source) -> Credits:
        credits = Credits(list(sources), FAST, check_every=0.1)
        made.append(credits)
        return credits

    yield _make
    for credits in made:
        credits.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("jupyterlab-hub-credits")]


def now(credits: Credits):
    return credits.now(timeout=0)


async def test_outside_a_hub_nothing_raises_and_the_state_says_so():
    credits = Credits(sources_from_environment({}))
    snapshot = credits.now(timeout=0.1)
    assert snapshot.state == "unavailable"
    assert snapshot.text() == "Credits: not available here"
    assert not credits.running


async def test_through_the_relay_with_the_server_token(
    fake_hub: FakeHub,
    make,
    jp_serverapp,
    http_server_client,
    jp_auth_header,
    jp_base_url,
    jp_http_port,
):
    fake_hub.script(
        Answer(
            events=[
                '{"balance": 95, "cap": 100, "project": {"name": "p", "balance": 5, "cap": 60}}'
            ]
        )
    )
    token = jp_auth_header["Authorization"].split()[1]
    relay = Source(
        f"http://127.0.0.1:{jp_http_port}{jp_base_url}hub-credits/stream", token, relay=True
    )
    credits = make(relay, hub_source(fake_hub))
    credits._start()
    await until(lambda: now(credits).state == "live" and now(credits).balance == 95)
    snapshot = now(credits)
    assert snapshot.available == 100
    assert snapshot.text() == "Credits: 95 / 100 · p: 5 / 60"
    # The relay read the hub, with the server's token; the kernel did not.
    assert [auth for _, auth in fake_hub.requests] == [f"token {HUB_TOKEN}"]


async def test_no_relay_the_hub_directly(fake_hub: FakeHub, make):
    fake_hub.script(Answer(events=['{"balance": 7, "cap": 10}']))
    missing = Source(
        f"http://127.0.0.1:{fake_hub.port}/user/alice/hub-credits/stream", "t", relay=True
    )
    credits = make(missing, hub_source(fake_hub))
    credits._start()
    await until(lambda: now(credits).balance == 7)
    assert now(credits).state == "live"


async def test_a_drop_and_silence_are_followed_by_a_reconnect(fake_hub: FakeHub, make):
    fake_hub.script(
        Answer(events=['{"balance": 9, "cap": 10}']),
        Answer(events=['{"balance": 8, "cap": 10}'], end="silent"),
        Answer(events=['{"balance": 7, "cap": 10}']),
    )
    credits = make(hub_source(fake_hub))
    credits._start()
    await until(lambda: now(credits).balance == 9)
    fake_hub.drop_all()
    await until(lambda: now(credits).balance == 8)
    # Silent: the heartbeat timeout (1 s here) reconnects.
    await until(lambda: now(credits).balance == 7, timeout=5)
    assert len(fake_hub.requests) == 3


@pytest.mark.parametrize(
    "status, state", [(403, "unreachable"), (404, "unavailable"), (409, "stopped")]
)
async def test_a_refusal_or_a_stop_is_terminal(fake_hub: FakeHub, make, status, state):
    fake_hub.script(Answer(status=status))
    credits = make(hub_source(fake_hub))
    credits._start()
    await until(lambda: now(credits).state == state)
    await asyncio.sleep(0.3)
    assert len(fake_hub.requests) == 1
    await until(lambda: not credits.running)


async def test_the_error_event_is_the_stop(fake_hub: FakeHub, make):
    fake_hub.script(
        Answer(
            events=['{"balance": 1, "cap": 10}', '{"error": "Your Server is no longer running."}'],
            end="close",
        )
    )
    credits = make(hub_source(fake_hub))
    credits._start()
    await until(lambda: now(credits).state == "stopped")
    assert now(credits).text() == "Credits: server stopped"


async def test_on_low_once_per_crossing_from_a_background_thread(fake_hub: FakeHub, make):
    fake_hub.script(Answer(events=['{"balance": 50, "cap": 100}']))
    credits = make(hub_source(fake_hub))
    calls = []
    watch = credits.on_low(lambda s: calls.append((threading.current_thread().name, s)), minutes=5)
    await until(lambda: now(credits).balance == 50)
    # A bill every 0.2 s: the stop is seconds away, well within 5 minutes.
    for balance in (40, 30, 20):
        await asyncio.sleep(0.2)
        fake_hub.push({"balance": balance, "cap": 100})
    await until(lambda: len(calls) == 1)
    name, snapshot = calls[0]
    assert name.startswith("jupyterlab-hub-credits")
    assert snapshot.stop_at is not None and snapshot.stop_in < 300
    assert snapshot.rate_per_minute > 0
    await asyncio.sleep(0.5)
    fake_hub.push({"balance": 10, "cap": 100})
    await asyncio.sleep(0.5)
    assert len(calls) == 1
    watch.cancel()


async def test_close_leaves_no_thread_running(fake_hub: FakeHub):
    fake_hub.script(Answer(events=['{"balance": 5, "cap": 10}']))
    credits = Credits([hub_source(fake_hub)], FAST, check_every=0.1)
    credits.on_low(lambda s: None)
    await until(lambda: now(credits).balance == 5)
    started = time.monotonic()
    credits.close()
    assert time.monotonic() - started < 2
    assert not [t for t in threading.enumerate() if t.name.startswith("jupyterlab-hub-credits")]


async def test_now_waits_for_the_first_balance_even_when_live_comes_first(fake_hub: FakeHub, make):
    # Live (the relay's state, or the stream open) before any balance.
    fake_hub.script(Answer(events=[]))
    credits = make(hub_source(fake_hub))
    credits._start()
    await until(lambda: now(credits).state == "live")

    async def later():
        await asyncio.sleep(0.3)
        fake_hub.push({"balance": 3, "cap": 10})

    task = asyncio.ensure_future(later())
    snapshot = await asyncio.get_event_loop().run_in_executor(None, credits.now, 5)
    await task
    assert snapshot.balance == 3


def test_the_credits_magic_prints_what_the_status_bar_shows(capsys, monkeypatch):
    import jupyterlab_hub_credits
    from jupyterlab_hub_credits import credits as module_credits

    registered = {}

    class Shell:
        def register_magic_function(self, function, kind, name):
            registered[name] = (kind, function)

    for name in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    module_credits.close()
    jupyterlab_hub_credits.load_ipython_extension(Shell())
    kind, magic = registered["credits"]
    assert kind == "line"
    magic("")
    assert capsys.readouterr().out.strip() == "Credits: not available here"
    module_credits.close()

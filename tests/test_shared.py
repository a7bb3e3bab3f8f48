"""The shared reader (``shared.py``) and the relay reading it, at the
network edge: which server a token is for (Hypothesis), what the service
answers each relay (its own entry only), and the relay's way back to the
hub when the service fails (never at once, never all servers together).
The real hub, the real route and the real service: ``test_shared_hub.py``.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reading import close_relays, make, visible_for  # noqa: F401 - a fixture
from tornado.httpserver import HTTPServer

from jupyterlab_hub_credits import protocol, shared
from jupyterlab_hub_credits.shared import Entries, as_event, make_app, server_of

from hubedge import EdgeHub, FakeClock, settle

pytestmark = pytest.mark.timeout(60)

# -- which server a token is for ------------------------------------------------

names = st.text(st.characters(blacklist_characters="/!="), min_size=1, max_size=8)


def access(user: str, server: str) -> str:
    return f"access:servers!server={user}/{server}"


@settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=names,
    scopes=st.lists(
        st.one_of(
            st.builds(access, names, st.text(max_size=5)),
            st.sampled_from(
                ["access:servers", "access:servers!user=", "read:users:name!user", "self", 7]
            ),
            st.builds(lambda u: f"access:servers!user={u}", names),
            st.text(max_size=30),
        ),
        max_size=5,
    ),
)
def test_a_token_names_a_server_only_when_its_one_access_is_to_one_server_of_its_own(name, scopes):
    key = server_of({"name": name, "scopes": scopes})
    servers = [s for s in scopes if isinstance(s, str) and s.split("!", 1)[0] == "access:servers"]
    if key is None:
        own = [access(name, s.split("/", 1)[1]) for s in servers if s.startswith(access(name, ""))]
        assert not (len(servers) == 1 and own == servers), (name, scopes)
    else:
        # Never another user's server, never a token with broader access.
        assert key[0] == name
        assert servers == [access(*key)]


@pytest.mark.parametrize(
    "model, key",
    [
        (
            {"name": "ana", "scopes": ["access:servers!server=ana/", "users:activity!user=ana"]},
            ("ana", ""),
        ),
        ({"name": "ana", "scopes": ["access:servers!server=ana/gpu"]}, ("ana", "gpu")),
        # A guest's token for a shared server: another user's server.
        ({"name": "ana", "scopes": ["access:servers!server=ben/"]}, None),
        # A user's own token: every server of theirs, not one.
        ({"name": "ana", "scopes": ["access:servers!user=ana"]}, None),
        (
            {"name": "ana", "scopes": ["access:servers!server=ana/", "access:servers!user=ana"]},
            None,
        ),
        (
            {
                "name": "ana",
                "scopes": ["access:servers!server=ana/a", "access:servers!server=ana/b"],
            },
            None,
        ),
        ({"name": "ana", "scopes": []}, None),
        ({"name": "ana"}, None),
        ({"kind": "service", "scopes": ["access:servers!server=ana/"]}, None),
        ([], None),
    ],
)
def test_which_server_a_token_is_for(model, key):
    assert server_of(model) == key


# -- the service, in front of a hub at its edge ------------------------------------


def record(user: str, server: str = "", balance: float = 50, project: bool = False) -> dict:
    entry: dict[str, Any] = {
        "name": "default",
        "balance": balance,
        "cap": 100,
        "grant_value": 5,
        "grant_interval": 600,
        "grant_last_update": "2026-12-07T10:00:00",
    }
    if project:
        entry["project"] = {**entry, "name": "p1", "balance": 7}
    return {"user": user, "server": server, "entry": entry}


TOKENS = {
    "ana-server": {
        "name": "ana",
        "scopes": ["access:servers!server=ana/", "users:activity!user=ana"],
    },
    "ben-gpu": {"name": "ben", "scopes": ["access:servers!server=ben/gpu"]},
    "ana-guest-of-ben": {"name": "ana", "scopes": ["access:servers!server=ben/gpu"]},
    "ana-own": {"name": "ana", "scopes": ["access:servers!user=ana", "read:users!user=ana"]},
    "carl-new": {"name": "carl", "scopes": ["access:servers!server=carl/"]},
}


class Hub:
    """The hub at the service's edge: its route and ``GET /api/user``."""

    def __init__(self) -> None:
        self.servers = [record("ana", balance=42, project=True), record("ben", "gpu", 9)]
        self.users: list[str] = []
        self.run = 0
        self.down = False  # the route fails

    async def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/api/user"):
            token = request.headers["authorization"].split(" ", 1)[1]
            self.users.append(token)
            await asyncio.sleep(0.05)  # the hub takes its time
            if token not in TOKENS:
                return httpx.Response(403, json={"message": "no"})
            return httpx.Response(200, json=TOKENS[token])
        assert request.headers["authorization"] == "token service-token"
        if self.down:
            return httpx.Response(503, json={"message": "down"})
        if "after" in request.url.params:
            await asyncio.sleep(0.05)
            self.run += 1
        return httpx.Response(
            200, json={"run": self.run, "task_interval": 1, "servers": self.servers}
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def service(jp_asyncio_loop, monkeypatch):
    monkeypatch.setattr(shared, "KEEPALIVE_SECONDS", 0.2)
    hub = Hub()
    entries = Entries("http://hub.test/hub/api", "service-token")
    client = httpx.AsyncClient(transport=httpx.MockTransport(hub.answer))
    port = free_port()

    async def start():
        server = HTTPServer(make_app(entries, client, "/services/hub-credits/"))
        server.listen(port, "127.0.0.1")
        follow = asyncio.ensure_future(entries.follow(client))
        keepalives = asyncio.ensure_future(entries.keepalives())
        await entries.next(5)
        return server, follow, keepalives

    server, follow, keepalives = jp_asyncio_loop.run_until_complete(start())
    yield hub, entries, f"http://127.0.0.1:{port}/services/hub-credits/"
    follow.cancel()
    keepalives.cancel()
    server.stop()
    jp_asyncio_loop.run_until_complete(client.aclose())


async def ask(base: str, token: str | None, route: str = "credits") -> httpx.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    async with httpx.AsyncClient() as client:
        return await client.get(base + route, headers=headers, timeout=15)


async def test_each_server_gets_its_own_entry_and_no_other(service):
    hub, entries, base = service
    ana = await ask(base, "ana-server")
    assert ana.status_code == 200
    assert [e["balance"] for e in ana.json()] == [42]
    assert ana.json()[0]["project"]["name"] == "p1"
    ben = await ask(base, "ben-gpu")
    assert [e["balance"] for e in ben.json()] == [9]
    # A guest's token, a user's own token, an unknown token, no token: nothing.
    for token in ("ana-guest-of-ben", "ana-own", "stranger", None):
        answer = await ask(base, token)
        assert answer.status_code == 403, token
        assert "balance" not in answer.text
    # The hub is asked once per token, not per request.
    await ask(base, "ana-server")
    assert hub.users.count("ana-server") == 1


async def test_a_server_the_hub_has_not_listed_yet_is_waited_for(service):
    hub, entries, base = service
    hub.servers = hub.servers + [record("carl", balance=3)]
    answer = await ask(base, "carl-new")
    assert answer.status_code == 200 and answer.json()[0]["balance"] == 3


async def test_a_stopped_server_is_not_running_and_a_free_one_is_free(service):
    hub, entries, base = service
    assert (await ask(base, "ana-server")).status_code == 200
    hub.servers = [dict(hub.servers[1], entry=None)]
    await entries.next(5)
    await entries.next(5)
    gone = await ask(base, "ana-server")
    assert gone.status_code == 409
    free = await ask(base, "ben-gpu")
    # The credit service's words for "no entry": the relay reads it as free.
    assert free.status_code == 404 and "credit entry" in free.json()["message"]


async def test_the_stream_sends_the_servers_own_events_then_its_stop(service):
    hub, entries, base = service
    events: list[Any] = []
    async with httpx.AsyncClient() as client:
        headers = {"Authorization": "token ana-server"}
        async with client.stream(
            "GET", base + "credits/stream", headers=headers, timeout=15
        ) as answer:
            assert answer.headers["content-type"] == "text/event-stream"
            async for line in answer.aiter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                    if len(events) == 2:
                        hub.servers = hub.servers[1:]  # ana's server stops
                    if "error" in events[-1]:
                        break
    assert events[0] == {
        "balance": 42,
        "cap": 100,
        "project": {"name": "p1", "balance": 7, "cap": 100},
    }
    assert events[-1] == {
        "error": "Your Server is no longer running.\nRestart of Jupyter Server required."
    }
    assert all(as_event(record("ben", "gpu", 9)) != e for e in events)


async def test_without_current_numbers_the_service_says_so(service):
    hub, entries, base = service
    hub.down = True
    await asyncio.sleep(0.1)
    entries.fresh_until = 0.0
    answer = await ask(base, "ana-server")
    assert answer.status_code == 503 and answer.headers["retry-after"]


# -- the relay, reading the shared reader ---------------------------------------------


@pytest.fixture
def clock():
    return FakeClock()


async def test_a_relay_reads_only_the_shared_reader_while_it_answers(clock):
    hub = EdgeHub(clock, shared=True)
    relay = make(hub, clock)
    await visible_for(clock, 60, relay)
    hub.bill(2)
    await settle()
    assert relay.state == "live" and relay.via == "shared"
    assert relay.snapshot["balance"] == 93
    relay.watch(protocol.PRESENCE["leaseSeconds"])
    await clock.advance(600)
    kinds = {kind for _, kind, _ in hub.requests}
    assert kinds <= {"shared-stream", "shared-list"} and "shared-stream" in kinds
    assert relay.status()["via"] == "shared"


async def test_a_failing_shared_reader_is_retried_before_the_hub_is_read(clock):
    hub = EdgeHub(clock, shared=True)
    relay = make(hub, clock, shared_fallback=300)
    relay.watch(3600)
    await clock.advance(5)
    assert relay.snapshot["balance"] == 95
    hub.shared_down = True
    down = clock.now
    await clock.advance(290)
    # Down for less than the fallback: the last numbers, shown as stale.
    assert relay.state == "reconnecting" and relay.snapshot["balance"] == 95
    assert not hub.kinds("list")
    await clock.advance(400)
    first = min(hub.kinds("list"))
    assert relay.via == "hub" and relay.state == "polling"
    # From a time spread over three task intervals after the fallback.
    assert down + 300 <= first <= down + 300 + protocol.SHARED_SPREAD * 60
    # Back to the shared reader later, and only it once it answers.
    hub.shared_down = False
    await clock.advance(protocol.SHARED_RETRY_SECONDS + 120)
    assert relay.via == "shared"
    since = clock.now
    await clock.advance(1200)
    assert not [t for t in hub.kinds("list") if t > since]


async def test_after_an_outage_relays_reach_the_hub_spread_not_at_once(clock):
    import random

    rng = random.Random(7)
    hubs = [EdgeHub(clock, user=f"u{i}", shared=True) for i in range(40)]
    relays = [make(h, clock, rand=rng.random, shared_fallback=300) for h in hubs]
    for relay in relays:
        relay.watch(7200)
    await clock.advance(5)
    for h in hubs:
        h.shared_down = True
    down = clock.now
    await clock.advance(600)
    firsts = sorted(min(h.kinds("list")) - down for h in hubs)
    assert firsts[0] >= 300
    # Over three task intervals (60 s here): no second holds more than a few.
    per_second: dict[int, int] = {}
    for t in firsts:
        per_second[int(t)] = per_second.get(int(t), 0) + 1
    assert firsts[-1] - firsts[0] > 120
    # At most a retry (its window spans 2.5 task intervals after a lost
    # connection) after the fallback is due, plus the spread.
    retry = protocol.RESTART_SPREAD_TASK_INTERVALS * 60
    assert firsts[-1] <= 300 + retry + protocol.SHARED_SPREAD * 60
    assert max(per_second.values()) <= 4


async def test_a_shared_reader_that_refuses_the_server_sends_it_to_the_hub(clock):
    hub = EdgeHub(clock, shared=True)
    hub.list_status = 403
    relay = make(hub, clock)
    relay.watch(3600)
    await clock.advance(5)
    assert hub.kinds("shared-list")
    hub.list_status = 200
    await clock.advance(200)
    assert relay.via == "hub" and relay.state == "polling" and hub.kinds("list")


async def test_requests_with_the_same_new_token_ask_the_hub_once(service):
    hub, entries, base = service
    answers = await asyncio.gather(*(ask(base, "ana-server") for _ in range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    assert hub.users.count("ana-server") == 1


async def test_open_streams_get_keepalives_and_each_run_once(service):
    hub, entries, base = service
    comments = events = 0
    async with httpx.AsyncClient() as client:
        headers = {"Authorization": "token ben-gpu"}
        async with client.stream("GET", base + "credits/stream", headers=headers) as answer:
            assert entries.streams == 1
            started = asyncio.get_running_loop().time()
            async for line in answer.aiter_lines():
                comments += line == ":"
                events += line.startswith("data: ")
                if asyncio.get_running_loop().time() - started > 1.0:
                    break
    # The connect comment, then one every 0.2 s; an event per run, no more.
    assert comments >= 4
    assert 0 < events <= hub.run + 1
    await asyncio.sleep(0.1)
    assert entries.streams == 0  # the closed stream is forgotten
    assert entries.fanouts and all(n >= 1 for _, n, _ in entries.fanouts)


def test_the_service_stops_when_the_hub_that_started_it_is_gone(tmp_path):
    import os
    import subprocess
    import sys
    import time

    env = {
        **os.environ,
        "JUPYTERHUB_API_URL": f"http://127.0.0.1:{free_port()}/hub/api",
        "JUPYTERHUB_API_TOKEN": "t",
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{free_port()}",
    }
    pid_file = tmp_path / "pid"
    # A parent that starts the service and dies, as a killed hub.
    parent = subprocess.run(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-m',"
            " 'jupyterlab_hub_credits.shared'], stdout=subprocess.DEVNULL,"
            " stderr=subprocess.DEVNULL); open(sys.argv[1], 'w').write(str(p.pid));"
            " time.sleep(3)",
            str(pid_file),
        ],
        env=env,
        timeout=30,
    )
    assert parent.returncode == 0
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        # A zombie (reaped by init soon) counts as gone.
        if " Z " in open(f"/proc/{child}/stat").read():
            return
        time.sleep(0.2)
    os.kill(child, 9)
    raise AssertionError("the service outlived the hub that started it")


def test_the_service_stops_on_sigint_even_when_it_came_in_ignored():
    import os
    import signal as signals
    import subprocess
    import sys

    env = {
        **os.environ,
        "JUPYTERHUB_API_URL": f"http://127.0.0.1:{free_port()}/hub/api",
        "JUPYTERHUB_API_TOKEN": "t",
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{free_port()}",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab_hub_credits.shared"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # As a hub started in the background of a shell passes it on.
        preexec_fn=lambda: signals.signal(signals.SIGINT, signals.SIG_IGN),
    )
    try:
        import time

        time.sleep(2)  # listening
        child.send_signal(signals.SIGINT)
        assert child.wait(10) == 0
    finally:
        if child.poll() is None:
            child.kill()

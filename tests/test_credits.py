"""The credits for running code (stdlib only): a client of the relay's
``GET state`` route and nothing else. Against a fake relay at the network
edge (a small HTTP server: what the kernel asks, with which token, and what
it makes of the answers), and once against the real relay reading a fake
hub."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

import pytest

from jupyterlab_hub_credits.credits import Credits, Snapshot, snapshot_of
from jupyterlab_hub_credits.hubenv import RelayEndpoint

from conftest import HUB_TOKEN, FakeHub, until

pytestmark = pytest.mark.timeout(60)

TOKEN = "kernel-token-never-in-a-url"
NOW = time.time()


def document(**fields: Any) -> dict[str, Any]:
    """A ``GET state`` answer, as the relay writes it."""
    base: dict[str, Any] = {
        "state": "polling",
        "reason": "",
        "mode": "poll",
        "updated": NOW,
        "snapshot": {"balance": 95, "cap": 100},
        "free": False,
        "history": [[NOW, 95]],
        "estimate": {"kind": "unknown"},
        "level": "ok",
        "thresholds": {"critical": 10, "warning": 25},
        "entry": {"name": "default", "ambiguous": False},
    }
    base.update(fields)
    return base


def falling(stop_in: float, spread: float = 30) -> dict[str, Any]:
    stop = (time.time() + stop_in) * 1000
    return {
        "kind": "falling",
        "ratePerMinute": 1.0,
        "bill": 10,
        "periodMs": 600000,
        "msToStop": stop_in * 1000,
        "stopAt": stop,
        "earliest": stop - spread * 1000,
        "latest": stop + spread * 1000,
    }


class FakeRelay:
    """A relay's ``state`` route on a free port: answers what the test sets."""

    def __init__(self) -> None:
        self.status = 200
        self.body: Any = document()
        #: Every request: (path, query, Authorization header).
        self.requests: list[tuple[str, dict[str, str], str]] = []
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                relay.requests.append((url.path, query, self.headers.get("Authorization", "")))
                body = relay.body if isinstance(relay.body, bytes) else json.dumps(relay.body)
                data = body if isinstance(body, bytes) else body.encode()
                self.send_response(relay.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> RelayEndpoint:
        return RelayEndpoint(f"http://127.0.0.1:{self.port}/user/alice/", TOKEN)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def relay():
    fake = FakeRelay()
    yield fake
    fake.close()


@pytest.fixture
def make():
    made: list[Credits] = []

    def _make(endpoint: Optional[RelayEndpoint], **options: Any) -> Credits:
        options.setdefault("check_every", 0.05)
        credits = Credits(endpoint, from_environment=False, **options)
        made.append(credits)
        return credits

    yield _make
    for credits in made:
        credits.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("jupyterlab-hub-credits")]


def test_now_is_one_request_to_the_relays_state_with_the_token_in_the_header(relay, make):
    relay.body = document(
        state="live",
        snapshot={"balance": 55, "cap": 100, "project": {"name": "p", "balance": 5, "cap": 60}},
        estimate=falling(3600),
        level="warning",
    )
    snapshot = make(relay.endpoint).now()
    assert (snapshot.state, snapshot.balance, snapshot.available) == ("live", 55, 60)
    assert (snapshot.project, snapshot.project_balance, snapshot.project_cap) == ("p", 5, 60)
    assert snapshot.level == "warning" and snapshot.rate_per_minute == 1.0
    assert 3500 < snapshot.stop_in <= 3600
    assert snapshot.earliest < snapshot.stop_at < snapshot.latest
    assert snapshot.text().startswith("Credits: 55 / 100 · p: 5 / 60\nRuns out in about 59 min")
    ((path, query, auth),) = relay.requests
    assert path == "/user/alice/hub-credits/state" and query == {"wait": "1"}
    assert auth == f"token {TOKEN}"
    assert TOKEN not in repr(make(relay.endpoint)._client)


def test_the_estimate_is_there_at_once_when_the_relay_has_seen_bills(relay, make):
    # A tab listened before: the relay's history already has the steps.
    relay.body = document(estimate=falling(1200), history=[[NOW - 1200, 80], [NOW, 60]])
    assert make(relay.endpoint).now().stop_at is not None
    assert len(relay.requests) == 1


def test_outside_a_hub_nothing_raises_and_the_state_says_so(monkeypatch):
    for name in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_SERVICE_URL"):
        monkeypatch.delenv(name, raising=False)
    credits = Credits()
    snapshot = credits.now(timeout=0.1)
    assert snapshot.state == "unavailable"
    assert "JUPYTERHUB_API_TOKEN" in snapshot.reason
    assert snapshot.text() == "Credits: not available here"
    credits.on_low(lambda s: None)
    assert not credits.running


def test_no_relay_listening_is_unavailable_with_the_reason(make):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    snapshot = make(RelayEndpoint(f"http://127.0.0.1:{port}/", TOKEN)).now()
    assert snapshot.state == "unavailable"
    assert "no credits relay answers" in snapshot.reason


@pytest.mark.parametrize(
    "status, state, words",
    [
        (404, "unavailable", "no credits relay"),
        (403, "unauthorized", "HTTP 403"),
        (500, "unreachable", "HTTP 500"),
    ],
)
def test_what_the_relays_status_codes_mean(relay, make, status, state, words):
    relay.status = status
    relay.body = {"message": "scripted"}
    snapshot = make(relay.endpoint).now()
    assert snapshot.state == state and words in snapshot.reason


@pytest.mark.parametrize("state", ["unreachable", "polling", "reconnecting", "connecting"])
def test_the_snapshot_says_the_server_parts_state_code(state):
    # One list of codes (protocol.json): the kernel says what GET state says.
    assert snapshot_of(document(state=state, reason="why")).state == state


def test_a_free_server_and_a_guessed_entry_say_so():
    free = snapshot_of(document(free=True, snapshot=None, entry=None))
    assert free.free and free.text() == "Credits: this server is free"
    guess = snapshot_of(document(entry={"name": "gpu", "ambiguous": True}))
    assert guess.text().endswith("Which entry pays for this server is a guess: gpu")


@pytest.mark.parametrize(
    "answer",
    [
        None,
        [],
        "state",
        {"state": 5},
        document(snapshot={"balance": "95", "cap": 100}),
        document(snapshot={"balance": float("nan"), "cap": 100}),
        document(estimate={"kind": "falling", "stopAt": "soon"}),
        document(reason="x" * 5000, level="purple", entry="default"),
    ],
)
def test_an_odd_answer_is_read_field_by_field_and_never_raises(answer):
    snapshot = snapshot_of(answer)
    assert isinstance(snapshot, Snapshot)
    assert snapshot.balance is None or isinstance(snapshot.balance, float)
    assert len(snapshot.reason) <= 1000
    assert snapshot.level in (None, "ok", "warning", "critical")
    snapshot.text()


def test_an_answer_that_is_not_json(relay, make):
    relay.body = b"<html>login</html>"
    assert make(relay.endpoint).now().state == "unreachable"


async def test_on_low_asks_with_a_lease_and_the_thresholds_once_per_crossing(relay, make):
    relay.body = document(estimate=falling(3600))
    credits = make(relay.endpoint, critical=15, warning=30, lease=120)
    calls = []
    watch = credits.on_low(lambda s: calls.append((threading.current_thread().name, s)), minutes=5)
    await until(lambda: len(relay.requests) >= 2)
    _, query, auth = relay.requests[0]
    # The longest on_low lead (5 min) paces the relay's reading.
    assert query == {"watch": "120", "lead": "300", "wait": "1", "critical": "15", "warning": "30"}
    assert auth == f"token {TOKEN}"
    assert calls == []
    # The prediction comes within the lead: one call, not one per check.
    relay.body = document(estimate=falling(120))
    await until(lambda: len(calls) == 1)
    seen = len(relay.requests)
    await until(lambda: len(relay.requests) >= seen + 3)
    assert len(calls) == 1
    name, snapshot = calls[0]
    assert name.startswith("jupyterlab-hub-credits")
    assert snapshot.stop_in < 300
    # Far again (a grant), then near again: a second crossing.
    relay.body = document(estimate=falling(7200))
    seen = len(relay.requests)
    await until(lambda: len(relay.requests) >= seen + 2)
    relay.body = document(estimate=falling(60))
    await until(lambda: len(calls) == 2)
    watch.cancel()
    seen = len(relay.requests)
    await asyncio.sleep(0.3)
    # Nobody watches: no lease asked for any more.
    assert all("watch" not in q for _, q, _ in relay.requests[seen + 1 :])


async def test_without_a_prediction_on_low_fires_at_the_relays_critical_level(relay, make):
    relay.body = document(level="warning")
    credits = make(relay.endpoint)
    calls = []
    with credits.on_low(calls.append, minutes=5):
        await until(lambda: len(relay.requests) >= 2)
        assert calls == []
        relay.body = document(level="critical", snapshot={"balance": 5, "cap": 100})
        await until(lambda: len(calls) == 1)
    assert calls[0].balance == 5


async def test_a_callbacks_error_stays_its_own(relay, make, capsys):
    relay.body = document(estimate=falling(60))
    credits = make(relay.endpoint)

    def broken(snapshot):
        raise RuntimeError("boom")

    credits.on_low(broken)
    await until(lambda: "on_low callback failed" in capsys.readouterr().out)
    assert credits.running


async def test_after_a_stop_on_low_asks_no_more_and_a_new_on_low_asks_again(relay, make):
    relay.body = document(state="stopped", snapshot=None, level=None)
    credits = make(relay.endpoint)
    credits.on_low(lambda s: None)
    await until(lambda: not credits.running)
    seen = len(relay.requests)
    await asyncio.sleep(0.2)
    assert len(relay.requests) == seen == 1
    # The thread is gone: another on_low starts one again.
    credits.on_low(lambda s: None)
    await until(lambda: len(relay.requests) == 2)


async def test_without_a_service_on_low_asks_again_only_slowly(relay, make):
    # "unavailable" may pass (a relay restarting, a hub's 404 for a while).
    relay.body = document(state="unavailable", snapshot=None, level=None)
    credits = make(relay.endpoint)
    credits.on_low(lambda s: None)
    await until(lambda: len(relay.requests) == 1)
    await asyncio.sleep(0.3)
    assert len(relay.requests) == 1 and credits.running
    credits.close()


async def test_close_leaves_no_thread_running(relay):
    credits = Credits(relay.endpoint, from_environment=False, check_every=0.05)
    credits.on_low(lambda s: None)
    await until(lambda: len(relay.requests) >= 1)
    started = time.monotonic()
    credits.close()
    assert time.monotonic() - started < 2
    assert not [t for t in threading.enumerate() if t.name.startswith("jupyterlab-hub-credits")]


def test_the_endpoint_comes_from_the_environment(monkeypatch, relay):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", TOKEN)
    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", f"http://:{relay.port}")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/alice/")
    assert Credits().now().balance == 95
    assert relay.requests[0][0] == "/user/alice/hub-credits/state"


async def test_through_the_real_relay_that_reads_the_hub_with_the_servers_token(
    fake_hub: FakeHub,
    make,
    jp_serverapp,
    http_server_client,
    jp_auth_header,
    jp_base_url,
    jp_http_port,
):
    fake_hub.entries = [
        {"name": "default", "balance": 42, "cap": 100, "project": None},
    ]
    token = jp_auth_header["Authorization"].split()[1]
    endpoint = RelayEndpoint(f"http://127.0.0.1:{jp_http_port}{jp_base_url}", token)
    credits = make(endpoint)
    loop = asyncio.get_event_loop()
    snapshot = await loop.run_in_executor(None, credits.now)
    assert (snapshot.state, snapshot.balance, snapshot.cap) == ("polling", 42, 100), snapshot.reason
    assert snapshot.entry == "default" and not snapshot.ambiguous
    # The relay asked the hub, with the server's token; the kernel did not.
    assert fake_hub.polls and all(auth == f"token {HUB_TOKEN}" for _, auth in fake_hub.polls)
    assert fake_hub.requests == []


def test_the_credits_magic_prints_what_the_status_bar_shows(capsys, monkeypatch):
    import jupyterlab_hub_credits
    from jupyterlab_hub_credits import credits as module_credits

    registered = {}

    class Shell:
        def register_magic_function(self, function, kind, name):
            registered[name] = (kind, function)

    for name in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_SERVICE_URL"):
        monkeypatch.delenv(name, raising=False)
    module_credits.close()
    jupyterlab_hub_credits.load_ipython_extension(Shell())
    kind, magic = registered["credits"]
    assert kind == "line"
    magic("")
    assert capsys.readouterr().out.strip() == "Credits: not available here"
    module_credits.close()

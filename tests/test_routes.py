"""The relay's routes in a real Jupyter Server against a fake hub:
``state`` for running code, ``stream?live=0`` polled, ``stop`` for the
owner only, the listener cap, and no route counting as user activity."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from tornado.httpclient import HTTPClientError

from conftest import HUB_TOKEN, OWNER, Answer, FakeHub, server_config, until

pytestmark = pytest.mark.timeout(20)

SNAPSHOT = '{"balance": 95, "cap": 100}'


@pytest.fixture
def jp_server_config(fake_hub, monkeypatch):
    return server_config(fake_hub, monkeypatch, max_listeners=2)


@pytest.fixture
def base(jp_serverapp, http_server_client, jp_base_url, jp_http_port) -> str:
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}"


_READERS: dict[int, Any] = {}


@pytest.fixture(autouse=True)
def forget_readers():
    yield
    _READERS.clear()


async def read_events(response: httpx.Response, count: int) -> list[tuple[str, Any]]:
    """The next ``count`` events of an SSE response: (event name, data).

    The reader stays open between calls (closing it would close the response).
    """
    from httpx_sse import EventSource

    reader = _READERS.setdefault(id(response), EventSource(response).aiter_sse())
    events: list[tuple[str, Any]] = []
    while len(events) < count:
        event = await reader.__anext__()
        events.append((event.event, json.loads(event.data)))
    return events


async def test_state_without_readers_polls_the_hub_once(fake_hub: FakeHub, jp_fetch):
    # As a kernel asks: waiting a moment for the first numbers.
    response = await jp_fetch("hub-credits", "state", params={"wait": "1"})
    state = json.loads(response.body)
    assert state["state"] == "polling" and state["snapshot"] == {"balance": 95, "cap": 100}
    assert state["entry"] == {"name": "default", "ambiguous": False}
    assert state["free"] is False and state["level"] == "ok"
    assert state["mode"] in ("poll", "off")
    assert len(state["history"]) == 1 and state["history"][0][1] == 95
    assert state["estimate"] == {"kind": "unknown"}
    assert isinstance(state["updated"], float)
    assert fake_hub.polls == [("/hub/api/credits", f"token {HUB_TOKEN}")]
    assert fake_hub.requests == []  # no stream for a kernel
    await asyncio.sleep(1.0)
    assert len(fake_hub.polls) == 1


async def test_state_with_a_watch_keeps_polling_and_passes_the_thresholds(
    fake_hub: FakeHub, jp_fetch
):
    fake_hub.entries = [{"name": "default", "balance": 20, "cap": 100}]
    response = await jp_fetch(
        "hub-credits", "state", params={"watch": "2", "critical": "25", "warning": "50"}
    )
    state = json.loads(response.body)
    assert state["level"] == "critical" and state["thresholds"] == {"critical": 25, "warning": 50}
    await until(lambda: len(fake_hub.polls) >= 3, timeout=5)
    later = json.loads((await jp_fetch("hub-credits", "state")).body)
    assert later["mode"] == "poll" and len(later["history"]) >= 3


@pytest.mark.parametrize("query", [{"watch": "x"}, {"critical": "101"}, {"watch": "-1"}])
async def test_state_refuses_bad_numbers(fake_hub: FakeHub, jp_fetch, query):
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("hub-credits", "state", params=query)
    assert refused.value.code == 400
    assert fake_hub.polls == []


async def test_a_hidden_tab_is_polled_and_a_visible_one_streamed(
    fake_hub: FakeHub, base, jp_auth_header
):
    fake_hub.script(Answer(events=[SNAPSHOT]))
    async with httpx.AsyncClient(timeout=10, headers=jp_auth_header) as client:
        async with client.stream("GET", f"{base}hub-credits/stream?live=0") as hidden:
            events = await read_events(hidden, 3)
            assert events[0] == ("relay", {"state": "connecting", "reason": ""})
            assert events[-1] == ("message", {"balance": 95, "cap": 100})
            assert ("relay", {"state": "polling", "reason": ""}) in events
            assert fake_hub.requests == [] and len(fake_hub.polls) == 1
            async with client.stream("GET", f"{base}hub-credits/stream?live=1") as visible:
                seen = await read_events(visible, 3)
                assert seen[0] == ("relay", {"state": "polling", "reason": ""})
                assert seen[1][0] == "message"  # the last balance at once
                assert ("relay", {"state": "live", "reason": ""}) in seen
                assert len(fake_hub.requests) == 1


async def test_over_the_listener_cap_the_relay_answers_busy(
    fake_hub: FakeHub, base, jp_auth_header
):
    fake_hub.script(Answer(events=[SNAPSHOT]))
    async with httpx.AsyncClient(timeout=10, headers=jp_auth_header) as client:
        async with client.stream("GET", f"{base}hub-credits/stream") as one:
            await read_events(one, 1)
            async with client.stream("GET", f"{base}hub-credits/stream") as two:
                await read_events(two, 1)
                third = await client.get(f"{base}hub-credits/stream")
                assert third.status_code == 503
                assert third.headers["X-Hub-Credits-Busy"] == "listeners"
                assert "too many listeners" in third.json()["message"]
        # Room again once they left.
        async with client.stream("GET", f"{base}hub-credits/stream") as again:
            assert again.status_code == 200


async def test_the_owner_stops_the_server_through_the_hub_with_the_servers_token(
    fake_hub: FakeHub, jp_fetch
):
    response = await jp_fetch(
        "hub-credits", "stop", method="POST", body="", headers={"X-Test-User": OWNER}
    )
    assert response.code == 202
    assert json.loads(response.body) == {"status": 202}
    assert fake_hub.stops == [
        ("/hub/api/credits/stopserver/alice%40example.org", f"token {HUB_TOKEN}")
    ]


async def test_a_guest_may_not_stop_the_server(fake_hub: FakeHub, jp_fetch):
    for guest in ("bob", "alice"):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch(
                "hub-credits", "stop", method="POST", body="", headers={"X-Test-User": guest}
            )
        assert refused.value.code == 403
    # A display name is no identity.
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch(
            "hub-credits",
            "stop",
            method="POST",
            body="",
            headers={"X-Test-User": "mallory", "X-Test-Display-Name": OWNER},
        )
    assert refused.value.code == 403
    # Jupyter Server's own token user is not the hub's owner either.
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("hub-credits", "stop", method="POST", body="")
    assert refused.value.code == 403
    assert fake_hub.stops == []


async def test_the_owners_cookie_alone_does_not_pass_the_xsrf_check(
    fake_hub: FakeHub, base, jp_auth_header
):
    async with httpx.AsyncClient(timeout=10) as client:
        first = await client.get(f"{base}hub-credits/status", headers=jp_auth_header)
        assert first.status_code == 200 and client.cookies
        # The login cookie, no token, no _xsrf: a cross-site form could send this.
        forged = await client.post(f"{base}hub-credits/stop", headers={"X-Test-User": OWNER})
    assert forged.status_code == 403
    assert fake_hub.stops == []


async def test_a_hub_that_refuses_the_stop_is_reported(fake_hub: FakeHub, jp_fetch):
    fake_hub.stop_status = 403
    with pytest.raises(HTTPClientError) as failed:
        await jp_fetch(
            "hub-credits", "stop", method="POST", body="", headers={"X-Test-User": OWNER}
        )
    assert failed.value.code == 502
    assert "HTTP 403" in json.loads(failed.value.response.body)["message"]


async def test_the_relays_routes_are_not_user_activity(
    fake_hub: FakeHub, jp_serverapp, base, jp_auth_header, jp_fetch
):
    settings = jp_serverapp.web_app.settings
    fake_hub.script(Answer(events=[SNAPSHOT]))
    before = settings.get("api_last_activity")
    last = jp_serverapp.web_app.last_activity()
    async with httpx.AsyncClient(timeout=10, headers=jp_auth_header) as client:
        async with client.stream("GET", f"{base}hub-credits/stream") as tab:
            await read_events(tab, 2)
        for route in ("status", "state", "state?watch=1"):
            assert (await client.get(f"{base}hub-credits/{route}")).status_code == 200
        await client.post(f"{base}hub-credits/stop", headers={"X-Test-User": "bob"})
    await asyncio.sleep(0.1)
    assert settings.get("api_last_activity") == before
    assert jp_serverapp.web_app.last_activity() == last
    # The check can fail: Jupyter Server's own API does count.
    await jp_fetch("api", "contents")
    assert settings.get("api_last_activity") not in (None, before)


async def test_the_servers_token_is_in_no_answer(fake_hub: FakeHub, jp_fetch):
    answers = [
        (await jp_fetch("hub-credits", "state", params={"watch": "1"})).body,
        (await jp_fetch("hub-credits", "status")).body,
    ]
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("hub-credits", "stop", method="POST", body="")
    answers.append(refused.value.response.body)
    for body in answers:
        assert HUB_TOKEN.encode() not in body


async def test_polls_hold_no_idle_connection_to_the_hub(fake_hub: FakeHub, jp_fetch):
    await jp_fetch("hub-credits", "state", params={"watch": "2"})
    await until(lambda: len(fake_hub.polls) >= 3, timeout=5)
    assert len(set(fake_hub.poll_ports)) == len(fake_hub.poll_ports)


def test_the_owner_is_a_user_of_the_owners_name_never_a_service_or_a_display_name():
    from types import SimpleNamespace

    from jupyterlab_hub_credits.handlers import identity_name

    assert identity_name({"kind": "user", "name": "alice"}) == "alice"
    assert identity_name({"name": "alice"}) == "alice"
    assert identity_name({"kind": "service", "name": "alice"}) is None
    hub_user = SimpleNamespace(username="alice", name="Alice A.", hub_user={"kind": "user"})
    assert identity_name(hub_user) == "alice"
    service = SimpleNamespace(username="alice", name="alice", hub_user={"kind": "service"})
    assert identity_name(service) is None
    assert identity_name(SimpleNamespace(username="", name="alice")) is None
    assert identity_name(None) is None

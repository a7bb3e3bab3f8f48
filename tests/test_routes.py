"""The relay's routes in a real Jupyter Server against a fake hub:
``state`` for running code and pages, ``claim`` (streamed) and
``claim?lease`` (polled), ``stop`` for the owner only, and no route
counting as user activity."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from tornado.httpclient import HTTPClientError

from conftest import HUB_TOKEN, OWNER, Answer, FakeHub, until

pytestmark = pytest.mark.timeout(20)

SNAPSHOT = '{"balance": 95, "cap": 100}'


@pytest.fixture
def base(jp_serverapp, http_server_client, jp_base_url, jp_http_port) -> str:
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}"


def relay_of(jp_serverapp) -> Any:
    return jp_serverapp.web_app.settings["hub_credits_relay"]


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


@pytest.mark.parametrize("lease", ["x", "-1", "3601", "inf", "nan"])
async def test_claim_refuses_bad_leases(fake_hub: FakeHub, jp_serverapp, jp_fetch, lease):
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("hub-credits", "claim", method="POST", body="", params={"lease": lease})
    assert refused.value.code == 400
    assert relay_of(jp_serverapp).status()["claimed"] is False
    assert fake_hub.polls == [] and fake_hub.requests == []


async def test_a_hidden_pages_lease_is_polled_and_a_visible_pages_claim_streamed(
    fake_hub: FakeHub, jp_serverapp, jp_fetch
):
    relay = relay_of(jp_serverapp)
    states: list[tuple[str, str]] = []
    relay.on_change(lambda seq: states.append((relay.state, relay.reason)))
    fake_hub.script(Answer(events=[SNAPSHOT]))
    lease = await jp_fetch("hub-credits", "claim", method="POST", body="", params={"lease": "600"})
    assert json.loads(lease.body) == {"seq": relay.seq, "start": relay.start}
    await until(lambda: relay.snapshot is not None)
    hidden = json.loads((await jp_fetch("hub-credits", "state")).body)
    assert (hidden["state"], hidden["reason"]) == ("polling", "")
    assert hidden["snapshot"]["balance"] == 95 and hidden["mode"] == "poll"
    assert ("polling", "") in states
    assert fake_hub.requests == [] and len(fake_hub.polls) == 1
    await jp_fetch("hub-credits", "claim", method="POST", body="")
    # The last balance at once, then live.
    visible = json.loads((await jp_fetch("hub-credits", "state")).body)
    assert visible["snapshot"]["balance"] == 95
    await until(lambda: relay.state == "live")
    assert ("live", "") in states
    assert len(fake_hub.requests) == 1


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
        for route in ("claim", "claim?lease=600"):
            assert (await client.post(f"{base}hub-credits/{route}")).status_code == 200
        await until(lambda: fake_hub.open == 1)
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
        (await jp_fetch("hub-credits", "claim", method="POST", body="")).body,
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


async def test_the_doctor_route_answers_the_owner_alone_and_names_no_secret(
    fake_hub: FakeHub, jp_fetch
):
    response = await jp_fetch("hub-credits", "doctor", headers={"X-Test-User": OWNER})
    findings = json.loads(response.body)["findings"]
    assert findings and all(set(f) == {"level", "title", "fix"} for f in findings)
    assert all(f["level"] in ("ok", "warn", "fail") for f in findings)
    titles = " ".join(f["title"] for f in findings)
    assert "started by a JupyterHub" in titles and "the server part is" in titles
    # No token and no environment value (the hub's URL) in what it says.
    assert HUB_TOKEN not in response.body.decode()
    assert fake_hub.api_url not in response.body.decode()
    assert "127.0.0.1" not in response.body.decode()
    for guest in ("bob", "mallory"):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch("hub-credits", "doctor", headers={"X-Test-User": guest})
        assert refused.value.code == 403

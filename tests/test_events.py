"""Change signals on Jupyter Server's event bus, and what GET state adds for pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_hub_credits.events import SCHEMA_ID, Signals, register

from conftest import FakeHub, until

pytestmark = pytest.mark.timeout(20)


def relay_of(jp_serverapp) -> Any:
    return jp_serverapp.web_app.settings["hub_credits_relay"]


async def test_the_schema_is_registered_when_the_extension_loads(fake_hub: FakeHub, jp_serverapp):
    assert SCHEMA_ID in jp_serverapp.event_logger.schemas.schema_ids


async def test_each_change_is_signalled_with_a_sequence_and_the_start_id_only(
    fake_hub: FakeHub, jp_serverapp, jp_fetch
):
    seen: list[dict[str, Any]] = []

    async def listener(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        seen.append(data)

    jp_serverapp.event_logger.add_listener(schema_id=SCHEMA_ID, listener=listener)
    first = json.loads((await jp_fetch("hub-credits", "state")).body)
    # A page's GET state answers at once (no numbers yet) and starts one poll.
    assert first["state"] == "connecting" and first["entries"] == []
    relay = relay_of(jp_serverapp)
    await until(lambda: relay.snapshot is not None and seen and seen[-1]["seq"] == relay.seq)
    state = json.loads((await jp_fetch("hub-credits", "state")).body)
    assert state["seq"] == relay.seq > first["seq"] and state["state"] == "polling"
    assert all(set(data) == {"seq", "start"} for data in seen)
    assert {data["start"] for data in seen} == {relay.start} == {state["start"]}
    assert [data["seq"] for data in seen] == sorted({data["seq"] for data in seen})


async def test_can_stop_is_decided_from_the_requests_identity(fake_hub: FakeHub, jp_fetch):
    from conftest import OWNER

    owner = json.loads(
        (await jp_fetch("hub-credits", "state", headers={"X-Test-User": OWNER})).body
    )
    guest = json.loads(
        (await jp_fetch("hub-credits", "state", headers={"X-Test-User": "olivia"})).body
    )
    assert owner["can_stop"] is True and guest["can_stop"] is False


class Strict:
    """An event logger of jupyter_events 0.12 and of older releases."""

    def __init__(self, wants: type):
        self.wants = wants
        self.registered: list[Any] = []
        self.emitted: list[Any] = []

    def register_event_schema(self, schema: dict[str, Any]) -> None:
        if not isinstance(schema["version"], self.wants):
            raise ValueError("version of the wrong type")
        self.registered.append(schema["version"])

    def emit(self, schema_id: str, data: dict[str, Any]) -> None:
        self.emitted.append((schema_id, data))


@pytest.mark.parametrize("wants, version", [(str, "1"), (int, 1)])
def test_the_schema_version_fits_old_and_new_jupyter_events(wants, version):
    logger = Strict(wants)
    signals = Signals(logger, "abc")
    assert logger.registered == [version]
    signals(7)
    assert logger.emitted == [(SCHEMA_ID, {"seq": 7, "start": "abc"})]


def test_without_an_event_logger_nothing_is_signalled():
    assert register(None) is False
    Signals(None, "abc")(1)  # no error


async def test_a_claim_streams_without_any_listener_then_lapses():
    from jupyterlab_hub_credits.relay import CLAIM_SECONDS, CreditsRelay

    from hubedge import EdgeHub, FakeClock

    clock = FakeClock()
    hub = EdgeHub(clock)
    relay = CreditsRelay(hub.env, transport=hub.transport, clock=clock, grace=60.0)
    try:
        relay.claim()
        await clock.advance(1)
        assert relay.mode == "stream" and len(hub.kinds("stream")) == 1
        await clock.advance(CLAIM_SECONDS + 60 - 2)
        assert relay.mode == "stream"
        relay.claim()  # renewed: still live
        await clock.advance(CLAIM_SECONDS)
        assert relay.mode == "stream" and len(hub.kinds("stream")) == 1
        await clock.advance(61)
        assert relay.mode == "off" and not hub.open
    finally:
        await relay.close()


async def test_the_claim_route_is_not_user_activity(fake_hub: FakeHub, jp_serverapp, jp_fetch):
    before = jp_serverapp.web_app.settings.get("api_last_activity")
    response = await jp_fetch("hub-credits", "claim", method="POST", body="")
    relay = relay_of(jp_serverapp)
    assert json.loads(response.body) == {"seq": relay.seq, "start": relay.start}
    await until(lambda: relay.mode == "stream")
    response = await jp_fetch(
        "hub-credits", "claim", method="POST", body="", params={"lease": "120"}
    )
    assert response.code == 200
    assert jp_serverapp.web_app.settings.get("api_last_activity") == before


async def test_get_state_after_a_time_gives_only_the_newer_samples(
    fake_hub: FakeHub, jp_serverapp, jp_fetch
):
    relay = relay_of(jp_serverapp)
    relay.history.extend([(1000.0, 90.0), (1010.0, 85.0), (1020.0, 80.0)])
    # (A page's GET state may kick one poll: its sample comes last.)
    whole = json.loads((await jp_fetch("hub-credits", "state")).body)
    assert [a for _, a in whole["history"][:3]] == [90.0, 85.0, 80.0]
    assert whole["history_after"] == 0
    newer = json.loads((await jp_fetch("hub-credits", "state", params={"after": "1010"})).body)
    assert newer["history"][0] == [1020.0, 80.0] and newer["history_after"] == 1010
    assert all(t > 1010 for t, _ in newer["history"])
    for bad in ("x", "-1", "inf"):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch("hub-credits", "state", params={"after": bad})
        assert refused.value.code == 400

"""Reads paced by the prediction (issue 27), against a simulation of the
hub's own rule (``scripts/bench/pacing.py``): while nobody looks, a server
asks the hub about once every 10–15 minutes while its stop is far, and
still knows in time where the hub's rule makes the stop predictable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jupyterlab_hub_credits import protocol
from jupyterlab_hub_credits.relay import CreditsRelay

from hubedge import EdgeHub, FakeClock, entry, settle

sys.path.insert(0, str(Path(__file__).parent.parent / "scripts" / "bench"))
from pacing import SCENARIOS, Scenario, simulate  # noqa: E402

#: A hidden page's lead with the default settings (the warning's 10 min).
LEAD = 600.0
#: The guard's default save lead: work is saved if the page knows this early.
SAVE_LEAD = 180.0


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_predictable_stops_are_known_in_time_at_a_quiet_pace(scenario: Scenario):
    outcome = await simulate(scenario, LEAD)
    assert outcome.stop is not None
    # Known before the stop, early enough for the default save.
    assert outcome.margin >= SAVE_LEAD, outcome.margin
    # While the stop was hours away: at most one request per 600 s (N / 600
    # requests a second from N servers), after the first hour's learning.
    assert outcome.per_hour(outcome.stop - 2 * 3600) <= 6.0


async def test_without_a_lead_a_lease_is_read_every_task_interval_as_before():
    clock = FakeClock()
    hub = EdgeHub(clock)
    relay = CreditsRelay(hub.env, transport=hub.transport, clock=clock, random=lambda: 0.5)
    for _ in range(12):
        relay.watch(600)
        await clock.advance(300)
    await relay.close()
    polls = hub.kinds("list")
    # Every 60 s (the default period before a task interval is known).
    assert 55 <= len(polls) <= 62


async def test_a_longer_lead_is_read_soon_not_at_the_planned_quiet_time():
    clock = FakeClock()
    hub = EdgeHub(clock)
    hub.entries = [{**entry("default", 95, 100), "grant_value": 0}]
    relay = CreditsRelay(hub.env, transport=hub.transport, clock=clock, random=lambda: 0.5)
    # Steady numbers over an hour and more: polls go quiet.
    for _ in range(24):
        relay.watch(600, 60)
        await clock.advance(300)
    before = len(hub.kinds("list"))
    await clock.advance(60)
    assert len(hub.kinds("list")) == before
    assert relay.prediction()["kind"] == "steady"
    # A kernel's on_low with a lead of an hour: asked at once.
    relay.watch(600, 3600)
    await settle()
    assert len(hub.kinds("list")) == before + 1
    await relay.close()


async def test_leads_held_are_bounded_and_lapse():
    clock = FakeClock()
    hub = EdgeHub(clock)
    relay = CreditsRelay(hub.env, transport=hub.transport, clock=clock)
    for lead in range(100):
        relay.watch(60, lead * 60)
    assert len(relay._leads) <= 16
    assert relay._lead(clock.now) == 99 * 60
    relay.watch(60, 10 * protocol.MAX_LEAD_SECONDS)
    assert relay._lead(clock.now) == protocol.MAX_LEAD_SECONDS
    await clock.advance(61)
    assert relay._lead(clock.now) is None
    await relay.close()

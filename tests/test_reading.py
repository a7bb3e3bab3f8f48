"""The reading rule of the relay's upstream, on a fake hub and a fake clock.

Streamed while a visible page's claim holds (90 s, renewed every 30 s, and
a grace period after), polled for a hidden page's lease and kernels'
watches, nothing when nobody needs numbers; the entry that pays chosen
from the list; reconnects spread after an outage.

A page is played as the page does it: visible, it renews its claim every
30 s (``visible_for``); hidden, it stops renewing (the stream lasts until
the last claim and the grace ran out) and, guarding work, holds a lease
(``relay.watch``); closed, it renews nothing. What it reads is what a
page learns on each change signal (``Changes``, from ``relay.on_change``).
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_hub_credits import protocol
from jupyterlab_hub_credits.policy import Timings
from jupyterlab_hub_credits.relay import CLAIM_SECONDS, FREE_REASON, CreditsRelay
from jupyterlab_hub_credits.rule import Reading
from jupyterlab_hub_credits.state import SERVER_STATES, state_document

from hubedge import TOKEN, EdgeHub, FakeClock, entry, settle

sys.path.insert(0, str(Path(__file__).parent.parent / "scripts" / "bench" / "hubload"))
from readers import AlwaysStream  # noqa: E402 - the benchmark's own relay

pytestmark = pytest.mark.timeout(30)

TIMINGS = Timings(backoff_base=5, backoff_cap=60, connect_timeout=10, heartbeat_timeout=24)
NUMBERS = Reading(poll_default=60, poll_min=30, visible_poll_min=10, task_interval_max=3600)


MADE: list[CreditsRelay] = []


@pytest.fixture(autouse=True)
def close_relays(jp_asyncio_loop):
    yield
    while MADE:
        jp_asyncio_loop.run_until_complete(MADE.pop().close())


def make(hub: EdgeHub, clock: FakeClock, rand=lambda: 0.5, always=False, **options) -> CreditsRelay:
    """A relay on the hub's edge; ``always``: the hub-load benchmark's relay
    before the reading rule (``AlwaysStream``)."""
    options.setdefault("grace", 60.0)
    relay = (AlwaysStream if always else CreditsRelay)(
        hub.env,
        timings=TIMINGS,
        transport=hub.transport,
        random=rand,
        clock=clock,
        numbers=NUMBERS,
        **options,
    )
    MADE.append(relay)
    return relay


#: A visible page renews its claim this often (30 s); a hidden one that
#: guards work holds a lease this long (600 s).
RENEW = protocol.PRESENCE["claimEverySeconds"]
LEASE = protocol.PRESENCE["leaseSeconds"]


class Changes:
    """What a page learns: at each change signal (``on_change``), the
    relay's state and reason (each new pair) and, at each delivery, the
    numbers (``[]`` once the server is free)."""

    def __init__(self, relay: CreditsRelay):
        self.relay = relay
        self.seqs: list[int] = []
        self.states: list[tuple[str, str]] = []
        self.data: list[Any] = []
        self._updated = relay.updated
        relay.on_change(self)

    def __call__(self, seq: int) -> None:
        relay = self.relay
        self.seqs.append(seq)
        if not self.states or self.states[-1] != (relay.state, relay.reason):
            self.states.append((relay.state, relay.reason))
        if relay.updated != self._updated:
            self._updated = relay.updated
            self.data.append([] if relay.free else relay.snapshot)


async def visible_for(clock: FakeClock, seconds: float, *relays: CreditsRelay) -> None:
    """A visible page on each relay for ``seconds``: a claim every 30 s."""
    done = 0.0
    while done < seconds:
        for relay in relays:
            relay.claim()
        step = min(RENEW, seconds - done)
        await clock.advance(step)
        done += step


def document(relay: CreditsRelay, clock: FakeClock) -> dict[str, Any]:
    """What a page's ``GET state`` answers now."""
    return state_document(relay, 10.0, 25.0, clock.time())


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def hub(clock):
    return EdgeHub(clock)


async def stream_for(hub, clock, relay, seconds, every=10.0, bill=1.0, renew=False):
    """The hub's credit task runs every ``every`` s for ``seconds``; with
    ``renew`` a visible page renews its claim meanwhile (tests longer than
    a claim)."""
    for _ in range(int(seconds // every)):
        if renew:
            await visible_for(clock, every, relay)
        else:
            await clock.advance(every)
        hub.bill(bill)
        await settle()


async def test_a_visible_tab_gets_the_stream_and_no_poll(hub, clock):
    relay = make(hub, clock)
    changes = Changes(relay)
    relay.claim()
    await settle()
    assert relay.mode == "stream"
    assert hub.kinds("stream") == [clock.now] and hub.kinds("list") == []
    assert hub.auth == [f"token {TOKEN}"]
    await stream_for(hub, clock, relay, 30)
    assert changes.data[-1] == relay.snapshot == {"balance": 92, "cap": 100}
    assert document(relay, clock)["snapshot"] == {"balance": 92, "cap": 100}
    # One read of the list, for the entry's name and grants, no sooner than
    # the backoff base after the stream opened; never again.
    (learn,) = hub.kinds("list")
    assert learn - hub.kinds("stream")[0] >= 5
    assert relay.entries()[0]["name"] == "default"
    assert relay.state == "live" and len(hub.requests) == 2
    await relay.close()


async def test_while_polling_the_state_says_when_the_next_poll_goes(hub, clock):
    relay = make(hub, clock)  # jitter 0.5: each wait is the period (60 s)
    relay.watch(LEASE)
    await settle()
    first = hub.kinds("list")[-1]
    doc = document(relay, clock)
    assert doc["state"] == "polling"
    assert doc["next_attempt"] == pytest.approx(clock.time() + 60.0)
    await clock.advance(61)
    assert hub.kinds("list")[-1] == pytest.approx(first + 60.0)
    assert document(relay, clock)["next_attempt"] == pytest.approx(clock.time() + 59.0)
    relay._watch_until = 0.0  # the lease lapses: nothing planned
    relay._touch()
    await settle()
    assert relay.mode == "off" and document(relay, clock)["next_attempt"] is None
    await relay.close()


async def test_a_hidden_tab_is_polled_jittered_about_once_a_task_interval(hub, clock):
    jitter = iter([0.0, 0.99, 0.5] * 20)
    relay = make(hub, clock, rand=lambda: next(jitter))
    changes = Changes(relay)
    relay.watch(LEASE)  # a hidden page's lease
    await settle()
    assert relay.mode == "poll" and relay.state == "polling"
    assert hub.kinds("stream") == []
    assert changes.data == [
        {
            "balance": 95,
            "cap": 100,
            "grant_value": 10,
            "grant_interval": 600,
            "grant_last_update": "2026-01-09T12:00:00.123456",
        }
    ]
    start = clock.now
    await clock.advance(400)
    polls = [t - start for t in hub.kinds("list")]
    # 60 s before the interval is known, each wait in [0.5, 1.5] x 60 s.
    gaps = [b - a for a, b in zip(polls, polls[1:])]
    assert gaps[:3] == pytest.approx([30.0, 89.4, 60.0])
    assert all(30 <= g <= 90 for g in gaps)
    assert hub.kinds("stream") == []
    await relay.close()


async def test_no_hub_request_at_all_when_nobody_needs_numbers(hub, clock):
    relay = make(hub, clock)
    await clock.advance(3600)
    assert hub.requests == [] and relay.mode == "off" and not relay.upstream_running
    # A hidden page's lease, then the page closes: nothing renews it.
    relay.watch(LEASE)
    await settle()
    assert len(hub.requests) == 1
    await clock.advance(LEASE)
    assert relay.mode == "off" and not relay.upstream_running
    before = len(hub.requests)
    await clock.advance(3600)
    assert len(hub.requests) == before


async def test_the_stream_is_kept_for_the_claim_and_the_grace_period_then_polled(hub, clock):
    relay = make(hub, clock)
    changes = Changes(relay)
    relay.claim()
    await stream_for(hub, clock, relay, 50)
    learned = hub.kinds("list")  # the one read for names and grants
    assert len(learned) == 1
    # The tab hides at 1050 s (its lease asks for polled numbers): its last
    # claim (1000 s) holds 90 s, then the grace (60 s): the stream lasts
    # until 1150 s.
    relay.watch(LEASE)
    await clock.advance(1000 + CLAIM_SECONDS + 60 - 1 - clock.now)
    assert relay.mode == "stream" and len(hub.open) == 1
    assert hub.kinds("list") == learned
    # Back within the grace period (a claim), hidden again: the same
    # stream, no new connection, until that claim and the grace ran out.
    relay.claim()
    await clock.advance(CLAIM_SECONDS + 60 - 1)
    assert hub.kinds("stream") == [1000.0] and len(hub.open) == 1
    await clock.advance(2)
    assert relay.mode == "poll" and len(hub.open) == 0
    assert relay.status()["claimed"] is False
    # One poll at once (it matches the entry), the lease still there.
    assert len(hub.kinds("list")) == len(learned) + 1
    assert changes.states[-1][0] == "polling"
    assert relay.upstream_running
    await relay.close()


async def test_a_tab_that_becomes_visible_is_live_at_once_and_had_the_last_balance(hub, clock):
    relay = make(hub, clock)
    relay.watch(LEASE)  # a hidden page
    await settle()
    hub.bill(5, push=False)
    await clock.advance(45)
    # A second page, visible: its GET state has the last polled balance at
    # once, then it is live.
    relay.claim()
    first = document(relay, clock)
    assert (first["state"], first["reason"]) == ("polling", "")
    assert first["snapshot"]["balance"] == 95
    await settle()
    assert relay.mode == "stream" and hub.kinds("stream") == [clock.now]
    assert document(relay, clock)["snapshot"] == {"balance": 90, "cap": 100}
    assert relay.state == "live" and relay.status()["claimed"] is True
    await relay.close()


async def test_the_poll_period_follows_the_task_interval_the_stream_showed(hub, clock):
    relay = make(hub, clock, grace=0.0)
    relay.claim()
    await stream_for(hub, clock, relay, 200, every=45, renew=True)
    assert relay.task_interval == pytest.approx(45)
    # The tab hides (its lease asks for polled numbers): the stream lasts
    # until its last claim ran out (no grace here), then polls.
    hidden = clock.now
    relay.watch(3600)
    await settle()
    await clock.advance(1000)
    polls = hub.kinds("list")[1:]  # after the one read while streaming
    assert hidden < polls[0] <= hidden + CLAIM_SECONDS
    gaps = [b - a for a, b in zip(polls, polls[1:])]
    assert gaps and all(g == pytest.approx(45) for g in gaps)  # jitter 0.5 -> x1.0
    await relay.close()


async def test_never_polls_more_often_than_the_minimum(hub, clock):
    relay = make(hub, clock, grace=0.0)
    relay.claim()
    await stream_for(hub, clock, relay, 50, every=2)
    assert relay.task_interval == pytest.approx(2)
    # Hidden at 1050 s: streamed until the claim ran out (1090 s, no grace
    # here), then polled for the lease.
    relay.watch(LEASE)
    await settle()
    await clock.advance(1000 + CLAIM_SECONDS - clock.now + 300)
    polls = hub.kinds("list")[1:]  # after the one read while streaming
    assert polls[0] == 1000 + CLAIM_SECONDS
    assert all(b - a >= 30 for a, b in zip(polls, polls[1:]))
    assert len(polls) == 1 + 300 // 30
    await relay.close()


async def test_a_kernels_watch_is_polled_with_no_browser_and_ends(hub, clock):
    relay = make(hub, clock)
    relay.watch(300)
    await settle()
    assert relay.mode == "poll" and relay.status()["claimed"] is False
    assert relay.snapshot == {
        "balance": 95,
        "cap": 100,
        "grant_value": 10,
        "grant_interval": 600,
        "grant_last_update": "2026-01-09T12:00:00.123456",
    }
    hub.bill(10, push=False)
    await clock.advance(61)
    assert relay.snapshot["balance"] == 85
    assert [a for _, a in relay.history] == [95, 85]
    await clock.advance(300)
    assert relay.mode == "off" and not relay.upstream_running
    count = len(hub.requests)
    await clock.advance(3600)
    assert len(hub.requests) == count and hub.kinds("stream") == []


async def test_state_without_readers_polls_once_and_stops(hub, clock):
    relay = make(hub, clock)
    await relay.fresh()
    assert relay.snapshot["balance"] == 95 and relay.state == "polling"
    await clock.advance(600)
    assert len(hub.requests) == 1 and relay.mode == "off"
    # Asked again soon: the numbers are recent enough, no request.
    await relay.fresh()
    assert len(hub.requests) == 1


async def test_the_entry_the_stream_showed_is_the_one_polled(hub, clock):
    hub.entries = [
        entry("default", 95, 100),
        entry("gpu", 40, 50, project={"name": "lab", "balance": 7, "cap": 9}),
    ]
    hub.paying = "gpu"
    relay = make(hub, clock, grace=0.0)
    relay.claim()
    await stream_for(hub, clock, relay, 20)
    # Hidden (a lease): streamed until the claim ran out (no grace), then polled.
    relay.watch(LEASE)
    await clock.advance(1000 + CLAIM_SECONDS - clock.now)
    assert relay.mode == "poll"
    assert relay.entry_info() == {"name": "gpu", "ambiguous": False}
    assert relay.snapshot["balance"] == 38 and relay.snapshot["project"]["name"] == "lab"
    assert relay.reason == ""
    hub.bill(3, push=False)
    await clock.advance(61)
    assert relay.snapshot["balance"] == 35
    # Streamed again: the estimate still gets the grants the list stated.
    relay.claim()
    await settle()
    assert relay.mode == "stream" and "grant_value" not in relay.snapshot
    assert relay.paying()["grant_value"] == 10
    assert relay.paying()["project"]["grant_interval"] == 300


async def test_with_no_snapshot_to_match_the_choice_is_a_guess_and_said(hub, clock):
    hub.entries = [entry("gpu", 40, 50), entry("default", 95, 100)]
    relay = make(hub, clock)
    changes = Changes(relay)
    relay.watch(LEASE)
    await settle()
    assert relay.entry_info() == {"name": "default", "ambiguous": True}
    assert relay.reason == "which entry pays for this server is a guess: default"
    assert ("polling", relay.reason) in changes.states
    assert document(relay, clock)["entry"] == {"name": "default", "ambiguous": True}
    await relay.close()


@pytest.mark.parametrize(
    "status, body",
    [(200, b"[]"), (404, b'{"status": 404, "message": "No credit entry found for user"}')],
)
async def test_a_server_no_entry_pays_for_is_free(hub, clock, status, body):
    hub.list_status, hub.list_body = status, body
    relay = make(hub, clock)
    relay.watch(LEASE)
    await settle()
    assert relay.free and relay.snapshot is None and relay.entry_info() is None
    assert (relay.state, relay.reason) == ("polling", FREE_REASON)
    await relay.close()


@pytest.mark.parametrize(
    "status, body, state",
    [
        (403, b'{"message": "Not authenticated"}', "unreachable"),
        (302, b"", "unreachable"),
        (404, b'{"status": 404, "message": "Not Found"}', "unavailable"),
        (404, b'{"message": "Credits function is currently disabled"}', "unavailable"),
    ],
)
async def test_a_refused_or_missing_list_is_terminal(hub, clock, status, body, state):
    hub.list_status, hub.list_body = status, body
    relay = make(hub, clock)
    relay.watch(LEASE)
    await settle()
    await clock.advance(300)
    relay.watch(LEASE)  # renewed by the page: still no request
    await clock.advance(300)
    assert relay.state == state and len(hub.requests) == 1


async def test_a_list_larger_than_1_mb_is_not_read(hub, clock):
    hub.list_body = b"[" + b" " * (1 << 20) + b"]"
    relay = make(hub, clock)
    relay.watch(LEASE)
    await settle()
    assert relay.state == "reconnecting"
    assert "larger than 1 MB" in relay.reason
    await relay.close()


async def test_the_admins_poll_only_reading_polls_visible_tabs_too(hub, clock):
    # No stream, so no task interval is learned: the default period, as in
    # the browser (at 5,000 servers a 10-s period saturated the hub).
    relay = make(hub, clock, reading="poll")
    relay.claim()
    await settle()
    await visible_for(clock, 600, relay)
    assert hub.kinds("stream") == []
    polls = hub.kinds("list")
    assert [b - a for a, b in zip(polls, polls[1:])] == [60.0] * 10
    await relay.close()


async def test_always_stream_keeps_the_behaviour_before_the_rule(hub, clock):
    relay = make(hub, clock, always=True, grace=30.0)
    # A hidden page's lease is streamed too, until it runs out (no grace:
    # the grace follows claims).
    relay.watch(100)
    await settle()
    assert relay.mode == "stream" and hub.kinds("list") == []
    await clock.advance(99)
    assert len(hub.open) == 1
    await clock.advance(2)
    assert len(hub.open) == 0 and relay.mode == "off"
    # A visible page's claim: the stream, kept for the grace after it lapsed.
    relay.claim()
    await settle()
    assert relay.mode == "stream" and len(hub.kinds("stream")) == 2
    await clock.advance(CLAIM_SECONDS + 30 - 1)
    assert len(hub.open) == 1
    await clock.advance(2)
    assert len(hub.open) == 0 and relay.mode == "off"
    # A kernel's watch.
    relay.watch(100)
    await settle()
    assert relay.mode == "stream" and len(hub.kinds("stream")) == 3
    assert hub.kinds("list") == []
    await relay.close()


async def test_claims_and_leases_coming_and_going_keep_one_reading(hub, clock):
    """Mode switches (stream, poll, stream, ...) never end the reading nor
    leave a second stream open; the change signals count up."""
    relay = make(hub, clock, grace=5.0)
    changes = Changes(relay)
    relay.watch(LEASE)  # a hidden page guards work throughout
    for visible in (True, False, True, False, True):
        if visible:
            relay.claim()
        await settle()
        assert relay.mode == ("stream" if visible else "poll") and relay.upstream_running
        assert relay.state in ("live", "polling") and len(hub.open) == (1 if visible else 0)
        await clock.advance(CLAIM_SECONDS + 5 + 1)  # the claim and its grace ran out
        assert relay.mode == "poll" and not hub.open and relay.state == "polling"
    assert len(hub.kinds("stream")) == 3
    assert changes.seqs == sorted(set(changes.seqs)) and changes.seqs[-1] == relay.seq
    assert all(state in SERVER_STATES for state, _ in changes.states)
    await relay.close()


async def test_reconnects_after_an_outage_spread_over_the_task_interval(clock):
    """50 servers, the hub's task every 20 s: after the hub drops every
    stream, the first retries spread over the restart spread (protocol.json:
    2.5 task intervals, 50 s; none sooner than the backoff base), not a wave
    in a second: the busiest second stays under N / interval."""
    rng = random.Random(7)
    hubs = [EdgeHub(clock, user=f"u{i}") for i in range(50)]
    relays = [make(h, clock, rand=rng.random) for h in hubs]
    for _ in range(5):
        await visible_for(clock, 20, *relays)
        for h in hubs:
            h.bill(1)
        await settle()
    assert all(r.task_interval == pytest.approx(20) for r in relays)
    outage = clock.now
    for h in hubs:
        h.drop_all()
    await settle()
    window = 20 * protocol.RESTART_SPREAD_TASK_INTERVALS
    base = TIMINGS.backoff_base
    await visible_for(clock, base + window + 5, *relays)
    retries = [h.kinds("stream")[1] - outage for h in hubs]
    # Over the whole spread, after the first window: [base, base + spread].
    assert min(retries) >= base and max(retries) <= base + window
    assert max(retries) > base + 0.8 * window and min(retries) < base + 0.3 * window
    per_second = Counter(int(t) for t in retries)
    assert max(per_second.values()) <= 6  # a 1-s first window put all 50 in one
    # Any 10 s hold at most N / task interval per second on average.
    ten = [
        sum(per_second[s] for s in range(start, start + 10))
        for start in range(0, int(base + window) - 9)
    ]
    assert max(ten) <= 50 / 20 * 10
    assert all(r.state == "live" for r in relays)
    for relay in relays:
        await relay.close()


async def test_with_a_long_task_interval_the_first_retry_stays_within_the_cap(clock):
    """A 10-minute task: 2.5 intervals would be 25 min; the spread is capped
    (5 min, after the first window of 5 s)."""
    hub = EdgeHub(clock, user="slow")
    relay = make(hub, clock, rand=lambda: 0.999)
    for _ in range(5):
        await visible_for(clock, 600, relay)
        hub.bill(1)
        await settle()
    assert relay.task_interval == pytest.approx(600)
    outage = clock.now
    hub.drop_all()
    await settle()
    cap = TIMINGS.backoff_base + protocol.RESTART_SPREAD_MAX_SECONDS
    await visible_for(clock, 0.99 * cap, relay)
    assert len(hub.kinds("stream")) == 1
    await visible_for(clock, 0.01 * cap + 1, relay)
    assert len(hub.kinds("stream")) == 2
    assert hub.kinds("stream")[1] - outage <= cap
    await relay.close()


@pytest.mark.parametrize("rand, first", [(0.999, 9.995), (0.0, 5.0)])
async def test_before_the_interval_is_known_the_first_retry_is_within_one_to_two_bases(
    hub, clock, rand, first
):
    relay = make(hub, clock, rand=lambda: rand)
    relay.claim()
    await settle()
    hub.drop_all()
    await settle()
    assert relay.state == "reconnecting"
    await clock.advance(first - 0.1)
    assert len(hub.kinds("stream")) == 1
    await clock.advance(0.2)
    assert len(hub.kinds("stream")) == 2
    await relay.close()


async def test_stop_asks_the_hub_with_the_servers_token(hub, clock):
    relay = make(hub, clock)
    assert await relay.stop_server() == (204, "")
    assert hub.requests[-1][:2] == ("DELETE", "stop") and hub.auth[-1] == f"token {TOKEN}"
    hub.stop_status = 403
    status, message = await relay.stop_server()
    assert status == 403 and "HTTP 403" in message


@pytest.mark.parametrize("rounds", range(8))
async def test_a_claim_that_comes_while_the_upstream_winds_down_is_served(hub, clock, rounds):
    relay = make(hub, clock, grace=0.0)
    relay.claim()
    await settle()
    # The page hid: its claim runs out (no grace here) and the upstream
    # winds down; after ``rounds`` steps of the loop the page is back.
    await clock.advance(CLAIM_SECONDS - 1)
    clock.jump(1)
    for _ in range(rounds):
        await asyncio.sleep(0)
    relay.claim()
    await settle()
    assert relay.mode == "stream" and relay.state == "live" and len(hub.open) == 1


async def test_state_for_a_live_stream_that_sends_nothing_returns_soon(hub, clock):
    hub.entries = []  # a free server: the stream sends keepalives only
    hub.snapshot = lambda: None
    relay = make(hub, clock, always=True)
    relay.claim()
    await settle()
    asking = asyncio.ensure_future(relay.fresh())
    await clock.advance(0.9)
    assert not asking.done()
    await clock.advance(0.2)
    assert asking.done() and relay.state == "live"


async def test_always_stream_retries_as_before_within_the_backoff_base(hub, clock):
    relay = make(hub, clock, always=True, rand=lambda: 0.999)
    relay.claim()
    await stream_for(hub, clock, relay, 60, every=20)
    assert relay.task_interval == pytest.approx(20)
    hub.drop_all()
    await settle()
    await clock.advance(5.1)  # the base (5 s here), not the 20-s task interval
    assert len(hub.kinds("stream")) == 2


async def test_a_hub_that_refuses_the_stream_but_lists_credits_is_polled_for_claims(hub, clock):
    # Credit service 0.3.x: the stream wants read:servers, the server's token lacks it.
    hub.stream_status = 403
    relay = make(hub, clock)
    changes = Changes(relay)
    relay.claim()
    await settle()
    # The list is asked no sooner than a retry would come (5 s x 1.5 here).
    assert relay.mode == "poll" and hub.kinds("list") == []
    await clock.advance(7.6)
    assert relay.state == "polling" and hub.kinds("list") == [1007.5]
    assert "HTTP 403" in relay.status()["stream_refused"]
    await visible_for(clock, 180, relay)
    assert len(hub.kinds("stream")) == 1
    polls = hub.kinds("list")
    assert [b - a for a, b in zip(polls, polls[1:])] == [60.0, 60.0, 60.0]
    assert changes.data[-1]["balance"] == 95
    # Refused there too: refused.
    hub.list_status, hub.list_body = 403, b"{}"
    await visible_for(clock, 60, relay)
    assert relay.state == "unreachable"


async def test_always_stream_takes_a_refused_stream_as_refused(hub, clock):
    hub.stream_status = 403
    relay = make(hub, clock, always=True)
    relay.claim()
    await settle()
    assert relay.state == "unreachable" and hub.kinds("list") == []


async def test_a_failed_poll_comes_back_no_sooner_than_the_next_poll_would(hub, clock):
    # After a hub restart the pollers keep their usual rate: no wave of retries.
    relay = make(hub, clock, reading="poll")
    relay.claim()
    await settle()
    hub.list_status = 503
    await visible_for(clock, 60, relay)
    assert relay.state == "reconnecting"
    await visible_for(clock, 59, relay)
    assert len(hub.kinds("list")) == 2
    await visible_for(clock, 1, relay)
    polls = hub.kinds("list")
    assert [b - a for a, b in zip(polls, polls[1:])] == [60.0, 60.0]
    await relay.close()


async def test_a_page_that_showed_numbers_learns_when_the_server_becomes_free(hub, clock):
    relay = make(hub, clock)
    changes = Changes(relay)
    relay.watch(LEASE)
    await settle()
    assert changes.data[-1]["balance"] == 95
    shown = len(changes.data)
    hub.list_status, hub.list_body = 404, b'{"message": "No credit entry found for user"}'
    await clock.advance(60)
    assert relay.free
    assert changes.data[shown:] == [[]]
    now = document(relay, clock)
    assert now["free"] is True and now["snapshot"] is None and now["entries"] == []
    assert (now["state"], now["reason"]) == ("polling", FREE_REASON)
    await relay.close()


async def test_a_tab_becoming_visible_after_a_failed_poll_is_live_when_the_backoff_allows(
    hub, clock
):
    """Not after the poll period (60 s), but not before the backoff either:
    a page coming back never resets the relay's failures."""
    relay = make(hub, clock, rand=lambda: 0.5)
    relay.watch(LEASE)  # hidden
    await settle()
    hub.list_status = 503
    await clock.advance(60)
    assert relay.state == "reconnecting"
    failed = hub.kinds("list")[-1]
    relay.claim()  # visible
    await settle()
    assert hub.kinds("stream") == [] and relay.mode == "stream"
    await clock.advance(failed + 7.5 - clock.now + 0.1)  # the first window, 5 s x 1.5
    assert len(hub.kinds("stream")) == 1
    await relay.close()

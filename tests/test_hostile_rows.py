"""The hostile-hub table of issue 25, one test per row (each failed before).

1. a JSON list on the per-server stream: was an AttributeError and a
   restart at once (4,789 requests in 20 s); now unreadable, retried with
   the backoff;
2. JSON nested 100,000 deep (list, 404 body, the stop's answer): was a
   RecursionError, bursts of polls and a stop answering 500; now unreadable
   and retried, a 404 terminal, the stop answered;
3. a gzip body (a 300-MB event as ~300 KB): was 1,879 MB more memory; now
   ``identity`` is asked for and what is decoded is capped;
4. 503 with ``Retry-After: 120`` while ``GET state`` is asked 50 times
   0.1 s apart: was 50 polls; now one;
5. ``1e400``, a string cap, a 400-digit integer: were ``Infinity``, a 500
   and an OverflowError in user code; now unreadable, never a number, and
   the kernel API never raises.
"""

from __future__ import annotations

import asyncio
import threading
import tracemalloc
import zlib
from typing import Any

import pytest
from test_credits import FakeRelay, document
from test_hostile import NUMBERS, TIMINGS, HostileHub, QuietClock, strict

from jupyterlab_hub_credits.credits import snapshot_of
from jupyterlab_hub_credits.hubenv import HubEnv
from jupyterlab_hub_credits.relay import CreditsRelay
from jupyterlab_hub_credits.state import state_json

from conftest import until

pytestmark = pytest.mark.timeout(60)


def answer(status: int = 200, body: bytes = b"", **shape: Any) -> dict[str, Any]:
    return {
        "kind": "answer",
        "status": status,
        "type": "text/event-stream",
        "retry_after": None,
        "encoding": "",
        "body": body,
        "compress": False,
        "chunks": 1,
        "delay": 0,
        "then": "hold",
        **shape,
    }


def relay_for(hub: HostileHub, clock: QuietClock, **options: Any) -> CreditsRelay:
    return CreditsRelay(
        HubEnv("http://hub.test/hub/api", "token", "alice"),
        timings=TIMINGS,
        numbers=NUMBERS,
        transport=hub,
        random=lambda: 0.5,
        clock=clock,
        **options,
    )


async def test_row_1_a_list_on_the_stream_is_retried_with_the_backoff():
    clock = QuietClock()
    hub = HostileHub(clock, [answer(body=b"\n\ndata: []\n\n")])
    relay = relay_for(hub, clock)
    relay.claim()
    await clock.advance(60)
    requests = len(hub.requests)
    assert 1 < requests <= 6
    assert relay.state == "reconnecting" and "unreadable" in relay.reason
    document = strict(state_json(relay, 10, 25, clock.time()))
    assert document["snapshot"] is None
    await relay.close()


DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_404 = b'{"message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


async def test_row_2_deep_json_is_unreadable_never_a_recursion_error():
    clock = QuietClock()
    hub = HostileHub(clock, [answer(body=DEEP, type="application/json", then="end")])
    relay = relay_for(hub, clock)
    for _ in range(60):  # a kernel asking every second
        asyncio.ensure_future(relay.fresh())
        await clock.advance(1)
    assert 1 <= len(hub.requests) <= 6
    assert relay.state == "reconnecting" and "nests deeper than 64" in relay.reason
    await relay.close()
    # A deep 404 body: no credit service (terminal), read without a crash.
    hub = HostileHub(clock, [answer(404, DEEP_404, type="application/json", then="end")])
    relay = relay_for(hub, clock)
    await relay.fresh()
    await clock.advance(1)
    assert relay.state == "unavailable"
    # The stop's answer is read the same way: an answer, never a 500.
    status, message = await relay.stop_server()
    assert status == 404 and "did not stop" in message
    await relay.close()


def bomb(size: int) -> bytes:
    """gzip of one event of ``size`` bytes, made without holding it."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [packer.compress(b'data: {"balance": 1, "cap": 2, "x": "')]
    block = b"a" * 2**20
    for _ in range(size // len(block)):
        out.append(packer.compress(block))
    out.append(packer.compress(b'"}\n\n'))
    out.append(packer.flush())
    return b"".join(out)


async def test_row_3_compressed_bodies_are_capped_after_decoding():
    body = bomb(300 * 2**20)
    assert len(body) < 2**20
    clock = QuietClock()
    gz = answer(body=body, encoding="gzip", chunks=4)
    hub = HostileHub(clock, [gz, answer(200, body, type="application/json", encoding="gzip")])
    relay = relay_for(hub, clock)
    tracemalloc.start()
    try:
        relay.claim()
        await clock.advance(1)
        assert "larger than 1 MB" in relay.reason and relay.snapshot is None
        status, _ = await relay.stop_server()  # a 300-MB answer to the stop
        assert status == 200
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MB"
    await relay.close()
    # (HostileHub checks that every request asked for ``Accept-Encoding: identity``.)


async def test_row_4_retry_after_holds_across_state_requests():
    clock = QuietClock()
    busy = answer(503, b"{}", type="application/json", retry_after="120", then="end")
    hub = HostileHub(clock, [busy])
    relay = relay_for(hub, clock)
    for _ in range(50):  # credits.now() in a loop, no page open
        await relay.fresh(timeout=0.05)
        await clock.advance(0.1)
    assert len(hub.requests) == 1
    # Retry-After is honoured within the backoff's bounds (its cap, 60 s).
    await clock.advance(50)
    await relay.fresh(timeout=0.05)
    assert len(hub.requests) == 1
    await relay.close()


@pytest.mark.parametrize(
    "event",
    [
        b'{"balance": 1e400, "cap": "x"}',
        b'{"balance": 1e400, "cap": 100}',
        b'{"balance": 95, "cap": "x"}',
        b'{"balance": 1' + b"0" * 400 + b', "cap": 100}',
    ],
)
async def test_row_5_odd_numbers_are_unreadable_never_shown(event):
    clock = QuietClock()
    hub = HostileHub(clock, [answer(body=b"data: " + event + b"\n\n")])
    relay = relay_for(hub, clock)
    relay.claim()
    await clock.advance(1)
    document = strict(state_json(relay, 10, 25, clock.time()))
    assert document["snapshot"] is None and document["history"] == []
    assert "unreadable" in relay.reason
    await relay.close()


def test_row_5_the_kernel_reads_a_400_digit_number_without_raising():
    snapshot = snapshot_of(document(snapshot={"balance": 10**400, "cap": 100}))
    assert snapshot.balance is None
    snapshot = snapshot_of(
        document(
            snapshot={
                "balance": 1e308,
                "cap": 1,
                "project": {"name": "p", "balance": 1e308, "cap": 1},
            }
        )
    )
    assert snapshot.available is None
    snapshot.text()


async def test_row_5_on_low_keeps_working_through_odd_answers_and_ends_when_unwatched():
    relay = FakeRelay()
    try:
        from jupyterlab_hub_credits.credits import Credits

        credits = Credits(relay.endpoint, from_environment=False, check_every=0.05)
        relay.body = b'{"state": "live", "snapshot": {"balance": 1' + b"0" * 400 + b', "cap": 1}}'
        calls: list[Any] = []
        watch = credits.on_low(calls.append, minutes=5)
        await until(lambda: len(relay.requests) >= 3)
        assert credits.running
        relay.body = document(level="critical", snapshot={"balance": 1, "cap": 100})
        await until(lambda: len(calls) == 1)
        assert credits.now().balance == 1
        watch.cancel()
        await until(lambda: not credits.running)
        assert not [t for t in threading.enumerate() if t.name.startswith("jupyterlab-hub-credits")]
        credits.close()
    finally:
        relay.close()

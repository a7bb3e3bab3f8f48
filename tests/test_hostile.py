"""Generated hostile hubs: whatever the hub answers, the relay keeps its promises.

A fake hub at the network edge (an in-process ``httpx`` transport) draws
every answer: status, headers (``Retry-After`` of any form, content types,
compression), bodies (valid and broken JSON, SSE framing cut anywhere,
lines past the cap, deep nesting, wrong types, odd numbers), delays and
disconnects, all on the relay's fake clock. Who needs numbers is drawn
too: a visible page (its claim renewed every 30 s), a hidden one (its
lease of 600 s renewed every 300 s), or only a kernel asking ``GET state``.

The invariants are checked on what the relay hands out (``GET state``'s
JSON, and what a page reads at each change signal) and on the requests
the hub saw:

- no two hub requests closer than the backoff's first window, at most 6 in
  any 60 s of clock time;
- the state is always a defined one, with a reason where it is not fine;
- ``GET state`` is always valid JSON (no ``NaN``/``Infinity``) and never an error;
- at each change signal (its ``seq`` counting up) the state is defined and
  the numbers valid (or none);
- the history and the waiters stay within their sizes;
- no exception escapes: none reaches the event loop, none is "unexpected".
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import logging
import random
import re
import zlib
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyterlab_hub_credits import protocol
from jupyterlab_hub_credits.hubenv import HubEnv
from jupyterlab_hub_credits.policy import Timings
from jupyterlab_hub_credits.protocol import REASONS
from jupyterlab_hub_credits.relay import HISTORY_LIMIT, CreditsRelay
from jupyterlab_hub_credits.rule import Reading
from jupyterlab_hub_credits.state import SERVER_STATES, state_json

from hubedge import FakeClock

TIMINGS = Timings(backoff_base=5, backoff_cap=60, connect_timeout=10, heartbeat_timeout=24)
NUMBERS = Reading(poll_default=60, poll_min=30, visible_poll_min=10, task_interval_max=3600)
#: A small cap keeps 10,000 cases fast; lines past it are drawn.
LIMIT = 2048
SECONDS = 120
#: How a visible page renews its claim, and a hidden page its lease (s).
CLAIM_EVERY = int(protocol.PRESENCE["claimEverySeconds"])
LEASE = protocol.PRESENCE["leaseSeconds"]
LEASE_EVERY = int(protocol.PRESENCE["leaseEverySeconds"])
#: The codes the server part says (of protocol.json's one list).
STATES = set(SERVER_STATES)
FINE = {"connecting", "live", "polling"}

# -- what the hub may send ----------------------------------------------------
#
# Bodies come from a pool made once by a seeded generator (drawing each byte
# through Hypothesis would make 10,000 cases take minutes); Hypothesis draws
# which bodies, where they are cut, and everything else.

ODD_NUMBERS = ["1e400", "-1e400", "1" + "0" * 400, "NaN", "Infinity", "-0", "1e-400", "0.5", "-3"]
SCALARS = ['"x"', "true", "null", '""', "[]", "{}", "95", "100", "0", "2.5e3"]


def _scalar(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.4:
        return str(rng.choice([0, 5, 95, 100, 10**6]))
    if pick < 0.6:
        return rng.choice(ODD_NUMBERS)
    if pick < 0.7:
        return repr(rng.uniform(-1e308, 1e308))
    return rng.choice(SCALARS)


def _snapshot(rng: random.Random) -> str:
    """A per-server event's JSON text: mostly well-formed, fields of any type."""
    fields = []
    if rng.random() < 0.8:
        fields.append('"balance": ' + _scalar(rng))
    if rng.random() < 0.8:
        fields.append('"cap": ' + _scalar(rng))
    if rng.random() < 0.3:
        name = rng.choice(['"p"', "1", "null", '""'])
        project = '{"name": ' + name + ', "balance": ' + _scalar(rng) + ', "cap": '
        project += _scalar(rng) + "}"
        fields.append('"project": ' + rng.choice([project, project, "null", "[]", "3"]))
    if rng.random() < 0.15:
        fields.append('"error": ' + rng.choice(['"stopped"', "1", "null"]))
    return "{" + ", ".join(fields) + "}"


def _json(rng: random.Random) -> str:
    pick = rng.randrange(9)
    if pick < 3:
        return _snapshot(rng)
    if pick == 3:
        snapshot = _snapshot(rng)
        named = '{"name": "default", ' + snapshot[1:] if len(snapshot) > 2 else snapshot
        return "[" + ", ".join([named] * rng.randint(1, 3)) + "]"
    if pick == 4:
        return rng.choice(['{"balance": 95, "cap": 100}', '{"balance": 5, "cap": 100}', "[]", "{}"])
    if pick == 5:
        n = rng.choice([1, 10, 64, 65, 100, 5000])
        return rng.choice(["[" * n + "]" * n, '{"a":' * n + "1" + "}" * n, "[" * n])
    if pick == 6:
        return "".join(
            rng.choice('{}[]":,0123456789.eE+-tfnul \\') for _ in range(rng.randint(0, 30))
        )
    if pick == 7:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 30))).decode("latin-1")
    return '{"balance": 1, "cap": 2, "x": "' + "a" * rng.randint(LIMIT // 2, 2 * LIMIT) + '"}'


def _sse(rng: random.Random) -> bytes:
    """Events framed as the hub frames them, or not: odd line ends, comments."""
    out = b""
    for _ in range(rng.randint(0, 3)):
        prefix = rng.choice(
            ["data: ", "data:", "retry: 5000\ndata: ", ": hi\ndata: ", "event: x\ndata: "]
        )
        end = rng.choice(["\n\n", "\r\n\r\n", "\r\r", "\n", ""])
        out += (prefix + _json(rng) + end).encode("utf-8", "surrogatepass")
    if rng.random() < 0.5:
        out += b"\n\n"
    if rng.random() < 0.1:
        out += b"x" * rng.randint(LIMIT, 2 * LIMIT)  # a line that never ends
    return out


def _pool(seed: int = 25, size: int = 1000) -> list[bytes]:
    rng = random.Random(seed)
    return [
        _sse(rng) if rng.random() < 0.5 else _json(rng).encode("utf-8", "surrogatepass")
        for _ in range(size)
    ]


BODIES = _pool()

retry_afters = st.one_of(
    st.none(),
    st.integers(0, 10**6).map(str),
    st.sampled_from(
        [
            "1.5",
            "-1",
            "1e9",
            "9" * 400,
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Sun, 06 Nov 2094 08:49:37 GMT",
            "soon",
            "",
        ]
    ),
)
statuses = st.one_of(
    st.sampled_from([200, 200, 200, 202, 204, 302, 401, 403, 404, 409, 424, 429, 500, 502, 503]),
    st.integers(100, 599),
)


#: How an answer is shaped beyond its status and body, drawn as one choice
#: (one draw instead of six keeps 10,000 cases within a minute).
SHAPES = list(
    itertools.product(
        ["text/event-stream", "application/json", "text/html; charset=utf-8", "", "text/plain"],
        ["", "", "", "gzip", "deflate", "br", "gzip, gzip", "x-what"],  # content-encoding
        [False, True],  # compress the body as the encoding says
        [1, 2, 3, 4],  # chunks
        [0, 0, 0, 1, 9, 30],  # delay after each chunk (s)
        ["end", "end", "drop", "hold", "hold", "delay-drop"],  # after the body
    )
)


@st.composite
def answers(draw) -> dict[str, Any]:
    body = draw(st.sampled_from(BODIES))
    if draw(st.integers(0, 4)) == 0:
        body = body[: draw(st.integers(0, len(body)))]  # cut anywhere
    kind, encoding, compress, chunks, delay, then = SHAPES[draw(st.integers(0, len(SHAPES) - 1))]
    return {
        "kind": draw(st.sampled_from(["answer"] * 8 + ["connect-error", "hang", "slow-head"])),
        "status": draw(statuses),
        "type": kind,
        "retry_after": draw(retry_afters),
        "encoding": encoding,
        "body": body,
        "compress": compress,
        "chunks": chunks,
        "delay": delay,
        "then": then,
    }


class HostileHub(httpx.AsyncBaseTransport):
    """Answers each request with the next drawn answer (the last one repeats)."""

    def __init__(self, clock: FakeClock, script: list[dict[str, Any]]):
        self.clock = clock
        self.script = script
        self.requests: list[tuple[str, float]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        kind = "stream" if "/sseserver/" in path else "stop" if "/stopserver/" in path else "list"
        self.requests.append((kind, self.clock.now))
        assert request.headers.get("accept-encoding") == "identity"
        answer = self.script[min(len(self.requests) - 1, len(self.script) - 1)]
        if answer["kind"] == "connect-error":
            raise httpx.ConnectError("refused", request=request)
        if answer["kind"] == "hang":
            await self.clock.sleep(10**6)
        if answer["kind"] == "slow-head":
            await self.clock.sleep(answer["delay"])
        body = answer["body"]
        if answer["compress"] and answer["encoding"] in ("gzip", "gzip, gzip"):
            body = gzip.compress(body)
        elif answer["compress"] and answer["encoding"] == "deflate":
            body = zlib.compress(body)
        headers = {"content-type": answer["type"]}
        if answer["encoding"]:
            headers["content-encoding"] = answer["encoding"]
        if answer["retry_after"] is not None:
            headers["retry-after"] = answer["retry_after"]
        return httpx.Response(
            answer["status"], headers=headers, stream=_Body(self.clock, body, answer)
        )


class _Body(httpx.AsyncByteStream):
    def __init__(self, clock: FakeClock, body: bytes, answer: dict[str, Any]):
        self.clock, self.body, self.answer = clock, body, answer

    async def __aiter__(self):
        n = self.answer["chunks"]
        size = max(1, -(-len(self.body) // n))
        for start in range(0, len(self.body), size):
            yield self.body[start : start + size]
            if self.answer["delay"]:
                await self.clock.sleep(self.answer["delay"])
        then = self.answer["then"]
        if then == "drop":
            raise httpx.ReadError("connection reset")
        if then == "delay-drop":
            await self.clock.sleep(40)
            raise httpx.ReadError("connection reset")
        if then == "hold":
            while True:
                await self.clock.sleep(8)
                yield b"\n\n"

    async def aclose(self) -> None:
        pass


class Escapes(logging.Handler):
    """Records what must never be logged: unexpected failures, lost exceptions."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if "unexpected" in text or "ended with" in text or "never retrieved" in text:
            self.records.append(text)


def strict(text: str) -> Any:
    def no(name: str) -> Any:
        raise ValueError(name)

    return json.loads(text, parse_constant=no)


async def quiet() -> None:
    """Lets every ready task run, until none is left (no I/O here)."""
    loop = asyncio.get_running_loop()
    for _ in range(10_000):
        await asyncio.sleep(0)
        if not loop._ready:  # type: ignore[attr-defined]
            return


class QuietClock(FakeClock):
    """The fake clock, waking each sleeper and running until all is quiet."""

    async def settle(self) -> None:
        await quiet()


async def scenario(
    script: list[dict[str, Any]], who: str, seed: int, presses: int = 0
) -> dict[str, Any]:
    clock = QuietClock()
    hub = HostileHub(clock, script)
    relay = CreditsRelay(
        HubEnv("http://hub.test/hub/api", "token", "alice"),
        timings=TIMINGS,
        numbers=NUMBERS,
        transport=hub,
        random=random.Random(seed).random,
        clock=clock,
        limit=LIMIT,
    )
    changes: list[tuple[int, str, str, Any, bool]] = []

    def changed(seq: int) -> None:
        # What a page reads when the change signal comes.
        changes.append((seq, relay.state, relay.reason, relay.snapshot, relay.free))

    relay.on_change(changed)
    documents: list[str] = []
    pending: list[asyncio.Future[None]] = []
    try:
        for step in range(SECONDS // 10):
            if presses >> step & 1:
                relay.reconnect()  # a user pressing Reconnect
            if who == "visible" and step % (CLAIM_EVERY // 10) == 0:
                relay.claim()  # every 30 s
            if who == "hidden" and step % (LEASE_EVERY // 10) == 0:
                relay.watch(LEASE)  # 600 s, every 300 s
            if who == "kernel":
                pending = [p for p in pending if not p.done()]
                pending.append(asyncio.ensure_future(relay.fresh(watch=0.0)))
            await clock.advance(10)
            documents.append(state_json(relay, 10.0, 25.0, clock.time()))
            assert len(relay._news) <= len(pending) + 1
            assert len(relay.history) <= HISTORY_LIMIT
            assert relay.state in STATES
            assert relay.state in FINE or relay.reason
    finally:
        await relay.close()
        for p in pending:
            p.cancel()
        await quiet()
    return {"requests": hub.requests, "documents": documents, "changes": changes}


def words(why: Any) -> str:
    """A reason's English from its code and parts, as the page's table does."""
    if isinstance(why, str):
        return why
    assert set(why) == {"code", "parts"} and why["code"] in REASONS
    parts = why["parts"]
    return re.sub(r"%(\d)", lambda found: words(parts[int(found[1]) - 1]), REASONS[why["code"]])


def check(result: dict[str, Any]) -> None:
    times = [t for kind, t in result["requests"] if kind != "stop"]
    for a, b in zip(times, times[1:]):
        assert b - a >= TIMINGS.backoff_base - 1e-9, f"requests {a} and {b} too close"
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + 60) <= 6, f"more than 6 from {start}"
    for text in result["documents"]:
        document = strict(text)
        assert document["state"] in STATES
        assert document["state"] in FINE or document["reason"]
        if document["reason"] and document["reason"] != document["stop_message"]:
            # Every reason the server part writes has a code the page words.
            assert words(document["why"]) == document["reason"]
        snapshot = document["snapshot"]
        if snapshot is not None:
            assert isinstance(snapshot["balance"], (int, float)) and snapshot["balance"] >= 0
            assert isinstance(snapshot["cap"], (int, float)) and snapshot["cap"] >= 0
    seqs = [seq for seq, *_ in result["changes"]]
    assert seqs == list(range(1, len(seqs) + 1))
    for _, state, reason, snapshot, free in result["changes"]:
        assert state in STATES and isinstance(reason, str)
        assert state in FINE or reason
        if snapshot is not None:
            assert not free
            snapshot = strict(json.dumps(snapshot, allow_nan=False))
            assert isinstance(snapshot["balance"], (int, float)) and snapshot["balance"] >= 0
            assert isinstance(snapshot["cap"], (int, float)) and snapshot["cap"] >= 0


def run(script: list[dict[str, Any]], who: str, seed: int, presses: int = 0) -> dict[str, Any]:
    loop = asyncio.new_event_loop()
    lost: list[Any] = []
    loop.set_exception_handler(lambda _loop, context: lost.append(context.get("message")))
    escapes = Escapes()
    log = logging.getLogger("jupyterlab_hub_credits")
    log.addHandler(escapes)
    try:
        result = loop.run_until_complete(scenario(script, who, seed, presses))
    finally:
        log.removeHandler(escapes)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    assert lost == [], lost
    assert escapes.records == [], escapes.records
    return result


@settings(
    max_examples=10000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    st.lists(answers(), min_size=1, max_size=6),
    st.sampled_from(["visible", "hidden", "kernel"]),
    st.integers(0, 2**32),
    st.integers(0, 2 ** (SECONDS // 10) - 1),
)
def test_whatever_the_hub_answers_the_relay_keeps_its_promises(script, who, seed, presses):
    """``presses``: at which 10-s steps a user presses Reconnect."""
    check(run(script, who, seed, presses))

"""The readers: this project's relay, one per running server, in worker processes.

Each worker runs one asyncio loop with a ``CreditsRelay`` (and its upstream)
per server of its share, exactly as the single-user server's extension
builds it, and one page per relay as the page's client behaves: a visible
tab claims live numbers at once and every 30 s (``POST claim``), a hidden
tab that guards work (the default settings) sends a lease of 600 s every
300 s (``POST claim?lease=600``). It reports a summary of its relays every
two seconds through a pipe and stops (closing every relay) on any message.

With a shared reader's URL the relays read it instead of the hub (as
``HUB_CREDITS_SHARED_READER`` makes the extension do). With a deliveries
file, every visible tab's relay's new numbers (``relay.updated``) are
appended to it, one ``user time`` line each, every two seconds: the
harness matches them with the credit task's runs at the hub.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import resource
import time
from collections import Counter
from typing import Any, Optional

from jupyterlab_hub_credits import protocol
from jupyterlab_hub_credits.hubenv import HubEnv
from jupyterlab_hub_credits.policy import DEFAULT_TIMINGS
from jupyterlab_hub_credits.relay import CreditsRelay

#: Row kinds: which relay and which setting.
#:   always  the behaviour before the reading rule: a held stream whatever
#:           the tab, the first retry window 1 s (``AlwaysStream``)
#:   auto    the reading rule: stream while a tab is visible, poll otherwise
#:   poll    the admin's poll-only setting: visible tabs poll too
KINDS = ("always", "auto", "poll")


def make_relay(api_url: str, user: str, token: str, kind: str, shared_url: str = ""):
    """A relay for one server, as the extension builds it, for a row kind
    (``shared_url``: the shared reader's prefix, read instead of the hub)."""
    hub = HubEnv(
        api_url=api_url,
        token=token,
        user=user,
        server_name="",
        ssl_context=None,
        shared_url=shared_url,
    )
    if kind == "always":
        timings = dataclasses.replace(DEFAULT_TIMINGS, backoff_base=1.0)
        return AlwaysStream(hub, timings=timings)
    return CreditsRelay(hub, reading="poll" if kind == "poll" else "auto")


class AlwaysStream(CreditsRelay):
    """The relay before the reading rule (the "always" rows): a stream
    whenever anyone needs numbers, looking or not; no list read while
    streaming; a refused stream is refused; full jitter over a backoff
    window that doubles up to the cap, never shorter than ``Retry-After``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._learned = True

    def _wanted_mode(self, now: float) -> str:
        needed = now < self._live_until or now < self._watch_until or self._once
        return "stream" if needed else "off"

    def _backoff(self, hint: float) -> float:
        t = self.timings
        window = min(t.backoff_cap, t.backoff_base * t.backoff_factor ** min(self.failures, 64))
        asked = min(max(hint, t.backoff_base), t.backoff_cap) if hint > 0 else 0.0
        return max(self._random() * window, asked)

    def _after(self, verdict, hint: float, mode: str) -> float:
        if verdict.kind == "refused" and self.stream_refused is None:
            self.stream_refused = verdict.reason  # refused: no polling instead
        return super()._after(verdict, hint, mode)


#: As the page's client (src/client/client.ts), from protocol.json.
PRESENCE = protocol.PRESENCE
CLAIM_EVERY = PRESENCE["claimEverySeconds"]
LEASE_EVERY = PRESENCE["leaseEverySeconds"]
LEASE_SECONDS = PRESENCE["leaseSeconds"]
#: What a hidden page leases with the default settings: its warning lead (10 min).
LEAD_SECONDS = 600


async def page(relay, visible: bool) -> None:
    """One page of the server: its claims (visible) or leases (hidden)."""
    while True:
        if visible:
            relay.claim()
        else:
            relay.watch(LEASE_SECONDS, LEAD_SECONDS)
        await asyncio.sleep(CLAIM_EVERY if visible else LEASE_EVERY)


def timed(relay, user: str, out: list) -> None:
    """Appends ``(user, time)`` to ``out`` at each of the relay's deliveries
    of numbers (the time ``relay.updated`` takes)."""
    deliver = relay._deliver

    def _deliver(snapshot):
        deliver(snapshot)
        out.append((user, relay.updated))

    relay._deliver = _deliver


def summary(relays) -> dict[str, Any]:
    states: Counter[str] = Counter()
    modes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    via: Counter[str] = Counter()
    connections = polls = running = 0
    for relay, _page in relays:
        status = relay.status()
        states[status.get("state", "?")] += 1
        via[status.get("via", "hub")] += 1
        if status.get("reason"):
            reasons[str(status["reason"])[:80]] += 1
        modes[status.get("mode", "-")] += 1
        connections += int(status.get("hub_connections", 0) or 0)
        polls += int(status.get("hub_polls", 0) or 0)
        running += bool(status.get("upstream_running"))
    return {
        "t": time.time(),
        "relays": len(relays),
        "states": dict(states),
        "modes": dict(modes),
        "reasons": dict(reasons.most_common(3)),
        "via": dict(via),
        "hub_connections": connections,
        "hub_polls": polls,
        "upstream_running": running,
    }


async def _run(
    conn,
    api_url: str,
    servers,
    kind: str,
    ramp: float,
    shared_url: str = "",
    deliveries: Optional[str] = None,
) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_reader(conn.fileno(), stop.set)
    relays: list = []
    delivered: list[tuple[str, float]] = []
    started = time.monotonic()
    out = open(deliveries, "a") if deliveries else None  # noqa: SIM115 - closed below

    async def start_all() -> None:
        for index, (user, token, visible) in enumerate(servers):
            wait = started + index * ramp / max(1, len(servers)) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            relay = make_relay(api_url, user, token, kind, shared_url)
            if out is not None and visible:
                timed(relay, user, delivered)
            relays.append((relay, asyncio.ensure_future(page(relay, visible))))

    def write_deliveries() -> None:
        if out is not None and delivered:
            out.write("".join(f"{user} {at:.3f}\n" for user, at in delivered))
            out.flush()
            delivered.clear()

    async def report() -> None:
        while True:
            conn.send(summary(relays))
            write_deliveries()
            await asyncio.sleep(2.0)

    starter = asyncio.ensure_future(start_all())
    reporter = asyncio.ensure_future(report())
    await stop.wait()
    starter.cancel()
    reporter.cancel()
    conn.send(summary(relays))
    for _, task in relays:
        task.cancel()
    closing = [relay.close() for relay, _ in relays]
    try:
        await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), 15)
    except asyncio.TimeoutError:
        pass
    write_deliveries()
    if out is not None:
        out.close()


def more_files() -> None:
    """One file descriptor per streaming relay: as many as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def worker_main(
    conn,
    api_url: str,
    servers,
    kind: str,
    ramp: float,
    shared_url: str = "",
    deliveries: Optional[str] = None,
) -> None:
    """Entry point of one worker process."""
    more_files()
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        os.environ.pop(name, None)
    os.environ.pop("ALL_PROXY", None)
    # The readers stand in for servers that run elsewhere: the hub (and the
    # probe) get the CPU first on this shared machine.
    os.nice(5)
    asyncio.run(_run(conn, api_url, servers, kind, ramp, shared_url, deliveries))

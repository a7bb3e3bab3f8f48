"""The credits relay: the one reader of the hub per single-user server,
with the server's own token (which never leaves the server). It knows who
needs numbers and how soon: a visible page's ``claim`` (a stream, plus
``grace``), a hidden page's lease or a kernel's ``watch`` (polls), nobody
(no request at all; see ``rule.py``). Pages and kernels read what it keeps
(``state.py``) and learn of changes on Jupyter Server's event bus
(``events.py``). The reasons are in the admin guide ("The server part")."""

from __future__ import annotations

import asyncio
import logging
import math
import random as _random
import statistics
import uuid
from collections import deque
from typing import Any, Callable, Optional

import httpx

from . import protocol
from .entries import Choice, available, to_snapshot, with_grants
from .estimate import estimate, grant_plans
from .hubenv import HubEnv
from .loop import ReadingLoop
from .policy import DEFAULT_TIMINGS, TERMINAL, Timings
from .rule import DEFAULT_READING, Reading, ReadingRule
from .store import HISTORY_LIMIT, HistoryStore
from .upstream import HubRequests
from .waits import Clock, cancelled, first

log = logging.getLogger(__name__)

READINGS = ("auto", "poll")
#: Stream snapshot gaps kept to infer the task interval.
GAPS_KEPT = 15
FREE_REASON = protocol.Reason("free")
CLAIM_SECONDS = protocol.CLAIM_SECONDS


class CreditsRelay(ReadingLoop, ReadingRule, HubRequests):
    """One upstream per server, for every page and kernel (see the module)."""

    def __init__(
        self,
        hub: HubEnv,
        timings: Timings = DEFAULT_TIMINGS,
        reading: str = "auto",
        grace: float = protocol.LIVE_GRACE_SECONDS,
        transport: Optional[httpx.AsyncBaseTransport] = None,
        random: Callable[[], float] = _random.random,
        clock: Optional[Clock] = None,
        numbers: Reading = DEFAULT_READING,
        limit: int = protocol.MAX_EVENT_BYTES,
        store: Optional[HistoryStore] = None,
        shared_fallback: float = protocol.SHARED_FALLBACK_SECONDS,
    ):
        if reading not in READINGS:
            raise ValueError(f"reading must be one of {READINGS}, not {reading!r}")
        self.hub, self.timings, self.reading, self.grace = hub, timings, reading, grace
        self.numbers, self.limit = numbers, limit  # limit: bytes of a line, event or body
        self._transport, self._random, self._clock = transport, random, clock or Clock()
        self._task: Optional[asyncio.Task[None]] = None
        self._changed_event: Optional[asyncio.Event] = None
        self._news: list[asyncio.Future[None]] = []
        # Until when (monotonic) the pages' claims (with the grace) and the
        # leases and watches hold.
        self._live_until = self._watch_until = 0.0
        self._once = False
        # Lead times (s) that leases and watches asked for, and until when
        # (monotonic); ``inf``: a lease that said none (not paced).
        self._leads: dict[float, float] = {}
        self._poll_soon = False
        self.mode, self.state, self.reason = "off", "connecting", ""
        self.since = self._clock.time()  # when the state was entered
        self.entry: Optional[Choice] = None
        # The valid entries of the last list the hub answered, and whether
        # one was read (a stream states no names and no grants: the list is
        # read once, at least the backoff base after the stream opened).
        self._listed: list[dict[str, Any]] = []
        self._learned = self.free = False
        self._snapshot: Optional[dict[str, Any]] = None
        self.updated: Optional[float] = None  # the last numbers (epoch s, then monotonic)
        self._updated_mono: Optional[float] = None
        self.history: deque[tuple[float, float]] = deque(maxlen=HISTORY_LIMIT)
        # What the last run of the server saw comes back from disk.
        self._store = store
        if store is not None:
            self.history.extend(store.load(self._clock.time()))
        self._gaps: deque[float] = deque(maxlen=GAPS_KEPT)
        # The per-server snapshot the stream sent last, whether a poll has
        # been matched against it yet, and the name matched.
        self._streamed: Optional[dict[str, Any]] = None
        self._streamed_unmatched = False
        self._matched: Optional[str] = None
        # Failed attempts in a row and the earliest time (monotonic) of the
        # next hub request, kept across runs of the loop, claims, watches
        # and ``GET state``; then the next poll and when the stream opened
        # (``inf``: none).
        self.failures, self._not_before, self._hint = 0, 0.0, 0.0
        self._next_poll = self._opened_at = math.inf
        self._stop_checks = 0
        # Why the hub refused this server's stream, if it did: claims are
        # polled from then on.
        self.stream_refused: Optional[str] = None
        self._saw_event = False
        # Whether the hub said it stopped the server (its words are the reason).
        self.stop_event = False
        self.connections = self.polls = 0  # hub requests over the relay's life
        # Each change of what ``GET state`` answers counts up ``seq``;
        # ``start`` names this run of the server part (a restart changes it).
        self.seq, self.start = 0, uuid.uuid4().hex
        self._on_change: list[Callable[[int], None]] = []
        # The shared reader, when the admin runs one: read instead of the
        # hub; the hub itself only after it failed ``shared_fallback``
        # seconds in a row (since when: ``_shared_down``), until when
        # (monotonic) the relay then reads the hub before trying it again.
        self._shared = hub if hub.shared_url else None
        self.shared_fallback = shared_fallback
        self._shared_down: Optional[float] = None
        self._direct_until = math.inf

    # -- who needs numbers --------------------------------------------------

    @property
    def upstream_running(self) -> bool:
        return self._task is not None and not self._task.done()

    def on_change(self, callback: Callable[[int], None]) -> None:
        """Calls ``callback(seq)`` after each change (the event bus's signal)."""
        self._on_change.append(callback)

    def _changed_now(self) -> None:
        self._notify_news()
        self.seq += 1
        for callback in self._on_change:
            try:
                callback(self.seq)
            except Exception:  # noqa: BLE001 - a listener never breaks reading
                log.debug("credits relay: a change listener failed", exc_info=True)

    def reconnect(self) -> bool:
        """A user's explicit *Reconnect*: leaves a terminal state (no sooner
        than the backoff allows). Returns whether it did."""
        if self.state not in TERMINAL:
            return False
        # The failure count stays: only a success resets it.
        self._stop_checks = 0
        self.stop_event = False
        self.stream_refused = None
        self._set_state("connecting")
        self._touch()
        return True

    def claim(self) -> None:
        """A visible page says someone looks: live numbers (the hub's stream)
        for ``CLAIM_SECONDS``, then the grace. Pages renew it every 30 s; no
        per-page slot is kept, so any number of pages costs nothing more."""
        now = self._clock.monotonic()
        self._live_until = max(self._live_until, now + CLAIM_SECONDS + self.grace)
        self._touch()

    def watch(self, seconds: float, lead: Optional[float] = None) -> None:
        """Keeps numbers coming for ``seconds`` (a hidden page's lease, a
        kernel's ``on_low``), read in time for a warning ``lead`` seconds
        before the predicted stop (``None``: every task interval)."""
        if seconds <= 0:
            return
        now = self._clock.monotonic()
        self._watch_until = max(self._watch_until, now + seconds)
        key = math.inf if lead is None else round(min(max(lead, 0.0), protocol.MAX_LEAD_SECONDS))
        before = self._lead(now)
        self._leads[key] = max(self._leads.get(key, 0.0), now + seconds)
        # Bounded: the lapsed go, then the shortest leads beyond 16.
        for old in sorted(self._leads)[:-16]:
            del self._leads[old]
        if before is not None and key > before:
            # A longer lead than the paced wait was planned for: read soon.
            self._poll_soon = True
        self._touch()

    def _lead(self, now: float) -> Optional[float]:
        """The longest lead a holding lease or watch asked for."""
        for key in [k for k, until in self._leads.items() if until <= now]:
            del self._leads[key]
        return max(self._leads, default=None)

    def prediction(self, now: Optional[float] = None) -> dict[str, Any]:
        """The estimate from the history at ``now`` (epoch s; what ``GET
        state`` says, what paces the reading), ``{"kind": "unknown"}``
        without numbers."""
        if self._snapshot is None or not self.history:
            return {"kind": "unknown"}
        now = self._clock.time() if now is None else now
        samples = [(t * 1000, a) for t, a in self.history]
        try:
            return estimate(samples, now * 1000, None, grant_plans(self.paying()))
        except (ArithmeticError, ValueError):
            # Valid but extreme numbers (a cap of 1e308): no estimate.
            return {"kind": "unknown"}

    def kick(self) -> bool:
        """When nothing reads and nothing recent is known, one poll (not
        waited for). Returns whether the numbers are stale."""
        if self.state in TERMINAL:
            return False
        now = self._clock.monotonic()
        stale = self._updated_mono is None or now - self._updated_mono > self.numbers.poll_min
        if stale and self._wanted_mode(now) == "off":
            self._once = True
            self._touch()
        return stale

    async def fresh(
        self, watch: float = 0.0, timeout: Optional[float] = None, lead: Optional[float] = None
    ) -> None:
        """For ``GET state``: ``watch`` (with its ``lead``) and ``kick``, then
        waits (at most ``timeout``) for the first answer when there is none yet."""
        self.watch(watch, lead)
        if not self.kick():
            return
        limit = self.timings.connect_timeout + 1 if timeout is None else timeout
        deadline = self._clock.monotonic() + limit
        # Until the first numbers, a failure or a terminal state; a live
        # stream that sends nothing (a free server) is given a second.
        while self._updated_mono is None and self.state not in TERMINAL:
            if self.state == "reconnecting" or self._clock.monotonic() < self._not_before:
                return
            wait = deadline - self._clock.monotonic()
            if self.state == "live":
                wait = min(wait, 1.0)
            if wait <= 0:
                return
            waiter = asyncio.get_running_loop().create_future()
            self._news.append(waiter)
            try:
                await first([waiter], self._clock, wait)
                if not waiter.done():
                    return
            finally:
                if waiter in self._news:
                    self._news.remove(waiter)

    async def close(self) -> None:
        """Stops the upstream (server shutdown); the history is saved."""
        if self._store is not None and self.history:
            self._store.save(self.history, self._clock.time())
        task, self._task = self._task, None
        if task is not None and not task.done():
            await cancelled(task)

    # -- what the routes show -----------------------------------------------

    @property
    def snapshot(self) -> Optional[dict[str, Any]]:
        return None if self._snapshot is None else dict(self._snapshot)

    @property
    def task_interval(self) -> Optional[float]:
        """The hub's credit-task interval as the stream's snapshots show it."""
        return statistics.median(self._gaps) if self._gaps else None

    def paying(self) -> Optional[dict[str, Any]]:
        """The last snapshot with the grants the list states for its entry
        (what the estimate folds in; a stream snapshot states none)."""
        snapshot, listed = self.snapshot, self.entry
        if snapshot is None or listed is None or listed.name != self._matched:
            return snapshot
        return with_grants(snapshot, to_snapshot(listed.entry))

    def entry_info(self) -> Optional[dict[str, Any]]:
        """Which entry pays, as far as the relay knows: ``{"name", "ambiguous"}``."""
        if self.mode == "stream" or self.entry is None:
            if self._matched is not None and not self.free:
                return {"name": self._matched, "ambiguous": False}
            return None
        return {"name": self.entry.name, "ambiguous": self.entry.ambiguous}

    def entries(self) -> list[dict[str, Any]]:
        """Every entry as the hub's list shapes it, the one that pays first
        (its latest numbers, with its name where known); the others as the
        last list stated them. Empty before the first numbers and when free."""
        paying = self.paying()
        if paying is None:
            return []
        info = self.entry_info()
        name = info["name"] if info is not None else None
        first = {"name": name, **paying}
        others = [e for e in self._listed if name is None or e.get("name") != name]
        if name is None and self.entry is not None:
            others = [e for e in others if e is not self.entry.entry]
        return [first, *others]

    @property
    def next_attempt(self) -> Optional[float]:
        """When the next hub request goes (epoch s): the next poll while
        polling, the retry while reconnecting; ``None`` otherwise."""
        at = self._next_poll if self.state == "polling" else self._not_before
        wait = at - self._clock.monotonic()
        return self._clock.time() + wait if math.isfinite(wait) and wait > 0 else None

    def status(self) -> dict[str, Any]:
        """For the status route: no token, no URL with credentials."""
        return {
            "state": self.state,
            "reason": self.reason,
            "mode": self.mode,
            "reading": self.reading,
            # A page's claim or its grace holds: live numbers wanted.
            "claimed": self._clock.monotonic() < self._live_until,
            "upstream_running": self.upstream_running,
            "hub_connections": self.connections,
            "hub_polls": self.polls,
            "task_interval": self.task_interval,
            "stream_refused": self.stream_refused,
            "via": self.via,
        }

    # -- the shared reader ----------------------------------------------------

    @property
    def via(self) -> str:
        """Whom the relay reads: ``hub`` or ``shared`` (the shared reader)."""
        return "shared" if self.hub.shared_url else "hub"

    def _shared_failed(self, now: float) -> Optional[float]:
        """After a failed request to the shared reader: once it failed
        ``shared_fallback`` seconds in a row, the hub itself, not before a
        time spread over several task intervals (never all servers at once);
        returns that time, or ``None`` while the shared reader is retried."""
        if self._shared is None or self.via != "shared":
            return None
        if self._shared_down is None:
            self._shared_down = now
        if now - self._shared_down < self.shared_fallback:
            return None
        self.hub = self._shared.direct()
        self._direct_until = now + protocol.SHARED_RETRY_SECONDS
        period = self.task_interval or self.numbers.poll_default
        log.warning(
            "credits relay: the shared reader failed for %.0f s: reading the hub itself",
            now - self._shared_down,
        )
        return now + self._random() * protocol.SHARED_SPREAD * period

    def _shared_again(self, now: float) -> bool:
        """Whether the relay went back to the shared reader (time to try it)."""
        if self._shared is None or self.via == "shared" or now < self._direct_until:
            return False
        self.hub, self._direct_until = self._shared, math.inf
        log.info("credits relay: trying the shared reader again")
        return True

    # -- state and deliveries -------------------------------------------------

    def _entry_reason(self) -> str:
        if self.free:
            return FREE_REASON
        return self.entry.reason() if self.entry is not None else ""

    def _set_state(self, state: str, reason: str = "") -> None:
        if (state, reason) != (self.state, self.reason):
            if state != self.state:
                self.since = self._clock.time()
            self.state, self.reason = state, reason
            self._changed_now()

    def _deliver(self, snapshot: Optional[dict[str, Any]]) -> None:
        """New numbers, or ``None``: no entry pays for this server (free)."""
        self._once = False
        if self.via == "shared":
            self._shared_down = None
        self._snapshot = snapshot
        self.updated, self._updated_mono = self._clock.time(), self._clock.monotonic()
        if snapshot is None:
            self.entry, self.free, self._listed = None, True, []
            self._set_state("polling", FREE_REASON)
        elif (amount := available(snapshot)) is not None:
            self.history.append((self.updated, amount))
            if self._store is not None:
                self._store.maybe_save(self.history, self.updated, self._clock.monotonic())
        self._changed_now()

    def _notify_news(self) -> None:
        news, self._news = self._news, []
        for waiter in news:
            if not waiter.done():
                waiter.set_result(None)

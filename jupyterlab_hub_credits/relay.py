"""The credits relay: the one reader of the hub per single-user server.

The hub's credit routes answer no CORS, and its per-server stream resolves
the server among the *requesting* user's servers. A browser on the server's
own origin (``subdomain_host``), a guest of a shared server and an admin
therefore cannot read the credits of this server from the hub. The server
can: with its own token at the hub's internal URL (``hubenv.HubEnv``). The
token never leaves the server. Pages and kernels read what it keeps
(``GET hub-credits/state``, ``state.py``) and learn of changes on Jupyter
Server's event bus (``events.py``).

Every held per-server stream costs the hub two synchronous database
refreshes per credit-task run, all at the same moment; a REST poll costs
a few statements at a random moment and nothing after. So the upstream
follows the reading rule, from who needs numbers and how soon:

- ``stream`` while a visible page's claim holds (``claim``: 90 s, renewed
  every 30 s), and ``grace`` seconds after it lapsed;
- ``poll`` (``GET {api}/credits``, jittered, about once per inferred task
  interval) while a hidden page's lease or a kernel's ``watch`` holds;
- ``off``: nobody needs numbers, no hub request at all (a page's
  ``GET state`` with nothing recent kicks one poll).

``reading="poll"`` (the admin setting for the biggest hubs) polls for
claims too, more often; ``always_stream=True`` is the behaviour before the
rule (a stream for claims and leases alike, the first retry window the
backoff base whatever the task interval), kept for the hub-load benchmark.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random as _random
import statistics
import uuid
from collections import deque
from collections.abc import Awaitable
from typing import Any, Callable, Optional

import httpx

from . import protocol
from .entries import Choice, available, to_snapshot, with_grants
from .hubenv import HubEnv
from .policy import DEFAULT_TIMINGS, Timings, Verdict
from .rule import DEFAULT_READING, Reading, ReadingRule
from .store import HistoryStore
from .upstream import STABLE_SECONDS, HubRequests, default_ssl_context
from .waits import Clock, cancelled, first, observed

# Re-exported for the tests and the benchmarks.
__all__ = ["CLAIM_SECONDS", "FREE_REASON", "HISTORY_LIMIT", "Clock", "CreditsRelay", "Reading"]

log = logging.getLogger(__name__)

#: The relay's states (codes of protocol.json's list).
#: ``unreachable`` (the hub refuses the server's token), ``unavailable`` and
#: ``stopped`` are terminal: the relay makes no further attempt until a
#: user's Reconnect (``reconnect()``).
TERMINAL = frozenset({"unreachable", "unavailable", "stopped"})
MODES = ("stream", "poll", "off")
READINGS = ("auto", "poll")

#: The longest line, event or list answer taken from the hub (1 MB; real ones are tiny).
MAX_EVENT = protocol.MAX_EVENT_BYTES
#: Samples kept for the history of ``GET state`` (since the server started).
HISTORY_LIMIT = 2000
#: Stream snapshot gaps kept to infer the task interval.
GAPS_KEPT = 15
FREE_REASON = protocol.Reason("free")
#: A visible page's claim holds this long (it renews it every 30 s).
CLAIM_SECONDS = protocol.CLAIM_SECONDS


class CreditsRelay(ReadingRule, HubRequests):
    """One upstream per server, for every page and kernel (see the module)."""

    def __init__(
        self,
        hub: HubEnv,
        timings: Timings = DEFAULT_TIMINGS,
        reading: str = "auto",
        always_stream: bool = False,
        grace: float = protocol.LIVE_GRACE_SECONDS,
        transport: Optional[httpx.AsyncBaseTransport] = None,
        random: Callable[[], float] = _random.random,
        clock: Optional[Clock] = None,
        numbers: Reading = DEFAULT_READING,
        limit: int = MAX_EVENT,
        store: Optional[HistoryStore] = None,
    ):
        if reading not in READINGS:
            raise ValueError(f"reading must be one of {READINGS}, not {reading!r}")
        self.hub = hub
        self.timings = timings
        self.reading = reading
        self.always_stream = always_stream
        self.grace = grace
        self.numbers = numbers
        #: The most bytes of one line, event or body taken from the hub.
        self.limit = limit
        self._transport = transport
        self._random = random
        self._clock = clock or Clock()
        self._task: Optional[asyncio.Task[None]] = None
        self._changed_event: Optional[asyncio.Event] = None
        self._news: list[asyncio.Future[None]] = []
        #: Until when (monotonic) the pages' claims (with the grace) and the
        #: leases and watches hold.
        self._live_until = 0.0
        self._watch_until = 0.0
        self._once = False
        self.mode = "off"
        self.state = "connecting"
        self.reason = ""
        #: When the state was entered (epoch s).
        self.since = self._clock.time()
        self.entry: Optional[Choice] = None
        #: The valid entries of the last list the hub answered, and whether
        #: one was read (a stream states no names and no grants: the list is
        #: read once, at least the backoff base after the stream opened).
        self._listed: list[dict[str, Any]] = []
        self._learned = False
        self.free = False
        self._snapshot: Optional[dict[str, Any]] = None
        #: When the last snapshot arrived (epoch s / monotonic s).
        self.updated: Optional[float] = None
        self._updated_mono: Optional[float] = None
        self.history: deque[tuple[float, float]] = deque(maxlen=HISTORY_LIMIT)
        #: The history on disk: what the last run of the server saw comes back.
        self._store = store
        if store is not None:
            self.history.extend(store.load(self._clock.time()))
        self._gaps: deque[float] = deque(maxlen=GAPS_KEPT)
        #: The per-server snapshot the stream sent last, and whether a
        #: poll has been matched against it yet.
        self._streamed: Optional[dict[str, Any]] = None
        self._streamed_unmatched = False
        self._matched: Optional[str] = None
        #: Failed attempts in a row and the earliest time (monotonic) of the
        #: next hub request: the relay's, kept across runs of its loop,
        #: claims, watches and ``GET state``.
        self._failures = 0
        self._not_before = 0.0
        #: When the next poll goes (monotonic; ``inf``: none planned).
        self._next_poll = math.inf
        self._hint = 0.0
        #: When the current stream opened (monotonic; ``inf``: none open).
        self._opened_at = math.inf
        self._stop_checks = 0
        #: Why the hub refused this server's stream, if it did: claims are
        #: polled from then on.
        self.stream_refused: Optional[str] = None
        self._saw_event = False
        self._stop_event = False
        #: Hub requests over the relay's life: stream connections and polls.
        self.connections = 0
        self.polls = 0
        #: Each change of what ``GET state`` answers counts up ``seq``;
        #: ``start`` names this run of the server part (a restart changes it).
        self.seq = 0
        self.start = uuid.uuid4().hex
        self._on_change: list[Callable[[int], None]] = []

    # -- who needs numbers --------------------------------------------------

    @property
    def upstream_running(self) -> bool:
        return self._task is not None and not self._task.done()

    def on_change(self, callback: Callable[[int], None]) -> None:
        """Calls ``callback(seq)`` after each change (the event bus's signal)."""
        self._on_change.append(callback)

    def _changed_now(self) -> None:
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
        self._stop_event = False
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

    def watch(self, seconds: float) -> None:
        """Keeps numbers coming for ``seconds`` (a hidden page's lease, a kernel's ``on_low``)."""
        if seconds > 0:
            self._watch_until = max(self._watch_until, self._clock.monotonic() + seconds)
            self._touch()

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

    async def fresh(self, watch: float = 0.0, timeout: Optional[float] = None) -> None:
        """For ``GET state``: numbers as fresh as the reading rule gives.

        With ``watch``, keeps them coming for that long. When nothing reads
        and nothing recent is known, polls once. Waits (at most ``timeout``)
        for the first answer when there is none yet.
        """
        self.watch(watch)
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
        await self._cancel()

    # -- what the routes show -----------------------------------------------

    @property
    def snapshot(self) -> Optional[dict[str, Any]]:
        return None if self._snapshot is None else dict(self._snapshot)

    @property
    def task_interval(self) -> Optional[float]:
        """The hub's credit-task interval as the stream's snapshots show it."""
        if not self._gaps:
            return None
        return statistics.median(self._gaps)

    def paying(self) -> Optional[dict[str, Any]]:
        """The last snapshot with the grants the list states for its entry
        (what the estimate folds in; a stream snapshot states none)."""
        snapshot = self.snapshot
        listed = self.entry
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

    @property
    def failures(self) -> int:
        return self._failures

    @property
    def stop_event(self) -> bool:
        """Whether the hub said it stopped the server (its words are the reason)."""
        return self._stop_event

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
        }

    # -- the upstream task ---------------------------------------------------

    @property
    def _changed(self) -> asyncio.Event:
        # Made on the running loop (Python 3.9 binds an Event to a loop).
        if self._changed_event is None:
            self._changed_event = asyncio.Event()
        return self._changed_event

    def _touch(self) -> None:
        self._changed.set()
        if not self.upstream_running and self.state not in TERMINAL:
            if self._wanted_mode(self._clock.monotonic()) != "off":
                self._start()

    def _start(self) -> None:
        self._task = asyncio.ensure_future(self._run())
        self._task.add_done_callback(observed)

    async def _cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        """One run of the reading loop; whatever goes wrong in it is a
        failure like any other: counted, and retried with the backoff."""
        try:
            await self._loop()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - the one failure rule
            log.warning(
                "credits relay: reading the hub failed unexpectedly (%s): retrying with backoff",
                type(error).__name__,
            )
            log.debug("credits relay: the unexpected failure", exc_info=True)
            self._fail(
                Verdict("retry", protocol.Reason("unexpected_error", type(error).__name__)),
                0.0,
                self.mode,
            )
        finally:
            # Nothing awaited from here on: a claim that came while this
            # task was winding down gets a new one.
            if self._task is asyncio.current_task():
                self._task = None
                if (
                    self.state not in TERMINAL
                    and self._wanted_mode(self._clock.monotonic()) != "off"
                ):
                    self._start()

    async def _loop(self) -> None:
        # Not even a client is built before the backoff allows (building one
        # may fail too: a proxy setting, a TLS file).
        while True:
            self._changed.clear()
            now = self._clock.monotonic()
            if now >= self._not_before or self._wanted_mode(now) == "off":
                break
            await first([self._changed.wait()], self._clock, self._not_before - now)
        timeout = httpx.Timeout(
            self.timings.heartbeat_timeout, connect=self.timings.connect_timeout
        )
        verify = self.hub.ssl_context or default_ssl_context()
        attempt: Optional[asyncio.Task[tuple[Verdict, float]]] = None
        next_try = self._clock.monotonic()
        if self._updated_mono is not None and self._wanted_mode(next_try) == "poll":
            # Numbers known: the first poll comes when they would be due.
            next_try = self._updated_mono + self.poll_period() * self._jitter()
        next_try = max(next_try, self._not_before)
        try:
            # No idle keep-alive between polls: at thousands of servers those
            # would hold as many sockets open on the hub as streams do.
            async with httpx.AsyncClient(
                timeout=timeout,
                transport=self._transport,
                follow_redirects=False,
                verify=verify,
                limits=httpx.Limits(max_keepalive_connections=0),
            ) as client:
                while True:
                    self._changed.clear()
                    now = self._clock.monotonic()
                    mode = self._wanted_mode(now)
                    if mode != self.mode:
                        next_try = self._switch(mode, now, next_try)
                    if mode != "stream" and attempt is not None:
                        await cancelled(attempt)
                        attempt = None
                        continue  # claims may have changed meanwhile
                    if mode == "off":
                        return
                    if attempt is None and now >= next_try:
                        if mode == "stream":
                            attempt = asyncio.ensure_future(self._stream(client))
                        else:
                            verdict, hint = await self._poll(client)
                            next_try = self._after(verdict, hint, "poll")
                            if next_try < 0:
                                return
                            continue
                    self._next_poll = next_try if attempt is None else math.inf
                    waits: list[Awaitable[Any]] = [self._changed.wait()]
                    if attempt is not None:
                        waits.append(attempt)
                    deadlines = [t for t in (self._live_until, self._watch_until) if t > now]
                    if attempt is None:
                        deadlines.append(next_try)
                    await first(waits, self._clock, min(deadlines) - now if deadlines else None)
                    if attempt is not None and attempt.done():
                        verdict, hint = attempt.result()
                        attempt = None
                        next_try = self._after(verdict, hint, "stream")
                        if next_try < 0:
                            return
        finally:
            if attempt is not None:
                await cancelled(attempt)
            self.mode = "off"
            self._next_poll = math.inf
            self._notify_news()

    def _switch(self, mode: str, now: float, next_try: float) -> float:
        """A mode change: when the next hub request may go."""
        previous, self.mode = self.mode, mode
        if previous == "stream" and mode == "poll":
            # Poll at once: the list still shows what the stream showed,
            # so the entry that pays can be matched.
            if self._snapshot is not None or self.free:
                self._set_state("polling", self._entry_reason())
            return max(now if self._failures == 0 else next_try, self._not_before)
        if mode == "stream":
            # Live within a second of a tab becoming visible, even after a
            # failed poll (its wait was a poll period), but never before the
            # backoff allows.
            return max(now, self._not_before)
        return max(next_try, self._not_before)

    def _after(self, verdict: Verdict, hint: float, mode: str) -> float:
        """When the next request may go after one ended; ``-1``: never (terminal)."""
        now = self._clock.monotonic()
        if verdict.kind == "ok":
            self._failures = 0
            self._once = False
            return now + self._poll_wait(now)
        if verdict.kind == "refused":
            if mode == "stream" and self.stream_refused is None and not self.always_stream:
                # The list may still be readable with the same token: poll.
                self.stream_refused = verdict.reason
                log.info("credits relay: the hub refused the stream (%s): polling", verdict.reason)
                # No sooner than a retry would come: a refusal is an answer
                # too, and the hub is not asked twice in a breath.
                self._not_before = now + self._backoff(0.0)
                return self._not_before
            self._set_state("unreachable", verdict.reason)
            self._terminal_wait(now)
            return -1
        if verdict.kind == "end":
            if (
                mode == "stream"
                and verdict.state == "stopped"
                and not self._stop_event
                and self._failures > 0
                and self._stop_checks < self.timings.stop_checks
            ):
                self._stop_checks += 1
                verdict = Verdict("retry", protocol.Reason("checking_again", verdict.reason))
            else:
                self._set_state(verdict.state, verdict.reason)
                self._terminal_wait(now)
                return -1
        return self._fail(verdict, hint, mode)

    def _terminal_wait(self, now: float) -> None:
        """A terminal answer counts as a failure for the backoff: Reconnects
        pressed again and again reach the hub ever more rarely."""
        self._not_before = now + self._backoff(0.0)
        self._failures += 1
        self._once = False

    def _fail(self, verdict: Verdict, hint: float, mode: str) -> float:
        """A failure: counted, and the next request not before the backoff."""
        now = self._clock.monotonic()
        if mode == "stream" and now - self._opened_at >= STABLE_SECONDS:
            # A stream that held a while was a success: start the backoff anew.
            self._failures = 0
        self._opened_at = math.inf
        delay = self._backoff(max(verdict.not_before, hint))
        self._not_before = now + delay
        if mode == "poll":
            # A failed poll comes back no sooner than the next one would:
            # a hub back from a restart sees the usual rate, not a wave.
            delay = max(delay, self._poll_wait(now))
        self._failures += 1
        self._once = False
        self._set_state("reconnecting", verdict.reason)
        self._notify_news()
        return now + delay

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
            self._notify_news()
            self._changed_now()

    def _deliver(self, snapshot: dict[str, Any]) -> None:
        self._once = False
        self._snapshot = snapshot
        self.updated = self._clock.time()
        self._updated_mono = self._clock.monotonic()
        amount = available(snapshot)
        if amount is not None:
            self.history.append((self.updated, amount))
            if self._store is not None:
                self._store.maybe_save(self.history, self.updated, self._clock.monotonic())
        self._notify_news()
        self._changed_now()

    def _deliver_free(self) -> None:
        self._once = False
        self.entry, self.free = None, True
        self._listed = []
        self._snapshot = None
        self.updated = self._clock.time()
        self._updated_mono = self._clock.monotonic()
        self._set_state("polling", FREE_REASON)
        self._notify_news()
        self._changed_now()

    def _notify_news(self) -> None:
        news, self._news = self._news, []
        for waiter in news:
            if not waiter.done():
                waiter.set_result(None)

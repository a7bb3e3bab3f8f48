"""The credits relay: one reader of the hub per single-user server, fanned out.

The hub's credit routes answer no CORS, and its per-server stream resolves
the server among the *requesting* user's servers. A browser on the server's
own origin (``subdomain_host``), a guest of a shared server and an admin
therefore cannot read the credits of this server from the hub. The server
can: with its own token at the hub's internal URL (``hubenv.HubEnv``). The
token never leaves the server.

Every held per-server stream costs the hub two synchronous database
refreshes per credit-task run, all at the same moment; a REST poll costs
a few statements at a random moment and nothing after. So the upstream
follows the reading rule (the browser's direct path follows the same one):

- ``stream`` while some listener is live (a visible tab), and ``grace``
  seconds after the last one stops being live;
- ``poll`` (``GET {api}/credits``, jittered, about once per inferred task
  interval) while only hidden tabs listen or a kernel ``watch`` is on;
- ``off``: nobody listens, no hub request at all.

``reading="poll"`` (the admin setting for the biggest hubs) polls for live
listeners too, more often; ``always_stream=True`` is the behaviour before
the rule (a stream while anyone listens, the first retry window the backoff
base whatever the task interval), kept for the hub-load benchmark.

Listeners receive ``Message``\\ s: relay states and per-server-shaped
snapshots (polled entries are converted, ``entries.py``); a late joiner
gets the current state and the last snapshot at once.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random as _random
import ssl
import statistics
import time
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional

import httpx
from httpx_sse import EventSource

from . import protocol
from .entries import (
    Choice,
    available,
    choose_entry,
    match_entry,
    parse_list,
    to_snapshot,
    with_grants,
)
from .hubenv import HubEnv
from .policy import (
    DEFAULT_TIMINGS,
    Timings,
    Verdict,
    classify,
    hub_data,
    retry_delay,
    strict_json,
)

log = logging.getLogger(__name__)

#: States a listener can be told. ``refused``, ``unavailable`` and
#: ``stopped`` are terminal: the relay makes no further attempt until a new
#: listener asks.
TERMINAL = frozenset({"refused", "unavailable", "stopped"})
MODES = ("stream", "poll", "off")
READINGS = ("auto", "poll")

#: The longest line, event or list answer taken from the hub (1 MB; real ones are tiny).
MAX_EVENT = protocol.MAX_EVENT_BYTES
#: Samples kept for the history of ``GET state`` (since the server started).
HISTORY_LIMIT = 2000
#: Stream snapshot gaps kept to infer the task interval.
GAPS_KEPT = 15
FREE_REASON = "no credit entry pays for this server: it is free"


class Clock:
    """Time for the relay; tests pass one they move by hand."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> Awaitable[None]:
        return asyncio.sleep(max(0.0, seconds))


@dataclass(frozen=True)
class Message:
    """What a listener receives: a relay state or a hub event's data."""

    kind: str  # "state" or "data"
    body: str


@dataclass(eq=False)
class Listener:
    """One browser connection on the relay; ``live``: someone looks at it."""

    live: bool = True
    queue: asyncio.Queue[Optional[Message]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=64)
    )

    def put(self, message: Optional[Message]) -> None:
        """Queues a message; a listener too slow to keep up loses its oldest."""
        while True:
            try:
                self.queue.put_nowait(message)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()

    def close(self) -> None:
        """Ends the listener's stream (the server stops or it disconnected)."""
        self.put(None)


class EventTooLarge(Exception):
    """A line or event from the hub grew past ``MAX_EVENT``."""


class _Capped(httpx.AsyncByteStream):
    """The hub's bytes, cut when a line or an event grows past the cap.

    A stream that never ends a line would otherwise grow the SSE decoder's
    buffer for ever (and every byte keeps the read timeout from firing).
    """

    def __init__(self, inner: httpx.AsyncByteStream, limit: int = MAX_EVENT):
        self._inner = inner
        self._limit = limit

    async def __aiter__(self):
        line = event = 0
        tail = b""
        async for chunk in self._inner:
            joined = tail + chunk
            newline = max(joined.rfind(b"\n"), joined.rfind(b"\r"))
            line = len(joined) - newline - 1 if newline >= 0 else line + len(chunk)
            blank = max(joined.rfind(b"\n\n"), joined.rfind(b"\r\n\r\n"), joined.rfind(b"\r\r"))
            event = len(joined) - blank if blank >= 0 else event + len(chunk)
            tail = joined[-3:]
            if line > self._limit or event > self._limit:
                raise EventTooLarge()
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass(frozen=True)
class Reading:
    """The reading rule's numbers, in seconds (defaults: protocol.json)."""

    poll_default: float = protocol.POLL_DEFAULT_SECONDS
    poll_min: float = protocol.POLL_MIN_SECONDS
    visible_poll_min: float = protocol.VISIBLE_POLL_MIN_SECONDS
    task_interval_max: float = protocol.TASK_INTERVAL_MAX_SECONDS
    restart_spread: float = protocol.RESTART_SPREAD_TASK_INTERVALS
    restart_spread_max: float = protocol.RESTART_SPREAD_MAX_SECONDS


class CreditsRelay:
    """One upstream per server, every event to every listener (see the module)."""

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
        numbers: Reading = Reading(),
    ):
        if reading not in READINGS:
            raise ValueError(f"reading must be one of {READINGS}, not {reading!r}")
        self.hub = hub
        self.timings = timings
        self.reading = reading
        self.always_stream = always_stream
        self.grace = grace
        self.numbers = numbers
        self._transport = transport
        self._random = random
        self._clock = clock or Clock()
        self._listeners: set[Listener] = set()
        self._task: Optional[asyncio.Task[None]] = None
        self._changed_event: Optional[asyncio.Event] = None
        self._news: list[asyncio.Future[None]] = []
        #: Until when (monotonic) the stream is kept after the last live
        #: listener (in ``always_stream``: after the last listener).
        self._live_until = 0.0
        self._watch_until = 0.0
        self._once = False
        self.mode = "off"
        self.state = "connecting"
        self.reason = ""
        self.entry: Optional[Choice] = None
        self.free = False
        self._last_state = self._state_message()
        self._last_snapshot: Optional[Message] = None
        self._snapshot: Optional[dict[str, Any]] = None
        #: When the last snapshot arrived (epoch s / monotonic s).
        self.updated: Optional[float] = None
        self._updated_mono: Optional[float] = None
        self.history: deque[tuple[float, float]] = deque(maxlen=HISTORY_LIMIT)
        self._gaps: deque[float] = deque(maxlen=GAPS_KEPT)
        #: The per-server snapshot the stream sent last, and whether a
        #: poll has been matched against it yet.
        self._streamed: Optional[dict[str, Any]] = None
        self._streamed_unmatched = False
        self._matched: Optional[str] = None
        self._failures = 0
        self._stop_checks = 0
        #: Why the hub refused this server's stream, if it did: live
        #: listeners are polled from then on.
        self.stream_refused: Optional[str] = None
        self._saw_event = False
        self._stop_event = False
        #: Hub requests over the relay's life: stream connections and polls.
        self.connections = 0
        self.polls = 0

    # -- listeners -----------------------------------------------------------

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    @property
    def live_listeners(self) -> int:
        return sum(1 for listener in self._listeners if listener.live)

    @property
    def upstream_running(self) -> bool:
        return self._task is not None and not self._task.done()

    def subscribe(self, live: bool = True) -> Listener:
        """A new listener: the current state and last snapshot at once."""
        listener = Listener(live=live)
        self._listeners.add(listener)
        listener.put(self._last_state)
        if self._last_snapshot is not None:
            listener.put(self._last_snapshot)
        if self.state in TERMINAL:
            # A new listener asks again (a terminal state ended the upstream).
            self._reset_terminal()
        self._touch()
        return listener

    def set_live(self, listener: Listener, live: bool) -> None:
        """The listener's tab became visible (``True``) or hidden."""
        if listener.live != live:
            was_live = self.live_listeners > 0
            listener.live = live
            self._after_leave(was_live)
            self._touch()

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            was_live = self.live_listeners > 0
            self._listeners.discard(listener)
            self._after_leave(was_live)
            self._touch()

    def watch(self, seconds: float) -> None:
        """Keeps numbers coming for ``seconds`` (a kernel's ``on_low``), with no listener."""
        if seconds > 0:
            self._watch_until = max(self._watch_until, self._clock.monotonic() + seconds)
            self._touch()

    async def fresh(self, watch: float = 0.0, timeout: Optional[float] = None) -> None:
        """For ``GET state``: numbers as fresh as the reading rule gives.

        With ``watch``, keeps them coming for that long. When nothing reads
        and nothing recent is known, polls once. Waits (at most ``timeout``)
        for the first answer when there is none yet.
        """
        self.watch(watch)
        if self.state in TERMINAL:
            return
        now = self._clock.monotonic()
        stale = self._updated_mono is None or now - self._updated_mono > self.numbers.poll_min
        if not stale:
            return
        if self._wanted_mode(now) == "off":
            self._once = True
            self._touch()
        limit = self.timings.connect_timeout + 1 if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        # Until the first numbers, a failure or a terminal state; a live
        # stream that sends nothing (a free server) is given a second.
        while self._updated_mono is None and self.state not in TERMINAL:
            if self.state == "reconnecting":
                return
            wait = deadline - loop.time()
            if self.state == "live":
                wait = min(wait, 1.0)
            if wait <= 0:
                return
            waiter = loop.create_future()
            self._news.append(waiter)
            try:
                await asyncio.wait_for(asyncio.shield(waiter), wait)
            except asyncio.TimeoutError:
                return
            finally:
                if waiter in self._news:
                    self._news.remove(waiter)

    async def stop_server(self) -> tuple[int, str]:
        """Asks the credit service to stop this server (``DELETE stopserver``)
        with the server's token. Returns the hub's status (0: no answer) and
        what went wrong, if anything."""
        verify = self.hub.ssl_context or _default_ssl_context()
        try:
            async with httpx.AsyncClient(
                timeout=self.timings.connect_timeout,
                transport=self._transport,
                follow_redirects=False,
                verify=verify,
            ) as client:
                response = await client.delete(self.hub.stop_url, headers=self.hub.headers)
        except httpx.HTTPError as error:
            return 0, f"the hub did not answer: {type(error).__name__}"
        if response.status_code in (202, 204):
            return response.status_code, ""
        detail = _message(response.content) or ""
        text = f"the hub did not stop the server (HTTP {response.status_code})"
        return response.status_code, f"{text}: {detail}"[
            : protocol.MAX_MESSAGE_LENGTH
        ] if detail else text

    async def close(self) -> None:
        """Stops the upstream and ends every listener (server shutdown)."""
        for listener in list(self._listeners):
            listener.close()
        self._listeners.clear()
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

    def status(self) -> dict[str, Any]:
        """For the status route: no token, no URL with credentials."""
        return {
            "state": self.state,
            "reason": self.reason,
            "mode": self.mode,
            "reading": self.reading,
            "listeners": self.listeners,
            "live_listeners": self.live_listeners,
            "upstream_running": self.upstream_running,
            "hub_connections": self.connections,
            "hub_polls": self.polls,
            "task_interval": self.task_interval,
            "stream_refused": self.stream_refused,
        }

    # -- the reading rule ----------------------------------------------------

    def _after_leave(self, was_live: bool) -> None:
        now = self._clock.monotonic()
        if self.always_stream:
            if not self._listeners:
                self._live_until = now + self.grace
        elif was_live and self.live_listeners == 0:
            self._live_until = now + self.grace

    def _wanted_mode(self, now: float) -> str:
        watching = now < self._watch_until or self._once
        if self.always_stream:
            if self._listeners or watching or now < self._live_until:
                return "stream"
            return "off"
        live = self.live_listeners > 0 or now < self._live_until
        if live:
            return "poll" if self._polls_for_live() else "stream"
        if self._listeners or watching:
            return "poll"
        return "off"

    def _polls_for_live(self) -> bool:
        """Live listeners are polled too: the admin's setting, or a hub that
        refuses this server's stream but lists its credits (credit service
        0.3.x wants ``read:servers``, which the server's token lacks)."""
        return self.reading == "poll" or self.stream_refused is not None

    def poll_period(self, now: Optional[float] = None) -> float:
        """The wait between polls before jitter (see protocol.json "reading")."""
        now = self._clock.monotonic() if now is None else now
        interval = self.task_interval
        n = self.numbers
        if self._polls_for_live() and (self.live_listeners > 0 or now < self._live_until):
            low = n.visible_poll_min
        else:
            low = n.poll_min
        # As pollPeriodMs in reading.ts: the default before the interval is
        # known (at 5,000 servers, visible tabs polling every 10 s saturated
        # the hub: each poll also writes the token's last activity).
        base = n.poll_default if interval is None else interval
        return min(max(base, low), max(n.task_interval_max, low))

    def _spread(self) -> Timings:
        """Retry timings whose first window spans ``restart_spread`` task
        intervals (at most ``restart_spread_max`` seconds): after a hub
        restart the servers come back spread over it, not in a wave.
        (``always_stream``: the first window is the backoff base, as before.)"""
        if self.always_stream:
            return self.timings
        n = self.numbers
        spread = min((self.task_interval or 0.0) * n.restart_spread, n.restart_spread_max)
        base = max(self.timings.backoff_base, spread)
        return replace(
            self.timings, backoff_base=base, backoff_cap=max(base, self.timings.backoff_cap)
        )

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
                self._task = asyncio.ensure_future(self._run())

    def _reset_terminal(self) -> None:
        self._failures = self._stop_checks = 0
        self._stop_event = False
        self._set_state("connecting")

    async def _cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        timeout = httpx.Timeout(
            self.timings.heartbeat_timeout, connect=self.timings.connect_timeout
        )
        verify = self.hub.ssl_context or _default_ssl_context()
        attempt: Optional[asyncio.Task[tuple[Verdict, float]]] = None
        next_try = self._clock.monotonic()
        if self._updated_mono is not None and self._wanted_mode(next_try) == "poll":
            # Numbers known: the first poll comes when they would be due.
            next_try = self._updated_mono + self.poll_period() * self._jitter()
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
                        await _cancelled(attempt)
                        attempt = None
                        continue  # listeners may have changed meanwhile
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
                    waits: list[Awaitable[Any]] = [self._changed.wait()]
                    if attempt is not None:
                        waits.append(attempt)
                    deadlines = [t for t in (self._live_until, self._watch_until) if t > now]
                    if attempt is None:
                        deadlines.append(next_try)
                    await _first(waits, self._clock, min(deadlines) - now if deadlines else None)
                    if attempt is not None and attempt.done():
                        verdict, hint = attempt.result()
                        attempt = None
                        next_try = self._after(verdict, hint, "stream")
                        if next_try < 0:
                            return
        finally:
            if attempt is not None:
                await _cancelled(attempt)
            self.mode = "off"
            self._once = False
            self._notify_news()
            # Nothing awaited from here on: a listener that came while this
            # task was winding down gets a new one.
            if self._task is asyncio.current_task():
                self._task = None
                if (
                    self.state not in TERMINAL
                    and self._wanted_mode(self._clock.monotonic()) != "off"
                ):
                    self._task = asyncio.ensure_future(self._run())

    def _switch(self, mode: str, now: float, next_try: float) -> float:
        """A mode change: when the next hub request may go."""
        previous, self.mode = self.mode, mode
        if previous == "stream" and mode == "poll":
            # Poll at once: the list still shows what the stream showed,
            # so the entry that pays can be matched.
            if self._snapshot is not None or self.free:
                self._set_state("polling", self._entry_reason())
            return now if self._failures == 0 else next_try
        if mode == "stream":
            # Live within a second of a tab becoming visible, even after a
            # failed poll (its wait was a poll period, not a retry window).
            return now
        return next_try

    def _after(self, verdict: Verdict, hint: float, mode: str) -> float:
        """When the next request may go after one ended; ``-1``: never (terminal)."""
        now = self._clock.monotonic()
        if verdict.kind == "ok":
            self._failures = 0
            self._once = False
            return now + self.poll_period(now) * self._jitter()
        if verdict.kind == "refused":
            if mode == "stream" and self.stream_refused is None and not self.always_stream:
                # The list may still be readable with the same token: poll.
                self.stream_refused = verdict.reason
                log.info("credits relay: the hub refused the stream (%s): polling", verdict.reason)
                return now
            self._set_state("refused", verdict.reason)
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
                verdict = Verdict("retry", f"{verdict.reason} (checking again)")
            else:
                self._set_state(verdict.state, verdict.reason)
                return -1
        delay = retry_delay(
            self._failures, max(verdict.not_before, hint), self._spread(), self._random()
        )
        if mode == "poll":
            # A failed poll comes back no sooner than the next one would:
            # a hub back from a restart sees the usual rate, not a wave.
            delay = max(delay, self.poll_period(now) * self._jitter())
        self._failures += 1
        self._once = False
        self._set_state("reconnecting", verdict.reason)
        self._notify_news()
        return now + delay

    def _jitter(self) -> float:
        return 0.5 + self._random()

    # -- one stream connection -----------------------------------------------

    async def _stream(self, client: httpx.AsyncClient) -> tuple[Verdict, float]:
        """One stream connection; returns how it ended and the ``retry:`` hint."""
        self.connections += 1
        hint = 0.0
        request = client.build_request(
            "GET",
            self.hub.stream_url,
            headers={
                **self.hub.headers,
                "Accept": "text/event-stream",
                "Cache-Control": "no-cache",
            },
        )
        try:
            response = await asyncio.wait_for(
                client.send(request, stream=True), self.timings.connect_timeout
            )
        except asyncio.TimeoutError:
            return Verdict("retry", "no response from the hub"), hint
        except httpx.HTTPError as error:
            return Verdict("retry", f"network error: {type(error).__name__}"), hint
        last: Optional[float] = None
        seen = 0
        try:
            verdict = classify(
                response.status_code,
                response.headers.get("content-type", ""),
                self._saw_event,
                response.headers.get("retry-after"),
                self._clock.time(),
            )
            if verdict.kind != "open":
                return verdict, hint
            self._set_state("live")
            response.stream = _Capped(response.stream)
            async for event in EventSource(response).aiter_sse():
                if event.retry is not None:
                    hint = event.retry / 1000
                kind, body = hub_data(event.data)
                if kind == "stopped":
                    self._stop_event = True
                    self._broadcast(Message("data", json.dumps({"error": body})))
                    return Verdict("end", body or "", state="stopped"), hint
                if kind == "snapshot" and body is not None:
                    # The first snapshot comes on connect, at any phase of
                    # the credit task: gaps count from the second one on.
                    now = self._clock.monotonic()
                    if seen >= 2 and last is not None:
                        self._gaps.append(now - last)
                    seen += 1
                    last = now
                    self._saw_event = True
                    self._stop_checks = 0
                    self._failures = 0
                    self._streamed = json.loads(body)
                    self._streamed_unmatched = True
                    self.free = False
                    self._deliver(body, self._streamed)
                elif kind == "invalid":
                    log.debug("credits relay: ignored an invalid event from the hub")
            return Verdict("retry", "the hub closed the stream"), hint
        except httpx.ReadTimeout:
            return Verdict("retry", "the hub went silent"), hint
        except EventTooLarge:
            return Verdict("retry", "a line or event from the hub is larger than 1 MB"), hint
        except httpx.HTTPError as error:
            return Verdict("retry", f"connection lost: {type(error).__name__}"), hint
        except (httpx.StreamError, ValueError, RuntimeError) as error:
            # A stream httpx or the SSE decoder gives up on (SSEError is a
            # TransportError; StreamError a RuntimeError): retried with the
            # backoff, never at once in a loop.
            return Verdict("retry", f"the hub's stream broke: {type(error).__name__}"), hint
        finally:
            await response.aclose()

    # -- one poll ------------------------------------------------------------

    async def _poll(self, client: httpx.AsyncClient) -> tuple[Verdict, float]:
        """One ``GET {api}/credits``; delivers the paying entry as a snapshot."""
        self.polls += 1
        try:
            status, content_type, body, retry_after = await asyncio.wait_for(
                self._get_list(client), self.timings.connect_timeout
            )
        except asyncio.TimeoutError:
            return Verdict("retry", "no response from the hub"), 0.0
        except EventTooLarge:
            return Verdict("retry", "the hub's credit list is larger than 1 MB"), 0.0
        except httpx.HTTPError as error:
            return Verdict("retry", f"network error: {type(error).__name__}"), 0.0
        if status == 404:
            message = _message(body)
            if message is None or "credit entry" not in message:
                if message is not None and "disabled" in message:
                    return Verdict(
                        "end", "credits are disabled on this hub", state="unavailable"
                    ), 0.0
                return Verdict(
                    "end", "the hub has no credit service (HTTP 404)", state="unavailable"
                ), 0.0
            self._deliver_free()
            return Verdict("ok"), 0.0
        if status != 200:
            verdict = classify(status, "text/event-stream", False, retry_after, self._clock.time())
            if verdict.kind == "end" and verdict.state == "stopped":
                verdict = Verdict(
                    "end", f"unexpected answer from the hub (HTTP {status})", state="unavailable"
                )
            return verdict, 0.0
        try:
            entries = parse_list(strict_json(body))
        except ValueError:
            entries = None
        if entries is None:
            return Verdict("retry", "the hub answered no credit list"), 0.0
        if self._streamed_unmatched:
            self._matched = match_entry(entries, self._streamed, self._matched) or self._matched
            self._streamed_unmatched = False
        choice = choose_entry(entries, self._matched)
        if choice is None:
            self._deliver_free()
            return Verdict("ok"), 0.0
        self.entry, self.free = choice, False
        snapshot = to_snapshot(choice.entry)
        self._set_state("polling", choice.reason())
        self._deliver(json.dumps(snapshot, separators=(",", ":")), snapshot)
        return Verdict("ok"), 0.0

    async def _get_list(self, client: httpx.AsyncClient) -> tuple[int, str, bytes, Optional[str]]:
        headers = {**self.hub.headers, "Accept": "application/json"}
        async with client.stream("GET", self.hub.list_url, headers=headers) as response:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_EVENT:
                    raise EventTooLarge()
            return (
                response.status_code,
                response.headers.get("content-type", ""),
                body,
                response.headers.get("retry-after"),
            )

    # -- fan-out -------------------------------------------------------------

    def _entry_reason(self) -> str:
        if self.free:
            return FREE_REASON
        return self.entry.reason() if self.entry is not None else ""

    def _state_message(self) -> Message:
        return Message("state", json.dumps({"state": self.state, "reason": self.reason}))

    def _set_state(self, state: str, reason: str = "") -> None:
        if (state, reason) != (self.state, self.reason):
            self.state, self.reason = state, reason
            self._last_state = self._state_message()
            self._fan_out(self._last_state)
            self._notify_news()

    def _deliver(self, body: str, snapshot: dict[str, Any]) -> None:
        self._once = False
        self._snapshot = snapshot
        self.updated = self._clock.time()
        self._updated_mono = self._clock.monotonic()
        amount = available(snapshot)
        if amount is not None:
            self.history.append((self.updated, amount))
        self._broadcast(Message("data", body))
        self._notify_news()

    def _deliver_free(self) -> None:
        self._once = False
        self.entry, self.free = None, True
        self._snapshot = None
        self._last_snapshot = None
        self.updated = self._clock.time()
        self._updated_mono = self._clock.monotonic()
        self._set_state("polling", FREE_REASON)
        # Listeners that showed an entry's numbers: nothing pays any more.
        self._broadcast(Message("data", "[]"))
        self._last_snapshot = None
        self._notify_news()

    def _broadcast(self, message: Message) -> None:
        if message.kind == "data":
            self._last_snapshot = message
        self._fan_out(message)

    def _fan_out(self, message: Message) -> None:
        for listener in list(self._listeners):
            listener.put(message)

    def _notify_news(self) -> None:
        news, self._news = self._news, []
        for waiter in news:
            if not waiter.done():
                waiter.set_result(None)


@functools.lru_cache(maxsize=1)
def _default_ssl_context() -> ssl.SSLContext:
    """httpx's default TLS context, made once: making one per client costs
    ~0.1 s of CPU, and the relay makes a client per upstream run."""
    return httpx.create_ssl_context()


def _message(body: bytes) -> Optional[str]:
    """The ``message`` of a hub JSON error body, or ``None``."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("message"), str):
        return value["message"]
    return None


async def _cancelled(task: asyncio.Task[Any]) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception:  # noqa: BLE001 - the attempt is being abandoned
        log.debug("credits relay: an abandoned stream attempt failed", exc_info=True)


async def _first(waits: list[Awaitable[Any]], clock: Clock, timeout: Optional[float]) -> None:
    """Returns when one of ``waits`` is done or ``timeout`` passed (on ``clock``).

    Tasks among ``waits`` are left running; helpers made here are cancelled.
    """
    own: list[asyncio.Future[Any]] = []
    futures: list[asyncio.Future[Any]] = []
    for item in waits:
        if isinstance(item, asyncio.Future):
            futures.append(item)
        else:
            future = asyncio.ensure_future(item)
            own.append(future)
            futures.append(future)
    if timeout is not None:
        sleeper = asyncio.ensure_future(clock.sleep(max(0.0, timeout)))
        own.append(sleeper)
        futures.append(sleeper)
    try:
        await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in own:
            if not future.done():
                future.cancel()

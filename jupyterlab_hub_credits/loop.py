"""The relay's reading loop: it starts when someone needs numbers, asks
the hub as the reading rule says (``rule.py``), and turns every answer into
the next request's time, or a terminal state (``policy.TERMINAL``). A
mixin of ``CreditsRelay`` (``relay.py``), which holds the state."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable
from typing import Any, Optional

import httpx

from . import protocol
from .policy import TERMINAL, Verdict
from .upstream import STABLE_SECONDS
from .waits import cancelled, first, observed

log = logging.getLogger(__name__)


class ReadingLoop:
    """The loop that reads the hub (see the module)."""

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
            reason = protocol.Reason("unexpected_error", type(error).__name__)
            self._fail(Verdict("retry", reason), 0.0, self.mode)
        finally:
            # Nothing awaited from here on: a claim that came while this
            # task was winding down gets a new one.
            if self._task is asyncio.current_task():
                self._task = None
                self._touch()

    async def _loop(self) -> None:
        # Not even a client is built before the backoff allows (building one
        # may fail too: a proxy setting, a TLS file).
        while True:
            self._changed.clear()
            now = self._clock.monotonic()
            if now >= self._not_before or self._wanted_mode(now) == "off":
                break
            await first([self._changed.wait()], self._clock, self._not_before - now)
        attempt: Optional[asyncio.Task[tuple[Verdict, float]]] = None
        next_try = self._clock.monotonic()
        if self._updated_mono is not None and self._wanted_mode(next_try) == "poll":
            # Numbers known: the first poll comes when they would be due.
            next_try = self._updated_mono + self._poll_wait(next_try)
        next_try = max(next_try, self._not_before)
        try:
            # No idle keep-alive between polls: at thousands of servers those
            # would hold as many sockets open on the hub as streams do.
            async with self._client(
                timeout=httpx.Timeout(
                    self.timings.heartbeat_timeout, connect=self.timings.connect_timeout
                ),
                limits=httpx.Limits(max_keepalive_connections=0),
            ) as client:
                while True:
                    self._changed.clear()
                    now = self._clock.monotonic()
                    mode = self._wanted_mode(now)
                    if mode != self.mode:
                        next_try = self._switch(mode, now, next_try)
                    if self._poll_soon:
                        # A longer lead than the planned wait allowed for.
                        self._poll_soon = False
                        if mode == "poll":
                            next_try = min(next_try, max(now, self._not_before))
                    if mode != "stream" and attempt is not None:
                        await cancelled(attempt)
                        attempt = None
                        continue  # claims may have changed meanwhile
                    if mode == "off":
                        return
                    if now >= self._direct_until:
                        # Back to the shared reader (an open stream from the hub ends).
                        if attempt is not None:
                            await cancelled(attempt)
                            attempt = None
                        self._shared_again(now)
                        next_try = max(now, self._not_before)
                    if attempt is None and now >= next_try:
                        if mode == "stream":
                            attempt = asyncio.ensure_future(self._stream(client))
                        else:
                            next_try = self._after(await self._poll(client), 0.0, "poll")
                            if next_try < 0:
                                return
                            continue
                    self._next_poll = next_try if attempt is None else math.inf
                    waits: list[Awaitable[Any]] = [self._changed.wait()]
                    ends = (self._live_until, self._watch_until, self._direct_until)
                    deadlines = [t for t in ends if t > now]
                    if attempt is not None:
                        waits.append(attempt)
                    else:
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
            return max(now if self.failures == 0 else next_try, self._not_before)
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
            self.failures = 0
            self._once = False
            return now + self._poll_wait(now)
        if self.via == "shared" and (
            verdict.kind == "refused" or (verdict.kind == "end" and verdict.state != "stopped")
        ):
            # The shared reader will not answer this server: the hub will.
            log.warning("credits relay: the shared reader refused (%s)", verdict.reason)
            self._shared_down = now - self.shared_fallback
            direct = self._shared_failed(now)
            if direct is not None:
                self._not_before = direct
                return direct
        if verdict.kind == "refused":
            if mode == "stream" and self.stream_refused is None:
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
                and not self.stop_event
                and self.failures > 0
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
        self.failures += 1
        self._once = False

    def _fail(self, verdict: Verdict, hint: float, mode: str) -> float:
        """A failure: counted, and the next request not before the backoff."""
        now = self._clock.monotonic()
        if mode == "stream" and now - self._opened_at >= STABLE_SECONDS:
            # A stream that held a while was a success: start the backoff anew.
            self.failures = 0
        self._opened_at = math.inf
        delay = self._backoff(max(verdict.not_before, hint))
        self._not_before = now + delay
        if mode == "poll":
            # A failed poll comes back no sooner than the next one would:
            # a hub back from a restart sees the usual rate, not a wave.
            delay = max(delay, self._poll_wait(now))
        self.failures += 1
        self._once = False
        self._set_state("reconnecting", verdict.reason)
        self._notify_news()
        direct = self._shared_failed(now)
        if direct is not None:
            self._not_before = direct
            return direct
        return now + delay

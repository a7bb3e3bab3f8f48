"""The reading rule: which way the hub is read (a stream, polls or nothing)
and how long to wait between requests, from who needs numbers and how
soon, the task interval the stream showed, and the failures so far. A
mixin of ``CreditsRelay`` (``relay.py``), which holds the state."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional

from . import protocol
from .policy import Timings


@dataclass(frozen=True)
class Reading:
    """The reading rule's numbers, in seconds (defaults: protocol.json)."""

    poll_default: float = protocol.POLL_DEFAULT_SECONDS
    poll_min: float = protocol.POLL_MIN_SECONDS
    visible_poll_min: float = protocol.VISIBLE_POLL_MIN_SECONDS
    task_interval_max: float = protocol.TASK_INTERVAL_MAX_SECONDS
    restart_spread: float = protocol.RESTART_SPREAD_TASK_INTERVALS
    restart_spread_max: float = protocol.RESTART_SPREAD_MAX_SECONDS
    quiet: tuple[float, float] = protocol.QUIET_SECONDS


DEFAULT_READING = Reading()


class ReadingRule:
    """When and how the relay reads the hub (see the module)."""

    def _wanted_mode(self, now: float) -> str:
        """``stream`` while a page's claim (and its grace) holds, ``poll``
        while a lease or a kernel's watch does, ``off`` otherwise."""
        if now < self._live_until:
            return "poll" if self._polls_for_live() else "stream"
        return "poll" if now < self._watch_until or self._once else "off"

    def _polls_for_live(self) -> bool:
        """Claims are polled too: the admin's setting, or a hub that
        refuses this server's stream but lists its credits (credit service
        0.3.x wants ``read:servers``, which the server's token lacks)."""
        return self.reading == "poll" or self.stream_refused is not None

    def poll_period(self, now: Optional[float] = None) -> float:
        """The wait between polls before jitter (see protocol.json "reading")."""
        now = self._clock.monotonic() if now is None else now
        interval, n = self.task_interval, self.numbers
        low = self._poll_floor(now)
        # The default before the interval is known (at 5,000 servers, visible
        # tabs polling every 10 s saturated the hub: each poll writes the
        # token's last activity).
        base = n.poll_default if interval is None else interval
        return min(max(base, low), max(n.task_interval_max, low))

    def _spread(self) -> Timings:
        """Retry timings whose first window spans ``restart_spread`` task
        intervals (at most ``restart_spread_max`` seconds): after a hub
        restart the servers come back spread over it, not in a wave."""
        n = self.numbers
        spread = min((self.task_interval or 0.0) * n.restart_spread, n.restart_spread_max)
        base = max(self.timings.backoff_base, spread)
        # Room for the whole spread on top of the first wait (``_backoff``).
        cap = max(base + self.timings.backoff_base, self.timings.backoff_cap)
        return replace(self.timings, backoff_base=base, backoff_cap=cap)

    def _backoff(self, hint: float) -> float:
        """The wait after ``self.failures`` failures: the base doubled per
        failure (up to the cap), plus a jitter as wide as the restart spread,
        never shorter than the hub's ``Retry-After`` within [base, cap]."""
        spread, timings = self._spread(), self.timings
        cap = spread.backoff_cap
        low = min(cap, timings.backoff_base * timings.backoff_factor ** min(self.failures, 64))
        width = max(spread.backoff_base, low)
        asked = min(max(hint, timings.backoff_base), cap) if hint > 0 else 0.0
        return max(min(cap, low + self._random() * width), asked)

    def _poll_wait(self, now: float) -> float:
        """The wait until the next poll: paced by the prediction while only
        leases and watches hold, else the period, jittered; never under its floor."""
        paced = self._paced_wait(now)
        wait = self.poll_period(now) * self._jitter() if paced is None else paced
        return max(wait, self._poll_floor(now))

    def _paced_wait(self, now: float) -> Optional[float]:
        """While nobody looks and every lease or watch said how long before
        the stop it must know (its lead): a quiet wait (10–15 min) while the
        predicted earliest stop is far or none comes, then half the time
        left before the lead (less one task interval), down to the task
        interval. Half: a drain that doubles between two polls (a second
        server, a project emptied by others) is still seen before the stop.
        ``None``: not paced (claims, a lead not said, no prediction yet)."""
        lead = self._lead(now)
        if now < self._live_until or lead is None or math.isinf(lead):
            return None
        prediction = self.prediction()
        if prediction["kind"] == "unknown":
            return None
        low, high = self.numbers.quiet
        quiet = low + self._random() * (high - low)
        if prediction["kind"] != "falling":
            return quiet
        period = self.poll_period(now)
        left = prediction["earliest"] / 1000 - self._clock.time()
        return min(quiet, max(period, (left - lead - period) / 2))

    def _poll_floor(self, now: float) -> float:
        if self._polls_for_live() and now < self._live_until:
            return self.numbers.visible_poll_min
        return self.numbers.poll_min

    def _jitter(self) -> float:
        return 0.5 + self._random()

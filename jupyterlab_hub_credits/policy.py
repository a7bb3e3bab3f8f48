"""What a hub answer means, as pure functions (no I/O, no clock of their
own), checked on ``tests/vectors/policy.json``."""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from typing import Optional

from .protocol import TIMINGS, Reason


@dataclass(frozen=True)
class Timings:
    """Retry and watchdog timings, in seconds (defaults: protocol.json)."""

    backoff_base: float = TIMINGS["backoffBaseSeconds"]
    backoff_factor: float = TIMINGS["backoffFactor"]
    backoff_cap: float = TIMINGS["backoffCapSeconds"]
    connect_timeout: float = TIMINGS["connectTimeoutSeconds"]
    #: The hub sends a keepalive every 8 s: three missed ones mean trouble.
    heartbeat_timeout: float = TIMINGS["heartbeatTimeoutSeconds"]
    #: A 409/404 right after a lost connection is asked again this often
    #: before the server counts as stopped (a restarting hub answers 409
    #: until it has checked its servers).
    stop_checks: int = TIMINGS["stopChecks"]


DEFAULT_TIMINGS = Timings()

#: Terminal states: no further request until a user's Reconnect
#: (``unreachable``: the hub refuses the server's token).
TERMINAL = frozenset({"unreachable", "unavailable", "stopped"})


@dataclass(frozen=True)
class Verdict:
    """What one response means. ``kind``: ``open`` (read the stream),
    ``retry`` (a passing failure; not before ``not_before`` seconds),
    ``refused`` (log in again, or the token lacks access) or ``end`` (a
    terminal ``state``: ``unavailable``, ``unreachable`` or ``stopped``)."""

    kind: str
    reason: str = ""
    state: str = ""
    not_before: float = 0.0


def classify(
    status: int, content_type: str, saw_event: bool, retry_after: Optional[str], now: float
) -> Verdict:
    """The status-code policy for a credits stream. ``saw_event``: whether
    this stream delivered a snapshot before (a 404 then means the hub
    dropped the stopped server, not a missing route). ``now``: seconds since
    the epoch, for an HTTP-date ``Retry-After``."""
    if 300 <= status < 400:
        return Verdict("refused", Reason("hub_login"))
    if status in (401, 403):
        return Verdict("refused", Reason("hub_refused", status))
    if status == 404:
        if saw_event:
            return _end("stopped", Reason("server_unknown"))
        return _end("unavailable", Reason("no_credit_service"))
    if status in (409, 424):
        return _end("stopped", Reason("server_not_running"))
    if status == 429 or status >= 500:
        wait = retry_after_seconds(retry_after, now)
        return Verdict("retry", Reason("hub_http", status), not_before=wait)
    if status != 200:
        return _end("unavailable", Reason("hub_unexpected", status))
    kind = content_type.lower()
    if kind.startswith("text/html"):
        # A login page delivered in place of the stream.
        return Verdict("refused", Reason("hub_login_page"))
    if not kind.startswith("text/event-stream"):
        return _end("unavailable", Reason("not_a_stream", kind or Reason("no_content_type")))
    return Verdict("open")


def _end(state: str, reason: str) -> Verdict:
    return Verdict("end", reason, state=state)


_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: IMF-fixdate: ``Sun, 06 Nov 1994 08:49:37 GMT`` (RFC 9110).
_HTTP_DATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) ("
    + "|".join(_MONTHS)
    + r") ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT"
)


def retry_after_seconds(value: Optional[str], now: float) -> float:
    """``Retry-After`` as a delay from ``now`` (seconds): delay-seconds
    (digits, a fraction allowed) or an IMF-fixdate; anything else, and a
    date in the past, is no delay."""
    # Only HTTP's own white space.
    text = (value or "").strip(" \t")
    if _SECONDS.fullmatch(text):
        seconds = float(text)
        return seconds if math.isfinite(seconds) else 0.0
    date = _HTTP_DATE.fullmatch(text)
    if date is None:
        return 0.0
    _, day, month, year, hours, minutes, seconds = date.groups()
    # Out-of-range fields roll over, as JavaScript's Date does.
    try:
        days = datetime.date(int(year), _MONTHS.index(month) + 1, 1).toordinal() + int(day) - 1
    except ValueError:  # year 0
        return 0.0
    at = (days - _EPOCH_DAY) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    return max(0.0, at - now)


_EPOCH_DAY = datetime.date(1970, 1, 1).toordinal()

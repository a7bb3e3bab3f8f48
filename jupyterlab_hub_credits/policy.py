"""The relay's connection policy as pure functions.

The same rules as the browser's ``src/policy.ts``: what a hub response
means, how long to wait before the next attempt. No I/O, no clock of its
own: every rule can be read and tested alone.
"""

from __future__ import annotations

import email.utils
import json
from dataclasses import dataclass
from typing import Optional

from .protocol import TIMINGS


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


#: The defaults (the browser's, from the same file).
DEFAULT_TIMINGS = Timings()


@dataclass(frozen=True)
class Verdict:
    """What one response means.

    ``kind`` is ``open`` (read the stream), ``retry`` (a passing failure;
    not before ``not_before`` seconds) or ``end`` (a terminal ``state``:
    ``refused``, ``unavailable`` or ``stopped``).
    """

    kind: str
    reason: str = ""
    state: str = ""
    not_before: float = 0.0


def classify(
    status: int,
    content_type: str,
    saw_event: bool,
    retry_after: Optional[str],
    now: float,
) -> Verdict:
    """The status-code policy for the hub's per-server stream.

    ``saw_event``: whether this relay delivered a snapshot before (a 404
    then means the hub dropped the stopped server, not a missing route).
    ``now``: the clock in seconds since the epoch, for an HTTP-date
    ``Retry-After``.
    """
    if 300 <= status < 400:
        return Verdict("end", "the hub asked to log in", state="refused")
    if status in (401, 403):
        return Verdict(
            "end", f"the hub refused this server's token (HTTP {status})", state="refused"
        )
    if status == 404:
        if saw_event:
            return Verdict("end", "the hub no longer knows this server", state="stopped")
        return Verdict("end", "the hub has no credit service (HTTP 404)", state="unavailable")
    if status == 409:
        return Verdict("end", "the server is not running", state="stopped")
    if status == 429 or status >= 500:
        return Verdict(
            "retry",
            f"the hub answered HTTP {status}",
            not_before=retry_after_seconds(retry_after, now),
        )
    if status != 200:
        return Verdict(
            "end", f"unexpected answer from the hub (HTTP {status})", state="unavailable"
        )
    kind = content_type.lower()
    if not kind.startswith("text/event-stream"):
        return Verdict(
            "end",
            f"the hub did not answer with an event stream ({kind or 'no content type'})",
            state="unavailable",
        )
    return Verdict("open")


def retry_after_seconds(value: Optional[str], now: float) -> float:
    """``Retry-After`` in seconds or as an HTTP date, as a delay from ``now``."""
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return 0.0
        if when is None:
            return 0.0
        return max(0.0, when.timestamp() - now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return 0.0
    return max(0.0, seconds)


def retry_delay(failures: int, hint: float, timings: Timings, random: float) -> float:
    """The wait before the next attempt, in seconds.

    Full jitter over a window that doubles with each failure up to the cap;
    never shorter than the hub asked, a hint counting within [base, cap].
    ``failures``: failed attempts in a row before this one failed;
    ``random``: uniform in [0, 1).
    """
    window = min(
        timings.backoff_cap,
        timings.backoff_base * timings.backoff_factor ** min(failures, 64),
    )
    asked = min(max(hint, timings.backoff_base), timings.backoff_cap) if hint > 0 else 0.0
    return max(random * window, asked)


def hub_data(data: str) -> tuple[str, Optional[str]]:
    """Checks one event's data from the hub.

    Returns ``("snapshot", json)``, ``("stopped", message)`` or
    ``("invalid", None)``. The JSON is re-serialized, so what reaches the
    browser is always one line of valid JSON.
    """
    try:
        value = json.loads(data)
    except ValueError:
        return "invalid", None
    if isinstance(value, dict) and "error" in value:
        if isinstance(value["error"], str):
            return "stopped", value["error"]
        return "invalid", None
    if isinstance(value, (dict, list)):
        return "snapshot", json.dumps(value, separators=(",", ":"))
    return "invalid", None

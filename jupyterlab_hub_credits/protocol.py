"""The numbers and words the browser and the server side share:
``src/protocol.json`` (numbers, codes) and ``src/reasons.json`` (the
reasons' English), the only places they are written. The TypeScript side
imports them; the wheel carries a copy inside this package (hatch
``force-include``), a source checkout reads the originals. They are the
defaults for code that runs without settings (the relay's traitlets, the
kernel API); the settings schema holds those of what users can set.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Optional

_HERE = Path(__file__).resolve().parent
#: The package copy first (an installed wheel), then the source tree.
CANDIDATES = (_HERE, _HERE.parent / "src")


def load(name: str = "protocol.json") -> dict[str, Any]:
    """A shared file, from the first place that has it."""
    for directory in CANDIDATES:
        if (directory / name).is_file():
            return json.loads((directory / name).read_text(encoding="utf-8"))
    raise FileNotFoundError(
        f"{name} is missing: neither the package copy nor the source tree has it"
    )


PROTOCOL = load()
TIMINGS: dict[str, float] = PROTOCOL["timings"]
READING: dict[str, float] = PROTOCOL["reading"]
#: No line or event the hub sends comes near this (1 MB).
MAX_EVENT_BYTES: int = PROTOCOL["maxEventBytes"]
MAX_ENTRIES: int = PROTOCOL["maxEntries"]
MAX_NAME_LENGTH: int = PROTOCOL["maxNameLength"]
MAX_MESSAGE_LENGTH: int = PROTOCOL["maxMessageLength"]

POLL_DEFAULT_SECONDS: float = READING["pollDefaultSeconds"]
POLL_MIN_SECONDS: float = READING["pollMinSeconds"]
VISIBLE_POLL_MIN_SECONDS: float = READING["visiblePollMinSeconds"]
LIVE_GRACE_SECONDS: float = READING["liveGraceSeconds"]
TASK_INTERVAL_MAX_SECONDS: float = READING["taskIntervalMaxSeconds"]
#: After a lost hub connection the first retry window spans this many task
#: intervals: the peak second of readers coming back stays under N / interval.
RESTART_SPREAD_TASK_INTERVALS: float = READING["restartSpreadTaskIntervals"]
#: ...but never longer than this: a lost connection is not left for hours.
RESTART_SPREAD_MAX_SECONDS: float = READING["restartSpreadMaxSeconds"]

#: While the predicted stop is far (or none comes), leases and watches are
#: read this seldom: a uniform wait between the two (mean 750 s < N / 600
#: requests a second from N servers).
QUIET_SECONDS: tuple[float, float] = (READING["quietMinSeconds"], READING["quietMaxSeconds"])
#: The longest lead time a lease or watch may ask for (a day).
MAX_LEAD_SECONDS: float = READING["maxLeadSeconds"]

#: The shared reader (``shared.py``): after it failed this long, relays read
#: the hub themselves, from a time spread over ``SHARED_SPREAD`` task
#: intervals, and try it again ``SHARED_RETRY_SECONDS`` later.
SHARED_FALLBACK_SECONDS: float = READING["sharedFallbackSeconds"]
SHARED_RETRY_SECONDS: float = READING["sharedRetrySeconds"]
SHARED_SPREAD: float = READING["sharedSpreadTaskIntervals"]

PRESENCE: dict[str, float] = PROTOCOL["presence"]
#: A visible page's claim holds this long (it renews it every 30 s).
CLAIM_SECONDS: float = PRESENCE["claimSeconds"]

#: Every reason the server part or the page writes, by code: the English
#: template (``%1`` where a part varies). The page words each code in the
#: reader's language through one table (``src/views/reasons.ts``).
REASONS: dict[str, str] = load("reasons.json")


class Reason(str):
    """A reason written from a code of ``REASONS``: the English text, with
    the code and its parts kept for the page (``why``). A part may be a
    reason itself ("… (checking again)")."""

    code: str
    parts: tuple

    def __new__(cls, code: str, *parts: Any) -> Reason:
        def part(found: re.Match) -> str:
            number = int(found[1])
            return str(parts[number - 1]) if number <= len(parts) else found[0]

        reason = super().__new__(cls, re.sub(r"%(\d)", part, REASONS[code]))
        reason.code, reason.parts = code, parts
        return reason


def why(reason: Any) -> Optional[dict]:
    """A reason's code and parts as JSON (nested reasons nested), or
    ``None`` for text that has no code (the hub's own words)."""
    if not isinstance(reason, Reason):
        return None
    return {
        "code": reason.code,
        "parts": [why(part) or str(part) for part in reason.parts],
    }

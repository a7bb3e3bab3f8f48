"""The numbers the browser and the server side share, read from one file.

``src/protocol.json`` is the only place they are written: the
TypeScript side imports it, the wheel carries a copy inside this package
(hatch ``force-include``), and a source checkout reads the original. The
settings schema still holds the defaults of what users can set; these are
the defaults for code that runs without settings (the relay's traitlets,
the kernel API).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
#: The package copy first (an installed wheel), then the source tree.
CANDIDATES = (
    _HERE / "protocol.json",
    _HERE.parent / "src" / "protocol.json",
)


def load() -> dict[str, Any]:
    """The shared numbers, from the first file that exists."""
    for path in CANDIDATES:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(
        "protocol.json is missing: neither the package copy nor the source tree has it"
    )


PROTOCOL = load()
TIMINGS: dict[str, float] = PROTOCOL["timings"]
READING: dict[str, float] = PROTOCOL["reading"]

VERSION: int = PROTOCOL["version"]
#: No line or event the hub sends comes near this (1 MB).
MAX_EVENT_BYTES: int = PROTOCOL["maxEventBytes"]
MAX_ENTRIES: int = PROTOCOL["maxEntries"]
MAX_NAME_LENGTH: int = PROTOCOL["maxNameLength"]
MAX_MESSAGE_LENGTH: int = PROTOCOL["maxMessageLength"]
#: The hub writes a bare keepalive this often.
KEEPALIVE_SECONDS: float = PROTOCOL["keepaliveSeconds"]

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

PRESENCE: dict[str, float] = PROTOCOL["presence"]
#: A visible page's claim holds this long (it renews it every 30 s).
CLAIM_SECONDS: float = PRESENCE["claimSeconds"]

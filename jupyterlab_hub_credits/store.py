"""The balance history on disk, so that it outlives a server restart: one
small file per hub, owner and server in Jupyter's data directory (a hashed
name), the last 24 hours, written at most once a minute and at the stop,
atomically. A file that cannot be read or written is no history, never an
error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

from .entries import finite_number

log = logging.getLogger(__name__)

#: Samples older than this are dropped (what localStorage kept).
KEEP_SECONDS = 24 * 3600.0
#: Samples kept, in memory (``GET state``'s history) and on disk.
HISTORY_LIMIT = 2000
#: At most one write per this many seconds while numbers come.
SAVE_EVERY_SECONDS = 60.0
VERSION = 1


class HistoryStore:
    """``(time, available)`` samples of one server, on disk."""

    def __init__(self, path: Path, limit: int = HISTORY_LIMIT):
        self.path = path
        self.limit = limit
        self._saved_at = -math.inf

    @classmethod
    def for_server(cls, folder: str, api_url: str, user: str, server: str) -> HistoryStore:
        key = hashlib.sha256(f"{api_url}\n{user}\n{server}".encode()).hexdigest()[:24]
        return cls(Path(folder) / "hub_credits" / f"history-{key}.json")

    def load(self, now: float) -> list[tuple[float, float]]:
        """The samples of the last 24 hours (oldest first), or none."""
        try:
            if self.path.stat().st_size > 64 * self.limit + 1024:
                return []
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return []
        if not isinstance(document, dict) or document.get("version") != VERSION:
            return []
        samples = document.get("samples")
        return self._kept(samples, now) if isinstance(samples, list) else []

    def _kept(self, samples: Iterable[object], now: float) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for sample in samples:
            if not (isinstance(sample, (list, tuple)) and len(sample) == 2):
                continue
            t, amount = sample
            if finite_number(t) is None or finite_number(amount) is None:
                continue
            if now - KEEP_SECONDS <= t <= now + 60:
                out.append((float(t), float(amount)))
        out.sort(key=lambda s: s[0])
        return out[-self.limit :]

    def maybe_save(self, samples: Iterable[tuple[float, float]], now: float, clock: float) -> None:
        """Saves unless a save happened less than a minute ago (``clock``: monotonic)."""
        if clock - self._saved_at >= SAVE_EVERY_SECONDS:
            self.save(samples, now)
            self._saved_at = clock

    def save(self, samples: Iterable[tuple[float, float]], now: float) -> bool:
        kept = self._kept(list(samples), now)
        text = json.dumps({"version": VERSION, "samples": [list(s) for s in kept]})
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".history-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(text)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as error:
            log.debug("jupyterlab_hub_credits: the history was not saved: %s", error)
            return False
        return True


def default_folder() -> Optional[str]:
    """Jupyter's data directory, where it can be found."""
    try:
        from jupyter_core.paths import jupyter_data_dir

        return jupyter_data_dir()
    except Exception:  # noqa: BLE001 - no folder: no history on disk
        return None

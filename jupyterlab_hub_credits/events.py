"""Change signals on Jupyter Server's event bus (``jupyter_events``).

Every JupyterLab page already holds the server's event socket open
(``api/events/subscribe``; ``app.serviceManager.events`` in JupyterLab 4).
The server part emits one small event each time its state changes, so a
page can re-read ``GET hub-credits/state`` instead of holding a connection
of its own. Any client of the server may ``POST /api/events`` any
registered schema, a guest included: an event therefore only says *that*
something changed — a sequence number and the server part's start id —
never numbers or states.

The schema is registered when the extension loads (a socket that
subscribed before would never receive it). ``jupyter_events`` 0.12 wants
the schema's ``version`` as a string, older releases an integer: both are
tried.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

log = logging.getLogger(__name__)

SCHEMA_ID = "https://events.jupyter.org/jupyterlab_hub_credits/changed/v1"


def schema(version: Any) -> dict[str, Any]:
    return {
        "$id": SCHEMA_ID,
        "version": version,
        "title": "Hub credits changed",
        "personal-data": False,
        "description": (
            "The server part's credits state changed: read GET hub-credits/state."
            " Carries no numbers or states (anyone may post events)."
        ),
        "type": "object",
        "required": ["seq", "start"],
        "properties": {
            "seq": {"type": "integer", "description": "Grows with every change."},
            "start": {"type": "string", "description": "The server part's start id."},
        },
    }


def register(event_logger: Any) -> bool:
    """Registers the schema; ``False`` (and a log line) where it cannot be."""
    if event_logger is None:
        return False
    errors = []
    for version in ("1", 1):
        try:
            event_logger.register_event_schema(schema(version))
            return True
        except Exception as error:  # noqa: BLE001 - the versions' rules differ
            errors.append(error)
    log.warning("jupyterlab_hub_credits: no change events: %s", errors[-1])
    return False


class Signals:
    """Emits ``{seq, start}`` on the event bus at each change of the relay."""

    def __init__(self, event_logger: Any, start: str):
        self.start = start
        self._logger: Optional[Any] = event_logger if register(event_logger) else None

    @property
    def active(self) -> bool:
        return self._logger is not None

    def __call__(self, seq: int) -> None:
        if self._logger is None:
            return
        try:
            self._logger.emit(schema_id=SCHEMA_ID, data={"seq": seq, "start": self.start})
        except Exception as error:  # noqa: BLE001 - a signal never breaks reading
            log.debug("jupyterlab_hub_credits: a change event failed: %s", error)

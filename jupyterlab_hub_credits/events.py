"""Change signals on Jupyter Server's event bus (``jupyter_events``), which
every JupyterLab page already holds open. Any client may ``POST`` an event
of a registered schema, a guest included: an event therefore says only
*that* something changed (a sequence number and the start id), never
numbers. Registered when the extension loads; ``jupyter_events`` 0.12 wants
the schema's version as a string, older ones an integer: both are tried.
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
    """Emits ``{seq, start}`` on the event bus at each change of the relay
    (whose ``on_change`` keeps a failing emit from breaking the reading)."""

    def __init__(self, event_logger: Any, start: str):
        self.start = start
        self._logger: Optional[Any] = event_logger if register(event_logger) else None

    def __call__(self, seq: int) -> None:
        if self._logger is not None:
            self._logger.emit(schema_id=SCHEMA_ID, data={"seq": seq, "start": self.start})

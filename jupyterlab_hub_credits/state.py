"""What ``GET hub-credits/state`` answers, from memory (nothing here waits
for the hub): the relay's state as a code of ``protocol.json``'s list with
its reason, every entry, the history and the estimate.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any, Optional

from . import protocol
from .entries import available
from .relay import CreditsRelay

log = logging.getLogger(__name__)

#: The codes the server part says (``protocol.json``; the page adds the rest).
SERVER_STATES: tuple[str, ...] = tuple(protocol.PROTOCOL["serverStates"])
#: What the relay reports while it has no numbers and no word that the server is free.
WAITING_REASON = protocol.Reason("no_numbers_yet")
#: The fix for a hub that refuses the server's own token.
REFUSED_HINT = protocol.Reason("scopes_hint")


def code_of(relay: CreditsRelay) -> tuple[str, str]:
    """The relay's state as a code of the shared list, and its reason."""
    state, reason = relay.state, relay.reason
    if state == "unreachable":
        return state, protocol.Reason("token_scopes", reason) if reason else REFUSED_HINT
    if relay.snapshot is None and not relay.free and state in ("connecting", "live", "polling"):
        # Never "free" (nor fresh) before the hub said so.
        return "connecting", WAITING_REASON
    return (state if state in SERVER_STATES else "reconnecting"), reason


def state_json(
    relay: CreditsRelay,
    critical: float,
    warning: float,
    now: float,
    can_stop: bool = False,
    after: float = 0.0,
) -> str:
    """``state_document`` as JSON that every browser reads: never ``NaN`` or
    ``Infinity``, and never an error (a state that cannot be written is
    written as ``unreachable`` with the reason)."""
    try:
        document = state_document(relay, critical, warning, now, after)
        document["can_stop"] = can_stop
        try:
            return json.dumps(document, allow_nan=False)
        except (ValueError, OverflowError):
            # A number that is not a finite double (rare): written as null.
            return json.dumps(_finite(document), allow_nan=False)
    except Exception as error:  # noqa: BLE001 - GET state always answers
        log.warning("hub credits: the state could not be written: %s", type(error).__name__)
        reason = protocol.Reason("state_unwritable", type(error).__name__)
        # The readers (the page, ``snapshot_of``) default every field left out.
        why = protocol.why(reason)
        return json.dumps({"state": "unreachable", "reason": reason, "why": why, "now": now})


def _finite(value: Any) -> Any:
    """The document with every number that is not a finite double as ``None``."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        try:
            return value if math.isfinite(value) else None
        except OverflowError:
            return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return None


def level_of(snapshot: Optional[dict[str, Any]], critical: float, warning: float) -> Optional[str]:
    """``ok`` / ``warning`` / ``critical`` from the share of the caps left,
    ``None`` without numbers."""
    amount = None if snapshot is None else available(snapshot)
    if amount is None:
        return None
    cap = snapshot.get("cap", 0) or 0
    project = snapshot.get("project")
    if isinstance(project, dict):
        cap += project.get("cap", 0) or 0
    if cap <= 0:
        return "ok"
    percent = amount / cap * 100
    if percent <= min(critical, warning):
        return "critical"
    return "warning" if percent <= warning else "ok"


def state_document(
    relay: CreditsRelay, critical: float, warning: float, now: float, after: float = 0.0
) -> dict[str, Any]:
    """What ``GET state`` answers (times in seconds since the epoch; the
    estimate's in ms, as the page reads it). ``after``: only the history
    samples after that time (a page that has the ones before)."""
    snapshot = relay.snapshot
    history = [[t, a] for t, a in relay.history if t > after]
    prediction = relay.prediction(now) if snapshot is not None and relay.history else None
    state, reason = code_of(relay)
    return {
        "state": state,
        "reason": reason,
        "why": protocol.why(reason),
        "since": relay.since,
        "failures": relay.failures,
        "next_attempt": relay.next_attempt if state in ("reconnecting", "polling") else None,
        "mode": relay.mode,
        "updated": relay.updated,
        "snapshot": snapshot,
        "entries": relay.entries(),
        "free": relay.free,
        "stop_message": relay.reason if state == "stopped" and relay.stop_event else "",
        "history": history,
        "history_after": after,
        "estimate": prediction,
        "level": level_of(snapshot, critical, warning),
        "thresholds": {"critical": critical, "warning": warning},
        "entry": relay.entry_info(),
        # For pages: which change this is (the event bus's signals carry
        # the same), which run of the server part, and the server's clock.
        "seq": relay.seq,
        "start": relay.start,
        "now": now,
    }

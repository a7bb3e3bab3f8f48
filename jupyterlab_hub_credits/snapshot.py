"""The kernel API's reading of ``GET hub-credits/state``: what one answer
says (``Snapshot``, checked field by field) and the one client that asks it
(``RelayClient``, over TCP or the server part's Unix socket). Standard
library only; nothing raises into user code."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Optional

from . import protocol
from .entries import finite_number, parse_entry
from .hubenv import RelayEndpoint
from .hubread import Unreadable, read_json

#: Longer than this, a request to the relay has failed.
REQUEST_TIMEOUT = protocol.TIMINGS["connectTimeoutSeconds"]


@dataclass(frozen=True)
class Snapshot:
    """What pays for this server, and when the hub will stop it."""

    #: ``live`` (streamed), ``polling``, ``connecting``, ``reconnecting``,
    #: ``stopped``, ``unavailable`` (not under a hub, no relay, no credit
    #: service), ``unauthorized``, ``unreachable``; ``reason`` (never a token) says why.
    state: str
    reason: str = ""
    #: User plus project balance: what pays for this server.
    available: Optional[float] = None
    balance: Optional[float] = None
    cap: Optional[float] = None
    project: Optional[str] = None
    project_balance: Optional[float] = None
    project_cap: Optional[float] = None
    #: Credits per minute, while falling.
    rate_per_minute: Optional[float] = None
    #: When the hub is predicted to stop the server (epoch s), and its range.
    stop_at: Optional[float] = None
    earliest: Optional[float] = None
    latest: Optional[float] = None
    #: When the relay last had numbers (seconds since the epoch).
    updated: Optional[float] = None
    #: ``ok``, ``warning`` or ``critical`` by the thresholds asked for.
    level: Optional[str] = None
    #: No credit entry pays for this server.
    free: bool = False
    #: The entry that pays, where the relay chose it, and whether that was a guess.
    entry: Optional[str] = None
    ambiguous: bool = False

    @property
    def stop_in(self) -> Optional[float]:
        """Seconds until the predicted stop, ``None`` without a prediction."""
        return None if self.stop_at is None else max(0.0, self.stop_at - time.time())

    def text(self) -> str:
        """What the status bar shows, e.g. ``Credits: 95 / 100 · community1: 10 / 60``."""
        words = {
            "unavailable": "not available here",
            "unauthorized": "not signed in",
            "unreachable": "cannot be read here",
            "stopped": "server stopped",
        }
        if self.state in words:
            return f"Credits: {words[self.state]}"
        if self.free:
            return "Credits: this server is free"
        if self.balance is None:
            return "Credits: …"
        text = f"Credits: {_amount(self.balance)} / {_amount(self.cap or 0)}"
        if self.project is not None:
            text += (
                f" · {self.project}: {_amount(self.project_balance or 0)}"
                f" / {_amount(self.project_cap or 0)}"
            )
        if self.state not in ("live", "polling"):
            text += f" ({self.state})"
        if self.stop_in is not None:
            text += f"\nRuns out in about {_duration(self.stop_in)}"
        if self.ambiguous and self.entry:
            text += f"\nWhich entry pays for this server is a guess: {self.entry}"
        return text


def _amount(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def _number(value: Any) -> Optional[float]:
    """A finite float, or ``None`` (the credit list's rule, ``entries.py``)."""
    number = finite_number(value)
    return None if number is None else float(number)


def snapshot_of(document: Any) -> Snapshot:
    """A Snapshot from the relay's ``GET state`` answer (checked field by
    field: what does not fit is left out, never raised)."""
    if not isinstance(document, dict):
        return Snapshot("unreachable", "the credits relay answered something else than its state")
    state = document.get("state")
    state = state if isinstance(state, str) else "unreachable"
    reason = document.get("reason")
    reason = reason[: protocol.MAX_MESSAGE_LENGTH] if isinstance(reason, str) else ""
    entry = document.get("entry") if isinstance(document.get("entry"), dict) else {}
    level = document.get("level")
    fields: dict[str, Any] = {
        "state": state,
        "reason": reason,
        "updated": _number(document.get("updated")),
        "level": level if level in ("ok", "warning", "critical") else None,
        "free": document.get("free") is True,
        "entry": entry.get("name") if isinstance(entry.get("name"), str) else None,
        "ambiguous": entry.get("ambiguous") is True,
    }
    # As the relay reads the hub's snapshots (what it writes passed that).
    numbers = parse_entry(document.get("snapshot"), named=False)
    if numbers is not None:
        project = numbers.get("project")
        if project is not None:
            fields.update(project=project["name"], project_balance=float(project["balance"]))
            fields["project_cap"] = float(project["cap"])
        balance = float(numbers["balance"])
        total = balance + fields.get("project_balance", 0.0)
        fields.update(balance=balance, cap=float(numbers["cap"]), available=_number(total))
    guess = document.get("estimate")
    if isinstance(guess, dict) and guess.get("kind") == "falling":
        times = {key: _number(guess.get(key)) for key in ("stopAt", "earliest", "latest")}
        if None not in times.values() and all(abs(t) < 1e15 for t in times.values()):
            stop_at, earliest, latest = (times[key] / 1000 for key in times)
            rate = _number(guess.get("ratePerMinute"))
            fields.update(stop_at=stop_at, earliest=earliest, latest=latest, rate_per_minute=rate)
    return Snapshot(**fields)


class _UnixConnection(http.client.HTTPConnection):
    """HTTP to the server's own Unix socket (``internal_ssl``: no certificate)."""

    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class RelayClient:
    """One request at a time to the relay's ``GET state`` route."""

    def __init__(self, endpoint: RelayEndpoint, timeout: float = REQUEST_TIMEOUT):
        self.endpoint = endpoint
        self.timeout = timeout
        self._conn: Optional[http.client.HTTPConnection] = None

    def __repr__(self) -> str:  # never the token
        return f"RelayClient({self.endpoint.base_url!r})"

    def state(self, timeout: Optional[float] = None, **query: float) -> Snapshot:
        """The relay's state; ``query``: ``watch``, ``critical``, ``warning``.
        Never raises: what went wrong is the snapshot's state and reason."""
        try:
            return self._state(timeout, **query)
        except Exception as error:  # noqa: BLE001 - never into the user's code
            return Snapshot(
                "unreachable", f"the credits relay could not be read ({type(error).__name__})"
            )

    def _state(self, timeout: Optional[float] = None, **query: float) -> Snapshot:
        url = urllib.parse.urlsplit(self.endpoint.url("state"))
        path = url.path
        asked = {key: f"{value:g}" for key, value in query.items() if value is not None}
        if asked:
            path += "?" + urllib.parse.urlencode(asked)
        limit = timeout or self.timeout
        conn: http.client.HTTPConnection
        if self.endpoint.socket:
            conn = _UnixConnection(self.endpoint.socket, timeout=limit)
        elif url.scheme == "https":
            context = self.endpoint.ssl_context
            conn = http.client.HTTPSConnection(url.netloc, timeout=limit, context=context)
        else:
            conn = http.client.HTTPConnection(url.netloc, timeout=limit)
        self._conn = conn
        try:
            conn.request(
                "GET", path, headers={**self.endpoint.headers, "Accept": "application/json"}
            )
            response = conn.getresponse()
            body = response.read(protocol.MAX_EVENT_BYTES + 1)
        except ConnectionRefusedError:
            return Snapshot("unavailable", f"no credits relay answers at {self.endpoint.base_url}")
        except (OSError, http.client.HTTPException) as error:
            return Snapshot(
                "unreachable", f"the credits relay did not answer ({type(error).__name__})"
            )
        finally:
            self._conn = None
            conn.close()
        if response.status == 404:
            return Snapshot(
                "unavailable",
                "this Jupyter server has no credits relay"
                " (install jupyterlab-hub-credits 0.2 or later where it runs)",
            )
        if response.status in (401, 403):
            return Snapshot(
                "unauthorized", f"the credits relay refused this kernel (HTTP {response.status})"
            )
        if response.status != 200 or len(body) > protocol.MAX_EVENT_BYTES:
            return Snapshot("unreachable", f"the credits relay answered HTTP {response.status}")
        try:
            return snapshot_of(read_json(body))
        except Unreadable:
            return Snapshot("unreachable", "the credits relay answered something else than JSON")

    def interrupt(self) -> None:
        """Wakes a request that is waiting for its answer."""
        conn = self._conn
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

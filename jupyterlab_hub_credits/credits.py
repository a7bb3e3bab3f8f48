"""Your hub credits, from running code — standard library only.

    from jupyterlab_hub_credits import credits

    credits.now()                      # a Snapshot: available, balances, estimate
    handle = credits.on_low(save, minutes=5)   # save(snapshot) once per crossing
    handle.cancel()

Kernels ask the relay of their own single-user server, never the hub: the
relay (this package's server extension, in the same wheel) reads the hub
once for every tab and kernel of the server and answers
``GET {base_url}hub-credits/state`` with the last snapshot, the history it
has seen since the server started and its estimate. So ``now()`` is one
local request, and where a tab or another kernel was already listening the
estimate is there at once. ``on_low`` asks the same route on one daemon
thread, with ``watch=`` (a lease the relay honours by polling the hub while
it lasts) and the thresholds to judge the level by.

Where the relay is missing (not under a hub, an older server, connection
refused) the snapshot's state is ``unavailable`` and its reason says why;
nothing raises.
"""

from __future__ import annotations

import http.client
import math
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Optional

from . import protocol
from .entries import finite_number
from .hubenv import RelayEndpoint, no_relay_reason, relay_endpoint
from .hubread import Unreadable, read_json

#: How often ``on_low`` asks the relay (a request to this very server).
CHECK_SECONDS = 5.0
#: How long one ``on_low`` request asks the relay to keep numbers coming:
#: a few checks, renewed by each; the relay reads the hub about once per
#: credit-task interval meanwhile.
LEASE_SECONDS = max(3 * CHECK_SECONDS, 2 * protocol.POLL_DEFAULT_SECONDS)
#: Longer than this, a request to the relay has failed.
REQUEST_TIMEOUT = protocol.TIMINGS["connectTimeoutSeconds"]

#: The relay's states, as a Snapshot names them (``refused``: the hub
#: refuses the server's own token, which nobody here can change).
_STATES = {"refused": "unreachable", "busy": "reconnecting"}
#: After these, ``on_low`` asks no more.
TERMINAL = frozenset({"unavailable", "stopped"})
#: An on_low watch that finds no relay asks again this often.
TERMINAL_RECHECK_SECONDS = 60.0


@dataclass(frozen=True)
class Snapshot:
    """What pays for this server, and when the hub will stop it."""

    #: ``live`` (streamed), ``polling`` (fresh as of the last poll),
    #: ``waiting`` (no numbers from the hub yet), ``connecting``,
    #: ``reconnecting``, ``stopped``, ``unavailable`` (not under a hub, no
    #: relay, no credit service), ``unauthorized``, ``unreachable``.
    state: str
    #: Why the state is what it is (never holds a token).
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
    #: When the hub is predicted to stop the server (seconds since the
    #: epoch), and no earlier than / no later than.
    stop_at: Optional[float] = None
    earliest: Optional[float] = None
    latest: Optional[float] = None
    #: When the relay last had numbers (seconds since the epoch).
    updated: Optional[float] = None
    #: ``ok``, ``warning`` or ``critical`` by the thresholds asked for.
    level: Optional[str] = None
    #: No credit entry pays for this server.
    free: bool = False
    #: The entry that pays, where the relay chose it from the list, and
    #: whether that was a guess.
    entry: Optional[str] = None
    ambiguous: bool = False

    @property
    def stop_in(self) -> Optional[float]:
        """Seconds until the predicted stop, ``None`` without a prediction."""
        return None if self.stop_at is None else max(0.0, self.stop_at - time.time())

    def text(self) -> str:
        """What the status bar shows, e.g. ``Credits: 95 / 100 · community1: 10 / 60``."""
        if self.state in ("unavailable", "unauthorized", "unreachable", "stopped"):
            words = {
                "unavailable": "not available here",
                "unauthorized": "not signed in",
                "unreachable": "cannot be read here",
                "stopped": "server stopped",
            }
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
    state = _STATES.get(state, state) if isinstance(state, str) else "unreachable"
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
    numbers = document.get("snapshot")
    if isinstance(numbers, dict):
        balance, cap = _number(numbers.get("balance")), _number(numbers.get("cap"))
        if balance is not None and cap is not None:
            project = numbers.get("project") if isinstance(numbers.get("project"), dict) else None
            fields.update(balance=balance, cap=cap, available=balance)
            if project is not None:
                name = project.get("name")
                fields.update(
                    project=name if isinstance(name, str) else "",
                    project_balance=_number(project.get("balance")) or 0.0,
                    project_cap=_number(project.get("cap")) or 0.0,
                )
                total = balance + fields["project_balance"]
                fields["available"] = total if math.isfinite(total) else None
    guess = document.get("estimate")
    if isinstance(guess, dict) and guess.get("kind") == "falling":
        times = {key: _number(guess.get(key)) for key in ("stopAt", "earliest", "latest")}
        if None not in times.values() and all(abs(t) < 1e15 for t in times.values()):
            fields.update(
                stop_at=times["stopAt"] / 1000,
                earliest=times["earliest"] / 1000,
                latest=times["latest"] / 1000,
                rate_per_minute=_number(guess.get("ratePerMinute")),
            )
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
        if self.endpoint.socket:
            conn: http.client.HTTPConnection = _UnixConnection(
                self.endpoint.socket, timeout=timeout or self.timeout
            )
        elif url.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                url.netloc, timeout=timeout or self.timeout, context=self.endpoint.ssl_context
            )
        else:
            conn = http.client.HTTPConnection(url.netloc, timeout=timeout or self.timeout)
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


class LowWatch:
    """A registration of ``on_low``; cancel it, or use it as a context manager."""

    def __init__(self, credits: Credits, callback, minutes: float):
        self._credits = credits
        self.callback = callback
        self.lead = minutes * 60
        self.armed = True

    def cancel(self) -> None:
        self._credits._unwatch(self)

    def __enter__(self) -> LowWatch:
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()

    def below(self, snapshot: Snapshot) -> bool:
        """Whether the predicted stop is within the lead, or, without a
        prediction, the level (by the thresholds asked for) is critical."""
        if snapshot.earliest is not None:
            return snapshot.earliest - time.time() < self.lead
        return snapshot.level == "critical"


class Credits:
    """The credits of this server, from its relay.

    ``critical`` / ``warning``: the thresholds (percent of the caps) the
    level is judged by; ``None`` leaves them to the relay (the extension's
    defaults).
    """

    def __init__(
        self,
        endpoint: Optional[RelayEndpoint] = None,
        *,
        reason: str = "",
        from_environment: bool = True,
        check_every: float = CHECK_SECONDS,
        lease: Optional[float] = None,
        critical: Optional[float] = None,
        warning: Optional[float] = None,
    ):
        if endpoint is None and from_environment:
            try:
                endpoint = relay_endpoint()
                reason = reason or no_relay_reason()
            except (OSError, ssl.SSLError, ValueError) as error:
                # internal_ssl files this kernel cannot read: no relay, said why.
                endpoint = None
                reason = f"the server's TLS files cannot be read here ({type(error).__name__})"
        self._client = RelayClient(endpoint) if endpoint is not None else None
        self._no_relay = reason or "this server has no credits relay"
        self._check_every = check_every
        self._lease = min(
            lease if lease is not None else max(3 * check_every, LEASE_SECONDS),
            protocol.TASK_INTERVAL_MAX_SECONDS,
        )
        self._thresholds = {"critical": critical, "warning": warning}
        self._lock = threading.Lock()
        self._watches: list[LowWatch] = []
        self._last: Optional[Snapshot] = None
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()

    # -- what running code calls ----------------------------------------

    def now(self, timeout: float = 5.0) -> Snapshot:
        """The relay's snapshot and estimate, asked now (waits at most
        ``timeout`` s; the relay answers at once when it has numbers)."""
        if self._client is None:
            return Snapshot("unavailable", self._no_relay)
        if not (isinstance(timeout, (int, float)) and 0 < timeout < 3600):
            timeout = 5.0
        snapshot = self._client.state(timeout=timeout, **self._query())
        with self._lock:
            self._last = snapshot
        return snapshot

    def on_low(self, callback: Callable[[Snapshot], None], minutes: float = 5.0) -> LowWatch:
        """Calls ``callback(snapshot)`` from a background thread once per
        crossing: when the predicted stop comes within ``minutes`` (or,
        without a prediction, when the balance is critical)."""
        watch = LowWatch(self, callback, minutes)
        with self._lock:
            self._watches.append(watch)
            start = self._client is not None and self._thread is None and not self._stop.is_set()
            if start:
                self._thread = threading.Thread(
                    target=self._run, name="jupyterlab-hub-credits-watch", daemon=True
                )
                self._thread.start()
        return watch

    def close(self) -> None:
        """Stops the background thread (its lease on the relay runs out by itself)."""
        self._stop.set()
        if self._client is not None:
            self._client.interrupt()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=REQUEST_TIMEOUT + 1)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the thread -----------------------------------------------------

    def _query(self, watch: Optional[float] = None) -> dict[str, Optional[float]]:
        # ``wait``: the relay waits a moment for its first numbers (a page never does).
        return {"watch": watch, "wait": 1.0, **self._thresholds}

    def _unwatch(self, watch: LowWatch) -> None:
        with self._lock:
            if watch in self._watches:
                self._watches.remove(watch)

    def _run(self) -> None:
        try:
            self._watch_loop()
        finally:
            # A later on_low starts a new thread.
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    def _watch_loop(self) -> None:
        assert self._client is not None
        while not self._stop.is_set():
            with self._lock:
                if not self._watches:
                    # Nothing watches: the thread ends (on_low starts another).
                    self._thread = None
                    return
            try:
                wait = self._watch_once()
            except Exception as error:  # noqa: BLE001 - the watch keeps working
                print(f"jupyterlab_hub_credits: on_low check failed: {error!r}")
                wait = self._check_every
            if wait is None:
                with self._lock:
                    # Leaving (the server stops): a later on_low starts anew.
                    self._thread = None
                return
            if self._stop.wait(wait):
                return

    def _watch_once(self) -> Optional[float]:
        """One check; the wait before the next, ``None`` to end the thread."""
        assert self._client is not None
        snapshot = self._client.state(**self._query(watch=self._lease))
        if self._stop.is_set():
            return None
        with self._lock:
            self._last = snapshot
        self._check(snapshot)
        if snapshot.state == "stopped":
            return None  # the server is stopping: nothing more to save for
        if snapshot.state in TERMINAL:
            # No relay or no credit service now: it may come back
            # (a relay restarting, a hub answering 404 for a while).
            return max(self._check_every, TERMINAL_RECHECK_SECONDS)
        return self._check_every

    def _check(self, snapshot: Snapshot) -> None:
        """Calls each ``on_low`` callback once per crossing."""
        if snapshot.state == "stopped":
            return
        with self._lock:
            watches = list(self._watches)
        for watch in watches:
            below = watch.below(snapshot)
            if below and watch.armed:
                watch.armed = False
                try:
                    watch.callback(snapshot)
                except Exception as error:  # a callback's error stays its own
                    print(f"jupyterlab_hub_credits: on_low callback failed: {error!r}")
            elif not below and (snapshot.stop_at is not None or snapshot.level is not None):
                watch.armed = True


class _Lazy:
    """``credits``: the server's credits, through its relay."""

    _instance: Optional[Credits] = None

    def _get(self) -> Credits:
        if _Lazy._instance is None:
            _Lazy._instance = Credits()
        return _Lazy._instance

    def now(self, timeout: float = 5.0) -> Snapshot:
        return self._get().now(timeout)

    def on_low(self, callback: Callable[[Snapshot], None], minutes: float = 5.0) -> LowWatch:
        return self._get().on_low(callback, minutes)

    def close(self) -> None:
        if _Lazy._instance is not None:
            _Lazy._instance.close()
            _Lazy._instance = None


credits = _Lazy()

"""Your hub credits, from running code — standard library only.

    from jupyterlab_hub_credits import credits

    credits.now()                      # a Snapshot: available, balances, estimate
    handle = credits.on_low(save, minutes=5)   # save(snapshot) once per crossing
    handle.cancel()

The source is the relay of this single-user server
(``$JUPYTERHUB_SERVICE_URL/hub-credits/stream``), read with the server's own
token; where the relay is not there, the hub's per-server stream directly
(``$JUPYTERHUB_API_URL``). Outside a hub, importing works and ``now()``
returns a snapshot whose state says so; nothing raises.

The stream is read on one daemon thread, with the relay's policy
(``policy.py``: status codes, backoff with full jitter and a cap). A stdlib
SSE reader is here because kernels must not gain a dependency; the hub's
and the relay's events are single ``data:`` lines (the relay's own state
comes as ``event: relay``).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Callable, Optional

from .estimate import estimate
from .policy import DEFAULT_TIMINGS, Timings, classify, hub_data, retry_delay

#: Without a prediction, a balance at or below this share of the caps is
#: critical (the extension's default setting).
CRITICAL_PERCENT = 10.0
MAX_LINE = 1 << 20


@dataclass(frozen=True)
class Snapshot:
    """What pays for this server, and when the hub will stop it."""

    #: ``live``, ``connecting``, ``reconnecting``, ``stopped``,
    #: ``unavailable`` (not under a hub, no credit service),
    #: ``unauthorized``, ``unreachable``.
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
    #: When this snapshot arrived (seconds since the epoch).
    updated: Optional[float] = None

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
        if self.balance is None:
            return "Credits: …"
        text = f"Credits: {_amount(self.balance)} / {_amount(self.cap or 0)}"
        if self.project is not None:
            text += (
                f" · {self.project}: {_amount(self.project_balance or 0)}"
                f" / {_amount(self.project_cap or 0)}"
            )
        if self.state != "live":
            text += f" ({self.state})"
        if self.stop_in is not None:
            text += f"\nRuns out in about {_duration(self.stop_in)}"
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


class Source:
    """Where the stream is: a URL and the server's token."""

    def __init__(self, url: str, token: str, relay: bool):
        self.url = url
        self.token = token
        self.relay = relay

    def __repr__(self) -> str:  # never the token
        return f"Source({self.url!r}, relay={self.relay})"


def sources_from_environment(env: Optional[dict] = None) -> list[Source]:
    """The relay first, then the hub; none outside a hub."""
    env = dict(os.environ if env is None else env)
    token = env.get("JUPYTERHUB_API_TOKEN", "")
    user = env.get("JUPYTERHUB_USER", "")
    if not token or not user:
        return []
    found = []
    service = env.get("JUPYTERHUB_SERVICE_URL", "")
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    if service:
        base = urllib.parse.urljoin(service, prefix)
        found.append(Source(base.rstrip("/") + "/hub-credits/stream", token, True))
    api = env.get("JUPYTERHUB_API_URL", "").rstrip("/")
    if api:
        path = f"{api}/credits/sseserver/{urllib.parse.quote(user, safe='')}"
        server = env.get("JUPYTERHUB_SERVER_NAME", "")
        if server:
            path += "/" + urllib.parse.quote(server, safe="")
        found.append(Source(path, token, False))
    return found


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
        """Whether this snapshot is within the lead (or critical without a prediction)."""
        if snapshot.earliest is not None:
            return snapshot.earliest - time.time() < self.lead
        caps = (snapshot.cap or 0) + (snapshot.project_cap or 0)
        if snapshot.available is None or caps <= 0 or snapshot.stop_at is not None:
            return False
        return snapshot.available / caps * 100 <= CRITICAL_PERCENT


class Credits:
    """The credits of this server, read on one background thread."""

    def __init__(
        self,
        sources: Optional[list[Source]] = None,
        timings: Timings = DEFAULT_TIMINGS,
        check_every: float = 5.0,
    ):
        self._sources = sources_from_environment() if sources is None else sources
        self._timings = timings
        self._check_every = check_every
        self._lock = threading.Condition()
        self._state = "connecting" if self._sources else "unavailable"
        self._reason = "" if self._sources else "not running under JupyterHub"
        self._entry: Optional[dict] = None
        self._updated: Optional[float] = None
        self._history: list[tuple[float, float]] = []
        self._watches: list[LowWatch] = []
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._conn: Optional[http.client.HTTPConnection] = None
        self._ticker: Optional[threading.Thread] = None

    # -- what running code calls ----------------------------------------

    def now(self, timeout: float = 5.0) -> Snapshot:
        """The latest snapshot; waits up to ``timeout`` s for the first one."""
        self._start()
        deadline = time.monotonic() + timeout
        with self._lock:
            # Live can come before the first balance (the relay says so first).
            while self._entry is None and self._state in ("connecting", "reconnecting", "live"):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            return self._snapshot()

    def on_low(self, callback: Callable[[Snapshot], None], minutes: float = 5.0) -> LowWatch:
        """Calls ``callback(snapshot)`` from a background thread once per
        crossing: when the predicted stop comes within ``minutes`` (or,
        without a prediction, when the balance is critical)."""
        watch = LowWatch(self, callback, minutes)
        with self._lock:
            self._watches.append(watch)
        self._start()
        return watch

    def close(self) -> None:
        """Stops the background thread and closes the connection."""
        self._stop.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            try:
                # Wakes the thread out of a blocking read at once.
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self._lock:
            self._lock.notify_all()
        for thread in (self._thread, self._ticker):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=10)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the thread -----------------------------------------------------

    def _unwatch(self, watch: LowWatch) -> None:
        with self._lock:
            if watch in self._watches:
                self._watches.remove(watch)

    def _start(self) -> None:
        with self._lock:
            # One reader for the life of this object; after a terminal state
            # (a refusal, the stop) no more requests.
            if self._sources and self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="jupyterlab-hub-credits", daemon=True
                )
                self._thread.start()
            if self._sources and self._ticker is None and not self._stop.is_set():
                self._ticker = threading.Thread(
                    target=self._tick, name="jupyterlab-hub-credits-watch", daemon=True
                )
                self._ticker.start()

    def _set(self, state: str, reason: str = "") -> None:
        with self._lock:
            self._state, self._reason = state, reason
            self._lock.notify_all()
        self._check()

    def _tick(self) -> None:
        # The prediction counts down between snapshots.
        while not self._stop.wait(self._check_every):
            self._check()

    def _run(self) -> None:
        failures = 0
        index = 0
        saw_event = False
        while not self._stop.is_set():
            source = self._sources[index]
            kind, state, reason, hint = self._attempt(source, saw_event)
            saw_event = saw_event or self._entry is not None
            if self._stop.is_set():
                return
            if kind == "next" and index + 1 < len(self._sources):
                index += 1
                continue
            if kind == "end":
                self._set(state, reason)
                return
            if kind == "next":
                self._set("unreachable", reason)
                return
            if kind == "lost-live":
                failures = 0
            delay = retry_delay(failures, hint, self._timings, random.random())
            failures += 1
            self._set("reconnecting", reason)
            if self._stop.wait(delay):
                return

    def _attempt(self, source: Source, saw_event: bool) -> tuple[str, str, str, float]:
        """One connection; returns (how it ended, state, reason, retry hint s)."""
        url = urllib.parse.urlsplit(source.url)
        conn_class = (
            http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        )
        conn = conn_class(url.netloc, timeout=self._timings.connect_timeout)
        self._conn = conn
        path = url.path + (f"?{url.query}" if url.query else "")
        try:
            conn.request(
                "GET",
                path,
                headers={"Authorization": f"token {source.token}", "Accept": "text/event-stream"},
            )
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            return "lost", "", f"network error: {type(error).__name__}", 0.0
        try:
            if source.relay and response.status == 404 and not saw_event:
                # No relay in this server (or not under a hub): the hub directly.
                return "next", "", "this server has no credits relay", 0.0
            verdict = classify(
                response.status,
                response.getheader("Content-Type", ""),
                saw_event,
                response.getheader("Retry-After"),
                time.time(),
            )
            if verdict.kind == "retry":
                return "lost", "", verdict.reason, verdict.not_before
            if verdict.kind == "end":
                state = {"refused": "unauthorized"}.get(verdict.state, verdict.state)
                if verdict.state == "refused" and not source.relay:
                    return "next", "", verdict.reason, 0.0
                return "end", state, verdict.reason, 0.0
            conn.sock.settimeout(self._timings.heartbeat_timeout)
            if not source.relay:
                self._set("live")
            return self._read(response)
        except (OSError, http.client.HTTPException, ValueError) as error:
            return "lost", "", f"connection lost: {type(error).__name__}", 0.0
        finally:
            self._conn = None
            conn.close()

    def _read(self, response: http.client.HTTPResponse) -> tuple[str, str, str, float]:
        event, data = "", []
        hint = 0.0
        while not self._stop.is_set():
            line = response.readline(MAX_LINE + 1)
            if not line:
                return "lost-live", "", "the stream closed", hint
            if len(line) > MAX_LINE:
                return "lost-live", "", "a line larger than 1 MB", hint
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text.startswith("data:"):
                data.append(text[5:].lstrip(" ") if text[5:6] == " " else text[5:])
            elif text.startswith("event:"):
                event = text[6:].strip()
            elif text.startswith("retry:"):
                try:
                    hint = int(text[6:].strip()) / 1000
                except ValueError:
                    pass
            elif text == "" and data:
                ended = self._on_event(event, "\n".join(data))
                event, data = "", []
                if ended:
                    return "end", ended[0], ended[1], hint
        return "end", self._state, self._reason, hint

    def _on_event(self, event: str, data: str) -> Optional[tuple[str, str]]:
        if event == "relay":
            try:
                value = json.loads(data)
                state, reason = str(value["state"]), str(value.get("reason", ""))[:300]
            except (ValueError, KeyError, TypeError):
                return None
            if state == "live":
                self._set("live")
            elif state in ("connecting", "reconnecting"):
                self._set("reconnecting", f"the server is reconnecting to the hub: {reason}")
            elif state == "refused":
                return ("unreachable", reason)
            elif state in ("stopped", "unavailable"):
                return (state, reason)
            return None
        kind, body = hub_data(data)
        if kind == "stopped":
            return ("stopped", body or "")
        if kind != "snapshot":
            return None
        value = json.loads(body or "null")
        entry = value[0] if isinstance(value, list) and value else value
        if not isinstance(entry, dict):
            return None
        try:
            balance = float(entry["balance"])
            cap = float(entry["cap"])
        except (KeyError, TypeError, ValueError):
            return None
        project = entry.get("project") if isinstance(entry.get("project"), dict) else None
        with self._lock:
            self._entry = {"balance": balance, "cap": cap, "project": project}
            self._updated = time.time()
            available = balance + float((project or {}).get("balance", 0) or 0)
            self._history.append((self._updated * 1000, available))
            del self._history[:-720]
            self._lock.notify_all()
        self._check()
        return None

    def _snapshot(self) -> Snapshot:
        with self._lock:
            entry = self._entry
            if entry is None:
                return Snapshot(self._state, self._reason)
            project = entry["project"]
            guess = estimate(self._history, time.time() * 1000)
            falling = guess["kind"] == "falling"
            return Snapshot(
                state=self._state,
                reason=self._reason,
                available=entry["balance"] + float((project or {}).get("balance", 0) or 0),
                balance=entry["balance"],
                cap=entry["cap"],
                project=None if project is None else str(project.get("name", "")),
                project_balance=None if project is None else float(project.get("balance", 0)),
                project_cap=None if project is None else float(project.get("cap", 0)),
                rate_per_minute=guess["ratePerMinute"] if falling else None,
                stop_at=guess["stopAt"] / 1000 if falling else None,
                earliest=guess["earliest"] / 1000 if falling else None,
                latest=guess["latest"] / 1000 if falling else None,
                updated=self._updated,
            )

    def _check(self) -> None:
        """Calls each ``on_low`` callback once per crossing."""
        with self._lock:
            watches = list(self._watches)
        if not watches:
            return
        snapshot = self._snapshot()
        if snapshot.state == "stopped":
            return
        for watch in watches:
            below = watch.below(snapshot)
            if below and watch.armed:
                watch.armed = False
                try:
                    watch.callback(snapshot)
                except Exception as error:  # a callback's error stays its own
                    print(f"jupyterlab_hub_credits: on_low callback failed: {error!r}")
            elif not below and snapshot.stop_at is not None:
                watch.armed = True


class _Lazy:
    """``credits``: the server's credits, connected on first use."""

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

"""Your hub credits, from running code — standard library only.

    from jupyterlab_hub_credits import credits

    credits.now()                      # a Snapshot: available, balances, estimate
    handle = credits.on_low(save, minutes=5)   # save(snapshot) once per crossing
    handle.cancel()

Kernels ask their own server's part (``GET hub-credits/state``), never the
hub; ``on_low`` asks on one daemon thread with a lease (``watch=``). Without
a server part the snapshot's state is ``unavailable`` with the reason;
nothing raises.
"""

from __future__ import annotations

import ssl
import threading
import time
from typing import Callable, Optional

from . import protocol
from .hubenv import RelayEndpoint, no_relay_reason, relay_endpoint
from .snapshot import REQUEST_TIMEOUT, RelayClient, Snapshot, snapshot_of

__all__ = ["Credits", "LowWatch", "RelayClient", "Snapshot", "credits", "snapshot_of"]

#: How often ``on_low`` asks the relay (a request to this very server).
CHECK_SECONDS = 5.0
#: How long one ``on_low`` request asks the relay to keep numbers coming:
#: a few checks, renewed by each; the relay reads the hub about once per
#: credit-task interval meanwhile.
LEASE_SECONDS = max(3 * CHECK_SECONDS, 2 * protocol.POLL_DEFAULT_SECONDS)

#: In these, an ``on_low`` watch asks again only this often (or ends: stopped).
TERMINAL = frozenset({"unavailable", "stopped"})
TERMINAL_RECHECK_SECONDS = 60.0


class LowWatch:
    """A registration of ``on_low``; cancel it, or use it as a context manager."""

    def __init__(self, credits: Credits, callback, minutes: float):
        self._credits, self.callback = credits, callback
        self.lead, self.armed = minutes * 60, True

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
    """The credits of this server, from its relay; ``critical`` / ``warning``:
    the level's thresholds (percent of the caps; ``None``: the relay's)."""

    def __init__(
        self,
        endpoint: Optional[RelayEndpoint] = None,
        *,
        from_environment: bool = True,
        check_every: float = CHECK_SECONDS,
        lease: Optional[float] = None,
        critical: Optional[float] = None,
        warning: Optional[float] = None,
    ):
        self._no_relay = "this server has no credits relay"
        if endpoint is None and from_environment:
            try:
                endpoint = relay_endpoint()
                self._no_relay = no_relay_reason() or self._no_relay
            except (OSError, ssl.SSLError, ValueError) as error:
                # internal_ssl files this kernel cannot read: no relay, said why.
                endpoint = None
                name = type(error).__name__
                self._no_relay = f"the server's TLS files cannot be read here ({name})"
        self._client = RelayClient(endpoint) if endpoint is not None else None
        self._check_every = check_every
        self._lease = min(
            lease if lease is not None else max(3 * check_every, LEASE_SECONDS),
            protocol.TASK_INTERVAL_MAX_SECONDS,
        )
        self._thresholds = {"critical": critical, "warning": warning}
        self._lock = threading.Lock()
        self._watches: list[LowWatch] = []
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
        return self._client.state(timeout=timeout, **self._query())

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
        # ``wait``: the relay waits a moment for its first numbers (a page
        # never does); ``lead``: the longest on_low lead paces its reading.
        with self._lock:
            lead = max((w.lead for w in self._watches), default=None) if watch else None
        return {"watch": watch, "lead": lead, "wait": 1.0, **self._thresholds}

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
            if wait is None or self._stop.wait(wait):
                # The server stops, or close(): ``_run`` lets a later on_low start anew.
                return

    def _watch_once(self) -> Optional[float]:
        """One check; the wait before the next, ``None`` to end the thread."""
        assert self._client is not None
        snapshot = self._client.state(**self._query(watch=self._lease))
        if self._stop.is_set():
            return None
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

"""Code that runs in the hub, for the shared reader (``shared.py``): one
route, ``GET {hub}/api/hub-credits/entries``, that answers every ready
server with the credit entry that pays for it, after each credit-task run,
to a token with the custom scope ``custom:hub-credits:read-all`` alone.

An admin turns it on in ``jupyterhub_config.py``::

    from jupyterlab_hub_credits.hubroute import serve_entries
    serve_entries(c)

The entry is chosen as the credit service's own task chooses it (the first
entry whose ``user_options`` match the server's, else the one without any)
from the hub's memory: no SQL while the objects are loaded, which the
credit task keeps them. The answer is written in pieces so that ``GET
/hub/api/`` and everything else the hub serves passes in between.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any, Optional

SCOPE = "custom:hub-credits:read-all"
ROUTE = r"/api/hub-credits/entries"
SERVICE = "hub-credits"
#: The shared reader's port on the hub's host, unless the admin says otherwise.
PORT = 10101
#: Servers per piece of the answer (the hub's loop serves others in between).
PIECE = 250
#: The longest wait for the next task run a request may ask for.
MAX_WAIT_SECONDS = 300.0


def serve_entries(
    c: Any,
    *,
    url: str = f"http://127.0.0.1:{PORT}",
    name: str = SERVICE,
    environment: Optional[dict[str, str]] = None,
    servers_reach: Optional[str] = None,
    python: str = sys.executable,
    bind: Optional[str] = None,
) -> None:
    """Turns the shared reader on in a ``jupyterhub_config.py``'s ``c``: the
    route, its custom scope, a role with only that scope for the service,
    the managed service (``python -m jupyterlab_hub_credits.shared`` at
    ``url``), and ``HUB_CREDITS_SHARED_READER`` in every server's
    environment (``servers_reach``: the URL servers reach the service at,
    when not ``url``; ``python``: the interpreter with this package, when
    not the hub's; ``bind``: the address it listens on, when not ``url``'s
    host, e.g. ``0.0.0.0`` in a pod that others reach by a Service name)."""
    from jupyterhub.handlers import default_handlers

    if not any(route == ROUTE for route, *_ in default_handlers):
        default_handlers.append((ROUTE, _route_handler()))
    c.JupyterHub.custom_scopes.update(
        {SCOPE: {"description": "Read every running server's credit entry (hub-credits)."}}
    )
    c.JupyterHub.load_roles.append(
        {"name": f"{name}-reader", "scopes": [SCOPE], "services": [name]}
    )
    c.JupyterHub.services.append(
        {
            "name": name,
            "url": url,
            "command": [python, "-m", "jupyterlab_hub_credits.shared"],
            "environment": {**(environment or {}), **({"HUB_CREDITS_BIND": bind} if bind else {})},
            "display": False,
        }
    )
    prefix = f"/services/{name}/"
    reach = (servers_reach or url).rstrip("/") + prefix
    c.Spawner.environment.update({"HUB_CREDITS_SHARED_READER": reach})


def _route_handler() -> Any:
    # Made here: the class needs JupyterHub, which the shared reader and the
    # docs that read this module's constants do without.
    from jupyterhub.apihandlers.base import APIHandler
    from tornado import web

    class Handler(APIHandler):
        """``GET``: ``?after=<run>`` waits (at most ``wait`` seconds) for the
        run after that one; without it, answers at once."""

        def check_xsrf_cookie(self):  # token requests only; no cookie is accepted
            pass

        async def get(self):
            if self.current_user is None or self.get_token() is None:
                raise web.HTTPError(403, "a token is required")
            if SCOPE not in self.parsed_scopes:
                raise web.HTTPError(403, f"the token lacks {SCOPE}")
            authenticator = self.authenticator
            event = getattr(authenticator, "credits_task_event", None)
            if event is None:
                raise web.HTTPError(404, "the credit service is not enabled on this hub")
            runs = Runs.of(event)
            after = _number(self.get_argument("after", ""), None)
            wait = min(_number(self.get_argument("wait", ""), 0.0) or 0.0, MAX_WAIT_SECONDS)
            if after is not None and runs.count <= after and wait > 0:
                await runs.next(wait)
            await self._answer(runs.count, authenticator)

        async def _answer(self, run: int, authenticator: Any) -> None:
            interval = getattr(authenticator, "credits_task_interval", None)
            self.set_header("Content-Type", "application/json")
            self.set_header("Cache-Control", "no-store")
            head = {"run": run, "at": time.time(), "task_interval": interval}
            self.write(json.dumps(head)[:-1] + ', "servers": [')
            first = True
            piece: list[str] = []
            for record in ready_servers(self.users.values(), authenticator, self.db):
                piece.append(json.dumps(record, separators=(",", ":")))
                if len(piece) >= PIECE:
                    self.write(("" if first else ",") + ",".join(piece))
                    first, piece = False, []
                    await self.flush()
                    # A flush to a ready socket is done at once, and awaiting
                    # a done future does not yield: let the hub serve others.
                    await asyncio.sleep(0)
            if piece:
                self.write(("" if first else ",") + ",".join(piece))
            self.write("]}")

    return Handler


class Runs:
    """Counts the credit task's runs (and its wakes after a stop) by
    watching its event: one watcher per event, however many requests wait."""

    _all: dict[int, Runs] = {}

    def __init__(self, event: asyncio.Event):
        self.event, self.count = event, 0
        self._next: Optional[asyncio.Future[None]] = None
        self._task = asyncio.ensure_future(self._watch())

    @classmethod
    def of(cls, event: asyncio.Event) -> Runs:
        runs = cls._all.get(id(event))
        if runs is None or runs.event is not event:
            runs = cls._all[id(event)] = cls(event)
        return runs

    async def _watch(self) -> None:
        while True:
            await self.event.wait()
            self.count += 1
            waiter, self._next = self._next, None
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            # The task clears its event right after its waiters ran.
            while self.event.is_set():
                await asyncio.sleep(0.05)

    async def next(self, timeout: float) -> None:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(asyncio.shield(self._next), timeout)
        except asyncio.TimeoutError:
            pass


def _number(text: str, default: Optional[float]) -> Optional[float]:
    try:
        value = float(text)
    except ValueError:
        return default
    return value if value == value and abs(value) < 1e12 else default


def _grants(record: Any) -> dict[str, Any]:
    last = getattr(record, "grant_last_update", None)
    return {
        "name": record.name,
        "balance": record.balance,
        "cap": record.cap,
        "grant_value": record.grant_value,
        "grant_interval": record.grant_interval,
        "grant_last_update": last.isoformat() if last is not None else None,
    }


def paying_entry(authenticator: Any, credits_user: Any, user_options: Any) -> Any:
    """The entry the credit task bills for a server with ``user_options``:
    the first that matches, else the one without options (``None``: none
    pays; the task then stops the server)."""
    fallback = None
    for entry in credits_user.credits_user_values:
        if not entry.user_options:
            fallback = entry
            continue
        try:
            if authenticator.match_user_options(user_options or {}, entry.user_options or {}):
                return entry
        except (KeyError, TypeError, ValueError):
            # 0.3.11 raises KeyError for an option key the server lacks.
            continue
    return fallback


def credit_users(db: Any, names: list[str]) -> dict[str, Any]:
    """The credit service's rows for ``names``: from the session's identity
    map where the credit task left them (no SQL), the others in one query
    with their entries and projects (three statements)."""
    from jupyterhub_credit_service.orm import CreditsUser, CreditsUserValues
    from sqlalchemy.orm import selectinload
    from sqlalchemy.orm.util import identity_key

    found, missing = {}, []
    for name in names:
        row = db.identity_map.get(identity_key(CreditsUser, name))
        if row is not None and "credits_user_values" in row.__dict__:
            found[name] = row
        else:
            missing.append(name)
    if missing:
        query = db.query(CreditsUser).options(
            selectinload(CreditsUser.credits_user_values).selectinload(CreditsUserValues.project)
        )
        for row in query.filter(CreditsUser.name.in_(missing)):
            found[row.name] = row
    return found


def ready_servers(users: Any, authenticator: Any, db: Any) -> Any:
    """One record per ready server of ``users`` (the hub's loaded users),
    their credit rows read ``PIECE`` users at a time."""
    ready = [u for u in list(users) if any(s.ready for s in list(u.spawners.values()))]
    for start in range(0, len(ready), PIECE):
        piece = ready[start : start + PIECE]
        rows = credit_users(db, [u.name for u in piece])
        for user in piece:
            credits_user = rows.get(user.name)
            for name, spawner in list(user.spawners.items()):
                if spawner.ready:
                    yield server_record(user.name, name, spawner, authenticator, credits_user)


def server_record(
    user: str, name: str, spawner: Any, authenticator: Any, credits_user: Any
) -> dict[str, Any]:
    entry = (
        paying_entry(authenticator, credits_user, getattr(spawner, "user_options", {}))
        if credits_user is not None
        else None
    )
    record: dict[str, Any] = {"user": user, "server": name or "", "entry": None}
    if entry is not None:
        record["entry"] = _grants(entry)
        if entry.project is not None:
            record["entry"]["project"] = _grants(entry.project)
    value = getattr(spawner, "_billing_value", None)
    interval = getattr(spawner, "_billing_interval", None)
    if value is not None and interval is not None:
        record["billing"] = {"value": value, "interval": interval}
    return record

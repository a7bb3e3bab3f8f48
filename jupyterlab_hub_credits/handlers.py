"""The server part's routes under ``{base_url}hub-credits/`` (the admin
guide lists them): ``GET state[?watch=&lead=&wait=&after=&critical=&warning=]``,
``POST claim[?lease=&lead=]`` (``lead``: how long before the predicted stop
a lease or watch must know, which paces the reading), ``POST reconnect``, ``POST stop`` (the owner
only, decided here from the request's identity), ``GET status``, ``GET
doctor`` (the doctor's checks, the owner only). Jupyter
Server's authentication and authorization apply (resource ``hub-credits``;
XSRF for the POSTs); no route counts as user activity.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import math
import time
from typing import Any, Optional

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from . import doctor, protocol
from .relay import CreditsRelay
from .state import state_json

log = logging.getLogger(__name__)

#: The longest ``watch`` one ``GET state`` may ask for (a kernel renews it).
MAX_WATCH_SECONDS = protocol.TASK_INTERVAL_MAX_SECONDS
MAX_LEAD_SECONDS = protocol.MAX_LEAD_SECONDS
DEFAULT_CRITICAL_PERCENT = 10.0
DEFAULT_WARNING_PERCENT = 25.0


class RelayHandler(APIHandler):
    auth_resource = "hub-credits"
    #: A status display is not user activity (idle culling reads activity).
    _track_activity = False

    @property
    def relay(self) -> CreditsRelay:
        relay: Optional[CreditsRelay] = self.settings.get("hub_credits_relay")
        if relay is None:
            raise web.HTTPError(404, "this server does not run under JupyterHub")
        return relay

    @property
    def is_owner(self) -> bool:
        """Whether the request comes from the server's owner (who alone may stop it)."""
        return identity_name(self.current_user) == self.relay.hub.user

    def require_owner(self, what: str) -> None:
        """403 unless the request comes from the server's owner."""
        if not self.is_owner:
            raise web.HTTPError(403, f"only the server's owner may {what}")

    def lead(self) -> Optional[float]:
        """``lead``: how long before the predicted stop the asker must know
        (its warning or save lead, seconds); ``None`` when not said."""
        text = self.get_query_argument("lead", None)
        return None if not text else self.number("lead", 0.0, 0.0, MAX_LEAD_SECONDS)

    def number(self, name: str, default: float, low: float, high: float) -> float:
        """A query parameter as a number in [low, high] (400 otherwise)."""
        text = self.get_query_argument(name, None)
        if text is None or text == "":
            return default
        try:
            value = float(text)
        except ValueError:
            raise web.HTTPError(400, f"{name} must be a number") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise web.HTTPError(400, f"{name} must be between {low:g} and {high:g}")
        return value


class StatusHandler(RelayHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.finish(json.dumps(self.relay.status()))


class StateHandler(RelayHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        relay = self.relay
        watch = self.number("watch", 0.0, 0.0, MAX_WATCH_SECONDS)
        critical = self.number("critical", DEFAULT_CRITICAL_PERCENT, 0.0, 100.0)
        warning = self.number("warning", DEFAULT_WARNING_PERCENT, 0.0, 100.0)
        if watch > 0 or self.number("wait", 0.0, 0.0, 1.0) > 0:
            # A kernel (``credits.py``) waits a moment for fresh numbers.
            try:
                await relay.fresh(watch=watch, lead=self.lead())
            except Exception as error:  # noqa: BLE001 - GET state answers from memory anyway
                log.warning("hub credits: refreshing the state failed: %s", type(error).__name__)
        else:
            # A page never waits: the change event brings what comes.
            relay.kick()
        # A page that has the history up to ``after`` gets only what came since.
        after = self.number("after", 0.0, 0.0, 1e11)
        self.finish(state_json(relay, critical, warning, time.time(), self.is_owner, after))


class ClaimHandler(RelayHandler):
    @web.authenticated
    @authorized
    def post(self) -> None:
        lease = self.number("lease", 0.0, 0.0, MAX_WATCH_SECONDS)
        relay = self.relay
        if lease > 0:
            relay.watch(lease, self.lead())
        else:
            relay.claim()
        # Which change is the latest: a page that missed events catches up.
        self.finish(json.dumps({"seq": relay.seq, "start": relay.start}))


class ReconnectHandler(RelayHandler):
    @web.authenticated
    @authorized
    def post(self) -> None:
        self.relay.reconnect()
        self.set_status(204)
        self.finish()


class StopHandler(RelayHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        relay = self.relay
        self.require_owner("stop it")
        status, message = await relay.stop_server()
        done = status in (202, 204)
        self.set_status(202 if done else 502)
        self.finish(json.dumps({"status": status} if done else {"message": message}))


class DoctorHandler(RelayHandler):
    """The doctor's checks for the item's details: the owner only; its
    findings name no token and no environment value."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        relay = self.relay
        self.require_owner("run the checks")
        findings = await asyncio.to_thread(doctor.run, state=relay.status())
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"findings": [dataclasses.asdict(f) for f in findings]}))


def identity_name(user: Any) -> Optional[str]:
    """The name of the request's user: a Jupyter Server ``User`` (its
    ``username``; JupyterHub's identity provider sets the hub name there),
    or an older hub-auth user model (a dict with ``name``)."""
    if user is None:
        return None
    # A hub service may share a user's name: only a user is an owner.
    model = user if isinstance(user, dict) else getattr(user, "hub_user", None)
    if isinstance(model, dict) and model.get("kind", "user") != "user":
        return None
    if isinstance(user, dict):
        name = user.get("name")
    elif hasattr(user, "username"):
        # Not ``User.name``: that is a display name anyone may choose.
        name = user.username
    else:
        name = getattr(user, "name", None)
    return name if isinstance(name, str) and name else None


def handlers() -> list[tuple[str, type[RelayHandler]]]:
    """The routes, relative to the server's base URL."""
    return [
        (r"/hub-credits/state", StateHandler),
        (r"/hub-credits/stop", StopHandler),
        (r"/hub-credits/reconnect", ReconnectHandler),
        (r"/hub-credits/claim", ClaimHandler),
        (r"/hub-credits/status", StatusHandler),
        (r"/hub-credits/doctor", DoctorHandler),
    ]

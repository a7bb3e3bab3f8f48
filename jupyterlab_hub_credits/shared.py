"""The shared reader: a JupyterHub-managed service (``python -m
jupyterlab_hub_credits.shared``, set up by ``hubroute.serve_entries``) that
reads every running server's credit entry from the hub once per credit-task
run (``GET {hub}/api/hub-credits/entries``, a long poll) and answers each
server's relay with its own entry only: a stream while the relay streams,
the entry at once when it polls. The hub then sees one reader, whatever
the number of servers, pages and kernels.

A relay proves which server it is with the server's own token: the hub's
``GET /hub/api/user`` for that token names the user and the token's scopes;
exactly one ``access:servers!server=<user>/<name>`` of that user (what the
hub gives a server's token, and nothing broader) names the server. The
answer is kept by the token's hash until that server stops, so a server
costs the hub one such request per run. Tokens are never logged or kept.

Routes, under the service's prefix (``/services/hub-credits/``), in the
shapes of the credit service's own, so that the relay reads them with the
same code: ``credits`` (a list of the one entry that pays, with its
grants), ``credits/stream`` (the per-server stream's events), ``health``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import random
import resource
import signal
import time
from typing import Any, Optional
from urllib.parse import urlsplit

import httpx
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.iostream import StreamClosedError

from .hubroute import MAX_WAIT_SECONDS

log = logging.getLogger("jupyterlab_hub_credits.shared")

#: The variable the admin sets in every server's environment (the URL of
#: this service's prefix); ``serve_entries`` sets it.
VARIABLE = "HUB_CREDITS_SHARED_READER"
STOPPED = "Your Server is no longer running.\nRestart of Jupyter Server required."
KEEPALIVE_SECONDS = 8.0
#: A server not in the hub's last answer is waited for this long (a server
#: that just became ready appears at the next task run; the relay gives up
#: on an answer after its connect timeout, 10 s).
NEW_SERVER_WAIT_SECONDS = 6.0
#: Identities kept at most this long (and dropped when their server stops).
IDENTITY_SECONDS = 6 * 3600.0
#: A token the hub refused is not asked about again for this long.
REFUSED_SECONDS = 60.0
#: Streams written between two turns of the event loop.
STREAMS_AT_ONCE = 500
#: The hub is asked about at most this many tokens at once.
LOOKUPS_AT_ONCE = 8

Key = tuple[str, str]


class Refused(Exception):
    """A relay's request this service will not answer: ``status`` and why."""

    def __init__(self, status: int, message: str, retry_after: Optional[int] = None):
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def server_of(model: Any) -> Optional[Key]:
    """The one server a token (as ``GET /hub/api/user`` describes it) is
    for: its only ``access:servers`` scope, filtered to one server of the
    token's own user; ``None`` for any other token."""
    if not isinstance(model, dict) or not isinstance(model.get("name"), str):
        return None
    scopes = model.get("scopes")
    if not isinstance(scopes, list):
        return None
    access = [s for s in scopes if isinstance(s, str) and s.split("!", 1)[0] == "access:servers"]
    if len(access) != 1 or not access[0].startswith("access:servers!server="):
        return None
    user, slash, server = access[0].split("=", 1)[1].partition("/")
    if not slash or user != model["name"]:
        return None
    return user, server


class Entries:
    """The hub's last answer, kept, and who waits for the next one."""

    def __init__(self, api_url: str, token: str, *, random_=random.random):
        self.api_url, self._token, self._random = api_url.rstrip("/"), token, random_
        self.servers: dict[Key, dict[str, Any]] = {}
        #: Servers seen in an answer since this service started: gone from
        #: the next one means stopped, never seen means not billed yet.
        self.seen: set[Key] = set()
        self.run: Optional[int] = None
        self.task_interval = 60.0
        self.fresh_until = 0.0  # monotonic: the numbers count as current until then
        self.reads = self.failures = 0
        self._next: Optional[asyncio.Future[None]] = None
        self._identities: dict[str, tuple[Optional[Key], float]] = {}
        # What the service does with each answer: when it came (monotonic),
        # the streams open, and per run the events written and how long after
        # the answer the last one went (the last runs, for ``health``).
        self.answered = 0.0
        self.fanouts: list[tuple[Any, int, float]] = []
        #: The open streams (``StreamHandler``), pushed to after each answer.
        self.subscribers: set[Any] = set()
        self._broadcasting: Optional[asyncio.Future[None]] = None
        self._lookups = asyncio.Semaphore(LOOKUPS_AT_ONCE)
        self._pending: dict[str, asyncio.Future[Key]] = {}
        self.lookups = 0

    @property
    def fresh(self) -> bool:
        return time.monotonic() < self.fresh_until

    def headers(self, token: Optional[str] = None) -> dict[str, str]:
        return {"Authorization": f"token {token or self._token}"}

    async def next(self, timeout: float) -> None:
        """Waits for the hub's next answer (at most ``timeout`` seconds)."""
        if self._next is None or self._next.done():
            self._next = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(asyncio.shield(self._next), timeout)
        except asyncio.TimeoutError:
            pass

    def _notify(self) -> None:
        waiter, self._next = self._next, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    @property
    def streams(self) -> int:
        return len(self.subscribers)

    async def broadcast(self) -> None:
        """Pushes the last answer to every open stream, ``STREAMS_AT_ONCE``
        at a time (others are served in between), and notes how long it took."""
        written, run = 0, self.run
        for i, stream in enumerate(list(self.subscribers)):
            if i and i % STREAMS_AT_ONCE == 0:
                await asyncio.sleep(0)
                if self.run != run:
                    return  # a newer answer: its own broadcast follows
            try:
                written += stream.push()
            except Exception:  # noqa: BLE001 - one stream never stops the others
                log.exception("hub-credits: a stream could not be written")
                stream.end()
        if written:
            took = round(time.monotonic() - self.answered, 4)
            self.fanouts = [*self.fanouts[-19:], (run, written, took)]

    def _broadcast(self) -> None:
        self._broadcasting = asyncio.ensure_future(self.broadcast())

    async def keepalives(self) -> None:
        """A comment line on every open stream every ``KEEPALIVE_SECONDS``."""
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            for i, stream in enumerate(list(self.subscribers)):
                if i and i % STREAMS_AT_ONCE == 0:
                    await asyncio.sleep(0)
                stream.send(":\n\n")

    def take(self, answer: Any) -> None:
        """One answer of the hub's route."""
        self.answered = time.monotonic()
        servers = {}
        for record in answer.get("servers", []):
            if isinstance(record, dict) and isinstance(record.get("user"), str):
                servers[(record["user"], str(record.get("server") or ""))] = record
        gone = set(self.servers) - set(servers)
        self.servers = servers
        self.seen |= set(servers)
        self.run = answer.get("run")
        interval = answer.get("task_interval")
        if isinstance(interval, (int, float)) and 0 < interval < 86400:
            self.task_interval = float(interval)
        self.fresh_until = time.monotonic() + 2 * self.task_interval + 30
        for digest, (key, _) in list(self._identities.items()):
            if key in gone:
                del self._identities[digest]
        self._notify()
        self._broadcast()

    async def follow(self, client: httpx.AsyncClient) -> None:
        """Reads the hub's route after every task run, for ever; failures
        wait with a capped, jittered backoff."""
        while True:
            wait = min(max(2 * self.task_interval, 30.0), MAX_WAIT_SECONDS)
            params = {} if self.run is None else {"after": str(self.run), "wait": str(wait)}
            try:
                response = await client.get(
                    f"{self.api_url}/hub-credits/entries",
                    params=params,
                    headers=self.headers(),
                    timeout=httpx.Timeout(wait + 30, connect=10),
                )
                if response.status_code != 200:
                    raise Refused(response.status_code, response.text[:200])
                answer = response.json()
                self.take(answer)
                self.reads += 1
                self.failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the hub may answer anything
                self.failures += 1
                delay = min(2 ** min(self.failures, 6), 60) * (0.5 + self._random() / 2)
                log.warning(
                    "hub-credits: reading the hub's entries failed (%s): again in %.0f s",
                    getattr(error, "message", None) or type(error).__name__,
                    delay,
                )
                if not self.fresh:
                    self._notify()
                    self._broadcast()  # streams end: their relays show the numbers as stale
                await asyncio.sleep(delay)

    async def key_for(self, token: str, client: httpx.AsyncClient) -> Key:
        """The server whose token this is (see the module), or ``Refused``."""
        digest, now = _hash(token), time.monotonic()
        known = self._identities.get(digest)
        if known is not None and known[1] > now:
            if known[0] is None:
                raise Refused(403, "this token is not a single server's token")
            return known[0]
        # One question to the hub per token, however many requests wait for it.
        pending = self._pending.get(digest)
        if pending is None:
            pending = self._pending[digest] = asyncio.ensure_future(
                self._ask(token, digest, client)
            )
            pending.add_done_callback(lambda _: self._pending.pop(digest, None))
        return await asyncio.shield(pending)

    async def _ask(self, token: str, digest: str, client: httpx.AsyncClient) -> Key:
        now = time.monotonic()
        async with self._lookups:
            self.lookups += 1
            try:
                response = await client.get(
                    f"{self.api_url}/user", headers=self.headers(token), timeout=10
                )
            except httpx.HTTPError:
                raise Refused(503, "the hub did not answer", retry_after=10) from None
        if response.status_code in (401, 403):
            self._identities[digest] = (None, now + REFUSED_SECONDS)
            raise Refused(403, "the hub does not accept this token")
        if response.status_code != 200:
            raise Refused(503, f"the hub answered HTTP {response.status_code}", retry_after=10)
        try:
            key = server_of(response.json())
        except ValueError:
            key = None
        self._identities[digest] = (key, now + (IDENTITY_SECONDS if key else REFUSED_SECONDS))
        if key is None:
            raise Refused(403, "this token is not a single server's token")
        return key

    async def record(self, key: Key, wait: float) -> Optional[dict[str, Any]]:
        """The hub's record of ``key``, waiting (at most ``wait``) for a
        server the hub has not listed yet; ``Refused`` when there is none."""
        deadline = time.monotonic() + wait
        while True:
            if not self.fresh:
                raise Refused(503, "the shared reader has no current numbers", retry_after=15)
            if key in self.servers:
                return self.servers[key]
            if key in self.seen:
                raise Refused(409, "Server is not running.")
            left = deadline - time.monotonic()
            if left <= 0:
                raise Refused(503, "the hub has not listed this server yet", retry_after=10)
            await self.next(left)


def as_list(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The credit service's list shape: the entry that pays (empty: free)."""
    return [] if record.get("entry") is None else [record["entry"]]


def as_event(record: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The per-server stream's event for a record (``None``: free)."""
    entry = record.get("entry")
    if entry is None:
        return None
    event = {"balance": entry["balance"], "cap": entry["cap"]}
    project = entry.get("project")
    if project is not None:
        event["project"] = {k: project[k] for k in ("name", "balance", "cap")}
    return event


class Base(web.RequestHandler):
    @property
    def entries(self) -> Entries:
        return self.settings["entries"]

    @property
    def client(self) -> httpx.AsyncClient:
        return self.settings["client"]

    def check_xsrf_cookie(self) -> None:
        pass

    def refuse(self, refused: Refused) -> None:
        self.set_status(refused.status)
        if refused.retry_after is not None:
            self.set_header("Retry-After", str(refused.retry_after))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"status": refused.status, "message": refused.message}))

    async def key(self) -> Key:
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not token.strip():
            raise Refused(403, "a server's token is required (Authorization: token …)")
        return await self.entries.key_for(token.strip(), self.client)


class ListHandler(Base):
    async def get(self) -> None:
        try:
            record = await self.entries.record(await self.key(), NEW_SERVER_WAIT_SECONDS)
        except Refused as refused:
            return self.refuse(refused)
        self.set_header("Cache-Control", "no-store")
        if record.get("entry") is None:
            return self.refuse(Refused(404, "no credit entry pays for this server"))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(as_list(record)))


class StreamHandler(Base):
    """A relay's stream. Nothing waits per stream: after each answer of the
    hub, ``Entries.broadcast`` pushes to every open stream, and one loop
    writes every stream's keepalive (no task or timer per stream)."""

    _key: Key
    _sent: Any = None
    _run: Any = None
    _done: Optional[asyncio.Future[None]] = None

    async def get(self) -> None:
        try:
            self._key = await self.key()
            if not self.entries.fresh:
                raise Refused(503, "the shared reader has no current numbers", retry_after=15)
        except Refused as refused:
            return self.refuse(refused)
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self._done = asyncio.get_running_loop().create_future()
        entries = self.entries
        entries.subscribers.add(self)
        try:
            self.send(":\n\n")
            self.push()
            await self._done
        except asyncio.CancelledError:
            pass  # the service stops
        finally:
            entries.subscribers.discard(self)

    def on_connection_close(self) -> None:
        self.end()

    def end(self) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    def push(self) -> bool:
        """This run's event for this stream's server (its stop, or the end
        of the stream without current numbers); whether one was written."""
        entries = self.entries
        if not entries.fresh:
            self.end()  # the relay shows its numbers as stale and retries
            return False
        record = entries.servers.get(self._key)
        if record is None and self._key in entries.seen:
            self.send(f"data: {json.dumps({'error': STOPPED})}\n\n")
            self.end()
            return False
        event = None if record is None else as_event(record)
        if event is None or (event == self._sent and entries.run == self._run):
            return False
        # Every task run, as the hub's stream does (unchanged too).
        self.send(f"data: {json.dumps(event)}\n\n")
        self._sent, self._run = event, entries.run
        return True

    def send(self, text: str) -> None:
        if self._done is None or self._done.done():
            return
        try:
            self.write(text)
            self.flush().add_done_callback(self._flushed)
        except StreamClosedError:
            self.end()

    def _flushed(self, future: asyncio.Future[None]) -> None:
        if future.cancelled() or future.exception() is not None:
            self.end()


class HealthHandler(Base):
    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        entries = self.entries
        # Counts and times only: nothing about any user.
        self.finish(
            json.dumps(
                {
                    "fresh": entries.fresh,
                    "run": entries.run,
                    "streams": entries.streams,
                    "fanouts": [
                        {"run": r, "events": n, "seconds": t} for r, n, t in entries.fanouts
                    ],
                }
            )
        )


def make_app(entries: Entries, client: httpx.AsyncClient, prefix: str) -> web.Application:
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    return web.Application(
        [
            (prefix + "credits", ListHandler),
            (prefix + "credits/stream", StreamHandler),
            (prefix + "health", HealthHandler),
            (prefix, HealthHandler),  # the hub checks the service's prefix
        ],
        entries=entries,
        client=client,
    )


def _more_files() -> None:
    """One file descriptor per streaming relay: as many as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def serve(env: Optional[dict[str, str]] = None) -> None:
    env = dict(os.environ if env is None else env)
    api_url = env["JUPYTERHUB_API_URL"]
    token = env["JUPYTERHUB_API_TOKEN"]
    where = urlsplit(env.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "/services/hub-credits/")
    _more_files()
    entries = Entries(api_url, token)
    limits = httpx.Limits(max_connections=LOOKUPS_AT_ONCE + 2)
    async with httpx.AsyncClient(limits=limits) as client:
        server = HTTPServer(make_app(entries, client, prefix), xheaders=True)
        # HUB_CREDITS_BIND: another address than the URL's host (serve_entries' bind).
        server.listen(
            where.port or 80, env.get("HUB_CREDITS_BIND") or where.hostname or "127.0.0.1"
        )
        log.info("hub-credits: the shared reader listens on %s%s", where.netloc, prefix)
        keepalives = asyncio.ensure_future(entries.keepalives())
        following = asyncio.ensure_future(entries.follow(client))
        orphaned = asyncio.ensure_future(_parent_gone(os.getppid()))
        # The hub stops its services with SIGINT, then SIGTERM: handled here
        # even where SIGINT came in ignored (a hub started in the background
        # of a shell passes that on to what it starts).
        stopped = asyncio.get_running_loop().create_future()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                asyncio.get_running_loop().add_signal_handler(
                    signum, lambda: stopped.done() or stopped.set_result(None)
                )
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread, or no signals here
        try:
            await asyncio.wait([following, orphaned, stopped], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (keepalives, following, orphaned):
                task.cancel()


async def _parent_gone(parent: int, every: float = 2.0) -> None:
    """Returns once the process that started this one (the hub) is gone: a
    hub that was killed cannot stop its services, and a new hub's service
    needs the port."""
    while os.getppid() == parent:
        await asyncio.sleep(every)
    log.warning("hub-credits: the hub that started the shared reader is gone: stopping")


def main() -> None:
    form = "[%(levelname)s %(asctime)s %(name)s] %(message)s"
    logging.basicConfig(level=logging.INFO, format=form)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # no line per request
    try:
        asyncio.run(serve())
    except KeyboardInterrupt:  # the hub stops its services with SIGINT
        log.info("hub-credits: stopped")


if __name__ == "__main__":
    main()

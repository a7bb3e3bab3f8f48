"""jupyterhub_config.py for the hub-load benchmark (loaded by ``jupyterhub -f``).

A real JupyterHub with the real credit service, a fake spawner (no server
processes: the servers' URL is one tiny HTTP responder the harness runs),
an in-memory proxy (the readers and the probe talk to the hub's own port,
as a single-user server does through ``JUPYTERHUB_API_URL``), a SQLite
file and the credit task every ``BENCH_TASK_INTERVAL`` seconds.

Counters written once a second to ``$BENCH_DIR/hubstats.jsonl``: SQL
statements (SQLAlchemy events on every engine of the process), new TCP
connections accepted by the hub, per-server streams held (handlers inside
``get``, including the ones whose client has gone and that wait for the
next task run), stream opens, ``GET api/credits`` requests, every request
the hub routes but the probe's ``GET /hub/api/`` (``req``; of them the
shared reader's route reads ``req_entries`` and its token look-ups ``GET
/hub/api/user``, ``req_user``), and the time of every credit-task run (its
post hook).

With ``BENCH_SHARED_PORT`` set (the harness sets it for the shared-reader
rows only), the hub also runs the shared reader of the source tree
(``jupyterlab_hub_credits.hubroute.serve_entries``): the route and the
managed service listening on that port, with ``PYTHONPATH`` the repository
(``BENCH_REPO``) so that ``python -m jupyterlab_hub_credits.shared`` is the
source tree's, not an installed copy.
"""

import json
import os
import sys
import threading
import time

from jupyterhub.auth import DummyAuthenticator
from jupyterhub.proxy import Proxy
from jupyterhub.spawner import Spawner
from jupyterhub_credit_service import CreditsAuthenticator, CreditsSpawner
from jupyterhub_credit_service import apihandlers as credit_handlers
from sqlalchemy import event
from sqlalchemy.engine import Engine
from tornado.httpserver import HTTPServer
from tornado.web import Application
from traitlets import Bool

c = get_config()  # noqa: F821 (provided by the config loader)

BENCH_DIR = os.environ["BENCH_DIR"]
HUB_PORT = int(os.environ["BENCH_HUB_PORT"])
FAKE_PORT = int(os.environ["BENCH_FAKE_PORT"])
TASK_INTERVAL = int(os.environ.get("BENCH_TASK_INTERVAL", "10"))


# ---------------------------------------------------------------- counters


class _Stats:
    def __init__(self):
        self.per_second = {}  # second -> {"sql": n, "conn": n, ...}
        self.streams = 0
        self.tasks = []
        self.lock = threading.Lock()

    def add(self, key, n=1):
        second = int(time.time())
        bucket = self.per_second.get(second)
        if bucket is None:
            bucket = self.per_second.setdefault(second, {})
        bucket[key] = bucket.get(key, 0) + n


STATS = _Stats()


@event.listens_for(Engine, "before_cursor_execute")
def _count_sql(conn, cursor, statement, parameters, context, executemany):
    STATS.add("sql")


_handle_stream = HTTPServer.handle_stream


def _counting_handle_stream(self, stream, address):
    STATS.add("conn")
    return _handle_stream(self, stream, address)


HTTPServer.handle_stream = _counting_handle_stream

_find_handler = Application.find_handler
_PROBE = "/hub/api/"
_BY_PATH = {"/hub/api/hub-credits/entries": "req_entries", "/hub/api/user": "req_user"}


def _counting_find_handler(self, request, **kwargs):
    # Once per request, when its headers are in (a stream counts at its start).
    path = request.path
    if path != _PROBE:
        STATS.add("req")
        key = _BY_PATH.get(path)
        if key is not None:
            STATS.add(key)
    return _find_handler(self, request, **kwargs)


Application.find_handler = _counting_find_handler

_stream_get = credit_handlers.CreditsSSEServerAPIHandler.get


async def _counting_stream_get(self, *args, **kwargs):
    STATS.add("stream_open")
    STATS.streams += 1
    try:
        return await _stream_get(self, *args, **kwargs)
    finally:
        STATS.streams -= 1


credit_handlers.CreditsSSEServerAPIHandler.get = _counting_stream_get

_list_get = credit_handlers.CreditsAPIHandler.get


async def _counting_list_get(self, *args, **kwargs):
    STATS.add("poll")
    return await _list_get(self, *args, **kwargs)


credit_handlers.CreditsAPIHandler.get = _counting_list_get


def _task_ran():
    STATS.tasks.append(time.time())


def _writer():
    path = os.path.join(BENCH_DIR, "hubstats.jsonl")
    with open(path, "a", buffering=1) as out:
        while True:
            time.sleep(1.0)
            now = int(time.time())
            tasks, STATS.tasks = STATS.tasks, []
            for second in sorted(k for k in list(STATS.per_second) if k < now - 1):
                bucket = STATS.per_second.pop(second)
                out.write(json.dumps({"t": second, **bucket}) + "\n")
            line = {"now": time.time(), "streams": STATS.streams, "pid": os.getpid()}
            if tasks:
                line["tasks"] = tasks
            out.write(json.dumps(line) + "\n")


threading.Thread(target=_writer, daemon=True, name="bench-stats").start()


# ---------------------------------------------------------------- the hub


class MemoryProxy(Proxy):
    """Routes in a dict: the hub's proxy calls cost the hub nothing here."""

    should_start = Bool(False)
    routes = {}

    async def add_route(self, routespec, target, data):
        self.routes[routespec] = {"routespec": routespec, "target": target, "data": data}

    async def delete_route(self, routespec):
        self.routes.pop(routespec, None)

    async def get_all_routes(self):
        return dict(self.routes)


class FakeSpawner(CreditsSpawner, Spawner):
    """No process: the server 'runs' at the harness's HTTP responder."""

    async def start(self):
        return ("127.0.0.1", FAKE_PORT)

    async def poll(self):
        return None

    async def stop(self, now=False):
        return None


class BenchAuthenticator(CreditsAuthenticator, DummyAuthenticator):
    pass


c.JupyterHub.authenticator_class = BenchAuthenticator
c.JupyterHub.spawner_class = FakeSpawner
c.JupyterHub.proxy_class = MemoryProxy
c.JupyterHub.cleanup_servers = False
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = HUB_PORT + 1
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_PORT
c.JupyterHub.db_url = "sqlite:///" + os.path.join(BENCH_DIR, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(BENCH_DIR, "cookie_secret")
c.JupyterHub.pid_file = os.path.join(BENCH_DIR, "jupyterhub.pid")
# Every server checked before the hub answers (10,000 take over a minute):
# no row starts while the hub still checks servers in the background.
c.JupyterHub.init_spawners_timeout = 600
# JupyterHub's default (30 s): a token request writes the token's and the
# user's last activity (a commit) when it is older than this.
c.JupyterHub.activity_resolution = int(os.environ.get("BENCH_ACTIVITY_RESOLUTION", "30"))
c.JupyterHub.log_level = os.environ.get("BENCH_HUB_LOG_LEVEL", "INFO")
c.Spawner.http_timeout = 60
c.Spawner.poll_interval = 30
c.Authenticator.allow_all = True
c.CreditsAuthenticator.credits_task_interval = TASK_INTERVAL
c.CreditsAuthenticator.credits_task_post_hook = _task_ran
# Nothing is granted or billed during the run (the harness writes the rows
# with far-off grant and bill times): every row costs the same for that.
c.CreditsAuthenticator.credits_user = {
    "name": "default",
    "cap": 100,
    "grant_value": 10,
    "grant_interval": 10**8,
    "project": {"name": "p0", "cap": 1000, "grant_value": 10, "grant_interval": 10**8},
}

# ------------------------------------------------------- the shared reader

SHARED_PORT = os.environ.get("BENCH_SHARED_PORT", "")
if SHARED_PORT:
    REPO = os.environ["BENCH_REPO"]
    sys.path.insert(0, REPO)
    from jupyterlab_hub_credits.hubroute import serve_entries

    serve_entries(
        c,
        url=f"http://127.0.0.1:{int(SHARED_PORT)}",
        environment={"PYTHONPATH": REPO},
    )

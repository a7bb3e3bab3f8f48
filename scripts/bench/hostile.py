"""The relay against a misbehaving hub: what it costs the hub and the server.

Per row, a fake hub (Tornado, in this process, on loopback) answers one
hostile way (the ``Hub`` subclasses below; what a row does not name is
answered well: a snapshot ``{"balance": 50, "cap": 100}`` then keepalives, a
one-entry list, a 202 stop). A real ``jupyter server`` runs the extension
with the environment ``jupyterhub-singleuser`` gives it (token requests are
alice's, the owner's, as under the hub's identity provider), and a driver
uses its routes (``/hub-credits/claim``, ``state``, ``stop``) for
``--seconds``. Measured per row: hub requests per minute by kind (stream
``GET {api}/credits/sseserver/alice``, list ``GET {api}/credits``, stop
``DELETE {api}/credits/stopserver/alice``); the server's VmRSS at the start
and its peak (killed above 4 GB); ``Traceback`` and ``Task exception was
never retrieved`` lines in its stderr; the last ``GET /hub-credits/state``
answer, and whether every state answer was valid JSON with finite numbers
(no NaN / Infinity, no number beyond a double: JSON.parse reads those as
Infinity).

    .venv/bin/python scripts/bench/hostile.py [--rows a,b] [--seconds N]
        [--pythonpath DIR]   # prepended to the server's PYTHONPATH: another checkout
        [--logs DIR]         # keep each row's server log
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path

import httpx
from tornado import web
from tornado.iostream import StreamClosedError

BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"
RSS_CAP_MB = 4096
KEEPALIVE = 8.0
DEEP = 100_000
DEEP_404 = '{"message": ' + "[" * DEEP + "]" * DEEP + "}"
ROUTES = {
    ("GET", "/hub/api/credits/sseserver/alice"): "stream",
    ("GET", "/hub/api/credits"): "list",
    ("DELETE", "/hub/api/credits/stopserver/alice"): "stop",
}
#: The server's config: token requests are alice's (POST stop is the owner's only).
ALICE = """from jupyter_server.auth.identity import IdentityProvider, User
class Alice(IdentityProvider):
    def generate_anonymous_user(self, handler):
        return User("alice")
c.ServerApp.identity_provider_class = Alice
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the fake hub: one class per row, a well-behaved hub by default -------------


class Hub:
    name = "good"
    stream_client = False  # the driver claims live numbers as a visible page does
    state_every: float | None = None  # the driver's GET state period
    state_count: int | None = None  # ...and how many at most
    stop_at_end = False  # one POST stop at the end

    async def stream(self, h: HubHandler, n: int) -> None:  # n: this kind's request number
        await h.hold(b'data: {"balance": 50, "cap": 100}\n\n')

    async def list(self, h: HubHandler, n: int) -> None:
        h.answer(200, '[{"name": "default", "balance": 50, "cap": 100}]')

    async def stop(self, h: HubHandler, n: int) -> None:
        h.answer(202, "")


class ListOnStream(Hub):
    name, stream_client = "list-on-stream", True

    async def stream(self, h, n):
        await h.hold(b"data: []\n\n")


class DeepJson(Hub):
    name, state_every, stop_at_end = "deep-json", 1.0, True

    async def stream(self, h, n):
        h.answer(404, DEEP_404)

    async def list(self, h, n):
        h.answer(200, "[" * DEEP + "]" * DEEP)

    async def stop(self, h, n):
        h.answer(404, DEEP_404)


class GzipBomb(Hub):
    name, stream_client = "gzip-bomb", True

    def __init__(self) -> None:
        # 300 MB of event compressed once, 1 MB at a time (~300 KB), and left
        # open (sync flush): each connection's keepalives go on from a copy.
        self.zip = zlib.compressobj(9, zlib.DEFLATED, 31)
        parts = [self.zip.compress(b'data: {"balance": 1, "cap": 2, "x": "')]
        parts += [self.zip.compress(b"a" * 1_000_000) for _ in range(300)]
        parts.append(self.zip.compress(b'"}\n\n') + self.zip.flush(zlib.Z_SYNC_FLUSH))
        self.body = b"".join(parts)

    async def stream(self, h, n):
        h.set_header("Content-Encoding", "gzip")
        own = self.zip.copy()
        await h.hold(self.body, lambda: own.compress(b"\n\n") + own.flush(zlib.Z_SYNC_FLUSH))


class RetryAfter(Hub):
    name, state_every, state_count = "retry-after", 0.1, 50

    async def list(self, h, n):
        h.set_header("Retry-After", "120")
        h.answer(503, '{"message": "busy"}')


class OddNumbers(Hub):
    name, stream_client, state_every = "odd-numbers", True, 1.0

    async def stream(self, h, n):
        if n == 1:  # the first connection: one event, then the hub closes it
            h.set_header("Content-Type", "text/event-stream")
            h.finish(b'data: {"balance": 1e400, "cap": "x"}\n\n')
        else:
            await h.hold(b'data: {"balance": 1' + b"0" * 400 + b', "cap": 100}\n\n')


ROWS = {row.name: row for row in (ListOnStream, DeepJson, GzipBomb, RetryAfter, OddNumbers)}


class HubHandler(web.RequestHandler):
    def initialize(self, hub: Hub, counts: Counter) -> None:
        self.hub, self.counts, self.closed = hub, counts, asyncio.Event()

    def on_connection_close(self) -> None:
        self.closed.set()

    def answer(self, status: int, body: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(body)

    async def hold(self, first: bytes, keepalive=lambda: b"\n\n") -> None:
        """200 text/event-stream: ``first``, then a keepalive every 8 s."""
        self.set_header("Content-Type", "text/event-stream")
        try:
            self.write(first)
            await self.flush()
            while not self.closed.is_set():
                try:
                    await asyncio.wait_for(self.closed.wait(), KEEPALIVE)
                except asyncio.TimeoutError:
                    self.write(keepalive())
                    await self.flush()
        except StreamClosedError:
            pass

    async def route(self, method: str, path: str) -> None:
        kind = ROUTES.get((method, path), "other")
        self.counts[kind] += 1
        if kind == "other":
            return self.answer(404, '{"message": "Not found"}')
        await getattr(self.hub, kind)(self, self.counts[kind])

    async def get(self, path: str) -> None:
        await self.route("GET", path)

    async def delete(self, path: str) -> None:
        await self.route("DELETE", path)


# -- the jupyter server and the driver ---------------------------------------------


def with_path(env: dict, pythonpath: str | None) -> dict:
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, env.get("PYTHONPATH")]))
    return env


def start_server(tmp: Path, hub_port: int, token: str, pythonpath: str | None):
    """``jupyter server`` as ``jupyterhub-singleuser`` would run it; Jupyter's dirs in ``tmp``."""
    port = free_port()
    for name in ("home", "config", "data", "runtime", "root"):
        (tmp / name).mkdir()
    (tmp / "config" / "jupyter_server_config.py").write_text(ALICE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.update(
        HOME=str(tmp / "home"),
        IPYTHONDIR=str(tmp / "home" / ".ipython"),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTERHUB_API_URL=f"http://127.0.0.1:{hub_port}/hub/api",
        JUPYTERHUB_API_TOKEN=token,
        JUPYTERHUB_USER="alice",
        JUPYTERHUB_SERVER_NAME="",
        JUPYTERHUB_SERVICE_URL=f"http://127.0.0.1:{port}/",
        JUPYTERHUB_SERVICE_PREFIX="/",
    )
    with open(tmp / "server.log", "wb") as log:  # the server logs to stderr
        proc = subprocess.Popen(
            [
                str(BIN / "jupyter"),
                "server",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={token}",
                "--ServerApp.open_browser=False",
                "--ServerApp.allow_root=True",
                f"--ServerApp.root_dir={tmp / 'root'}",
            ],
            env=with_path(env, pythonpath),
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    return proc, f"http://127.0.0.1:{port}/"


async def end_server(proc: subprocess.Popen, notes: list) -> None:
    proc.send_signal(signal.SIGTERM)  # (nothing, once it has exited)
    for _ in range(150):  # 15 s, the fake hub still answering meanwhile
        if proc.poll() is not None:
            return
        await asyncio.sleep(0.1)
    proc.kill()
    proc.wait()
    notes.append("killed: no exit 15 s after SIGTERM")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def strict_json(text: str) -> bool:
    """Whether JSON.parse reads it to finite numbers: no NaN / Infinity, no
    number beyond a double (e.g. a 400-digit integer)."""

    def finite(literal: str) -> float:
        if not math.isfinite(float(literal)):
            raise ValueError(literal)
        return float(literal)

    try:
        json.loads(text, parse_constant=finite, parse_int=finite, parse_float=finite)
        return True
    except (ValueError, RecursionError):
        return False


async def run_row(name: str, seconds: float, pythonpath: str | None, logs: Path | None) -> dict:
    hub, counts, token = ROWS[name](), Counter(), secrets.token_hex(16)
    app = web.Application([(r"(.*)", HubHandler, {"hub": hub, "counts": counts})])
    hub_port = free_port()
    hub_server = app.listen(hub_port, address="127.0.0.1")
    tmp = Path(tempfile.mkdtemp(prefix=f"hostile-{name}-"))
    proc, base = start_server(tmp, hub_port, token, pythonpath)
    client = httpx.AsyncClient(
        headers={"Authorization": f"token {token}"}, timeout=httpx.Timeout(30), trust_env=False
    )
    out = {
        "name": name,
        "notes": [],
        "states": [],
        "rss_start": 0.0,
        "rss_peak": 0.0,
        "claims": 0,
    }

    async def watch_process():
        while proc.poll() is None:
            rss = rss_mb(proc.pid)
            out["rss_peak"] = max(out["rss_peak"], rss)
            if rss > RSS_CAP_MB:
                proc.kill()
                out["notes"].append(f"KILLED: RSS {rss:.0f} MB > {RSS_CAP_MB} MB")
            await asyncio.sleep(0.1)
        out["notes"].append(f"server exited (rc {proc.returncode})")

    async def get_state():
        try:
            answer = await client.get(base + "hub-credits/state")
            out["states"].append((answer.status_code, answer.text))
        except httpx.HTTPError as error:
            out["states"].append((type(error).__name__, ""))

    async def hold_stream():
        # A visible page: a claim at once and every 30 s (the relay streams).
        while True:
            try:
                answer = await client.post(base + "hub-credits/claim", content=b"")
                out["claims"] += answer.status_code == 200
            except httpx.HTTPError as error:
                out["notes"].append(f"claim: {type(error).__name__}")
            await asyncio.sleep(30)

    try:
        for _ in range(300):  # up to 60 s for the server to start
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited at start (rc {proc.returncode})")
            try:
                if (await client.get(base + "api/status")).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.2)
        counts.clear()
        start = time.monotonic()
        out["rss_start"] = out["rss_peak"] = rss_mb(proc.pid)
        tasks = [asyncio.ensure_future(watch_process())]
        if hub.stream_client:
            tasks.append(asyncio.ensure_future(hold_stream()))
        asked = 0
        while hub.state_every and time.monotonic() - start < seconds:
            if hub.state_count is not None and asked >= hub.state_count:
                break
            tick = time.monotonic()
            await get_state()
            asked += 1
            await asyncio.sleep(max(0.0, tick + hub.state_every - time.monotonic()))
        await asyncio.sleep(max(0.0, start + seconds - time.monotonic()))
        if hub.stop_at_end:
            try:
                answer = await client.post(base + "hub-credits/stop")
                out["notes"].append(f"POST stop: {answer.status_code} {answer.text[:90]}")
            except httpx.HTTPError as error:
                out["notes"].append(f"POST stop: {type(error).__name__}")
        await get_state()  # every row ends with one: the answer reported
        elapsed = time.monotonic() - start
        out["per_min"] = {k: counts[k] * 60 / elapsed for k in ("stream", "list", "stop")}
        out["counts"] = dict(counts, seconds=round(elapsed, 1))
        if hub.stream_client:
            out["notes"].append(f"claims answered: {out['claims']}")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await client.aclose()
        await end_server(proc, out["notes"])
        hub_server.stop()
        await hub_server.close_all_connections()
        log = (tmp / "server.log").read_text(errors="replace")
        if logs is not None:
            logs.mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp / "server.log", logs / f"{name}.log")
        shutil.rmtree(tmp, ignore_errors=True)
    out["tracebacks"] = log.count("Traceback")
    out["unretrieved"] = log.count("Task exception was never retrieved")
    codes = Counter(str(status) for status, _ in out["states"])
    valid = [strict_json(text) for status, text in out["states"] if status == 200]
    out["valid"] = " ".join(f"{n}x{c}" for c, n in codes.items()) + (
        f", {sum(valid)}/{len(valid)} valid" + ("" if all(valid) else " INVALID")
    )
    bad = [text for status, text in out["states"] if status == 200 and not strict_json(text)]
    if bad:
        out["notes"].append(f"first INVALID state: {bad[0][:160]}")
    status, text = out["states"][-1]
    out["last_state"] = f"{status} ({len(text):,} chars) {text[:100]}"
    return out


async def main() -> None:
    logging.getLogger("tornado.access").disabled = True  # the fake hub's 404s and 503s
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default=",".join(ROWS), help="of: " + ", ".join(ROWS))
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pythonpath", help="prepended to the server's PYTHONPATH")
    parser.add_argument("--logs", type=Path, help="keep each row's server log here")
    args = parser.parse_args()
    rows = [row for row in args.rows.split(",") if row]
    if set(rows) - set(ROWS):
        parser.error(f"unknown rows: {', '.join(set(rows) - set(ROWS))}")
    where = subprocess.run(
        [str(BIN / "python"), "-c", "import jupyterlab_hub_credits as m; print(m.__file__)"],
        env=with_path(dict(os.environ), args.pythonpath),
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"the server imports {where}; {args.seconds:g} s per row", flush=True)
    results = []
    for row in rows:
        try:
            r = await run_row(row, args.seconds, args.pythonpath, args.logs)
        except RuntimeError as error:
            print(f"{row}: FAILED: {error}", flush=True)
            continue
        m = r["per_min"]
        print(
            f"{row}: hub/min stream {m['stream']:.1f} / list {m['list']:.1f} / stop "
            f"{m['stop']:.1f} {r['counts']}; RSS {r['rss_start']:.0f} -> {r['rss_peak']:.0f} MB; "
            f"Traceback {r['tracebacks']}, never retrieved {r['unretrieved']}; "
            f"state ({r['valid']}): {r['last_state']}" + "".join(f"; {n}" for n in r["notes"]),
            flush=True,
        )
        results.append(r)
    print(
        "\n| row | hub/min stream / list / stop | RSS MB | Traceback / never retrieved "
        "| GET state | notes |\n|---|---|---|---|---|---|"
    )
    for r in results:
        m = r["per_min"]
        print(
            f"| {r['name']} | {m['stream']:.1f} / {m['list']:.1f} / {m['stop']:.1f} | "
            f"{r['rss_start']:.0f} -> {r['rss_peak']:.0f} | {r['tracebacks']} / "
            f"{r['unretrieved']} | {r['valid']}; last {r['last_state'].split(')')[0]}) | "
            f"{'; '.join(r['notes'])} |"
        )


if __name__ == "__main__":
    asyncio.run(main())

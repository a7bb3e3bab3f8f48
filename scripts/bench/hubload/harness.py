"""Hub-load benchmark: what the extension's readers cost a real JupyterHub.

Usage (from the repository, with the project's virtualenv):

    .venv/bin/python scripts/bench/hubload/harness.py            # N = 100, 1,000, 5,000
    .venv/bin/python scripts/bench/hubload/harness.py --quick    # N = 100, 1,000
    .venv/bin/python scripts/bench/hubload/harness.py --n 100 --rows baseline,always
    .venv/bin/python scripts/bench/hubload/harness.py --n 5000 --rows baseline,shared-100%

For every N: a temporary directory with a SQLite file holding N users, each
with a running default server (fake spawner, no process) and a server token,
and the credit rows; a real JupyterHub + credit service started from
``hub_config.py``; a probe timing ``GET /hub/api/`` every 50 ms; then one row
per reader setting (see ``ROWS``): the readers start, settle, are measured,
the hub is restarted once under them (the reconnect wave is counted at the
hub), the readers stop and the hub is restarted clean for the next row.
Figures, not a test: ``report.py`` prints the table and the goals of
issue 20 as pass/fail lines with the figures.

The shared-reader row (``shared-100%``) runs on a hub restarted with the
shared reader (``hub_config.py`` with ``BENCH_SHARED_PORT``): the relays
read the service, not the hub. For every row with visible tabs, each
relay's deliveries of numbers are matched with the credit task's runs at
the hub (delivery p50/p99: run at the hub -> the relay's new numbers);
for the shared row, the service's RSS and CPU too. The file-descriptor
limit is raised to the hard limit (inherited by the hub and its service,
and raised again by the workers): at 10,000 streams the hub (direct rows)
or the service (shared row) holds one socket per server.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime
import json
import math
import multiprocessing
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE))
# The relay measured is the source tree's (worker processes inherit the path).
sys.path.insert(1, str(REPO))

import readers  # noqa: E402
import report  # noqa: E402

TASK_INTERVAL = 10
#: A task run's burst: the statements above the median second in the
#: seconds from the run on (at 5,000 streams it lasts several seconds).
BURST_SECONDS = 6


@dataclass(frozen=True)
class Row:
    name: str
    kind: Optional[str]  # None: no readers
    visible: float  # share of servers with a visible tab
    shared: bool = False  # the hub runs the shared reader; the relays read it


#: In the order printed.
ROWS = [
    Row("baseline", None, 0.0),
    Row("always", "always", 1.0),
    Row("auto-0%", "auto", 0.0),
    Row("auto-10%", "auto", 0.1),
    Row("auto-100%", "auto", 1.0),
    Row("poll-100%", "poll", 1.0),
    Row("shared-100%", "auto", 1.0, shared=True),
]
#: In the order run: the rows that leave the hub holding the most memory
#: (their reconnect wave) come last, so the RSS of the others is not theirs.
#: The shared-reader row last: it runs on a hub restarted with the service
#: (one restart into that setting, none out of it).
RUN_ORDER = ["baseline", "auto-0%", "auto-10%", "poll-100%", "auto-100%", "always", "shared-100%"]
#: The shared reader's prefix under its URL (``hubroute.SERVICE``).
SHARED_PREFIX = "/services/hub-credits/"


def log(message: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"[hubload {stamp}] {message}", file=sys.stderr, flush=True)


def more_files() -> int:
    """The soft file-descriptor limit raised to the hard one; returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------ side processes


def fake_server_main(port: int) -> None:
    """Every server's URL: answers any request 200 (the hub's check that a
    server is up, at start-up)."""
    os.nice(5)

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                writer.write(b"Content-Length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def probe_main(port: int, path: str) -> None:
    """``GET /hub/api/`` every 50 ms on a kept-alive connection; one line per
    request: start time, seconds taken, HTTP status (0: failed)."""
    import http.client

    conn = None
    with open(path, "a", buffering=1) as out:
        next_at = time.monotonic()
        while True:
            started_wall = time.time()
            started = time.perf_counter()
            status = 0
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/hub/api/")
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
            took = time.perf_counter() - started
            out.write(f"{started_wall:.3f} {took:.4f} {status}\n")
            next_at = max(next_at + 0.05, time.monotonic())
            time.sleep(max(0.0, next_at - time.monotonic()))


# ------------------------------------------------------------------ the hub


class Hub:
    """One JupyterHub process over a bench directory, restartable."""

    def __init__(self, directory: Path, port: int, fake_port: int, shared_port: int = 0):
        self.directory = directory
        self.port = port
        self.fake_port = fake_port
        self.shared_port = shared_port or free_port()
        #: Whether the next start runs the shared reader.
        self.shared = False
        self.process: Optional[subprocess.Popen] = None
        self.starts = 0
        self.api = f"http://127.0.0.1:{port}/hub/api"
        self._service: Optional[int] = None

    @property
    def shared_url(self) -> str:
        """The shared reader's prefix URL, as ``HUB_CREDITS_SHARED_READER``."""
        return f"http://127.0.0.1:{self.shared_port}{SHARED_PREFIX}"

    def start(self, timeout: float = 900.0) -> float:
        """Starts the hub; returns when ``GET /hub/api/`` answers (wall time)."""
        self.starts += 1
        env = dict(os.environ)
        env.update(
            BENCH_DIR=str(self.directory),
            BENCH_HUB_PORT=str(self.port),
            BENCH_FAKE_PORT=str(self.fake_port),
            BENCH_TASK_INTERVAL=str(TASK_INTERVAL),
        )
        env.pop("BENCH_SHARED_PORT", None)
        if self.shared:
            env.update(BENCH_SHARED_PORT=str(self.shared_port), BENCH_REPO=str(REPO))
        env["PATH"] = f"{REPO / '.venv' / 'bin'}:{env.get('PATH', '')}"
        logfile = open(self.directory / f"hub-{self.starts}.log", "w")
        self.process = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "jupyterhub"), "-f", str(HERE / "hub_config.py")],
            cwd=self.directory,
            env=env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
        )
        tic = deadline = time.time()
        deadline += timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited; see {logfile.name}")
            try:
                with urllib.request.urlopen(self.api + "/", timeout=5) as response:
                    if response.status == 200:
                        if self.shared:
                            self._wait_service(deadline)
                        log(f"hub up in {time.time() - tic:.1f} s")
                        return time.time()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the hub did not come up")

    def _wait_service(self, deadline: float) -> None:
        """Until the shared reader answers its health route (it has read
        the hub's entries once: ``fresh``)."""
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.shared_url + "health", timeout=5) as response:
                    if json.loads(response.read()).get("fresh"):
                        return
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError("the shared reader did not come up")

    def stop(self) -> None:
        self._service = None
        if self.process is None:
            return
        tic = time.time()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        log(f"hub stopped in {time.time() - tic:.1f} s")

    def rss_mb(self, pid: Optional[int] = None) -> float:
        if pid is None and self.process is None:
            return float("nan")
        return rss_mb(pid or self.process.pid)

    def cpu_seconds(self) -> float:
        return float("nan") if self.process is None else cpu_seconds(self.process.pid)

    def service_pid(self) -> Optional[int]:
        """The shared reader's process (the hub's child running ``-m
        jupyterlab_hub_credits.shared``), ``None`` when there is none."""
        if self.process is None or not self.shared:
            return None
        if self._service is not None and Path(f"/proc/{self._service}").exists():
            return self._service
        self._service = None
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                ppid = int(stat.rpartition(")")[2].split()[1])
                if ppid != self.process.pid:
                    continue
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except (OSError, ValueError, IndexError):
                continue
            if b"jupyterlab_hub_credits.shared" in command:
                self._service = int(entry.name)
                break
        return self._service


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: Optional[int]) -> float:
    """User + system CPU seconds of a process (its children not counted)."""
    if pid is None:
        return float("nan")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    # Fields 14 and 15 of stat (utime, stime); the split starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def populate(db_url: str, n: int, fake_port: int) -> list[tuple[str, str]]:
    """N users, each with a running default server and a server token, and
    their credit rows (nothing to grant or bill during the run)."""
    from jupyterhub import orm
    from jupyterhub.roles import roles_to_scopes
    from jupyterhub_credit_service.orm import CreditsProject, CreditsUser, CreditsUserValues

    session = orm.new_session_factory(db_url)()
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    started = now - datetime.timedelta(seconds=5)
    user_role = orm.Role.find(session, "user")
    # The scopes of a server's token as the hub gives them (User.spawn): the
    # "server" role's, "!server" filled in with the server.
    server_scopes = sorted(roles_to_scopes([orm.Role.find(session, "server")]))
    project = CreditsProject(
        name="p0",
        display_name="p0",
        balance=1000,
        cap=1000,
        grant_value=10,
        grant_interval=10**8,
        grant_last_update=now,
    )
    session.add(project)
    servers = []
    spawners = []
    for index in range(n):
        name = f"u{index}"
        user = orm.User(name=name, created=now, last_activity=now)
        user.roles.append(user_role)
        session.add(user)
        spawner = orm.Spawner(user=user, name="", started=started)
        spawner.last_activity = now
        spawner.state = {"billing_value": 10, "billing_interval": 10**8}
        spawner.server = orm.Server(
            proto="http", ip="127.0.0.1", port=fake_port, base_url=f"/user/{name}/"
        )
        session.add(spawner)
        token = secrets.token_hex(32)
        api_token = orm.APIToken(
            generated=True,
            note=f"Server at /user/{name}/",
            client_id="jupyterhub",
            scopes=[s + f"={name}/" if s.endswith("!server") else s for s in server_scopes],
        )
        api_token.token = token
        api_token.user = user
        session.add(api_token)
        spawners.append((name, spawner))
        servers.append((name, token))
    session.flush()
    for name, spawner in spawners:
        credits_user = CreditsUser(name=name, spawner_bills={str(spawner.id): now.isoformat()})
        session.add(credits_user)
        session.add(
            CreditsUserValues(
                name="default",
                balance=100,
                cap=100,
                grant_value=10,
                grant_interval=10**8,
                grant_last_update=now,
                user_options=None,
                credits_user=credits_user,
                project=project,
            )
        )
    session.commit()
    session.close()
    return servers


# ------------------------------------------------------------- measurement


def read_hubstats(path: Path) -> tuple[dict[int, dict], list[tuple[float, int]], list[float]]:
    """Per-second counters, (time, streams held) samples, task-run times."""
    seconds: dict[int, dict] = {}
    streams: list[tuple[float, int]] = []
    tasks: list[float] = []
    if not path.exists():
        return seconds, streams, tasks
    for line in path.read_text().splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if "t" in item:
            bucket = seconds.setdefault(item["t"], {})
            for key, value in item.items():
                if key != "t":
                    bucket[key] = bucket.get(key, 0) + value
        else:
            streams.append((item["now"], item["streams"]))
            tasks.extend(item.get("tasks", []))
    return seconds, streams, tasks


def read_probe(path: Path) -> list[tuple[float, float, int]]:
    rows = []
    if not path.exists():
        return rows
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3:
            rows.append((float(parts[0]), float(parts[1]), int(parts[2])))
    return rows


@dataclass
class Result:
    n: int
    row: str
    streams: float = float("nan")
    sql_task: float = float("nan")
    sql_task_max: float = float("nan")
    sql_median: float = float("nan")
    burst: float = float("nan")
    stall_median: float = float("nan")
    stall_max: float = float("nan")
    rss_mb: float = float("nan")
    conn_peak: float = float("nan")
    conn_peak_second: float = float("nan")
    restart_seconds: float = float("nan")
    polls_per_s: float = float("nan")
    #: Every request at the hub but the probe's, per second (mean over the window).
    req_per_s: float = float("nan")
    #: Of them, the shared reader's: its route reads and its token look-ups.
    entries_per_s: float = float("nan")
    lookups_per_s: float = float("nan")
    #: Token look-ups (``GET /hub/api/user``) from the readers' start to the
    #: window, and in the wave after the hub's restart.
    lookups_start: float = float("nan")
    lookups_wave: float = float("nan")
    #: Seconds from the readers' start until 99 % of the visible relays were live.
    ready_seconds: float = float("nan")
    #: A task run at the hub -> each visible tab's relay's next numbers (s).
    deliver_p50: float = float("nan")
    deliver_p99: float = float("nan")
    deliver_max: float = float("nan")
    #: Share of (relay, run) with no numbers before the next run.
    deliver_missed: float = float("nan")
    deliveries: int = 0
    #: The hub's CPU over the window (% of one core).
    hub_cpu: float = float("nan")
    #: The shared reader's process: RSS (max over the window), CPU (% of one
    #: core) and CPU seconds per minute per 1,000 servers.
    svc_rss_mb: float = float("nan")
    svc_cpu: float = float("nan")
    svc_cpu_per_1k: float = float("nan")
    #: The shared reader's own time from the hub's answer to its last
    #: stream write of that run (median/max over the window's runs).
    fanout_p50: float = float("nan")
    fanout_max: float = float("nan")
    #: The row's wall time (hub switch, readers' start, window, wave, stop).
    wall_seconds: float = float("nan")
    tasks: int = 0
    readers: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def measure(
    result: Result,
    directory: Path,
    window: tuple[float, float],
) -> None:
    """Fills the steady-state figures from the counters over ``window``."""
    seconds, streams, tasks = read_hubstats(directory / "hubstats.jsonl")
    probes = read_probe(directory / "probe.txt")
    start, end = window
    span = range(int(start) + 1, int(end))
    sql = [seconds.get(s, {}).get("sql", 0) for s in span]
    polls = [seconds.get(s, {}).get("poll", 0) for s in span]
    if span:
        result.req_per_s = sum(seconds.get(s, {}).get("req", 0) for s in span) / len(span)
        result.entries_per_s = sum(seconds.get(s, {}).get("req_entries", 0) for s in span) / len(
            span
        )
        result.lookups_per_s = sum(seconds.get(s, {}).get("req_user", 0) for s in span) / len(span)
    held = [count for at, count in streams if start <= at <= end]
    runs = [t for t in tasks if start + 1 <= t <= end - BURST_SECONDS]
    result.tasks = len(runs)
    if sql:
        result.sql_median = statistics.median(sql)
        result.polls_per_s = sum(polls) / len(polls)
    if held:
        result.streams = statistics.median(held)
    peaks = []
    bursts = []
    stalls = []
    # The quiet rate: the mean second away from task runs (polls are sparse
    # at small N: the median second can be 0 while polls cost a few a second).
    busy = {s for run in runs for s in range(int(run), int(run) + BURST_SECONDS)}
    calm = [seconds.get(s, {}).get("sql", 0) for s in span if s not in busy]
    quiet = statistics.fmean(calm) if calm else 0.0
    for run in runs:
        after = [
            seconds.get(s, {}).get("sql", 0) for s in range(int(run), int(run) + BURST_SECONDS)
        ]
        peaks.append(max(after[:3]))
        bursts.append(sum(max(0.0, count - quiet) for count in after))
        near = [took for at, took, _ in probes if run - 1.0 <= at <= run + 5.0]
        if near:
            stalls.append(max(near))
    if peaks:
        result.sql_task = statistics.median(peaks)
        result.sql_task_max = max(peaks)
        result.burst = statistics.median(bursts)
    if stalls:
        result.stall_median = statistics.median(stalls)
        result.stall_max = max(stalls)


def measure_wave(result: Result, directory: Path, up: float, end: float) -> None:
    seconds, _, _ = read_hubstats(directory / "hubstats.jsonl")
    counts = [(seconds.get(s, {}).get("conn", 0), s) for s in range(int(up) - 2, int(end))]
    if counts:
        peak, second = max(counts)
        result.conn_peak = peak
        result.conn_peak_second = second - up
    result.lookups_wave = count_between(seconds, "req_user", up - 2, end)


def count_between(seconds: dict[int, dict], key: str, start: float, end: float) -> float:
    return float(sum(seconds.get(s, {}).get(key, 0) for s in range(int(start), int(end) + 1)))


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (``q`` in 0..1) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def read_deliveries(paths: list[Path]) -> dict[str, list[float]]:
    """Each relay's delivery times (sorted), from the workers' files."""
    times: dict[str, list[float]] = {}
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            user, _, at = line.partition(" ")
            try:
                times.setdefault(user, []).append(float(at))
            except ValueError:
                continue
    for values in times.values():
        values.sort()
    return times


def measure_deliveries(
    result: Result,
    directory: Path,
    users: list[str],
    paths: list[Path],
    window: tuple[float, float],
) -> None:
    """Each task run in the window (as for the stall) -> each visible tab's
    relay's first numbers from that run on, before the next run: the
    seconds between (p50, p99, max) and the share of (relay, run) without."""
    _, _, tasks = read_hubstats(directory / "hubstats.jsonl")
    tasks.sort()
    start, end = window
    runs = [t for t in tasks if start + 1 <= t <= end - BURST_SECONDS]
    if not users or not runs:
        return
    times = read_deliveries(paths)
    latencies: list[float] = []
    missed = 0
    for run in runs:
        later = [t for t in tasks if t > run + 0.5]
        until = later[0] if later else run + TASK_INTERVAL
        for user in users:
            seen = times.get(user, [])
            index = bisect.bisect_left(seen, run)
            if index < len(seen) and seen[index] < until:
                latencies.append(seen[index] - run)
            else:
                missed += 1
    result.deliveries = len(latencies)
    result.deliver_missed = missed / (len(runs) * len(users))
    result.deliver_p50 = percentile(latencies, 0.5)
    result.deliver_p99 = percentile(latencies, 0.99)
    result.deliver_max = max(latencies, default=float("nan"))


# --------------------------------------------------------------- the runs


@dataclass
class Plan:
    ramp: float  # readers start spread over this
    settle: float  # then this long before measuring (streams: 1 task run; rule: 2)
    window: float  # steady state measured
    wave: float  # counted after the hub is back
    workers: int


def plan_for(n: int) -> Plan:
    # Readers start at 100 a second: a hidden tab's first poll goes at once,
    # and thousands at the same moment would be a start-up wave, not the
    # steady state measured here (servers start over time on a real hub).
    ramp = max(2.0, n / 100)
    if n >= 5000:
        return Plan(ramp=ramp, settle=15, window=30, wave=60, workers=3)
    if n >= 1000:
        return Plan(ramp=ramp, settle=18, window=30, wave=60, workers=2)
    return Plan(ramp=ramp, settle=18, window=30, wave=60, workers=1)


@dataclass
class Readers:
    workers: list = field(default_factory=list)  # (process, pipe)
    visible: list[str] = field(default_factory=list)  # users with a visible tab
    deliveries: list[Path] = field(default_factory=list)  # the workers' files
    started: float = 0.0


def start_readers(
    ctx, hub: Hub, servers, row: Row, plan: Plan, seed: int, directory: Path
) -> Readers:
    rng = random.Random(seed)
    visible_count = round(len(servers) * row.visible)
    flags = [True] * visible_count + [False] * (len(servers) - visible_count)
    rng.shuffle(flags)
    work = [(user, token, flag) for (user, token), flag in zip(servers, flags)]
    rng.shuffle(work)
    fleet = Readers(visible=[user for user, _, flag in work if flag], started=time.time())
    shared_url = hub.shared_url if row.shared else ""
    tag = row.name.replace("%", "")
    for index in range(plan.workers):
        share = work[index :: plan.workers]
        path = directory / f"deliveries-{tag}-{index}.txt"
        path.unlink(missing_ok=True)
        fleet.deliveries.append(path)
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=readers.worker_main,
            args=(child, hub.api, share, row.kind, plan.ramp, shared_url, str(path)),
            daemon=True,
        )
        process.start()
        fleet.workers.append((process, parent))
    return fleet


def _readable(pipe) -> bool:
    try:
        return pipe.poll()
    except (EOFError, OSError):
        return False


#: Each worker's last summary (by its pipe's id), for reads between reports.
_LAST: dict[int, dict[str, Any]] = {}


def collect(workers) -> dict[str, Any]:
    total: dict[str, Any] = {
        "states": {},
        "modes": {},
        "reasons": {},
        "via": {},
        "hub_connections": 0,
        "relays": 0,
    }
    for _process, pipe in workers:
        last = _LAST.get(id(pipe))
        while _readable(pipe):
            try:
                last = _LAST[id(pipe)] = pipe.recv()
            except (EOFError, OSError):
                break
        if last is None:
            continue
        total["relays"] += last["relays"]
        total["hub_connections"] += last["hub_connections"]
        for key in ("states", "modes", "reasons", "via"):
            for name, count in last.get(key, {}).items():
                total[key][name] = total[key].get(name, 0) + count
    return total


def wait_live(workers, want: int, timeout: float) -> bool:
    """Until ``want`` relays are live (or ``timeout`` s); returns whether they were."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if collect(workers)["states"].get("live", 0) >= want:
            return True
        time.sleep(1.0)
    return False


def stop_readers(workers) -> dict[str, Any]:
    for _process, pipe in workers:
        try:
            pipe.send("stop")
        except OSError:
            pass
    time.sleep(1.0)
    final = collect(workers)
    for process, pipe in workers:
        process.join(20)
        if process.is_alive():
            process.terminate()
            process.join(5)
        _LAST.pop(id(pipe), None)
    return final


def sleep_until(at: float) -> None:
    time.sleep(max(0.0, at - time.time()))


def run_row(ctx, hub: Hub, servers, row: Row, n: int, directory: Path) -> Result:
    """One row: readers start and settle, steady state measured, the hub
    restarted under them, the reconnect wave counted, the readers stopped.

    The next row runs on the hub restarted here (no second restart: it
    costs half a minute at 5,000 servers); its readers start after the
    stopped readers' stream handlers have ended at a task run.
    """
    plan = plan_for(n)
    result = Result(n=n, row=row.name)
    fleet = Readers()
    if row.kind is not None:
        fleet = start_readers(ctx, hub, servers, row, plan, seed=n, directory=directory)
    window = None
    try:
        window = _measure_row(hub, row, n, directory, plan, result, fleet)
    finally:
        if fleet.workers:
            stop_readers(fleet.workers)
    if window is not None:
        measure_deliveries(result, directory, fleet.visible, fleet.deliveries, window)
    return result


def _measure_row(
    hub: Hub, row: Row, n: int, directory: Path, plan: Plan, result, fleet: Readers
) -> tuple[float, float]:
    workers = fleet.workers
    if row.shared:
        # Every relay's first request waits for the service's look-up of its
        # token at the hub: the fleet is up when 99 % are live, then one
        # task run passes before the window.
        want = math.ceil(0.99 * len(fleet.visible))
        timeout = max(60.0, 1.5 * plan.ramp + n / 20)
        if not wait_live(workers, want, timeout):
            log(f"N={n} {row.name}: fewer than {want} relays live after {timeout:.0f} s")
        result.ready_seconds = time.time() - fleet.started
        log(f"N={n} {row.name}: {want} relays live in {result.ready_seconds:.0f} s")
        time.sleep(TASK_INTERVAL + 2)
    elif row.kind is not None:
        settle = plan.settle if row.kind != "always" else TASK_INTERVAL
        sleep_until(time.time() + plan.ramp + settle)
    else:
        time.sleep(TASK_INTERVAL + 2)
    begin = time.time()
    service = hub.service_pid()
    hub_cpu, svc_cpu = hub.cpu_seconds(), cpu_seconds(service)
    rss, svc_rss = [], []
    while time.time() < begin + plan.window:
        rss.append(hub.rss_mb())
        if service is not None:
            svc_rss.append(rss_mb(service))
        time.sleep(1.0)
    end = time.time()
    span = end - begin
    result.hub_cpu = 100 * (hub.cpu_seconds() - hub_cpu) / span
    if service is not None and hub.service_pid() == service:
        used = cpu_seconds(service) - svc_cpu
        result.svc_cpu = 100 * used / span
        result.svc_cpu_per_1k = used / (span / 60) / (n / 1000)
        result.svc_rss_mb = max(svc_rss)
        try:
            with urllib.request.urlopen(hub.shared_url + "health", timeout=10) as response:
                runs = json.loads(response.read()).get("fanouts", [])[
                    -(int(span // TASK_INTERVAL)) :
                ]
            times = sorted(r["seconds"] for r in runs)
            if times:
                result.fanout_p50, result.fanout_max = statistics.median(times), times[-1]
        except (OSError, ValueError) as error:
            log(f"N={n} {row.name}: no fan-out figures from the shared reader ({error})")
    result.rss_mb = max(rss)
    result.readers = collect(workers)
    measure(result, directory, (begin, end))
    if fleet.started:
        seconds, _, _ = read_hubstats(directory / "hubstats.jsonl")
        result.lookups_start = count_between(seconds, "req_user", fleet.started, begin)
    log(f"N={n} {row.name}: measured; restarting the hub under the readers")
    down = time.time()
    hub.stop()
    up = hub.start()
    result.restart_seconds = up - down
    sleep_until(up + plan.wave)
    measure_wave(result, directory, up, time.time())
    if workers:
        result.readers["after_restart"] = collect(workers)["states"]
    return begin, end


def switch(hub: Hub, shared: bool, n: int) -> None:
    """Restarts the hub with or without the shared reader, when it differs."""
    if hub.shared == shared:
        return
    log(f"N={n}: restarting the hub {'with' if shared else 'without'} the shared reader")
    hub.stop()
    hub.shared = shared
    hub.start()


def run_n(ctx, n: int, rows: list[Row], keep: bool) -> list[Result]:
    directory = Path(tempfile.mkdtemp(prefix=f"hubload-{n}-"))
    hub_port, fake_port = free_port(), free_port()
    hub = Hub(directory, hub_port, fake_port)
    fake = ctx.Process(target=fake_server_main, args=(fake_port,), daemon=True)
    fake.start()
    probe = None
    results = []
    try:
        log(f"N={n}: creating the hub's database in {directory}")
        hub.start()
        hub.stop()
        tic = time.time()
        servers = populate(f"sqlite:///{directory / 'jupyterhub.sqlite'}", n, fake_port)
        log(f"N={n}: {n} users, running servers and tokens in {time.time() - tic:.1f} s")
        tic = time.time()
        hub.start()
        log(f"N={n}: hub up in {time.time() - tic:.1f} s")
        probe = ctx.Process(
            target=probe_main, args=(hub_port, str(directory / "probe.txt")), daemon=True
        )
        probe.start()
        for row in sorted(rows, key=lambda r: RUN_ORDER.index(r.name)):
            log(f"N={n} {row.name}: start")
            tic = time.time()
            try:
                switch(hub, row.shared, n)
                result = run_row(ctx, hub, servers, row, n, directory)
            except Exception as error:  # a figure missing, not the whole table
                log(f"N={n} {row.name}: failed: {error!r}")
                result = Result(n=n, row=row.name, note=f"failed: {error}")
                if hub.process is None:
                    hub.start()
            result.wall_seconds = time.time() - tic
            log(f"N={n} {row.name}: took {result.wall_seconds / 60:.1f} min")
            results.append(result)
            print(report.row_line(result), file=sys.stderr, flush=True)
        results.sort(key=lambda r: [row.name for row in ROWS].index(r.row))
    finally:
        if probe is not None:
            probe.terminate()
        hub.stop()
        fake.terminate()
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            log(f"kept {directory}")
    return results


def machine_info() -> dict[str, str]:
    from importlib.metadata import version

    import jupyterlab_hub_credits.relay as relay_module

    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "memory": memory,
        "Python": sys.version.split()[0],
        "JupyterHub": version("jupyterhub"),
        "credit service": version("jupyterhub-credit-service"),
        "relay": str(Path(relay_module.__file__).relative_to(REPO))
        if Path(relay_module.__file__).is_relative_to(REPO)
        else relay_module.__file__,
        "load average at the start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 and 1,000 only")
    parser.add_argument(
        "--n",
        help="comma-separated N, each with its rows if not all: 1000:always+baseline,5000"
        " (default 100,1000,5000)",
    )
    parser.add_argument(
        "--rows", help="comma-separated rows: " + ",".join(r.name for r in ROWS).replace("%", "%%")
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument("--json", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    spec = args.n or ("100,1000" if args.quick else "100,1000,5000")
    default_rows = set(args.rows.split(",")) if args.rows else {r.name for r in ROWS}
    plan = []
    for item in spec.split(","):
        n, _, names = item.partition(":")
        wanted = set(names.split("+")) if names else default_rows
        plan.append((int(n), [r for r in ROWS if r.name in wanted]))
    ctx = multiprocessing.get_context("spawn")
    files = more_files()
    machine = machine_info()
    machine["open files"] = f"{files:,}"
    log("machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()))
    started = time.time()
    results = []
    for n, rows in plan:
        results.extend(run_n(ctx, n, rows, args.keep))
    machine["load average at the end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(report.render(results, TASK_INTERVAL, time.time() - started, machine))
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

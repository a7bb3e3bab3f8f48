"""What one request of each kind costs the hub, one at a time (no concurrency).

    .venv/bin/python scripts/bench/hubload/pollcost.py [--n 200]

The same hub as the benchmark (``hub_config.py``, N servers with a token
each). For every token in turn: ``GET api/credits`` when the token's and
the user's last activity are older than ``activity_resolution`` (the hub
then writes both and commits), the same again at once (no write), and a
per-server stream opened, read to its first snapshot and closed. Times are
wall times at the client on an otherwise idle hub: the hub's event loop is
busy for about that long per request.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


def timed(port: int, path: str, token: str | None, stream: bool = False) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"token {token}"} if token else {}
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    if stream:
        buffer = b""
        while b"data:" not in buffer:
            chunk = response.fp.readline()
            if not chunk:
                break
            buffer += chunk
    else:
        response.read()
    took = time.perf_counter() - started
    conn.close()
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    directory = Path(tempfile.mkdtemp(prefix="pollcost-"))
    hub = harness.Hub(directory, harness.free_port(), harness.free_port())
    fake = ctx.Process(target=harness.fake_server_main, args=(hub.fake_port,), daemon=True)
    fake.start()
    try:
        hub.start()
        hub.stop()
        servers = harness.populate(
            f"sqlite:///{directory / 'jupyterhub.sqlite'}", args.n, hub.fake_port
        )
        hub.start()
        time.sleep(harness.TASK_INTERVAL + 2)
        rows = {
            "GET /hub/api/ (no token)": [timed(hub.port, "/hub/api/", None) for _ in servers],
            "GET api/credits, activity written": [
                timed(hub.port, "/hub/api/credits", token) for _, token in servers
            ],
            "GET api/credits again, no write": [
                timed(hub.port, "/hub/api/credits", token) for _, token in servers
            ],
            "stream: connect to first snapshot": [
                timed(hub.port, f"/hub/api/credits/sseserver/{user}", token, stream=True)
                for user, token in servers
            ],
        }
        print(f"One request at a time, {args.n} tokens, ms (median / p90):")
        for name, values in rows.items():
            values = sorted(values)
            p90 = values[int(len(values) * 0.9)]
            print(f"  {name:<36} {statistics.median(values) * 1000:7.1f} / {p90 * 1000:7.1f}")
    finally:
        hub.stop()
        fake.terminate()
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

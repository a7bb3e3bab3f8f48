"""A real JupyterHub with the credit service for pytest: ``demo/jupyterhub_config.py``
on free ports, in a temporary directory, with the local process spawner
(so a server is a real ``jupyterhub-singleuser`` with this extension)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import httpx

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def start_hub(state: Path, bin_dir: Path = BIN, **settings: str) -> Iterator[tuple[str, str, Path]]:
    """The hub's public URL, its admin service's token and its directory;
    ``bin_dir``: where its ``jupyterhub`` is (another environment's: an
    older hub); ``settings``: more of the demo config's ``CREDITS_*``
    variables."""
    ports: set[int] = set()
    while len(ports) < 3:
        ports.add(free_port())
    hub_port, api_port, proxy_port = sorted(ports)
    token = uuid.uuid4().hex
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{BIN}:{REPO / 'node_modules' / '.bin'}:{os.environ['PATH']}",
        "CREDITS_HUB_STATE": str(state),
        "CREDITS_HUB_PORT": str(hub_port),
        "CREDITS_HUB_API_PORT": str(api_port),
        "CREDITS_PROXY_API_PORT": str(proxy_port),
        "CREDITS_ADMIN_TOKEN": token,
        "CREDITS_TASK_INTERVAL": "1",
        "CREDITS_PASSWORD": "credits",
        **settings,
    }
    log = open(state / "hub.log", "wb")
    child = subprocess.Popen(
        [str(bin_dir / "jupyterhub"), "-f", str(REPO / "demo" / "jupyterhub_config.py")],
        cwd=state,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{hub_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert child.poll() is None, (state / "hub.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/hub/api/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (state / "hub.log").read_text()[-3000:]
            time.sleep(0.3)
        yield url, token, state
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
        log.close()


def start_server(url: str, token: str, user: str, options: Optional[dict] = None) -> None:
    """Logs ``user`` in through the form (creating the credit rows) and
    starts the default server, as a browser would (with ``options``)."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        browser.get("/hub/login")
        xsrf = browser.cookies.get("_xsrf", "")
        browser.post(
            "/hub/login?next=/hub/home",
            data={"username": user, "password": "credits", "_xsrf": xsrf},
        )
    admin = {"Authorization": f"token {token}"}
    httpx.post(f"{url}/hub/api/users/{user}/server", headers=admin, json=options, timeout=30)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        model = httpx.get(f"{url}/hub/api/users/{user}", headers=admin, timeout=10).json()
        if model.get("servers", {}).get("", {}).get("ready"):
            return
        time.sleep(0.5)
    raise AssertionError("the server did not start")

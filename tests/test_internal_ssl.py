"""Kernels under ``internal_ssl``, on a real JupyterHub with the credit service.

With ``c.JupyterHub.internal_ssl`` the single-user server speaks TLS and
asks every client for a certificate its trust bundle accepts. A kernel
inherits the server's environment: its certificate (signed by the
notebooks' CA, which that bundle does not hold) and the bundle (which does
not hold the CA that signed the server's certificate). Over TCP it can
therefore not reach its own server. The server part answers its kernels on
a Unix socket instead (mode 0600, the token still asked): this test starts
the hub (``demo/jupyterhub_config.py`` with ``CREDITS_INTERNAL_SSL=1``,
the local process spawner), logs a user in, starts a kernel in the user's
server and asks ``credits.now()`` there — once as shipped, and once
without the socket to show that TCP alone fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.timeout(180)

CODE = """
import json, os
from jupyterlab_hub_credits.credits import Credits
shipped = Credits().now(15)
os.environ.pop("JUPYTERLAB_HUB_CREDITS_SOCKET", None)
tcp = Credits().now(15)
print(json.dumps({
    "shipped": [shipped.state, shipped.reason, shipped.balance],
    "tcp": [tcp.state, tcp.reason, tcp.balance],
    "tls": bool(os.environ.get("JUPYTERHUB_SSL_CERTFILE")),
}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hub(tmp_path):
    ports = [free_port() for _ in range(3)]
    while len(set(ports)) < 3:
        ports = [free_port() for _ in range(3)]
    token = uuid.uuid4().hex
    env = {
        **os.environ,
        "PATH": f"{BIN}:{REPO / 'node_modules' / '.bin'}:{os.environ['PATH']}",
        "CREDITS_HUB_STATE": str(tmp_path),
        "CREDITS_HUB_PORT": str(ports[0]),
        "CREDITS_HUB_API_PORT": str(ports[1]),
        "CREDITS_PROXY_API_PORT": str(ports[2]),
        "CREDITS_ADMIN_TOKEN": token,
        "CREDITS_INTERNAL_SSL": "1",
        "CREDITS_TASK_INTERVAL": "1",
        "CREDITS_PASSWORD": "credits",
    }
    log = open(tmp_path / "hub.log", "wb")
    child = subprocess.Popen(
        [str(BIN / "jupyterhub"), "-f", str(REPO / "demo" / "jupyterhub_config.py")],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{ports[0]}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert child.poll() is None, (tmp_path / "hub.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/hub/api/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "hub.log").read_text()[-3000:]
            time.sleep(0.3)
        yield url, token, tmp_path
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
        log.close()


def start_server(url: str, token: str, user: str) -> None:
    """Logs ``user`` in through the form (creating the credit rows) and
    starts the default server, as a browser would."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        browser.get("/hub/login")
        xsrf = browser.cookies.get("_xsrf", "")
        browser.post(
            "/hub/login?next=/hub/home",
            data={"username": user, "password": "credits", "_xsrf": xsrf},
        )
    admin = {"Authorization": f"token {token}"}
    httpx.post(f"{url}/hub/api/users/{user}/server", headers=admin, timeout=30)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        model = httpx.get(f"{url}/hub/api/users/{user}", headers=admin, timeout=10).json()
        if model.get("servers", {}).get("", {}).get("ready"):
            return
        time.sleep(0.5)
    raise AssertionError("the server did not start")


async def run_in_kernel(url: str, token: str, user: str, code: str) -> str:
    headers = {"Authorization": f"token {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        kernel = (await client.post(f"/user/{user}/api/kernels", json={})).json()["id"]
    ws_url = url.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{kernel}/channels"
    connection = await websocket_connect(HTTPRequest(ws_url, headers=headers))
    msg_id = uuid.uuid4().hex
    connection.write_message(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "username": "test",
                    "session": uuid.uuid4().hex,
                    "msg_type": "execute_request",
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "content": {"code": code, "silent": False, "allow_stdin": False},
                "channel": "shell",
                "buffers": [],
            }
        )
    )
    out = ""
    while True:
        raw = await asyncio.wait_for(connection.read_message(), 60)
        assert raw is not None, "the kernel's socket closed"
        message = json.loads(raw)
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["msg_type"]
        if kind == "stream":
            out += message["content"]["text"]
        elif kind == "error":
            raise AssertionError("\n".join(message["content"]["traceback"]))
        elif kind == "status" and message["content"]["execution_state"] == "idle":
            connection.close()
            return out


def test_a_kernel_reads_its_credits_under_internal_ssl(hub):
    url, token, state = hub
    start_server(url, token, "ines")
    out = asyncio.run(run_in_kernel(url, token, "ines", CODE))
    result = json.loads(out.strip().splitlines()[-1])
    assert result["tls"], "the server did not run with internal_ssl"
    # Over TCP the kernel has no certificate its server accepts...
    assert result["tcp"][0] == "unreachable", result
    # ...through the server part's socket it reads the hub's numbers.
    shipped_state, reason, balance = result["shipped"]
    assert shipped_state in ("live", "polling"), result
    assert isinstance(balance, (int, float)), result

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
import uuid

import httpx
import pytest
from realhub import start_hub, start_server
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

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


@pytest.fixture
def hub(tmp_path):
    with start_hub(tmp_path, CREDITS_INTERNAL_SSL="1") as running:
        yield running


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

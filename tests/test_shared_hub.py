"""The shared reader on a real JupyterHub with the credit service: the hub
starts it (``demo/jupyterhub_config.py`` with ``CREDITS_SHARED_READER=1``,
which calls ``hubroute.serve_entries``), real single-user servers read it
instead of the hub, each gets its own entry and no other, and when it
stops answering the servers read the hub themselves.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
from realhub import BIN, REPO, free_port, start_hub, start_server

pytestmark = pytest.mark.timeout(240)

PROJECT = {"name": "community1", "cap": 60}


#: The oldest supported pair (ui-tests/matrix.json), made by ``setup.sh --matrix``.
OLDEST = REPO / ".venv-matrix" / "jh5.5.4-cs0.3.11"


def shared_settings(port: int) -> dict[str, str]:
    return {
        "CREDITS_SHARED_READER": "1",
        "CREDITS_SHARED_PORT": str(port),
        "CREDITS_SHARED_FALLBACK_SECONDS": "6",
        # A second entry, "gpu", pays for servers started with profile=gpu.
        "CREDITS_PROFILES": "1",
        # No bill during the test: the balances are what the test sets.
        "CREDITS_BILLING_INTERVAL": "100000",
        # Hidden pages' polls as often as the hub's 1-s task runs allow.
        "CREDITS_RELAY_POLL_SECONDS": "2",
    }


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    state = tmp_path_factory.mktemp("shared-hub")
    port = free_port()
    with start_hub(state, **shared_settings(port)) as (url, token, state):
        for user in ("ana", "ben"):
            start_server(url, token, user)
        yield url, token, state, f"http://127.0.0.1:{port}/services/hub-credits/"


def admin(token: str) -> dict[str, str]:
    return {"Authorization": f"token {token}"}


def set_balance(url: str, token: str, user: str, balance: int) -> None:
    answer = httpx.post(
        f"{url}/hub/api/credits/user/{user}/default",
        headers=admin(token),
        json={"balance": balance, "project": PROJECT},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def until(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


def relay(url: str, token: str, user: str, route: str) -> dict[str, Any]:
    answer = httpx.get(f"{url}/user/{user}/hub-credits/{route}", headers=admin(token), timeout=20)
    assert answer.status_code == 200, answer.text
    return answer.json()


def balance_is(url: str, token: str, user: str, balance: int) -> Callable[[], bool]:
    def check() -> bool:
        # A hidden page's lease: the relay keeps reading.
        state = relay(url, token, user, "state?watch=600")
        return (state["snapshot"] or {}).get("balance") == balance

    return check


def hub_log(state: Path) -> str:
    return (state / "hub.log").read_text(errors="replace")


def token_for(url: str, token: str, user: str, scopes: list[str]) -> str:
    answer = httpx.post(
        f"{url}/hub/api/users/{user}/tokens",
        headers=admin(token),
        json={"scopes": scopes, "expires_in": 600},
        timeout=10,
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["token"]


def test_each_server_reads_its_own_entry_from_the_shared_reader_not_the_hub(hub):
    url, token, state, _ = hub
    set_balance(url, token, "ana", 80)
    set_balance(url, token, "ben", 33)
    until(balance_is(url, token, "ana", 80), 30, "ana's server never showed 80")
    until(balance_is(url, token, "ben", 33), 30, "ben's server never showed 33")
    for user in ("ana", "ben"):
        assert relay(url, token, user, "status")["via"] == "shared"
    # A visible page on ben's server: a live stream, from the shared reader.
    claimed = httpx.post(f"{url}/user/ben/hub-credits/claim", headers=admin(token), timeout=10)
    assert claimed.status_code in (200, 204), claimed.text
    until(lambda: relay(url, token, "ben", "status")["mode"] == "stream", 20, "no stream")
    changed = time.monotonic()
    set_balance(url, token, "ben", 21)
    until(balance_is(url, token, "ben", 21), 10, "ben's change never arrived")
    # Within the task interval (1 s) and two seconds.
    assert time.monotonic() - changed < 3 + 1
    status = relay(url, token, "ben", "status")
    assert status["state"] == "live" and status["via"] == "shared"
    # The servers asked the hub for no credits at all; the service read them.
    log = hub_log(state)
    from_servers = [
        line
        for line in log.splitlines()
        if "/hub/api/credits" in line and ("(ana@" in line or "(ben@" in line)
    ]
    assert from_servers == []
    assert "/hub/api/hub-credits/entries" in log


def test_a_token_reaches_only_its_own_servers_entry(hub):
    url, token, state, service = hub
    set_balance(url, token, "ana", 80)
    set_balance(url, token, "ben", 33)
    until(balance_is(url, token, "ben", 33), 30, "ben's server never showed 33")

    def ask(bearer: str | None) -> httpx.Response:
        headers = {"Authorization": f"token {bearer}"} if bearer else {}
        return httpx.get(f"{service}credits", headers=headers, timeout=20)

    # A token like a server's (access to that one server only): its entry.
    own = ask(token_for(url, token, "ana", ["access:servers!server=ana/"]))
    assert own.status_code == 200, own.text
    assert [e["balance"] for e in own.json()] == [80]
    # Ben shares his server with ana: ana's token for it is a guest's.
    shared = httpx.post(
        f"{url}/hub/api/shares/ben/", headers=admin(token), json={"user": "ana"}, timeout=10
    )
    assert shared.status_code in (200, 201), shared.text
    guest = token_for(url, token, "ana", ["access:servers!server=ben/"])
    refused = {
        "a guest's token": guest,
        "a user's own token (all servers)": token_for(url, token, "ana", ["access:servers!user"]),
        "a token without server access": token_for(url, token, "ana", ["read:users:name!user"]),
        "the admin service's token": token,
        "a made-up token": "0" * 32,
        "no token": None,
    }
    for what, bearer in refused.items():
        answer = ask(bearer)
        assert answer.status_code == 403, (what, answer.status_code)
        assert "balance" not in answer.text, what
    # No token in the service's or the hub's log.
    log = hub_log(state)
    assert guest not in log and token not in log


def test_the_entry_that_pays_is_the_one_the_credit_service_bills(hub):
    url, token, state, service = hub
    paying_entries(url, token, service)
    # The route itself answers the shared reader alone (not even an admin).
    route = httpx.get(f"{url}/hub/api/hub-credits/entries", headers=admin(token), timeout=10)
    assert route.status_code == 403


def test_on_jupyterhub_5_with_credit_service_0_3(tmp_path):
    assert (OLDEST / "bin" / "jupyterhub").exists(), (
        f"no {OLDEST.name} environment: run `bash scripts/setup.sh --matrix` first"
    )
    port = free_port()
    settings = {
        **shared_settings(port),
        # The older hub imports the route from the source tree; the service
        # and the servers run in this environment.
        "PYTHONPATH": str(REPO),
        "CREDITS_SHARED_PYTHON": sys.executable,
        "CREDITS_SINGLEUSER": str(BIN / "jupyterhub-singleuser"),
    }
    with start_hub(tmp_path, bin_dir=OLDEST / "bin", **settings) as (url, token, state):
        # 0.3.11 cannot start a server whose options lack a key an entry
        # matches on (KeyError in its pre-spawn hook): give it one.
        start_server(url, token, "ana", options={"profile": "cpu"})
        service = f"http://127.0.0.1:{port}/services/hub-credits/"
        paying_entries(url, token, service)
        assert relay(url, token, "ana", "status")["via"] == "shared"


def paying_entries(url: str, token: str, service: str) -> None:
    """Ana's gpu server pays from "gpu", her default server from "default"."""
    started = httpx.post(
        f"{url}/hub/api/users/ana/servers/gpu",
        headers=admin(token),
        json={"profile": "gpu"},
        timeout=30,
    )
    assert started.status_code in (201, 202), started.text

    def ready() -> bool:
        model = httpx.get(f"{url}/hub/api/users/ana", headers=admin(token), timeout=10).json()
        return model["servers"].get("gpu", {}).get("ready", False)

    until(ready, 90, "ana's gpu server never started")
    set_balance(url, token, "ana", 77)
    gpu = token_for(url, token, "ana", ["access:servers!server=ana/gpu"])
    default = token_for(url, token, "ana", ["access:servers!server=ana/"])

    def names(bearer: str) -> Callable[[], Any]:
        def check() -> Any:
            answer = httpx.get(
                f"{service}credits", headers={"Authorization": f"token {bearer}"}, timeout=20
            )
            return answer.status_code == 200 and [(e["name"], e["cap"]) for e in answer.json()]

        return check

    assert until(names(gpu), 20, "no entry for the gpu server") == [("gpu", 50)]
    assert until(names(default), 20, "no entry for the default server") == [("default", 100)]
    # The gpu server's own relay names its entry: no guess.
    state_doc = until(
        lambda: (s := relay(url, token, "ana/gpu", "state?watch=600"))["snapshot"] and s,
        30,
        "the gpu server's relay has no numbers",
    )
    assert state_doc["entry"] == {"name": "gpu", "ambiguous": False}
    assert state_doc["snapshot"]["cap"] == 50


def _service_pid(port: str) -> int:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if b"jupyterlab_hub_credits.shared" in command and f":{port}".encode() in environ:
            return int(pid)
    raise AssertionError("the shared reader's process is not running")


def test_when_the_shared_reader_stops_answering_servers_read_the_hub(hub):
    url, token, state, service = hub
    set_balance(url, token, "ana", 70)
    until(balance_is(url, token, "ana", 70), 30, "ana's server never showed 70")
    pid = _service_pid(service.split(":")[2].split("/")[0])
    os.kill(pid, signal.SIGSTOP)
    try:
        set_balance(url, token, "ana", 64)
        # The last numbers while the service is retried (shown as stale)...
        until(
            lambda: relay(url, token, "ana", "state?watch=600")["state"] == "reconnecting",
            40,
            "the relay never noticed the silent service",
        )
        assert relay(url, token, "ana", "state")["snapshot"]["balance"] == 70
        # ...then, after the fallback (6 s here), the hub itself.
        until(balance_is(url, token, "ana", 64), 90, "the relay never read the hub itself")
        assert relay(url, token, "ana", "status")["via"] == "hub"
    finally:
        os.kill(pid, signal.SIGCONT)

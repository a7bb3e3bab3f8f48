"""``jupyter hub-credits doctor`` on a real JupyterHub with the credit
service and the shared reader: each finding it claims about the hub, the
token, the shared reader and the server part, provoked for real (a token
the hub refuses, a user the credit service has no entry for, a token
without ``read:servers``, a hub that does not answer, a silent shared
reader, a server without the server part's routes). The findings about the
install itself are checked at the edge (``test_doctor.py``).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
from realhub import BIN, REPO, free_port, start_hub, start_server

from jupyterlab_hub_credits import doctor

pytestmark = pytest.mark.timeout(240)

SERVER_SCOPES = ["access:servers!server=ana/", "read:servers!server=ana/", "users:activity!user"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    state = tmp_path_factory.mktemp("doctor-hub")
    port = free_port()
    settings = {
        "CREDITS_SHARED_READER": "1",
        "CREDITS_SHARED_PORT": str(port),
        "CREDITS_BILLING_INTERVAL": "100000",
    }
    with start_hub(state, **settings) as (url, token, state):
        start_server(url, token, "ana")
        yield url, token, f"{url}/hub/api", f"http://127.0.0.1:{port}/services/hub-credits/"


def token_for(url: str, admin: str, user: str, scopes: list[str]) -> str:
    answer = httpx.post(
        f"{url}/hub/api/users/{user}/tokens",
        headers={"Authorization": f"token {admin}"},
        json={"scopes": scopes, "expires_in": 600},
        timeout=10,
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["token"]


def server_env(url: str, api: str, token: str, user: str = "ana", **more: str) -> dict[str, str]:
    """A server's environment as jupyterhub-singleuser has it (the token one
    like the server's own: access to that one server)."""
    return {
        "JUPYTERHUB_API_URL": api,
        "JUPYTERHUB_API_TOKEN": token,
        "JUPYTERHUB_USER": user,
        "JUPYTERHUB_SERVICE_URL": url,
        "JUPYTERHUB_SERVICE_PREFIX": f"/user/{user}/",
        **more,
    }


def findings(env: dict[str, str]) -> dict[str, str]:
    return {f.title: f.level for f in doctor.run(env)}


def has(found: dict[str, str], level: str, words: str) -> bool:
    return any(level == lvl and words in title for title, lvl in found.items())


def test_all_well_as_the_command_prints_it(hub):
    url, admin, api, _ = hub
    env = server_env(url, api, token_for(url, admin, "ana", SERVER_SCOPES))
    done = subprocess.run(
        [str(BIN / "jupyter-hub-credits"), "doctor"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for words in (
        "✓ started by a JupyterHub",
        "✓ the hub answers (JupyterHub ",
        "✓ the credit service answers with this server's token",
        "✓ the token may read its server",
        "✓ the server part is ",
    ):
        assert words in out, out
    # Nothing secret or from the environment in what it prints.
    assert env["JUPYTERHUB_API_TOKEN"] not in out and "127.0.0.1" not in out


def test_a_token_the_hub_refuses(hub):
    url, admin, api, _ = hub
    found = findings(server_env(url, api, "0" * 32))
    # The credit routes answer an unknown token with a redirect to the login.
    assert has(found, "fail", "the hub refuses this server's token (HTTP 302)")


def test_a_user_the_credit_service_has_no_entry_for(hub):
    url, admin, api, _ = hub
    # Created by the admin, never logged in: the credit service set nothing.
    created = httpx.post(
        f"{url}/hub/api/users/zoe", headers={"Authorization": f"token {admin}"}, timeout=10
    )
    assert created.status_code in (201, 409), created.text
    token = token_for(url, admin, "zoe", ["access:servers!server=zoe/"])
    found = findings(server_env(url, api, token, user="zoe"))
    assert has(found, "warn", "the credit service has no credits for this user yet")


def test_a_token_without_read_servers(hub):
    url, admin, api, _ = hub
    token = token_for(url, admin, "ana", ["access:servers!server=ana/"])
    found = findings(server_env(url, api, token))
    assert has(found, "warn", "the token lacks read:servers")


def test_a_hub_that_does_not_answer(hub):
    url, admin, api, _ = hub
    closed = f"http://127.0.0.1:{free_port()}/hub/api"
    found = findings(server_env(url, closed, "0" * 32))
    assert has(found, "fail", "the hub does not answer at JUPYTERHUB_API_URL")


def test_the_shared_reader_answers_refuses_and_falls_silent(hub):
    url, admin, api, shared = hub
    variable = {"HUB_CREDITS_SHARED_READER": shared}
    good = server_env(url, api, token_for(url, admin, "ana", SERVER_SCOPES), **variable)
    assert has(findings(good), "ok", "the shared reader answers with this server's entry")
    # A user's own token (every server of theirs) is no server's token.
    broad = token_for(url, admin, "ana", ["access:servers!user", "read:servers!user"])
    found = findings(server_env(url, api, broad, **variable))
    assert has(found, "fail", "the shared reader refuses this server's token")
    pid = next(
        int(p)
        for p in os.listdir("/proc")
        if p.isdigit()
        and _reads(f"/proc/{p}/cmdline", b"jupyterlab_hub_credits.shared")
        and _reads(f"/proc/{p}/environ", shared.split("/services")[0].encode())
    )
    os.kill(pid, signal.SIGSTOP)
    try:
        found = findings(good)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert has(found, "fail", "the shared reader does not answer")


def test_a_server_without_the_server_parts_routes(hub):
    url, admin, api, _ = hub
    token = token_for(url, admin, "ana", SERVER_SCOPES)
    # The hub itself in place of the server: it has no hub-credits routes.
    found = findings(server_env(url, api, token, JUPYTERHUB_SERVICE_PREFIX="/hub/"))
    assert has(found, "fail", "this server has no hub-credits routes")


def _reads(path: str, needle: bytes) -> bool:
    try:
        return needle in Path(path).read_bytes()
    except OSError:
        return False


@pytest.mark.parametrize(
    "service, level, words",
    [
        ("absent", "fail", "the hub has no credit service"),
        ("disabled", "fail", "credits are disabled on this hub"),
    ],
)
def test_a_hub_without_credits(tmp_path, service, level, words):
    with start_hub(tmp_path, CREDITS_SERVICE=service) as (url, admin, _):
        created = httpx.post(
            f"{url}/hub/api/users/ana", headers={"Authorization": f"token {admin}"}, timeout=10
        )
        assert created.status_code in (201, 409), created.text
        token = token_for(url, admin, "ana", SERVER_SCOPES)
        found = findings(server_env(url, f"{url}/hub/api", token))
    assert has(found, level, words), found


def test_a_hub_older_than_jupyterhub_5(tmp_path):
    oldest = REPO / ".venv-matrix" / "jh4.1.6-cs0.4.2"
    assert (oldest / "bin" / "jupyterhub").exists(), (
        f"no {oldest.name} environment: run `bash scripts/setup.sh --matrix` first"
    )
    # The credit service cannot run on it (ui-tests/matrix.json): a hub without.
    with start_hub(tmp_path, bin_dir=oldest / "bin", CREDITS_SERVICE="absent") as (url, admin, _):
        created = httpx.post(
            f"{url}/hub/api/users/ana", headers={"Authorization": f"token {admin}"}, timeout=10
        )
        assert created.status_code in (201, 409), created.text
        token = token_for(url, admin, "ana", ["access:servers!server=ana/"])
        found = findings(server_env(url, f"{url}/hub/api", token))
    assert has(found, "fail", "JupyterHub 4.1.6: the credit service needs 5 or later"), found

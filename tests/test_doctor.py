"""``jupyter hub-credits doctor``: each finding it claims, on a hub faked at
the network edge (the hub's answers as JupyterHub and the credit service
give them), and never a token or an environment value in what it prints."""

from __future__ import annotations

import json
from typing import Any, Optional

import httpx
import pytest

from jupyterlab_hub_credits import doctor

TOKEN = "s3cr3t-token-value"
ENV = {
    "JUPYTERHUB_API_URL": "http://hub.test:8081/hub/api",
    "JUPYTERHUB_API_TOKEN": TOKEN,
    "JUPYTERHUB_USER": "alice",
    "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:8888",
    "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/",
}


def edge(
    version: str = "6.1.1",
    credits: tuple[int, Any] = (200, [{"name": "default", "balance": 5, "cap": 10}]),
    scopes: Optional[list[str]] = None,
    status: tuple[int, Any] = (200, {"state": "live", "mode": "stream", "reason": ""}),
    down: bool = False,
    shared: Optional[int] = None,
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """The hub's answers; ``shared``: the shared reader's status (0: it does not answer)."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if down:
            raise httpx.ConnectError("refused", request=request)
        path = request.url.path
        if request.url.host == "shared.test":
            if not shared:
                raise httpx.ConnectError("refused", request=request)
            assert path == "/services/hub-credits/credits"
            return httpx.Response(shared, json=[{"name": "default", "balance": 5, "cap": 10}])
        if path == "/hub/api/":
            return httpx.Response(
                200, json={"version": version}, headers={"X-JupyterHub-Version": version}
            )
        if path == "/hub/api/credits":
            return httpx.Response(credits[0], content=json.dumps(credits[1]).encode())
        if path == "/hub/api/user":
            granted = (
                scopes
                if scopes is not None
                else ["access:servers!server=alice/", "read:servers!server=alice/"]
            )
            return httpx.Response(200, json={"name": "alice", "scopes": granted})
        if path == "/user/alice/hub-credits/status":
            return httpx.Response(status[0], json=status[1])
        return httpx.Response(404, json={"message": "Not Found"})

    return httpx.MockTransport(answer), seen


def levels(findings) -> dict[str, str]:
    return {f.title: f.level for f in findings}


def run(transport, env=ENV, tmp_path=None) -> list[doctor.Finding]:
    return doctor.run(env, transport, labextensions=[str(tmp_path)] if tmp_path else None)


def test_all_well(tmp_path):
    (tmp_path / "jupyterlab-hub-credits").mkdir()
    (tmp_path / "jupyterlab-hub-credits" / "package.json").write_text("{}")
    transport, seen = edge()
    findings = run(transport, tmp_path=tmp_path)
    assert [f.level for f in findings if "lab extension" in f.title] == ["ok"]
    assert all(f.level == "ok" for f in findings[2:]), [f.line() for f in findings]
    # The token only ever in the header, and never printed.
    assert all("token" not in str(r.url) for r in seen)
    assert all(r.headers["authorization"] == f"token {TOKEN}" for r in seen)
    assert not any(TOKEN in f.line() or "hub.test" in f.line() for f in findings)


def test_no_lab_extension(tmp_path):
    transport, _ = edge()
    findings = run(transport, tmp_path=tmp_path)
    assert levels(findings)["the lab extension is not installed in this environment"] == "fail"


def test_not_under_a_hub():
    transport, seen = edge()
    findings = doctor.run({}, transport, labextensions=[])
    assert any(f.level == "fail" and "not started by a JupyterHub" in f.title for f in findings)
    assert seen == []


@pytest.mark.parametrize(
    "credits, words, level",
    [
        ((404, {"message": "Not Found"}), "no credit service", "fail"),
        ((404, {"message": "No credit entry for user alice"}), "no credits for this user", "warn"),
        ((404, {"message": "Credits are disabled"}), "disabled", "fail"),
        ((403, {"message": "Forbidden"}), "refuses this server's token", "fail"),
        # What the hub really answers an unknown token there: its login page.
        ((302, {}), "refuses this server's token (HTTP 302)", "fail"),
        ((502, {"message": "Bad Gateway"}), "HTTP 502", "warn"),
    ],
)
def test_what_the_credit_service_says(credits, words, level):
    transport, _ = edge(credits=credits)
    findings = run(transport)
    assert [f.level for f in findings if words in f.title] == [level]


def test_a_hub_too_old_for_the_credit_service():
    transport, _ = edge(version="4.1.6")
    assert any(f.level == "fail" and "needs 5" in f.title for f in run(transport))


def test_a_hub_out_of_reach():
    transport, _ = edge(down=True)
    assert any(f.level == "fail" and "does not answer" in f.title for f in run(transport))


def test_a_token_without_read_servers():
    transport, _ = edge(scopes=["access:servers!server=alice/"])
    assert any(f.level == "warn" and "read:servers" in f.title for f in run(transport))


def test_the_server_part_not_loaded_or_in_trouble():
    transport, _ = edge(status=(404, {"message": "Not Found"}))
    assert any(f.level == "fail" and "server part is not loaded" in f.title for f in run(transport))
    transport, _ = edge(
        status=(
            200,
            {"state": "unreachable", "mode": "off", "reason": "the hub refused access (HTTP 403)"},
        )
    )
    assert any(f.level == "warn" and "unreachable" in f.title for f in run(transport))


def test_the_command_exits_1_on_a_failure(capsys, monkeypatch):
    monkeypatch.setattr(doctor, "run", lambda: [doctor.Finding("fail", "x", "do y")])
    assert doctor.main(["doctor"]) == 1
    assert "✗ x" in capsys.readouterr().out
    assert doctor.main([]) == 2


SHARED = {**ENV, "HUB_CREDITS_SHARED_READER": "http://shared.test/services/hub-credits/"}


@pytest.mark.parametrize(
    "status, level, words",
    [
        (200, "ok", "the shared reader answers"),
        (403, "fail", "refuses this server's token"),
        (503, "warn", "answered HTTP 503"),
        (0, "fail", "does not answer"),
    ],
)
def test_the_shared_reader(status, level, words):
    transport, seen = edge(shared=status)
    findings = run(transport, env=SHARED)
    found = [f for f in findings if "shared reader" in f.title]
    assert [f.level for f in found] == [level] and words in found[0].title
    # The hub itself is still checked, at the hub (not at the shared reader).
    assert levels(findings)["the credit service answers with this server's token"] == "ok"
    assert not any(TOKEN in f.line() or "shared.test" in f.line() for f in findings)


def test_no_shared_reader_no_finding():
    transport, _ = edge()
    assert not [f for f in run(transport) if "shared reader" in f.title]

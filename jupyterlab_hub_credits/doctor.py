"""``jupyter hub-credits doctor``: why the item is missing or says what it
says, checked where it runs (a terminal of the single-user server). Each
finding says what to do; no token or environment value is ever printed."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional

import httpx

from ._version import __version__
from .hubenv import HubEnv
from .upstream import list_not_found

#: The variables jupyterhub-singleuser sets that the server part needs.
NEEDED = ("JUPYTERHUB_API_URL", "JUPYTERHUB_API_TOKEN", "JUPYTERHUB_USER")


@dataclass(frozen=True)
class Finding:
    #: ``ok``, ``warn`` or ``fail``.
    level: str
    title: str
    fix: str = ""

    def line(self) -> str:
        mark = {"ok": "✓", "warn": "!", "fail": "✗"}[self.level]
        return f"{mark} {self.title}" + (f"\n    → {self.fix}" if self.fix else "")


#: What each 404 of the credit list means (``upstream.list_not_found``).
MISSING = {
    "free": Finding(
        "warn",
        "the credit service has no credits for this user yet",
        "log in again: the credit service sets them at login",
    ),
    "credits_disabled": Finding("fail", "credits are disabled on this hub", "ask the hub's admin"),
    "no_credit_service": Finding(
        "fail",
        "the hub has no credit service (api/credits: 404)",
        "the hub's admin installs jupyterhub-credit-service and its classes",
    ),
}


def installed(paths: Optional[list[str]] = None) -> list[Finding]:
    """The lab extension and the server part's configuration, as installed."""
    from jupyter_core.paths import jupyter_config_path, jupyter_path

    found = []
    lab = [
        os.path.join(p, "jupyterlab-hub-credits", "package.json")
        for p in (paths or jupyter_path("labextensions"))
    ]
    if any(os.path.isfile(p) for p in lab):
        found.append(
            Finding("ok", f"jupyterlab-hub-credits {__version__}: lab extension installed")
        )
    else:
        found.append(
            Finding(
                "fail",
                "the lab extension is not installed in this environment",
                "pip install jupyterlab-hub-credits in the image's environment",
            )
        )
    config = [
        os.path.join(p, "jupyter_server_config.d", "jupyterlab_hub_credits.json")
        for p in jupyter_config_path()
    ]
    if any(os.path.isfile(p) for p in config):
        found.append(Finding("ok", "the server part is enabled"))
    else:
        found.append(
            Finding(
                "fail",
                "the server part is not enabled (no jupyter_server_config.d entry)",
                "jupyter server extension enable jupyterlab_hub_credits",
            )
        )
    return found


def environment(env: Mapping[str, str]) -> tuple[list[Finding], Optional[HubEnv]]:
    missing = [name for name in NEEDED if not env.get(name)]
    if missing:
        return [
            Finding(
                "fail",
                f"not started by a JupyterHub: {', '.join(missing)} not set",
                "the item shows only under a hub (jupyterhub-singleuser sets these)",
            )
        ], None
    return [Finding("ok", "started by a JupyterHub (JUPYTERHUB_* set)")], HubEnv.from_environment(
        env
    )


def hub_findings(hub: HubEnv, get: Callable[[str], httpx.Response]) -> list[Finding]:
    """The hub, its credit service and this server's token, as the server part asks them."""
    found = []
    try:
        answer = get(hub.api_url + "/")
    except httpx.HTTPError as error:
        return [
            Finding(
                "fail",
                f"the hub does not answer at JUPYTERHUB_API_URL ({type(error).__name__})",
                "check the hub's internal URL and the network policy between servers and hub",
            )
        ]
    version = answer.headers.get("x-jupyterhub-version", "?")
    major = version.split(".")[0]
    if major.isdigit() and int(major) < 5:
        found.append(
            Finding(
                "fail",
                f"JupyterHub {version}: the credit service needs 5 or later",
                "upgrade the hub",
            )
        )
    else:
        found.append(Finding("ok", f"the hub answers (JupyterHub {version})"))
    credits = get(hub.list_url)
    missing = list_not_found(credits.content) if credits.status_code == 404 else None
    if credits.status_code == 200:
        found.append(Finding("ok", "the credit service answers with this server's token"))
    elif missing is not None:
        found.append(MISSING[missing])
    elif credits.status_code in (401, 403) or 300 <= credits.status_code < 400:
        # The credit routes answer an unknown token with a login redirect.
        found.append(
            Finding(
                "fail",
                f"the hub refuses this server's token (HTTP {credits.status_code})",
                "restart the server from the hub's home page",
            )
        )
    else:
        found.append(
            Finding(
                "warn",
                f"the credit service answered HTTP {credits.status_code}",
                "try again; if it stays, look at the hub's log",
            )
        )
    me = get(hub.api_url + "/user")
    scopes = me.json().get("scopes", []) if me.status_code == 200 else []
    if any(s.startswith("read:servers") for s in scopes):
        found.append(
            Finding("ok", "the token may read its server (stream on credit service 0.3 and 0.4)")
        )
    elif me.status_code == 200:
        found.append(
            Finding(
                "warn",
                "the token lacks read:servers: on credit service 0.3 the server part polls",
                "the hub's admin adds read:servers!server to c.Spawner.server_token_scopes",
            )
        )
    return found


def shared_findings(hub: HubEnv, get: Callable[[str], httpx.Response]) -> list[Finding]:
    """The shared reader, where the admin set one (``HUB_CREDITS_SHARED_READER``)."""
    if not hub.shared_url:
        return []
    try:
        answer = get(hub.list_url)
    except httpx.HTTPError as error:
        return [
            Finding(
                "fail",
                f"the shared reader does not answer ({type(error).__name__})",
                "the hub's admin checks that the hub started it (hub log: hub-credits) and that"
                " servers may reach it; meanwhile the server part reads the hub itself",
            )
        ]
    if answer.status_code in (200, 404):
        return [Finding("ok", "the shared reader answers with this server's entry")]
    if answer.status_code == 403:
        return [
            Finding(
                "fail",
                "the shared reader refuses this server's token",
                "the server's token must have access to this server only (JupyterHub's default"
                " server token scopes); the server part reads the hub itself",
            )
        ]
    return [
        Finding(
            "warn",
            f"the shared reader answered HTTP {answer.status_code}",
            "it has no current numbers from the hub: look at the hub's log (hub-credits)",
        )
    ]


def server_part(env: Mapping[str, str], get: Callable[[str], httpx.Response]) -> list[Finding]:
    """The server part of this very server, as the page asks it."""
    url = env.get("JUPYTERHUB_SERVICE_URL", "").rstrip("/")
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    if not url:
        return []
    try:
        answer = get(f"{url}{prefix}hub-credits/status")
    except httpx.HTTPError:
        return [
            Finding(
                "warn",
                "this server does not answer at JUPYTERHUB_SERVICE_URL",
                "run the doctor from the server's terminal",
            )
        ]
    if answer.status_code == 404:
        return [
            Finding(
                "fail",
                "this server has no hub-credits routes: the server part is not loaded",
                "jupyter server extension enable jupyterlab_hub_credits, then restart the server",
            )
        ]
    if answer.status_code != 200:
        return [Finding("warn", f"the server part answered HTTP {answer.status_code}")]
    return [state_finding(answer.json())]


def state_finding(state: Mapping[str, Any]) -> Finding:
    """The server part's own state (its ``status``), as a finding."""
    level = "ok" if state.get("state") in ("live", "polling", "connecting") else "warn"
    reason = f": {state['reason']}" if state.get("reason") else ""
    via = " from the shared reader" if state.get("via") == "shared" else ""
    return Finding(
        level, f"the server part is {state.get('state')} ({state.get('mode')}{via}){reason}"
    )


def run(
    env: Optional[Mapping[str, str]] = None,
    transport: Optional[httpx.BaseTransport] = None,
    labextensions: Optional[list[str]] = None,
    state: Optional[Mapping[str, Any]] = None,
) -> list[Finding]:
    """Every check; ``state``: the server part's status when the server part
    itself runs them (its route ``doctor``), else it is asked over HTTP."""
    env = os.environ if env is None else env
    findings = installed(labextensions)
    found, hubenv = environment(env)
    findings += found
    if hubenv is not None:
        with httpx.Client(
            transport=transport, timeout=10, verify=hubenv.ssl_context or True
        ) as client:

            def get(url: str) -> httpx.Response:
                return client.get(url, headers=hubenv.headers)

            findings += hub_findings(hubenv.direct(), get) + shared_findings(hubenv, get)
            findings += [state_finding(state)] if state is not None else server_part(env, get)
    return findings


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["doctor"]:
        print("usage: jupyter hub-credits doctor")
        return 2
    findings = run()
    for finding in findings:
        print(finding.line())
    return 1 if any(f.level == "fail" for f in findings) else 0


if __name__ == "__main__":
    sys.exit(main())

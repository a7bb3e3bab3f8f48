"""A local JupyterHub with the JupyterHub Credit Service, for the demo and the tests.

Everything binds to 127.0.0.1. Settings come from environment variables so
the test driver can start several hubs on free ports:

  CREDITS_HUB_STATE        directory for the database, secrets and home dirs
  CREDITS_HUB_PORT         public port (default 8000)
  CREDITS_HUB_API_PORT     hub's own port (default 8081)
  CREDITS_PROXY_API_PORT   proxy API port (default 8001)
  CREDITS_ADMIN_TOKEN      token of the "credits-admin" service (admin:users, admin:servers)
  CREDITS_TASK_INTERVAL    seconds between credit-task runs (default 2)
  CREDITS_BILLING_VALUE    credits billed per interval (default 1)
  CREDITS_BILLING_INTERVAL seconds between bills (default 2)
  CREDITS_USER_CAP, CREDITS_PROJECT_CAP   caps (default 100 and 60)
  CREDITS_PASSWORD         the one password of every demo user (default "credits")
  CREDITS_EXPOSE_APP       "1": JupyterLab exposes window.jupyterapp (for the browser tests)
  CREDITS_SINGLEUSER       path of the jupyterhub-singleuser to spawn (default: this Python's)
  CREDITS_SUBDOMAIN        "1": every server on its own origin, http://<user>.localhost:<port>
                           (c.JupyterHub.subdomain_host; browsers resolve *.localhost to loopback)
  CREDITS_INTERNAL_SSL     "1": the hub, the proxy and the servers speak TLS with client
                           certificates among themselves (c.JupyterHub.internal_ssl)
  CREDITS_SERVICE          "disabled": the credit service installed with credits_enabled off;
                           "absent": not imported, no credit routes (default "on")
  CREDITS_PROFILES         "1": named servers, and a second entry ("gpu") that pays for
                           servers started with the option profile=gpu
  CREDITS_SHARED_READER    "1": the shared reader (a hub-managed service) reads every entry
                           once per task run and the servers' relays read it, not the hub
  CREDITS_SHARED_PORT      its port (default 10101)
  CREDITS_SHARED_PYTHON    the Python that runs it (default: the hub's)
  CREDITS_SHARED_FALLBACK_SECONDS  relays read the hub once it failed this long (default 300)
"""

import os
import shutil
import sys

import jupyterhub
from jupyterhub.auth import DummyAuthenticator
from jupyterhub.spawner import SimpleLocalProcessSpawner

c = get_config()  # noqa: F821 - provided by JupyterHub

# CREDITS_SERVICE: "on" (default), "disabled" (installed, credits_enabled
# off) or "absent" (not imported: the hub has no credit routes at all).
CREDIT_SERVICE = os.environ.get("CREDITS_SERVICE", "on")
if CREDIT_SERVICE == "absent":

    class CreditsAuthenticator:
        """No credit service."""

    class CreditsSpawner:
        """No credit service."""

else:
    # Importing it adds its routes to the hub.
    from jupyterhub_credit_service import CreditsAuthenticator, CreditsSpawner

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(here)


def env_int(name, default):
    return int(os.environ.get(name, default))


# Sharing (and its scopes) came with JupyterHub 5; the test matrix runs 4.1 too.
JUPYTERHUB_5 = int(jupyterhub.__version__.split(".")[0]) >= 5


state = os.path.abspath(os.environ.get("CREDITS_HUB_STATE", os.path.join(repo, ".demo")))
os.makedirs(state, exist_ok=True)


class DemoAuthenticator(CreditsAuthenticator, DummyAuthenticator):
    pass


class DemoSpawner(CreditsSpawner, SimpleLocalProcessSpawner):
    pass


# Where and how to listen.
c.JupyterHub.bind_url = f"http://127.0.0.1:{env_int('CREDITS_HUB_PORT', 8000)}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{env_int('CREDITS_HUB_API_PORT', 8081)}"
internal_ssl = os.environ.get("CREDITS_INTERNAL_SSL") == "1"
scheme = "https" if internal_ssl else "http"
c.ConfigurableHTTPProxy.api_url = f"{scheme}://127.0.0.1:{env_int('CREDITS_PROXY_API_PORT', 8001)}"
if internal_ssl:
    c.JupyterHub.internal_ssl = True
    c.JupyterHub.internal_certs_location = os.path.join(state, "internal-ssl")
proxy = os.path.join(repo, "node_modules", ".bin", "configurable-http-proxy")
c.ConfigurableHTTPProxy.command = [proxy if os.path.exists(proxy) else "configurable-http-proxy"]
if os.environ.get("CREDITS_SUBDOMAIN") == "1":
    # Servers on their own origins, as JupyterHub recommends: the hub at
    # localhost, alice's server at alice.localhost. The proxy routes by host.
    c.JupyterHub.subdomain_host = f"http://localhost:{env_int('CREDITS_HUB_PORT', 8000)}"
# A file database: the credit service opens its own engine on it.
c.JupyterHub.db_url = f"sqlite:///{os.path.join(state, 'jupyterhub.sqlite')}"
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")
# Keep single-user servers when the hub restarts, as a production hub does.
c.JupyterHub.cleanup_servers = os.environ.get("CREDITS_CLEANUP_SERVERS", "1") == "1"
c.ConfigurableHTTPProxy.should_start = True

# Log in with any user name and the demo password.
c.JupyterHub.authenticator_class = DemoAuthenticator
c.DummyAuthenticator.password = os.environ.get("CREDITS_PASSWORD", "credits")
c.Authenticator.allow_all = True
c.Authenticator.admin_users = set()
c.Authenticator.refresh_pre_spawn = True

c.CreditsAuthenticator.credits_enabled = CREDIT_SERVICE == "on"

# Credits that move every few seconds.
c.CreditsAuthenticator.credits_task_interval = env_int("CREDITS_TASK_INTERVAL", 2)
c.CreditsAuthenticator.credits_user = {
    "name": "default",
    "cap": env_int("CREDITS_USER_CAP", 100),
    "grant_value": env_int("CREDITS_USER_GRANT", 5),
    "grant_interval": env_int("CREDITS_USER_GRANT_INTERVAL", 600),
    "project": {
        "name": "community1",
        "cap": env_int("CREDITS_PROJECT_CAP", 60),
        "grant_value": env_int("CREDITS_PROJECT_GRANT", 10),
        "grant_interval": env_int("CREDITS_PROJECT_GRANT_INTERVAL", 600),
    },
}
if os.environ.get("CREDITS_PROFILES") == "1":
    # Two entries per user: servers started with the option profile=gpu
    # (named servers, e.g. POST /hub/api/users/<u>/servers/gpu {"profile": "gpu"})
    # pay from "gpu", every other server from "default".
    c.JupyterHub.allow_named_servers = True
    c.CreditsAuthenticator.credits_user = [
        {
            "name": "gpu",
            "cap": 50,
            "grant_value": 5,
            "grant_interval": 600,
            "user_options": {"profile": "gpu"},
        },
        c.CreditsAuthenticator.credits_user,
    ]
c.CreditsSpawner.billing_value = env_int("CREDITS_BILLING_VALUE", 1)
c.CreditsSpawner.billing_interval = env_int("CREDITS_BILLING_INTERVAL", 2)

# Users may share their servers (JupyterHub 5+): a guest then works in the
# owner's server, which the owner's credits pay for.
c.JupyterHub.load_roles = (
    [{"name": "user", "scopes": ["self", "shares!user"]}] if JUPYTERHUB_5 else []
)

# Single-user servers: JupyterLab with this extension, from this Python.
c.JupyterHub.spawner_class = DemoSpawner
bindir = os.path.dirname(sys.executable)
# CREDITS_SINGLEUSER: another environment's jupyterhub-singleuser (the test
# matrix runs older hubs with the newest single-user server, as a hub whose
# images moved ahead of it does).
singleuser = os.environ.get("CREDITS_SINGLEUSER") or (
    shutil.which("jupyterhub-singleuser", path=bindir) or "jupyterhub-singleuser"
)
c.Spawner.cmd = [singleuser, "--ServerApp.allow_root=True"]
if os.environ.get("CREDITS_EXPOSE_APP") == "1":
    # For the browser tests: window.jupyterapp, to ask JupyterLab itself.
    c.Spawner.cmd.append("--LabApp.expose_app_in_browser=True")
if os.environ.get("CREDITS_RELAY_POLL_SECONDS"):
    # The relay's poll period on a hub whose clock runs fast (the tests bill
    # every few seconds; a real hub every few minutes): the admin's knob.
    seconds = os.environ["CREDITS_RELAY_POLL_SECONDS"]
    c.Spawner.cmd += [
        f"--HubCreditsApp.poll_default_seconds={seconds}",
        f"--HubCreditsApp.poll_min_seconds={seconds}",
    ]
if os.environ.get("CREDITS_RELAY_GRACE_SECONDS"):
    # How long the relay keeps the hub stream after the last claim lapsed.
    c.Spawner.cmd.append(
        f"--HubCreditsApp.grace_seconds={os.environ['CREDITS_RELAY_GRACE_SECONDS']}"
    )
c.Spawner.default_url = "/lab"
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": os.path.dirname(singleuser) + os.pathsep + os.environ.get("PATH", "")
}
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(state, "home", "{username}")

# A service the test driver uses to change balances and stop servers.
admin_token = os.environ.get("CREDITS_ADMIN_TOKEN")
if admin_token:
    c.JupyterHub.services = [{"name": "credits-admin", "api_token": admin_token}]
    c.JupyterHub.load_roles.append(
        {
            "name": "credits-admin",
            # shares + access:servers: to share a server with a guest.
            "scopes": ["admin:users", "admin:servers", "tokens"]
            + (["shares", "access:servers"] if JUPYTERHUB_5 else []),
            "services": ["credits-admin"],
        }
    )
    # An admin user the driver takes a token of: the credit service's project
    # route needs a user (a service token there ends in HTTP 500).
    c.Authenticator.admin_users = {"credits-root"}

if os.environ.get("CREDITS_SHARED_READER") == "1":
    # The shared reader: one reader of every entry for the whole hub.
    from jupyterlab_hub_credits.hubroute import serve_entries

    serve_entries(
        c,
        url=f"http://127.0.0.1:{env_int('CREDITS_SHARED_PORT', 10101)}",
        # An older hub's environment runs the service with the newest one's Python.
        python=os.environ.get("CREDITS_SHARED_PYTHON") or sys.executable,
    )
    if os.environ.get("CREDITS_SHARED_FALLBACK_SECONDS"):
        c.Spawner.cmd.append(
            "--HubCreditsApp.shared_fallback_seconds="
            + os.environ["CREDITS_SHARED_FALLBACK_SECONDS"]
        )

"""The environment becomes URLs and TLS in one place: hubenv.py."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl

import pytest
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from jupyterlab_hub_credits.hubenv import (
    HubEnv,
    loopback_url,
    no_relay_reason,
    relay_endpoint,
    ssl_context_from_environment,
)
from jupyterlab_hub_credits.relay import CreditsRelay

TOKEN = "server-token"
HUB = {
    "JUPYTERHUB_API_URL": "http://10.0.0.1:8081/hub/api/",
    "JUPYTERHUB_API_TOKEN": TOKEN,
    "JUPYTERHUB_USER": "alice@example.org",
    "JUPYTERHUB_SERVER_NAME": "gpu one",
}


def test_the_hub_urls_of_a_named_server():
    hub = HubEnv.from_environment(HUB)
    api = "http://10.0.0.1:8081/hub/api"
    assert hub.stream_url == f"{api}/credits/sseserver/alice%40example.org/gpu%20one"
    assert hub.list_url == f"{api}/credits"
    assert hub.stop_url == f"{api}/credits/stopserver/alice%40example.org/gpu%20one"
    assert hub.headers == {"Authorization": f"token {TOKEN}"}
    assert hub.ssl_context is None
    assert TOKEN not in repr(hub)


def test_the_default_server_has_no_name_segment():
    hub = HubEnv.from_environment({**HUB, "JUPYTERHUB_SERVER_NAME": ""})
    assert hub.stream_url.endswith("/credits/sseserver/alice%40example.org")
    assert hub.stop_url.endswith("/credits/stopserver/alice%40example.org")


@pytest.mark.parametrize(
    "missing", ["JUPYTERHUB_API_URL", "JUPYTERHUB_API_TOKEN", "JUPYTERHUB_USER"]
)
def test_not_under_a_hub_there_is_no_hub(missing):
    assert HubEnv.from_environment({k: v for k, v in HUB.items() if k != missing}) is None


@pytest.mark.parametrize(
    "given, reached",
    [
        ("http://:8888", "http://127.0.0.1:8888"),
        ("http://0.0.0.0:8888", "http://127.0.0.1:8888"),
        ("http://[::]:8888", "http://[::1]:8888"),
        ("https://:443/x", "https://127.0.0.1:443/x"),
        ("http://127.0.0.1:8888", "http://127.0.0.1:8888"),
        ("http://jupyter-alice:8888", "http://jupyter-alice:8888"),
    ],
)
def test_an_empty_or_wildcard_host_becomes_the_loopback_address(given, reached):
    assert loopback_url(given) == reached


def test_running_code_reaches_the_relay_on_the_servers_own_url():
    env = {
        **HUB,
        "JUPYTERHUB_SERVICE_URL": "http://:8888",
        "JUPYTERHUB_SERVICE_PREFIX": "/user/alice@example.org/gpu%20one/",
    }
    endpoint = relay_endpoint(env)
    assert endpoint.base_url == "http://127.0.0.1:8888/user/alice@example.org/gpu%20one/"
    assert endpoint.url("state") == f"{endpoint.base_url}hub-credits/state"
    assert endpoint.headers == {"Authorization": f"token {TOKEN}"}
    assert TOKEN not in repr(endpoint) and TOKEN not in endpoint.url("state")
    assert no_relay_reason(env) == ""


def test_the_service_url_as_jupyterhub_builds_it_already_holds_the_base_url():
    # Spawner.get_env: f"{proto}://{ip}:{port}{base_url}", here with Spawner.ip = "".
    env = {
        **HUB,
        "JUPYTERHUB_SERVICE_URL": "http://:8888/user/alice/",
        "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/",
    }
    assert relay_endpoint(env).base_url == "http://127.0.0.1:8888/user/alice/"
    env["JUPYTERHUB_SERVICE_URL"] = "https://10.0.0.5:8888/user/alice/"
    assert relay_endpoint(env).base_url == "https://10.0.0.5:8888/user/alice/"


def test_without_a_service_url_there_is_no_relay_and_the_reason_says_why():
    assert relay_endpoint(HUB) is None
    assert "JUPYTERHUB_SERVICE_URL" in no_relay_reason(HUB)
    assert relay_endpoint({}) is None
    assert "not started by JupyterHub" in no_relay_reason({})
    env = {**HUB, "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:9000"}
    assert relay_endpoint(env).base_url == "http://127.0.0.1:9000/"


# -- internal_ssl ----------------------------------------------------------------


def _certificates(directory):
    """A CA, and a certificate + key signed by it for 127.0.0.1 (server and client)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(text):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def write(path, key, cert):
        (directory / f"{path}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (directory / f"{path}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("test-ca"))
        .issuer_name(name("test-ca"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    write("ca", ca_key, ca)
    for who, serial in (("hub", 2), ("server", 3)):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(who))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        write(who, key, cert)


@pytest.fixture
def tls_hub(tmp_path, jp_asyncio_loop):
    """A hub that speaks only TLS and wants a client certificate from the internal CA."""
    _certificates(tmp_path)
    seen = []

    class Stop(web.RequestHandler):
        def delete(self, path):
            seen.append((path, self.request.headers.get("Authorization")))
            self.set_status(202)

    class Listing(web.RequestHandler):
        def get(self):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps([{"name": "default", "balance": 5, "cap": 10}]))

    server_side = ssl.create_default_context(
        ssl.Purpose.CLIENT_AUTH, cafile=str(tmp_path / "ca.crt")
    )
    server_side.load_cert_chain(str(tmp_path / "hub.crt"), str(tmp_path / "hub.key"))
    server_side.verify_mode = ssl.CERT_REQUIRED
    app = web.Application(
        [(r"/hub/api/credits/stopserver/(.*)", Stop), (r"/hub/api/credits", Listing)]
    )
    sockets = bind_sockets(0, address="127.0.0.1")
    port = sockets[0].getsockname()[1]
    server = HTTPServer(app, ssl_options=server_side)
    server.add_sockets(sockets)
    env = {
        "JUPYTERHUB_API_URL": f"https://127.0.0.1:{port}/hub/api",
        "JUPYTERHUB_API_TOKEN": TOKEN,
        "JUPYTERHUB_USER": "alice",
        "JUPYTERHUB_SSL_KEYFILE": str(tmp_path / "server.key"),
        "JUPYTERHUB_SSL_CERTFILE": str(tmp_path / "server.crt"),
        "JUPYTERHUB_SSL_CLIENT_CA": str(tmp_path / "ca.crt"),
    }
    yield env, seen
    server.stop()


async def test_internal_ssl_files_make_the_context_the_relay_uses(tls_hub):
    env, seen = tls_hub
    hub = HubEnv.from_environment(env)
    assert isinstance(hub.ssl_context, ssl.SSLContext)
    relay = CreditsRelay(hub)
    assert await relay.stop_server() == (202, "")
    assert seen == [("alice", f"token {TOKEN}")]
    await relay.fresh()
    assert relay.snapshot == {"balance": 5, "cap": 10} and relay.state == "polling"
    await relay.close()


async def test_without_the_internal_ssl_context_the_hub_is_not_reached(tls_hub):
    env, seen = tls_hub
    plain = {k: v for k, v in env.items() if not k.startswith("JUPYTERHUB_SSL_")}
    relay = CreditsRelay(HubEnv.from_environment(plain))
    status, message = await relay.stop_server()
    assert status == 0 and "did not answer" in message
    assert seen == []
    await relay.close()


def test_the_kernels_endpoint_carries_the_same_context(tls_hub):
    env, _ = tls_hub
    endpoint = relay_endpoint({**env, "JUPYTERHUB_SERVICE_URL": "https://:8888"})
    assert endpoint.base_url == "https://127.0.0.1:8888/"
    assert isinstance(endpoint.ssl_context, ssl.SSLContext)
    assert ssl_context_from_environment({}) is None

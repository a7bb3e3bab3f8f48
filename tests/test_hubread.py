"""Reading the hub's bytes (hubread.py): decoding, framing and JSON, strictly."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_hostile import HostileHub, QuietClock
from test_hostile_rows import answer, relay_for

from jupyterlab_hub_credits import relay as relay_module
from jupyterlab_hub_credits.hubenv import relay_endpoint
from jupyterlab_hub_credits.hubread import (
    MAX_DEPTH,
    SseLines,
    Unreadable,
    decoded,
    read_capped,
    read_json,
    server_event,
)
from jupyterlab_hub_credits.state import state_json

pytestmark = pytest.mark.timeout(60)


async def chunks(*parts: bytes):
    for part in parts:
        yield part


def inflate(encoding: str, *parts: bytes, limit: int = 2**20) -> bytes:
    return asyncio.run(read_capped(decoded(chunks(*parts), encoding), limit))


def test_gzip_deflate_and_raw_deflate_are_read():
    body = b'{"balance": 1, "cap": 2}' * 100
    assert inflate("gzip", gzip.compress(body)) == body
    assert inflate("deflate", zlib.compress(body)) == body
    raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    assert inflate("deflate", raw.compress(body) + raw.flush()) == body
    assert inflate("", body[:10], body[10:]) == body


@pytest.mark.parametrize(
    "parts",
    [
        [gzip.compress(b"[]") + b"x" * 1000],  # bytes after the end
        [gzip.compress(b"[]"), b"junk"],
        [gzip.compress(b"[]") + gzip.compress(b"[]")],  # a second member
        [gzip.compress(b"[1, 2, 3]")[:-4]],  # cut short
        [b"not gzip at all"],
    ],
)
def test_broken_or_trailing_compressed_bodies_are_unreadable(parts):
    with pytest.raises(Unreadable):
        inflate("gzip", *parts)


def test_an_encoding_not_asked_for_is_unreadable():
    for encoding in ("br", "zstd", "gzip, gzip"):
        with pytest.raises(Unreadable):
            inflate(encoding, b"x")


def test_what_is_decoded_is_capped_not_what_is_sent():
    bomb = gzip.compress(b"a" * 5_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(Unreadable, match="larger than"):
        inflate("gzip", bomb, limit=2**20)


@pytest.mark.parametrize(
    "parts, data",
    [
        ([b"\xef\xbb\xbfdata: 1\n\n"], [b"1"]),
        ([b"\xef", b"\xbb", b"\xbfdata: 2\n\n"], [b"2"]),
        ([b"data: 3\r", b"\n\r\n"], [b"3"]),
        ([b"data:4\r\rdata: 5\n\n"], [b"4", b"5"]),
        ([b": comment\nevent: x\nid: 7\ndata: a\ndata: b\n\n"], [b"a\nb"]),
        ([b"retry: 5000\n\n"], [b""]),
        ([b"data: cut"], []),
    ],
)
def test_sse_framing(parts, data):
    parser = SseLines(limit=1000)
    events = [event for part in parts for event in parser.feed(part)]
    assert [d for d, _ in events] == data


def test_sse_lines_and_events_past_the_cap_are_unreadable():
    with pytest.raises(Unreadable):
        SseLines(limit=100).feed(b"x" * 101)
    parser = SseLines(limit=100)
    with pytest.raises(Unreadable):
        for _ in range(10):
            parser.feed(b"data: " + b"y" * 20 + b"\n")


@pytest.mark.parametrize(
    "text, ok",
    [
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, True),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), False),
        ('["' + "[" * 500 + '"]', True),  # brackets inside a string
        ('["\\"' + "[" * 500 + '"]', True),  # after an escaped quote
        ('{"a": ' * 65 + "1" + "}" * 65, False),
        ("1e400", False),
        ("-1e400", False),
        ("1" + "0" * 400, False),
        ("NaN", False),
        ('{"balance": Infinity}', False),
        ("[1.5, -0, 1e-400]", True),
        ('"\\ud800"', True),
    ],
)
def test_strict_json(text, ok):
    if ok:
        read_json(text)
    else:
        with pytest.raises(Unreadable):
            read_json(text)


def test_json_that_is_not_utf8_is_unreadable():
    with pytest.raises(Unreadable):
        read_json('{"a": "é"}'.encode("latin-1"))


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.one_of(st.text(max_size=60), st.binary(max_size=60)))
def test_read_json_raises_nothing_but_unreadable(data):
    try:
        value = read_json(data)
    except Unreadable:
        return
    json.dumps(value, allow_nan=False)


@pytest.mark.parametrize(
    "event, kind",
    [
        ('{"balance": 95, "cap": 100}', "snapshot"),
        ('{"balance": 95, "cap": 100, "project": null}', "snapshot"),
        (
            '{"balance": 95, "cap": 100, "project": {"name": "p", "balance": 1, "cap": 2}}',
            "snapshot",
        ),
        ('{"error": "Your Server is no longer running."}', "stopped"),
        ("[]", None),
        ('{"balance": "95", "cap": 100}', None),
        ('{"balance": -1, "cap": 100}', None),
        ('{"balance": 95, "cap": 100, "project": {"balance": 1, "cap": 2}}', None),
        ('{"error": 3}', None),
        ("{}", None),
    ],
)
def test_what_a_stream_event_means(event, kind):
    if kind is None:
        with pytest.raises(Unreadable):
            server_event(event)
    else:
        assert server_event(event)[0] == kind


# -- the relay's failure rule, for what review found -------------------------


async def test_a_client_that_cannot_be_built_is_retried_with_the_backoff(monkeypatch):
    built: list[float] = []
    clock = QuietClock()

    class Broken(httpx.AsyncClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            built.append(clock.now)
            raise ValueError("no such proxy scheme")

    monkeypatch.setattr(relay_module.httpx, "AsyncClient", Broken)
    relay = relay_for(HostileHub(clock, [answer()]), clock)
    relay.claim()
    await clock.advance(60)
    assert 1 < len(built) <= 6
    assert all(b - a >= 5 for a, b in zip(built, built[1:]))
    assert relay.state == "reconnecting" and "ValueError" in relay.reason
    await relay.close()


@pytest.mark.parametrize(
    "status, kind", [(418, "application/json"), (204, "text/event-stream"), (200, "text/plain")]
)
async def test_odd_answers_are_retried_not_terminal(status, kind):
    clock = QuietClock()
    hub = HostileHub(clock, [answer(status, b"{}", type=kind, then="end")])
    relay = relay_for(hub, clock)
    relay.claim()
    await clock.advance(60)
    assert relay.state == "reconnecting"
    assert 1 < len(hub.requests) <= 6
    await relay.close()


async def test_reconnects_pressed_into_a_terminal_answer_back_off():
    clock = QuietClock()
    hub = HostileHub(clock, [answer(409, b"{}", type="application/json", then="end")])
    relay = relay_for(hub, clock)
    relay.claim()
    for _ in range(300):  # Reconnect every 0.2 s for a minute
        relay.reconnect()
        await clock.advance(0.2)
    times = [t for _, t in hub.requests]
    assert all(b - a >= 5 for a, b in zip(times, times[1:]))
    assert len(times) <= 6
    await relay.close()


async def test_extreme_but_valid_numbers_keep_the_snapshot():
    clock = QuietClock()
    body = b'data: {"balance": 1e308, "cap": 1e308, "grant_value": 1e308, "grant_interval": 60}\n\n'
    relay = relay_for(HostileHub(clock, [answer(body=body)]), clock)
    relay.claim()
    await clock.advance(30)
    document = json.loads(state_json(relay, 10, 25, clock.time()))
    assert document["snapshot"]["balance"] == 1e308
    await relay.close()


def test_the_kernels_socket_url_keeps_its_trailing_slash(tmp_path):
    sock = tmp_path / "server.sock"
    sock.write_text("")
    env = {
        "JUPYTERHUB_API_TOKEN": "t",
        "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:1/",
        "JUPYTERHUB_SERVICE_PREFIX": "/user/alice",
        "JUPYTERLAB_HUB_CREDITS_SOCKET": str(sock),
    }
    endpoint = relay_endpoint(env)
    assert endpoint is not None and endpoint.socket == str(sock)
    assert endpoint.url("state") == "http://localhost/user/alice/hub-credits/state"


def test_unreadable_tls_files_make_no_relay_not_an_error(monkeypatch):
    from jupyterlab_hub_credits.credits import Credits

    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "t")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", "https://127.0.0.1:1/")
    monkeypatch.setenv("JUPYTERHUB_SSL_KEYFILE", "/nonexistent/key")
    monkeypatch.setenv("JUPYTERHUB_SSL_CERTFILE", "/nonexistent/cert")
    credits = Credits()
    snapshot = credits.now()
    assert snapshot.state == "unavailable" and "TLS files" in snapshot.reason

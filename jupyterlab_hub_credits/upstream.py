"""The relay's requests to the hub: one stream connection, one poll of the
credit list (and the one read of it while streaming), the stop. A mixin of
``CreditsRelay`` (``relay.py``), which decides when each goes and what
follows from its answer."""

from __future__ import annotations

import functools
import logging
import math
import ssl
from collections.abc import AsyncIterator
from typing import Optional

import httpx

from . import protocol
from .entries import choose_entry, match_entry, parse_list, to_snapshot
from .hubread import (
    SseLines,
    Unreadable,
    decoded,
    error_message,
    read_capped,
    read_json,
    server_event,
)
from .policy import Verdict, classify
from .protocol import Reason
from .waits import Late, Watchdog, closed

log = logging.getLogger(__name__)

#: Headers of every request to the hub: no compressed bodies, please.
PLAIN = {"Accept-Encoding": "identity"}
#: Snapshots closer than this are no credit-task interval (a hub sending several at once).
MIN_GAP_SECONDS = 1.0
#: A stream counts as healthy (its failures forgotten) once it stayed open this long.
STABLE_SECONDS = 60.0


class HubRequests:
    """The requests ``CreditsRelay`` makes (it holds the state they use)."""

    def _client(self, **options) -> httpx.AsyncClient:
        verify = self.hub.ssl_context or default_ssl_context()
        return httpx.AsyncClient(
            transport=self._transport, follow_redirects=False, verify=verify, **options
        )

    async def stop_server(self) -> tuple[int, str]:
        """Asks the credit service to stop this server (``DELETE stopserver``)
        with the server's token. Returns the hub's status (0: no answer) and
        what went wrong, if anything."""

        async def ask() -> tuple[int, bytes]:
            async with self._client(timeout=self.timings.connect_timeout) as client:
                headers = {**self.hub.headers, **PLAIN}
                async with client.stream("DELETE", self.hub.stop_url, headers=headers) as answer:
                    try:
                        body = await read_capped(_body(answer), self.limit)
                    except Unreadable:
                        body = b""
                    return answer.status_code, body

        try:
            status, body = await Watchdog(self._clock, self.timings.connect_timeout).run(ask())
        except Late:
            return 0, "the hub did not answer in time"
        except httpx.HTTPError as error:
            return 0, f"the hub did not answer: {type(error).__name__}"
        except Exception as error:  # noqa: BLE001 - whatever the hub did, the stop answers
            log.warning("credits relay: the stop request failed: %s", type(error).__name__)
            return 0, f"the hub's answer could not be read: {type(error).__name__}"
        if status in (202, 204):
            return status, ""
        detail = error_message(body) or ""
        text = f"the hub did not stop the server (HTTP {status})"
        return status, f"{text}: {detail}"[: protocol.MAX_MESSAGE_LENGTH] if detail else text

    # -- one stream connection -----------------------------------------------

    async def _stream(self, client: httpx.AsyncClient) -> tuple[Verdict, float]:
        """One stream connection; returns how it ended and the ``retry:`` hint."""
        self.connections += 1
        self._hint, self._opened_at = 0.0, math.inf
        headers = {**self.hub.headers, **PLAIN, "Accept": "text/event-stream"}
        request = client.build_request(
            "GET", self.hub.stream_url, headers={**headers, "Cache-Control": "no-cache"}
        )
        try:
            response = await Watchdog(self._clock, self.timings.connect_timeout).run(
                client.send(request, stream=True)
            )
        except (Late, httpx.HTTPError) as error:
            return _retry(error), 0.0
        try:
            status, answer = response.status_code, response.headers
            kind, after = answer.get("content-type", ""), answer.get("retry-after")
            verdict = classify(status, kind, self._saw_event, after, self._clock.time())
            if verdict.kind == "end" and verdict.state == "unavailable" and status != 404:
                # Only a 404 says "no credit service"; any other answer the
                # reader cannot use is a failure like any other.
                verdict = Verdict("retry", verdict.reason)
            if verdict.kind != "open":
                return verdict, 0.0
            self._opened_at = self._clock.monotonic()
            self._set_state("live")
            watchdog = Watchdog(self._clock, self.timings.heartbeat_timeout)
            return await watchdog.run(self._read_stream(response, watchdog, client)), self._hint
        except (Late, Unreadable, httpx.HTTPError) as error:
            return _retry(error, "hub_silent", "connection_lost"), self._hint
        finally:
            await closed(response)

    async def _read_stream(
        self, response: httpx.Response, watchdog: Watchdog, client: httpx.AsyncClient
    ) -> Verdict:
        """The events of an open stream, until it ends or a stop event."""
        last: Optional[float] = None
        seen = 0
        parser = SseLines(self.limit)
        async for chunk in _body(response):
            watchdog.feed()
            for data, retry in parser.feed(chunk):
                if retry is not None:
                    self._hint = retry / 1000
                if not data:
                    continue
                kind, value = server_event(data)
                if kind == "stopped":
                    self.stop_event = True
                    return Verdict("end", value, state="stopped")
                # The first snapshot comes on connect, at any phase of the
                # credit task: gaps count from the second one on.
                now = self._clock.monotonic()
                if seen >= 2 and last is not None and now - last >= MIN_GAP_SECONDS:
                    self._gaps.append(now - last)
                seen, last = seen + 1, now
                self._saw_event = True
                self._stop_checks = 0
                if now - self._opened_at >= STABLE_SECONDS:
                    self.failures = 0
                self._streamed, self._streamed_unmatched, self.free = value, True, False
                self._deliver(value)
            # A snapshot or a keepalive (every 8 s) at least the backoff base
            # after the stream opened: the list, once.
            if (
                not self._learned
                and self._streamed is not None
                and self._clock.monotonic() - self._opened_at >= self.timings.backoff_base
            ):
                await self._learn(client)
                watchdog.feed()
        return Verdict("retry", Reason("stream_closed"))

    async def _learn(self, client: httpx.AsyncClient) -> None:
        """Once: the hub's list while streaming, for the name of the entry
        that pays and its grants (and the user's other entries). Whatever
        fails, the stream goes on; it is not asked again."""
        self._learned = True
        self.polls += 1
        try:
            status, content_type, body, _ = await self._get_list(client)
            if status != 200 or content_type.lower().startswith("text/html"):
                return
            entries = parse_list(read_json(body))
        except (Late, Unreadable, httpx.HTTPError):
            return
        if not entries:
            return
        self._listed = entries
        # The entry the stream shows; the only one is the one (its numbers
        # may have moved between the two answers).
        only = entries[0]["name"] if len(entries) == 1 else None
        self._matched = match_entry(entries, self._streamed, self._matched) or self._matched or only
        self._streamed_unmatched = False
        self.entry = choose_entry(entries, self._matched) or self.entry
        self._changed_now()

    # -- one poll ------------------------------------------------------------

    async def _poll(self, client: httpx.AsyncClient) -> Verdict:
        """One ``GET {api}/credits``; delivers the paying entry as a snapshot."""
        self.polls += 1
        try:
            status, content_type, body, retry_after = await self._get_list(client)
        except (Late, Unreadable, httpx.HTTPError) as error:
            return _retry(error)
        if status == 404:
            missing = list_not_found(body)
            if missing == "free":
                self._deliver(None)  # no entry pays for this server
                return Verdict("ok")
            return Verdict("end", Reason(missing), state="unavailable")
        if status != 200:
            verdict = classify(status, "text/event-stream", False, retry_after, self._clock.time())
            if verdict.kind == "end":
                # The list has no "stopped" answers, and only its 404 means
                # no credit service: anything else is retried.
                verdict = Verdict("retry", Reason("hub_unexpected", status))
            return verdict
        if content_type.lower().startswith("text/html"):
            return Verdict("refused", Reason("hub_login_page"))
        try:
            entries = parse_list(read_json(body))
        except Unreadable as error:
            return _retry(error)
        if entries is None:
            return Verdict("retry", Reason("no_list"))
        self._listed = entries
        self._learned = True
        if self._streamed_unmatched:
            self._matched = match_entry(entries, self._streamed, self._matched) or self._matched
            self._streamed_unmatched = False
        if len(entries) == 1:
            # The only entry is the one that pays, whatever a stream shows later.
            self._matched = entries[0]["name"]
        choice = choose_entry(entries, self._matched)
        if choice is None:
            self._deliver(None)
        else:
            self.entry, self.free = choice, False
            self._set_state("polling", choice.reason())
            self._deliver(to_snapshot(choice.entry))
        return Verdict("ok")

    async def _get_list(self, client: httpx.AsyncClient) -> tuple[int, str, bytes, Optional[str]]:
        """The list's status, content type, body and ``Retry-After``."""
        headers = {**self.hub.headers, **PLAIN, "Accept": "application/json"}

        async def get() -> tuple[int, str, bytes, Optional[str]]:
            async with client.stream("GET", self.hub.list_url, headers=headers) as response:
                body = await read_capped(_body(response), self.limit)
                answer = response.headers
                kind = answer.get("content-type", "")
                return response.status_code, kind, body, answer.get("retry-after")

        return await Watchdog(self._clock, self.timings.connect_timeout).run(get())


def _retry(error: Exception, late: str = "no_response", lost: str = "network_error") -> Verdict:
    """A passing failure: no answer in time, an unreadable one, a network error."""
    if isinstance(error, Unreadable):
        return Verdict("retry", Reason("unreadable", error))
    if isinstance(error, Late):
        return Verdict("retry", Reason(late))
    return Verdict("retry", Reason(lost, type(error).__name__))


def list_not_found(body: bytes) -> str:
    """What the credit list's 404 says: ``free`` (no entry for this user),
    ``credits_disabled`` or ``no_credit_service`` (the route is missing)."""
    message = error_message(body) or ""
    if "credit entry" in message:
        return "free"
    return "credits_disabled" if "disabled" in message else "no_credit_service"


@functools.lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """httpx's default TLS context, made once: making one per client costs
    ~0.1 s of CPU, and the relay makes a client per upstream run."""
    return httpx.create_ssl_context()


def _body(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body as the hub sent it (its raw stream, not httpx's decoding,
    which would inflate a whole chunk at once), decoded within bounds."""
    return decoded(response.stream.__aiter__(), response.headers.get("content-encoding", ""))

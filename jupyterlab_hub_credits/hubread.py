"""Every byte from the hub, read strictly and within bounds (no I/O):
bounded decompression (``decoded``), SSE framing with capped lines and
events (``SseLines``), strict JSON (``read_json``: UTF-8, finite numbers,
nesting at most ``MAX_DEPTH``), and what a stream event or an error body
means. Nothing here raises anything but ``Unreadable``.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import AsyncIterator
from typing import Any, Optional

from .entries import parse_entry
from .protocol import MAX_EVENT_BYTES, MAX_MESSAGE_LENGTH

#: Deeper JSON is unreadable (real answers nest three levels).
MAX_DEPTH = 64
#: Inflated bytes handed on at a time.
CHUNK = 64 * 1024


class Unreadable(Exception):
    """The hub sent something this reader cannot use; ``str()`` says what."""


# -- bodies -------------------------------------------------------------------


def _wbits(encoding: str, first: bytes) -> Optional[int]:
    """zlib's window bits for ``Content-Encoding``; ``None`` for identity.
    ``deflate`` is zlib-wrapped as RFC 9110 says, or raw as some servers send."""
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return None
    if name in ("gzip", "x-gzip"):
        return 16 + zlib.MAX_WBITS
    if name == "deflate":
        wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] * 256 + first[1]) % 31 == 0
        return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS
    raise Unreadable(f"the hub answered in an encoding not asked for ({name[:40]})")


async def decoded(raw: AsyncIterator[bytes], encoding: str) -> AsyncIterator[bytes]:
    """The body's bytes, inflated at most ``CHUNK`` at a time, never more in
    memory than that (a 1,000:1 gzip bomb costs what its output is read).
    Bytes after the compressed body's end are unreadable, not kept."""
    inflater: Any = None
    plain = False
    async for chunk in raw:
        if not chunk:
            continue
        if plain:
            yield chunk
            continue
        if inflater is None:
            bits = _wbits(encoding, chunk)
            if bits is None:
                plain = True
                yield chunk
                continue
            inflater = zlib.decompressobj(bits)
        if inflater.eof:
            raise Unreadable("the hub sent more after its compressed answer ended")
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, CHUNK)
            except zlib.error as error:
                raise Unreadable(f"the hub's compressed answer is broken ({error})") from None
            data = inflater.unconsumed_tail
            if out:
                yield out
            if inflater.eof:
                if data or inflater.unused_data:
                    raise Unreadable("the hub sent more after its compressed answer ended")
                break
    if inflater is not None and not inflater.eof:
        raise Unreadable("the hub's compressed answer ends early")


async def read_capped(chunks: AsyncIterator[bytes], limit: int = MAX_EVENT_BYTES) -> bytes:
    """A whole (decoded) body, refused once it passes ``limit`` bytes."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise Unreadable(f"the hub's answer is larger than {_size(limit)}")
    return bytes(body)


def _size(limit: int) -> str:
    return f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit / 1024:g} KB"


class SseLines:
    """Server-sent-events framing: ``feed`` returns the events completed so
    far as ``(data, retry_ms)`` (other fields are left); a line or an event
    over ``limit`` bytes is ``Unreadable``."""

    def __init__(self, limit: int = MAX_EVENT_BYTES):
        self.limit, self._line = limit, bytearray()
        self._data: list[bytes] = []
        self._size, self._retry = 0, None
        self._cr = self._started = False

    def feed(self, chunk: bytes) -> list[tuple[bytes, Optional[int]]]:
        events: list[tuple[bytes, Optional[int]]] = []
        if not self._started and chunk:
            # A stream may begin with a byte-order mark (the SSE spec drops it).
            joined = bytes(self._line) + chunk
            self._line.clear()
            if len(joined) < 3 and _BOM.startswith(joined):
                self._line += joined  # decided with the next bytes
                return events
            self._started = True
            chunk = joined[3:] if joined.startswith(_BOM) else joined
        start = 0
        for match in _EOL.finditer(chunk):
            piece = chunk[start : match.start()]
            start = match.end()
            if self._cr and not piece and match.group() == b"\n" and match.start() == 0:
                # The \n of a \r\n split across chunks.
                self._cr = False
                continue
            self._cr = match.group() == b"\r"
            self._grow(piece)
            event = self._end_line()
            if event is not None:
                events.append(event)
        rest = chunk[start:]
        if rest:
            self._cr = False
            self._grow(rest)
        return events

    def _grow(self, piece: bytes) -> None:
        self._line += piece
        if len(self._line) > self.limit:
            raise Unreadable(f"a line or event from the hub is larger than {_size(self.limit)}")

    def _end_line(self) -> Optional[tuple[bytes, Optional[int]]]:
        line = bytes(self._line)
        self._line.clear()
        if not line:
            if not self._data and self._retry is None:
                return None
            event = (b"\n".join(self._data), self._retry)
            self._data, self._size, self._retry = [], 0, None
            return event
        if line.startswith(b":"):
            return None
        name, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if name == b"data":
            self._size += len(value) + 1
            if self._size > self.limit:
                raise Unreadable(f"a line or event from the hub is larger than {_size(self.limit)}")
            self._data.append(value)
        elif name == b"retry" and value.isdigit() and len(value) < 10:
            self._retry = int(value)
        return None


_EOL = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"


# -- JSON ---------------------------------------------------------------------

#: A JSON string (escapes included; an unterminated one runs to the end, so
#: the match never fails late), to be left out when counting brackets.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_PAIRS = str.maketrans("[{]}", "(())")


def _too_deep(text: str) -> bool:
    """Whether brackets (outside strings) nest deeper than ``MAX_DEPTH``:
    innermost pairs are removed one level per pass, each pass linear."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).translate(_PAIRS)
    for _ in range(MAX_DEPTH):
        if not brackets:
            return False
        shorter = brackets.replace("()", "")
        if shorter == brackets:
            return False  # unbalanced: the parser says what is wrong
        brackets = shorter
    return "()" in brackets


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise Unreadable(f"a number from the hub is too large ({text[:20]}…)")
    return value


def _int(text: str) -> int:
    try:
        value = int(text)
        float(value)
    except (OverflowError, ValueError):
        raise Unreadable(f"a number from the hub is too large ({text[:20]}…)") from None
    return value


def _constant(name: str) -> Any:
    raise Unreadable(f"the hub sent {name}, which is not JSON")


def read_json(data: bytes | str) -> Any:
    """One JSON value, read as RFC 8259 defines it (see the module)."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable("the hub's answer is not UTF-8") from None
    else:
        text = data
    if _too_deep(text):
        raise Unreadable(f"the hub's JSON nests deeper than {MAX_DEPTH}")
    try:
        return json.loads(text, parse_float=_float, parse_int=_int, parse_constant=_constant)
    except (ValueError, RecursionError) as error:
        raise Unreadable(f"the hub's answer is not JSON ({str(error)[:80]})") from None


def error_message(body: bytes) -> Optional[str]:
    """The ``message`` of a hub JSON error body, or ``None``."""
    try:
        value = read_json(body)
    except Unreadable:
        return None
    if isinstance(value, dict) and isinstance(value.get("message"), str):
        return value["message"][:MAX_MESSAGE_LENGTH]
    return None


def server_event(data: bytes | str) -> tuple[str, Any]:
    """One per-server stream event: ``("snapshot", dict)`` with the checked
    fields only, ``("stopped", message)``, or ``Unreadable``."""
    value = read_json(data)
    if not isinstance(value, dict):
        raise Unreadable(f"the hub sent a {type(value).__name__} where an object belongs")
    if "error" in value:
        message = value["error"]
        if not isinstance(message, str):
            raise Unreadable("the hub's stop event has no message")
        return "stopped", message[:MAX_MESSAGE_LENGTH]
    snapshot = parse_entry(value, named=False)
    if snapshot is None:
        raise Unreadable("the hub's snapshot lacks a valid balance or cap")
    return "snapshot", snapshot

"""Waiting on the relay's clock: every wait on the hub runs on an injected
clock (tests move a fake one by hand), with time limits that cancel what
they wait for and leave no exception unobserved."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Any, Optional

import httpx

log = logging.getLogger(__name__)


class Clock:
    """Time for the relay; tests pass one they move by hand."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> Awaitable[None]:
        return asyncio.sleep(max(0.0, seconds))


class Late(Exception):
    """A watchdog's time ran out."""


class Watchdog:
    """A time limit on the relay's clock: ``run`` cancels the work and
    raises ``Late`` once ``seconds`` passed since the start or the last
    ``feed`` (every wait on the hub runs on the injected clock)."""

    def __init__(self, clock: Clock, seconds: float):
        self.clock = clock
        self.seconds = seconds
        self.last = clock.monotonic()

    def feed(self) -> None:
        self.last = self.clock.monotonic()

    async def run(self, work: Awaitable[Any]) -> Any:
        task = asyncio.ensure_future(work)
        handed = False
        try:
            while not task.done():
                remaining = self.last + self.seconds - self.clock.monotonic()
                if remaining <= 0:
                    raise Late()
                await first([task], self.clock, remaining)
            result = task.result()
            handed = True
            return result
        finally:
            if not task.done():
                await cancelled(task)
            elif not task.cancelled() and task.exception() is None and not handed:
                # Done just as time ran out or the caller left: close what it opened.
                result = task.result()
                if isinstance(result, httpx.Response):
                    asyncio.ensure_future(closed(result)).add_done_callback(observed)


async def closed(response: httpx.Response) -> None:
    try:
        await response.aclose()
    except Exception:  # noqa: BLE001 - closing a broken response
        log.debug("credits relay: closing a response failed", exc_info=True)


def observed(task: asyncio.Future[Any]) -> None:
    """Done callback of the reading task: no exception goes unobserved."""
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.warning("credits relay: the reading task ended with %s", type(error).__name__)


async def cancelled(task: asyncio.Task[Any]) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        cancelling = getattr(current, "cancelling", None)
        if cancelling is not None and cancelling():
            raise  # this task itself is being cancelled
    except Exception:  # noqa: BLE001 - the attempt is being abandoned
        log.debug("credits relay: an abandoned stream attempt failed", exc_info=True)


async def first(waits: list[Awaitable[Any]], clock: Clock, timeout: Optional[float]) -> None:
    """Returns when one of ``waits`` is done or ``timeout`` passed (on ``clock``).

    Tasks among ``waits`` are left running; helpers made here are cancelled.
    """
    futures = [asyncio.ensure_future(item) for item in waits]
    own = [future for future, item in zip(futures, waits) if future is not item]
    if timeout is not None:
        sleeper = asyncio.ensure_future(clock.sleep(max(0.0, timeout)))
        own.append(sleeper)
        futures.append(sleeper)
    try:
        await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in own:
            if not future.done():
                future.cancel()

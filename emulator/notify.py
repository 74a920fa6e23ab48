"""A tiny broadcast primitive: "something changed, re-check your condition".

Waiters (long-polling getUpdates, ``expect_message`` ...) re-evaluate a
predicate whenever the emulator state changes instead of sleeping in a loop.
All state changes happen synchronously inside the single event loop, so there
is no lost-wakeup window between evaluating a predicate and starting to wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

__all__ = ["Signal"]


class Signal:
    """Edge-triggered broadcast to any number of waiters."""

    def __init__(self) -> None:
        # asyncio.Event binds to the running loop lazily (Python >= 3.10), so
        # it is fine to create it outside of a coroutine.
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake everybody currently waiting; later waiters wait for the next fire."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_until(
        self, predicate: Callable[[], T | None], timeout: float | None
    ) -> T | None:
        """Return the first non-None value of ``predicate()``, or None on timeout.

        ``timeout=None`` waits forever; ``timeout<=0`` checks once.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            event = self._event  # grab before checking so a fire in between is not missed
            value = predicate()
            if value is not None:
                return value
            if deadline is None:
                await event.wait()
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return predicate()

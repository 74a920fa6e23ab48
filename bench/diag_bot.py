"""Diagnostics only, not a fix: `python -m bot` with one suspected cost switched off, to
measure how much of a benchmark's gap it explains. The product code is untouched; the
switch is applied by patching at import time in this child process.

    python -m bench.diag_bot no-overall-limit   # AIORateLimiter without its 30/s overall limit
    python -m bench.diag_bot per-user           # updates of different people run concurrently,
                                                # each person's one at a time
    python -m bench.diag_bot lean-db            # a known user is touched with one
                                                # UPDATE ... RETURNING (not BEGIN, SELECT,
                                                # UPDATE, SELECT, COMMIT), and unchanged
                                                # user/chat data is not written again
    python -m bench.diag_bot smooth-limit       # the overall limit as an even 29/s pace
                                                # (no burst of 30 on top of the rate)
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, BaseUpdateProcessor

import bot.app
from bot.ratelimit import RetryingRateLimiter


class _NoOverallLimit(RetryingRateLimiter):
    """The bot's limiter with PTB's overall 30 requests/s bucket removed (per-group limits,
    429 retries and network retries stay)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._base_limiter = None


class _SmoothLimit(RetryingRateLimiter):
    """The bot's limiter with the overall bucket replaced by an even pace: one request
    every 1/29 s, never a burst, so no one-second window holds more than 30."""

    def __init__(self, **kwargs) -> None:
        from aiolimiter import AsyncLimiter

        super().__init__(**kwargs)
        self._base_limiter = AsyncLimiter(max_rate=1, time_period=1 / 29)


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Concurrent updates, but one at a time per person (or chat when there is no
    person), so a dialog still sees its steps in order."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[Any, asyncio.Lock] = (
            weakref.WeakValueDictionary())

    async def do_process_update(self, update: object, coroutine) -> None:
        key: Any = None
        if isinstance(update, Update):
            if update.effective_user is not None:
                key = ("user", update.effective_user.id)
            elif update.effective_chat is not None:
                key = ("chat", update.effective_chat.id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class _PerUserBuilder(ApplicationBuilder):
    def build(self):
        self.concurrent_updates(PerUserUpdateProcessor())
        return super().build()


def _lean_db() -> None:
    import json

    from bot.persistence import SQLitePersistence
    from bot.users import UserService
    from storage.users import UserRecord

    original_touch = UserService.register_or_touch

    async def register_or_touch(self, identity):
        row = await self._database.fetch_one(
            "UPDATE users SET username = ?, last_seen_at = ?, is_active = 1 WHERE id = ?"
            " RETURNING *", (identity.username, self._clock.timestamp(), identity.id))
        if row is None:
            return await original_touch(self, identity)
        return UserRecord.from_row(row), False

    UserService.register_or_touch = register_or_touch

    def skip_unchanged(name: str) -> None:
        original = getattr(SQLitePersistence, name)

        async def update(self, owner_id, data):
            written = self.__dict__.setdefault("_written", {})
            encoded = json.dumps(data, sort_keys=True)
            if written.get((name, owner_id)) == encoded:
                return
            await original(self, owner_id, data)
            written[(name, owner_id)] = encoded

        setattr(SQLitePersistence, name, update)

    skip_unchanged("update_user_data")
    skip_unchanged("update_chat_data")


def main() -> int:
    switches = set(sys.argv[1:])
    if "no-overall-limit" in switches:
        bot.app.RetryingRateLimiter = _NoOverallLimit
    if "lean-db" in switches:
        _lean_db()
    if "smooth-limit" in switches:
        bot.app.RetryingRateLimiter = _SmoothLimit
    if "per-user" in switches:
        bot.app.ApplicationBuilder = _PerUserBuilder
    sys.argv[1:] = []
    from bot.__main__ import main as bot_main

    return bot_main()


if __name__ == "__main__":
    sys.exit(main())

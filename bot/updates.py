"""How updates are processed: one person's in order, different people's at the same time.

PTB's default handles one update at a time for the whole bot, so one person waiting on
the database or on Telegram holds everybody up. Running all updates concurrently would
let two presses of the same person overtake each other inside a dialog. This processor
keeps each person's (or, without a person, each chat's) updates in arrival order and
lets different people proceed concurrently.

PTB's ConversationHandler needs the updates of one conversation processed one by one;
every conversation here is keyed by person (and chat), so the per-person order is
exactly that. A dialog that hands an update over (handlers/common.py) re-queues it, and
it waits behind the update that is finishing for the same person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._queues: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        if key is None:
            await coroutine
            return
        lock = self._queues.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued: forget the person
                del self._waiting[key]
                del self._queues[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None

"""PTB persistence backed by the application's SQLite database.

python-telegram-bot asks a BasePersistence for conversation states and user/chat data at
start and hands changes back in `update_*` calls. Storing them in the same database as
everything else means a restart (even a SIGKILL) resumes every half-finished dialog:
the application flushes after each update (handlers/persistence_flush.py), not only on a
timer.

The flush of an update writes its changes in one transaction together with the update's
id (bot/update_ledger.py), so "this update's step is saved" and "this update was handled"
can never be true one without the other. PTB hands the changes over in concurrent
`update_*` calls (asyncio.gather); inside `staging()` they are only collected, and
`commit()` writes what was collected. Outside it (PTB's timer, its final run at
shutdown, a handler that saves at once) each change is written at once, as before.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.bot_state import BotStateRepository
from storage.db import Database, Queryable

ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]

# Set while a flush collects PTB's changes; gather's tasks inherit it (contextvars).
_STAGING: ContextVar[bool] = ContextVar("persistence_staging", default=False)


@dataclass(frozen=True)
class _Write:
    """One change waiting for its transaction; `cached` is what `_written` learns."""

    apply: Callable[[BotStateRepository], Awaitable[None]]
    cached: tuple[tuple[str, int], str] | None = None


class SQLitePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    def __init__(self, database: Database, *, update_interval: float = 5) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._database = database
        self._state = BotStateRepository(database)
        # What was last written per (table, id): PTB hands back every touched user's and
        # chat's data after each update, and most updates change none of it.
        self._written: dict[tuple[str, int], str] = {}
        # Changes collected for the next commit, the latest per key.
        self._staged: dict[tuple[object, ...], _Write] = {}

    @asynccontextmanager
    async def staging(self) -> AsyncIterator[None]:
        """Inside this block, changes handed over by PTB wait for `commit()`."""
        token = _STAGING.set(True)
        try:
            yield
        finally:
            _STAGING.reset(token)

    async def commit(self, also: Callable[[Queryable], Awaitable[None]] | None = None) -> None:
        """Write every collected change, and `also` (e.g. the update id), in one
        transaction. If it fails, the changes stay collected for the next commit (unless a
        newer change of the same key came meanwhile) and the error is raised."""
        staged, self._staged = self._staged, {}
        try:
            async with self._database.transaction() as tx:
                state = BotStateRepository(tx)
                # In one order for every commit: concurrent updates' commits touch the same
                # rows (a commit takes every change collected so far), and on PostgreSQL
                # two that lock them in opposite orders deadlock (one fails after 1 s).
                for _, write in sorted(staged.items(), key=_lock_order):
                    await write.apply(state)
                if also is not None:
                    await also(tx)
        except BaseException:
            for key, write in staged.items():
                self._staged.setdefault(key, write)
            raise
        for write in staged.values():
            if write.cached is not None:
                self._remember(*write.cached)

    @property
    def has_staged(self) -> bool:
        return bool(self._staged)

    async def _change(self, key: tuple[object, ...], write: _Write) -> None:
        if _STAGING.get():
            self._staged[key] = write
            return
        # Written at once; an older collected change of the same key is superseded.
        self._staged.pop(key, None)
        await write.apply(self._state)
        if write.cached is not None:
            self._remember(*write.cached)

    def _remember(self, key: tuple[str, int], encoded: str) -> None:
        if encoded:
            self._written[key] = encoded
        else:
            self._written.pop(key, None)

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return await self._loaded("user_data")

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return await self._loaded("chat_data")

    async def _loaded(self, table: str) -> dict[int, dict[str, Any]]:
        data = await self._state.load_all(table)
        self._written.update({(table, key): json.dumps(value) for key, value in data.items()})
        return data

    async def _save(self, table: str, owner_id: int, data: dict[str, Any]) -> None:
        key = (table, owner_id)
        encoded = json.dumps(data) if data else ""
        if self._written.get(key, "") == encoded:
            self._staged.pop(key, None)  # back to what is stored: nothing to write
            return

        async def apply(state: BotStateRepository) -> None:
            await state.save(table, owner_id, data)

        await self._change(key, _Write(apply, (key, encoded)))

    async def get_bot_data(self) -> dict[str, Any]:
        return await self._state.load_bot_data()

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        return await self._state.load_conversations(name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        async def apply(state: BotStateRepository) -> None:
            await state.save_conversation(name, key, new_state)

        await self._change(("conversation", name, *key), _Write(apply))

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        await self._save("user_data", user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        await self._save("chat_data", chat_id, data)

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        await self._state.save_bot_data(data)

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop("chat_data", chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop("user_data", user_id)

    async def _drop(self, table: str, owner_id: int) -> None:
        async def apply(state: BotStateRepository) -> None:
            await state.drop(table, owner_id)

        await self._change((table, owner_id), _Write(apply, ((table, owner_id), "")))

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def flush(self) -> None:
        # Called by PTB at shutdown: changes a failed commit left collected go out now.
        if self._staged:
            await self.commit()


def _lock_order(item: tuple[tuple[object, ...], _Write]) -> str:
    return repr(item[0])

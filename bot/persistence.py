"""PTB persistence backed by the application's SQLite database.

python-telegram-bot asks a BasePersistence for conversation states and user/chat data at
start and hands changes back in `update_*` calls. Storing them in the same database as
everything else means a restart (even a SIGKILL) resumes every half-finished dialog:
the application flushes after each update (see app/factory.py), not only on a timer.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.bot_state import BotStateRepository
from storage.db import Database

ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]


class SQLitePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    def __init__(self, database: Database, *, update_interval: float = 5) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._state = BotStateRepository(database)
        # What was last written per (table, id): PTB hands back every touched user's and
        # chat's data after each update, and most updates change none of it.
        self._written: dict[tuple[str, int], str] = {}

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return await self._loaded("user_data")

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return await self._loaded("chat_data")

    async def _loaded(self, table: str) -> dict[int, dict[str, Any]]:
        data = await self._state.load_all(table)
        self._written.update({(table, key): json.dumps(value) for key, value in data.items()})
        return data

    async def _save(self, table: str, owner_id: int, data: dict[str, Any]) -> None:
        encoded = json.dumps(data) if data else ""
        if self._written.get((table, owner_id), "") == encoded:
            return
        await self._state.save(table, owner_id, data)
        self._written[(table, owner_id)] = encoded

    async def get_bot_data(self) -> dict[str, Any]:
        return await self._state.load_bot_data()

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        return await self._state.load_conversations(name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await self._state.save_conversation(name, key, new_state)

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        await self._save("user_data", user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        await self._save("chat_data", chat_id, data)

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        await self._state.save_bot_data(data)

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        self._written.pop(("chat_data", chat_id), None)
        await self._state.drop("chat_data", chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        self._written.pop(("user_data", user_id), None)
        await self._state.drop("user_data", user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def flush(self) -> None:
        # Every update_* call is written at once; nothing is buffered here.
        return None

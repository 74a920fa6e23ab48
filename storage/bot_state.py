"""Tables behind the restart-safe conversations: dialog states and per-user/chat data.

Values are stored as JSON text so that a person can read them in the database.
"""

from __future__ import annotations

import json
from typing import Any

from storage.db import Queryable


class BotStateRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def load_conversations(self, handler_name: str) -> dict[tuple[int | str, ...], Any]:
        rows = await self._db.fetch_all(
            "SELECT conversation_key, state FROM conversation_states WHERE handler_name ="
            " :handler_name",
            {"handler_name": handler_name},
        )
        return {tuple(json.loads(row[0])): json.loads(row[1]) for row in rows}

    async def save_conversation(
        self, handler_name: str, key: tuple[int | str, ...], state: Any | None
    ) -> None:
        encoded_key = json.dumps(list(key))
        if state is None:
            await self._db.execute(
                "DELETE FROM conversation_states WHERE handler_name = :handler_name AND"
                " conversation_key = :encoded_key",
                {"handler_name": handler_name, "encoded_key": encoded_key},
            )
            return
        await self._db.execute(
            "INSERT INTO conversation_states (handler_name, conversation_key, state)"
            " VALUES (:handler_name, :encoded_key, :value) ON CONFLICT (handler_name,"
            " conversation_key)"
            " DO UPDATE SET state = excluded.state",
            {"handler_name": handler_name, "encoded_key": encoded_key, "value": json.dumps(state)},
        )

    async def load_all(self, table: str) -> dict[int, dict[str, Any]]:
        column = _id_column(table)
        rows = await self._db.fetch_all(f"SELECT {column}, data FROM {table}")
        return {row[0]: json.loads(row[1]) for row in rows}

    async def save(self, table: str, owner_id: int, data: dict[str, Any]) -> None:
        column = _id_column(table)
        if not data:
            await self.drop(table, owner_id)
            return
        await self._db.execute(
            f"INSERT INTO {table} ({column}, data) VALUES (:owner_id, :value)"
            f" ON CONFLICT ({column}) DO UPDATE SET data = excluded.data",
            {"owner_id": owner_id, "value": json.dumps(data)},
        )

    async def drop(self, table: str, owner_id: int) -> None:
        await self._db.execute(
            f"DELETE FROM {table} WHERE {_id_column(table)} = :owner_id", {"owner_id": owner_id}
        )

    async def load_bot_data(self) -> dict[str, Any]:
        raw = await self._db.fetch_value("SELECT data FROM bot_data WHERE id = 1")
        return {} if raw is None else json.loads(raw)

    async def save_bot_data(self, data: dict[str, Any]) -> None:
        await self._db.execute(
            "INSERT INTO bot_data (id, data) VALUES (1, :value)"
            " ON CONFLICT (id) DO UPDATE SET data = excluded.data",
            {"value": json.dumps(data)},
        )


def _id_column(table: str) -> str:
    # Table names come from our own code only; this guard keeps it that way.
    columns = {"user_data": "user_id", "chat_data": "chat_id"}
    if table not in columns:
        raise ValueError(f"unknown bot state table {table!r}")
    return columns[table]

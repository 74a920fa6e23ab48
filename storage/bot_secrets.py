"""The bot_secrets table: secrets the bot made for itself and must keep across restarts."""

from __future__ import annotations

from storage.db import Queryable


class BotSecretRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def get_or_create(self, name: str, candidate: str, *, now: int) -> str:
        """The stored secret `name`; the first call stores `candidate` and returns it.
        Two processes starting at once agree: the first insert wins, both read it back."""
        await self._db.execute(
            "INSERT INTO bot_secrets (name, value, created_at) VALUES (:name, :candidate, :now)"
            " ON CONFLICT (name) DO NOTHING",
            {"name": name, "candidate": candidate, "now": now},
        )
        return str(
            await self._db.fetch_value(
                "SELECT value FROM bot_secrets WHERE name = :name", {"name": name}
            )
        )

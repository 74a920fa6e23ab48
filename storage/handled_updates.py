"""The handled_updates table: ids of the updates the bot has recently handled."""

from __future__ import annotations

from storage.db import Queryable


class HandledUpdateRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def contains(self, update_id: int) -> bool:
        return (
            await self._db.fetch_value(
                "SELECT 1 FROM handled_updates WHERE update_id = :update_id",
                {"update_id": update_id},
            )
            is not None
        )

    async def remember(self, update_id: int, *, now: int) -> None:
        """Record the id; recording it twice keeps the first time."""
        await self._db.execute(
            "INSERT INTO handled_updates (update_id, handled_at) VALUES (:update_id, :now)"
            " ON CONFLICT (update_id) DO NOTHING",
            {"update_id": update_id, "now": now},
        )

    async def forget_before(self, moment: int) -> int:
        """Delete ids handled before `moment`; returns how many."""
        return await self._db.execute(
            "DELETE FROM handled_updates WHERE handled_at < :moment", {"moment": moment}
        )

"""Reminders before a conference starts, read from the database so a restart loses none,
and recorded once sent so none goes out twice. No timer per conference: one periodic
query over the start-time index finds what is due."""

from __future__ import annotations

from dataclasses import dataclass

from storage.conferences import ConferenceRecord
from storage.db import Queryable

# Owners, and people who opened the conference's link (and were not removed by the owner),
# whose reminder moment has come.
_DUE = """
SELECT c.*, u.id AS recipient_id, u.language AS recipient_language,
       u.timezone AS recipient_timezone, {is_owner} AS recipient_is_owner
FROM conferences AS c
{join}
WHERE c.starts_at > :now AND c.starts_at <= :horizon AND {link}
  AND u.is_active = 1 AND u.is_blocked = 0
  AND COALESCE(u.reminder_minutes, :default_minutes) > 0
  AND c.starts_at - COALESCE(u.reminder_minutes, :default_minutes) * 60 <= :now
  AND NOT EXISTS (SELECT 1 FROM reminders_sent AS r
                  WHERE r.conference_id = c.id AND r.chat_id = u.id
                    AND r.starts_at = c.starts_at)
"""
# CROSS JOIN fixes the join order in SQLite: start from the few conferences in the next
# hour (conferences_start), not from every active user.
_OWNERS = _DUE.format(is_owner=1, join="CROSS JOIN users AS u", link="u.id = c.owner_id")
_PARTICIPANTS = _DUE.format(
    is_owner=0,
    join="CROSS JOIN participants AS p CROSS JOIN users AS u",
    link="p.conference_id = c.id AND p.kind = 'user' AND p.is_active = 1"
    " AND p.removed_at IS NULL AND u.id = p.chat_id",
)


@dataclass(frozen=True)
class DueReminder:
    conference: ConferenceRecord
    recipient_id: int
    language: str
    timezone: str
    is_owner: bool


class ReminderRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def due(
        self, *, now: int, window: int, default_minutes: int, limit: int
    ) -> list[DueReminder]:
        params = {"now": now, "horizon": now + window, "default_minutes": default_minutes}
        rows = await self._db.fetch_all(
            f"{_OWNERS} UNION ALL {_PARTICIPANTS} ORDER BY starts_at LIMIT {int(limit)}", params
        )
        return [
            DueReminder(
                ConferenceRecord.from_row(row),
                row["recipient_id"],
                row["recipient_language"],
                row["recipient_timezone"],
                bool(row["recipient_is_owner"]),
            )
            for row in rows
        ]

    async def claim(self, conference_id: int, chat_id: int, starts_at: int, *, now: int) -> bool:
        """Mark a reminder as sent; False if it was already (never send it twice)."""
        return bool(
            await self._db.execute(
                "INSERT INTO reminders_sent (conference_id, chat_id, starts_at, sent_at)"
                " VALUES (:conference_id, :chat_id, :starts_at, :now) ON CONFLICT DO NOTHING",
                {
                    "conference_id": conference_id,
                    "chat_id": chat_id,
                    "starts_at": starts_at,
                    "now": now,
                },
            )
        )


class JoinWaiterRepository:
    """Participants who pressed Join before the owner, where the owner must be first."""

    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def add(self, conference_id: int, user_id: int, display_name: str, *, now: int) -> None:
        await self._db.execute(
            "INSERT INTO join_waiters (conference_id, user_id, display_name, created_at)"
            " VALUES (:conference_id, :user_id, :display_name, :now) ON CONFLICT (conference_id,"
            " user_id)"
            " DO UPDATE SET display_name = excluded.display_name",
            {
                "conference_id": conference_id,
                "user_id": user_id,
                "display_name": display_name,
                "now": now,
            },
        )

    async def take_all(self, conference_id: int) -> list[tuple[int, str]]:
        """Everyone waiting, removed from the list: (user id, name to join with)."""
        rows = await self._db.fetch_all(
            "SELECT user_id, display_name FROM join_waiters WHERE conference_id = :conference_id"
            " ORDER BY created_at, user_id",
            {"conference_id": conference_id},
        )
        await self._db.execute(
            "DELETE FROM join_waiters WHERE conference_id = :conference_id",
            {"conference_id": conference_id},
        )
        return [(row[0], row[1]) for row in rows]

    async def remove(self, conference_id: int, user_id: int) -> None:
        """The owner removed the participant: they are not let in when the owner joins."""
        await self._db.execute(
            "DELETE FROM join_waiters WHERE conference_id = :conference_id AND user_id = :user_id",
            {"conference_id": conference_id, "user_id": user_id},
        )

"""Who hears about a conference besides its owner: e-mail invitees, Telegram participants
(people who opened its deep link, and groups that got its invite card), and the cards
posted through inline mode that can be edited in place."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Queryable


@dataclass(frozen=True)
class Participant:
    conference_id: int
    chat_id: int
    kind: str  # "user" or "group"
    title: str
    is_active: bool


class ParticipantRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def add(
        self, conference_id: int, chat_id: int, *, kind: str, title: str, now: int
    ) -> bool:
        """Record a participant; returns False if they were one already (then reactivated)."""
        changed = await self._db.execute(
            "INSERT INTO participants (conference_id, chat_id, kind, title, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (conference_id, chat_id) DO NOTHING",
            (conference_id, chat_id, kind, title[:128], now),
        )
        if not changed:
            await self._db.execute(
                "UPDATE participants SET is_active = 1, title = ?"
                " WHERE conference_id = ? AND chat_id = ?",
                (title[:128], conference_id, chat_id),
            )
        return bool(changed)

    async def active(self, conference_id: int) -> list[Participant]:
        rows = await self._db.fetch_all(
            "SELECT * FROM participants WHERE conference_id = ? AND is_active = 1"
            " ORDER BY created_at, chat_id",
            (conference_id,),
        )
        return [
            Participant(
                r["conference_id"], r["chat_id"], r["kind"], r["title"], bool(r["is_active"])
            )
            for r in rows
        ]

    async def is_participant(self, conference_id: int, chat_id: int) -> bool:
        return (
            await self._db.fetch_one(
                "SELECT 1 FROM participants"
                " WHERE conference_id = ? AND chat_id = ? AND is_active = 1",
                (conference_id, chat_id),
            )
            is not None
        )

    async def deactivate_chat(self, chat_id: int) -> int:
        """The chat blocked the bot or removed it: skip it from now on, everywhere."""
        return await self._db.execute(
            "UPDATE participants SET is_active = 0 WHERE chat_id = ?", (chat_id,)
        )


class InvitationRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def add(self, conference_id: int, email: str, *, now: int) -> bool:
        return bool(
            await self._db.execute(
                "INSERT INTO invitations (conference_id, email, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (conference_id, email) DO NOTHING",
                (conference_id, email, now),
            )
        )

    async def emails(self, conference_id: int) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT email FROM invitations WHERE conference_id = ? ORDER BY id", (conference_id,)
        )
        return [row[0] for row in rows]


class InlineCardRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def add(self, inline_message_id: str, conference_id: int, *, now: int) -> None:
        await self._db.execute(
            "INSERT INTO inline_cards (inline_message_id, conference_id, created_at)"
            " VALUES (?, ?, ?) ON CONFLICT (inline_message_id) DO NOTHING",
            (inline_message_id, conference_id, now),
        )

    async def for_conference(self, conference_id: int) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT inline_message_id FROM inline_cards WHERE conference_id = ?", (conference_id,)
        )
        return [row[0] for row in rows]

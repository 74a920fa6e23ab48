"""Who hears about a conference besides its owner: e-mail invitees, Telegram participants
(people who opened its deep link, and groups that got its invite card), and the cards
posted through inline mode that can be edited in place.

The owner may remove a participant or an invitee: the row stays with `removed_at` set,
so that the person's deep link cannot bring them back and nothing more reaches them.
A person may also leave on their own: the row is removed the same way and `left_at` is
set too, so that they (and only they) may come back when they ask to.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Queryable, Row


@dataclass(frozen=True)
class Participant:
    conference_id: int
    chat_id: int
    kind: str  # "user" or "group"
    title: str
    is_active: bool
    removed_at: int | None = None
    left_at: int | None = None  # set (with removed_at) when the person left on their own

    @classmethod
    def from_row(cls, row: Row) -> Participant:
        return cls(
            row["conference_id"],
            row["chat_id"],
            row["kind"],
            row["title"],
            bool(row["is_active"]),
            row["removed_at"],
            row["left_at"],
        )


@dataclass(frozen=True)
class RosterEntry:
    """One line of the owner's "Participants" list."""

    kind: str  # "user", "group" or "email"
    ref: int  # the chat id (user, group) or the invitation's id (email)
    title: str  # the name, the group's title or the address


@dataclass(frozen=True)
class Invitee:
    """An e-mail invitee and the language of their first invitation (None: not known)."""

    email: str
    language: str | None


class ParticipantRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def add(
        self,
        conference_id: int,
        chat_id: int,
        *,
        kind: str,
        title: str,
        now: int,
        restore: bool = False,
    ) -> bool:
        """Record a participant; returns False if they were one already (then reactivated).

        A removed participant stays removed, unless `restore` (the owner's own act, such
        as posting the conference to that group again)."""
        changed = await self._db.execute(
            "INSERT INTO participants (conference_id, chat_id, kind, title, created_at)"
            " VALUES (:conference_id, :chat_id, :kind, :title, :now) ON CONFLICT (conference_id,"
            " chat_id) DO NOTHING",
            {
                "conference_id": conference_id,
                "chat_id": chat_id,
                "kind": kind,
                "title": title[:128],
                "now": now,
            },
        )
        if not changed:
            await self._db.execute(
                "UPDATE participants SET is_active = 1, title = :title, removed_at = NULL,"
                " left_at = NULL"
                " WHERE conference_id = :conference_id AND chat_id = :chat_id AND (removed_at IS"
                " NULL OR :restore = 1)",
                {
                    "title": title[:128],
                    "conference_id": conference_id,
                    "chat_id": chat_id,
                    "restore": int(restore),
                },
            )
        return bool(changed)

    async def get(self, conference_id: int, chat_id: int) -> Participant | None:
        """The row, removed or not."""
        row = await self._db.fetch_one(
            "SELECT * FROM participants WHERE conference_id = :conference_id AND chat_id ="
            " :chat_id",
            {"conference_id": conference_id, "chat_id": chat_id},
        )
        return None if row is None else Participant.from_row(row)

    async def active(self, conference_id: int) -> list[Participant]:
        """Those to tell: not removed, and not known to have blocked the bot."""
        rows = await self._db.fetch_all(
            "SELECT * FROM participants WHERE conference_id = :conference_id AND is_active = 1"
            " AND removed_at IS NULL ORDER BY created_at, chat_id",
            {"conference_id": conference_id},
        )
        return [Participant.from_row(row) for row in rows]

    async def is_participant(self, conference_id: int, chat_id: int) -> bool:
        return (
            await self._db.fetch_one(
                "SELECT 1 FROM participants WHERE conference_id = :conference_id AND chat_id ="
                " :chat_id"
                " AND is_active = 1 AND removed_at IS NULL",
                {"conference_id": conference_id, "chat_id": chat_id},
            )
            is not None
        )

    async def remove(self, conference_id: int, chat_id: int, *, now: int) -> bool:
        """The owner removed them; False if they were not (or no longer) a participant."""
        return bool(
            await self._db.execute(
                "UPDATE participants SET removed_at = :now"
                " WHERE conference_id = :conference_id AND chat_id = :chat_id AND removed_at IS"
                " NULL",
                {"now": now, "conference_id": conference_id, "chat_id": chat_id},
            )
        )

    async def leave(self, conference_id: int, chat_id: int, *, now: int) -> bool:
        """The person left on their own; False if they were not (or no longer) in."""
        return bool(
            await self._db.execute(
                "UPDATE participants SET removed_at = :now, left_at = :now"
                " WHERE conference_id = :conference_id AND chat_id = :chat_id AND kind = 'user'"
                " AND removed_at IS NULL",
                {"now": now, "conference_id": conference_id, "chat_id": chat_id},
            )
        )

    async def rejoin(self, conference_id: int, chat_id: int) -> bool:
        """A person who left takes part again (never one the owner removed); False if
        they had not left."""
        return bool(
            await self._db.execute(
                "UPDATE participants SET removed_at = NULL, left_at = NULL, is_active = 1"
                " WHERE conference_id = :conference_id AND chat_id = :chat_id AND left_at IS NOT"
                " NULL",
                {"conference_id": conference_id, "chat_id": chat_id},
            )
        )

    async def deactivate_chat(self, chat_id: int) -> int:
        """The chat blocked the bot or removed it: skip it from now on, everywhere."""
        return await self._db.execute(
            "UPDATE participants SET is_active = 0 WHERE chat_id = :chat_id", {"chat_id": chat_id}
        )


class InvitationRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def add(
        self,
        conference_id: int,
        email: str,
        *,
        join_token: str,
        now: int,
        language: str | None = None,
    ) -> bool:
        """Record an invitee with the token of their own join page; an address the owner
        removed before is invited again (it is the owner's own act) under `join_token`, a
        new one, so the link they held before stays revoked. An invitee still in keeps the
        token they have. `language` is that of the first invitation, kept for every later
        message about the conference. Returns False if the address was already there."""
        inserted = await self._db.execute(
            "INSERT INTO invitations (conference_id, email, join_token, created_at, language)"
            " VALUES (:conference_id, :email, :join_token, :now, :language) ON CONFLICT"
            " (conference_id, email) DO NOTHING",
            {
                "conference_id": conference_id,
                "email": email,
                "join_token": join_token,
                "now": now,
                "language": language,
            },
        )
        if not inserted:
            await self._db.execute(
                "UPDATE invitations SET join_token = CASE WHEN removed_at IS NOT NULL"
                " OR join_token IS NULL THEN :join_token ELSE join_token END, removed_at = NULL,"
                " language = COALESCE(language, :language)"
                " WHERE conference_id = :conference_id AND email = :email",
                {
                    "join_token": join_token,
                    "language": language,
                    "conference_id": conference_id,
                    "email": email,
                },
            )
        return bool(inserted)

    async def invitees(self, conference_id: int) -> list[Invitee]:
        """The invitees to keep informed, with their languages, in the order invited."""
        rows = await self._db.fetch_all(
            "SELECT email, language FROM invitations"
            " WHERE conference_id = :conference_id AND removed_at IS NULL ORDER BY id",
            {"conference_id": conference_id},
        )
        return [Invitee(row["email"], row["language"]) for row in rows]

    async def join_token(self, conference_id: int, email: str, *, new_token: str) -> str | None:
        """The invitee's join-page token; `new_token` is stored first if they have none
        (rows of earlier versions). None if the address is not (or no longer) invited."""
        await self._db.execute(
            "UPDATE invitations SET join_token = :new_token WHERE conference_id = :conference_id"
            " AND email = :email"
            " AND join_token IS NULL AND removed_at IS NULL",
            {"new_token": new_token, "conference_id": conference_id, "email": email},
        )
        return await self._db.fetch_value(
            "SELECT join_token FROM invitations WHERE conference_id = :conference_id AND email ="
            " :email"
            " AND removed_at IS NULL",
            {"conference_id": conference_id, "email": email},
        )

    async def conference_of_token(self, join_token: str) -> int | None:
        """The conference an invitee's token opens; None if unknown or revoked (the
        invitee was removed)."""
        return await self._db.fetch_value(
            "SELECT conference_id FROM invitations WHERE join_token = :join_token AND removed_at"
            " IS NULL",
            {"join_token": join_token},
        )

    async def emails(self, conference_id: int) -> list[str]:
        """The invitees to keep informed (not those the owner removed)."""
        rows = await self._db.fetch_all(
            "SELECT email FROM invitations WHERE conference_id = :conference_id AND removed_at IS"
            " NULL"
            " ORDER BY id",
            {"conference_id": conference_id},
        )
        return [row[0] for row in rows]

    async def email_of(self, conference_id: int, invitation_id: int) -> str | None:
        """The address of an invitation of this conference, if the invitee is still in."""
        return await self._db.fetch_value(
            "SELECT email FROM invitations WHERE id = :invitation_id AND conference_id ="
            " :conference_id"
            " AND removed_at IS NULL",
            {"invitation_id": invitation_id, "conference_id": conference_id},
        )

    async def remove(self, conference_id: int, invitation_id: int, *, now: int) -> Invitee | None:
        """The owner removed the invitee: who it was, or None if already removed."""
        row = await self._db.fetch_one(
            "UPDATE invitations SET removed_at = :now"
            " WHERE id = :invitation_id AND conference_id = :conference_id AND removed_at IS NULL"
            " RETURNING email, language",
            {"now": now, "invitation_id": invitation_id, "conference_id": conference_id},
        )
        return None if row is None else Invitee(row["email"], row["language"])


# Telegram people and groups first, then e-mail invitees; each in the order they came.
_ROSTER = """
SELECT kind, chat_id AS ref, title, created_at, 0 AS source FROM participants
 WHERE conference_id = :conference AND removed_at IS NULL
UNION ALL
SELECT 'email', id, email, created_at, 1 FROM invitations
 WHERE conference_id = :conference AND removed_at IS NULL
"""


class RosterRepository:
    """The owner's "Participants" list: everyone who hears about the conference."""

    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def count(self, conference_id: int) -> int:
        return int(
            await self._db.fetch_value(
                f"SELECT COUNT(*) FROM ({_ROSTER}) AS roster", {"conference": conference_id}
            )
        )

    async def page(self, conference_id: int, *, limit: int, offset: int) -> list[RosterEntry]:
        rows = await self._db.fetch_all(
            f"{_ROSTER} ORDER BY source, created_at, ref LIMIT :limit OFFSET :offset",
            {"conference": conference_id, "limit": limit, "offset": offset},
        )
        return [RosterEntry(row["kind"], row["ref"], row["title"]) for row in rows]


class InlineCardRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def add(self, inline_message_id: str, conference_id: int, *, now: int) -> None:
        await self._db.execute(
            "INSERT INTO inline_cards (inline_message_id, conference_id, created_at)"
            " VALUES (:inline_message_id, :conference_id, :now) ON CONFLICT (inline_message_id) DO"
            " NOTHING",
            {"inline_message_id": inline_message_id, "conference_id": conference_id, "now": now},
        )

    async def for_conference(self, conference_id: int) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT inline_message_id FROM inline_cards WHERE conference_id = :conference_id",
            {"conference_id": conference_id},
        )
        return [row[0] for row in rows]

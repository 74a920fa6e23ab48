"""The users table: who talks to the bot, their profile and preferences."""

from __future__ import annotations

from dataclasses import dataclass, fields

from storage.db import Queryable, Row


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str | None
    full_name: str
    email: str | None  # verified: a new address waits in email_verifications until then
    language: str
    timezone: str
    remember_name: bool
    display_name: str | None
    is_blocked: bool
    is_active: bool
    created_at: int
    updated_at: int
    last_seen_at: int
    reminder_minutes: int | None = None  # None: the operator's default
    # True: confirmed or chosen; False: to be asked once; None: registered before the
    # question existed (migration 14).
    timezone_confirmed: bool | None = False

    @classmethod
    def from_row(cls, row: Row) -> UserRecord:
        record = {f.name: row[f.name] for f in fields(cls)}
        for flag in ("remember_name", "is_blocked", "is_active"):
            record[flag] = bool(record[flag])
        if record["timezone_confirmed"] is not None:
            record["timezone_confirmed"] = bool(record["timezone_confirmed"])
        return cls(**record)


@dataclass(frozen=True)
class ProfileFields:
    """The part of a user that the user edits in "Personal information". `email` is the
    address the person wants: the verified one, or the one waiting for its code."""

    full_name: str
    email: str | None
    language: str
    timezone: str
    remember_name: bool
    display_name: str | None
    reminder_minutes: int | None = None


class UserRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def get(self, user_id: int) -> UserRecord | None:
        row = await self._db.fetch_one(
            "SELECT * FROM users WHERE id = :user_id", {"user_id": user_id}
        )
        return None if row is None else UserRecord.from_row(row)

    async def record_seen(
        self,
        user_id: int,
        *,
        username: str | None,
        full_name: str,
        language: str,
        timezone: str,
        now: int,
    ) -> tuple[UserRecord, bool]:
        """Register a new user or refresh a known one; returns (user, is_new).

        For a known user only what Telegram owns (the username) and the activity marks
        change: the profile, language and time zone are the user's own choices.
        """
        row = await self._db.fetch_one(
            "UPDATE users SET username = :username, last_seen_at = :now, is_active = 1 WHERE id ="
            " :user_id"
            " RETURNING *",
            {"username": username, "now": now, "user_id": user_id},
        )
        if row is not None:
            return UserRecord.from_row(row), False
        await self._db.execute(
            "INSERT INTO users (id, username, full_name, language, timezone,"
            " timezone_confirmed, created_at, updated_at, last_seen_at)"
            " VALUES (:user_id, :username, :full_name, :language, :timezone, 0, :now, :now, :now)"
            " ON CONFLICT (id) DO NOTHING",
            {
                "user_id": user_id,
                "username": username,
                "full_name": full_name,
                "language": language,
                "timezone": timezone,
                "now": now,
            },
        )
        user = await self.get(user_id)
        assert user is not None
        return user, True

    async def save_profile(self, user_id: int, profile: ProfileFields, *, now: int) -> None:
        """Store every field but the e-mail, which changes only through `set_email`.
        A new time zone counts as confirmed: the person chose it."""
        await self._db.execute(
            "UPDATE users SET full_name = :full_name, language = :language,"
            " timezone_confirmed = CASE WHEN timezone <> :timezone THEN 1 ELSE timezone_confirmed"
            " END,"
            " timezone = :timezone, remember_name = :remember_name, display_name = :display_name,"
            " reminder_minutes = :reminder_minutes,"
            " updated_at = :now WHERE id = :user_id",
            {
                "full_name": profile.full_name,
                "language": profile.language,
                "timezone": profile.timezone,
                "remember_name": int(profile.remember_name),
                "display_name": profile.display_name,
                "reminder_minutes": profile.reminder_minutes,
                "now": now,
                "user_id": user_id,
            },
        )

    async def set_email(self, user_id: int, email: str | None, *, now: int) -> None:
        """The verified address (None: no address)."""
        await self._db.execute(
            "UPDATE users SET email = :email, updated_at = :now WHERE id = :user_id",
            {"email": email, "now": now, "user_id": user_id},
        )

    async def set_language(self, user_id: int, language: str, *, now: int) -> None:
        await self._db.execute(
            "UPDATE users SET language = :language, updated_at = :now WHERE id = :user_id",
            {"language": language, "now": now, "user_id": user_id},
        )

    async def remember_display_name(self, user_id: int, name: str | None, *, now: int) -> None:
        await self._db.execute(
            "UPDATE users SET remember_name = 1, display_name = :name, updated_at = :now WHERE id"
            " = :user_id",
            {"name": name, "now": now, "user_id": user_id},
        )

    async def confirm_timezone(self, user_id: int, timezone: str, *, now: int) -> None:
        """The person's answer to "Your time zone is ...: is that right?": this zone, confirmed."""
        await self._db.execute(
            "UPDATE users SET timezone = :timezone, timezone_confirmed = 1, updated_at = :now"
            " WHERE id = :user_id",
            {"timezone": timezone, "now": now, "user_id": user_id},
        )

    async def set_reminder(self, user_id: int, minutes: int | None, *, now: int) -> None:
        await self._db.execute(
            "UPDATE users SET reminder_minutes = :minutes, updated_at = :now WHERE id = :user_id",
            {"minutes": minutes, "now": now, "user_id": user_id},
        )

    async def set_active(self, user_id: int, active: bool) -> None:
        await self._db.execute(
            "UPDATE users SET is_active = :active WHERE id = :user_id",
            {"active": int(active), "user_id": user_id},
        )

    async def count(self) -> int:
        return int(await self._db.fetch_value("SELECT COUNT(*) FROM users"))

"""People who talk to the bot: registration on first contact and their profile."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import Clock
from bot.i18n import language_for
from bot.text import strip_invisible
from storage.db import Database
from storage.users import ProfileFields, UserRecord, UserRepository

log = logging.getLogger(__name__)

# Called after a saved profile changed the e-mail address: (user, old address).
EmailChangedHook = Callable[[UserRecord, str | None], Awaitable[None]]


@dataclass(frozen=True)
class TelegramIdentity:
    """What Telegram tells about a person, without depending on telegram's classes."""

    id: int
    full_name: str
    username: str | None
    language_code: str | None


class UserService:
    def __init__(self, database: Database, clock: Clock, *, default_timezone: str) -> None:
        self._database = database
        self._clock = clock
        self._default_timezone = default_timezone
        self._email_changed_hooks: list[EmailChangedHook] = []

    def on_email_changed(self, hook: EmailChangedHook) -> None:
        """The mail feature registers here to notify the new address."""
        self._email_changed_hooks.append(hook)

    async def get(self, user_id: int) -> UserRecord | None:
        return await UserRepository(self._database).get(user_id)

    async def register_or_touch(self, identity: TelegramIdentity) -> tuple[UserRecord, bool]:
        """The user as stored, registering them on first contact; returns (user, is_new).

        Runs on every update, so a known user costs one UPDATE ... RETURNING and no
        transaction of its own (the first contact inserts with ON CONFLICT DO NOTHING)."""
        return await UserRepository(self._database).record_seen(
            identity.id,
            username=identity.username,
            full_name=strip_invisible(identity.full_name)[:64],
            language=language_for(identity.language_code),
            timezone=self._default_timezone,
            now=self._clock.timestamp(),
        )

    async def save_profile(self, user_id: int, profile: ProfileFields) -> bool:
        """Store the edited profile; returns False when nothing had changed."""
        async with self._database.transaction() as tx:
            users = UserRepository(tx)
            before = await users.get(user_id)
            if before is None:
                raise LookupError(f"user {user_id} is not registered")
            if profile_of(before) == profile:
                return False
            await users.save_profile(user_id, profile, now=self._clock.timestamp())
            after = await users.get(user_id)
        assert after is not None
        if after.email and after.email != before.email:
            for hook in self._email_changed_hooks:
                await hook(after, before.email)
        return True

    async def set_reminder(self, user_id: int, minutes: int | None) -> None:
        """None: the operator's default; 0: off."""
        await UserRepository(self._database).set_reminder(
            user_id, minutes, now=self._clock.timestamp()
        )

    async def set_language(self, user_id: int, language: str) -> None:
        await UserRepository(self._database).set_language(
            user_id, language, now=self._clock.timestamp()
        )


def profile_of(user: UserRecord) -> ProfileFields:
    return ProfileFields(
        full_name=user.full_name,
        email=user.email,
        language=user.language,
        timezone=user.timezone,
        remember_name=user.remember_name,
        display_name=user.display_name,
        reminder_minutes=user.reminder_minutes,
    )

"""People who talk to the bot: registration on first contact and their profile.

The profile's e-mail is the verified address (`users.email`); an address the person
typed waits for its code in bot/verification.py and is shown as theirs, unconfirmed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot.clock import Clock
from bot.i18n import language_for
from bot.text import strip_invisible
from bot.verification import EmailVerificationService
from storage.db import Database
from storage.users import ProfileFields, UserRecord, UserRepository
from storage.verifications import VerificationRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TelegramIdentity:
    """What Telegram tells about a person, without depending on telegram's classes."""

    id: int
    full_name: str
    username: str | None
    language_code: str | None


@dataclass(frozen=True)
class SaveResult:
    changed: bool  # False: the draft was what is stored, nothing was written
    code_sent_to: str | None = None  # a new address now waits for the code sent there


class UserService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        default_timezone: str,
        verification: EmailVerificationService,
        ask_timezone: bool = True,
    ) -> None:
        self._database = database
        self._clock = clock
        self._default_timezone = default_timezone
        self._verification = verification
        self._ask_timezone = ask_timezone

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

    async def profile(self, user: UserRecord) -> ProfileFields:
        """What "Personal information" starts from: the stored fields, with the address
        waiting for its code (if any) as the e-mail the person wants."""
        pending = await VerificationRepository(self._database).get(user.id)
        return profile_of(user, pending.email if pending else None)

    async def save_profile(self, user_id: int, profile: ProfileFields) -> SaveResult:
        """Store the edited profile in one transaction. A new e-mail address is not
        stored as the profile's: it waits for the code sent to it. Removing the address
        ("-") or going back to the verified one takes effect at once.

        Raises InvalidInput when the code cannot be sent now (the hourly limit of codes,
        or the daily e-mail budget); then nothing at all is saved."""
        code_sent_to = None
        async with self._database.transaction() as tx:
            users = UserRepository(tx)
            before = await users.get(user_id)
            if before is None:
                raise LookupError(f"user {user_id} is not registered")
            pending = await VerificationRepository(tx).get(user_id)
            wanted = pending.email if pending else before.email
            if profile_of(before, pending.email if pending else None) == profile:
                return SaveResult(changed=False)
            now = self._clock.timestamp()
            await users.save_profile(user_id, profile, now=now)
            if profile.email != wanted:
                if profile.email is None:
                    await users.set_email(user_id, None, now=now)
                    await self._verification.drop(tx, user_id)
                elif profile.email == before.email:
                    await self._verification.drop(tx, user_id)
                else:
                    # The code and the answers are in the language and zone just saved.
                    saved = replace(before, language=profile.language, timezone=profile.timezone)
                    await self._verification.begin(tx, saved, profile.email)
                    code_sent_to = profile.email
        if code_sent_to:
            self._verification.wake_sender()
        return SaveResult(changed=True, code_sent_to=code_sent_to)

    def needs_timezone_question(self, user: UserRecord) -> bool:
        """Whether to ask "Your time zone is ...: is that right?" before this person's
        schedule or conference card: only until they have answered it once or chosen a
        zone in "Personal information". People from before the question existed count as
        having chosen unless their zone is still the default (ASK_TIMEZONE off: never)."""
        if not self._ask_timezone:
            return False
        if user.timezone_confirmed is None:
            return user.timezone == self._default_timezone
        return not user.timezone_confirmed

    async def confirm_timezone(self, user_id: int, timezone: str) -> None:
        """The answer to the question: `timezone` (the one they had, or a new one) is theirs."""
        await UserRepository(self._database).confirm_timezone(
            user_id, timezone, now=self._clock.timestamp()
        )

    async def set_reminder(self, user_id: int, minutes: int | None) -> None:
        """None: the operator's default; 0: off."""
        await UserRepository(self._database).set_reminder(
            user_id, minutes, now=self._clock.timestamp()
        )

    async def set_language(self, user_id: int, language: str) -> None:
        await UserRepository(self._database).set_language(
            user_id, language, now=self._clock.timestamp()
        )


def profile_of(user: UserRecord, pending_email: str | None = None) -> ProfileFields:
    """The editable fields of `user`; `pending_email`, when given, is the e-mail shown
    (the address waiting for its code) instead of the verified one."""
    return ProfileFields(
        full_name=user.full_name,
        email=pending_email if pending_email is not None else user.email,
        language=user.language,
        timezone=user.timezone,
        remember_name=user.remember_name,
        display_name=user.display_name,
        reminder_minutes=user.reminder_minutes,
    )

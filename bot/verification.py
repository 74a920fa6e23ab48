"""Confirming a profile's e-mail address (F11) before the bot uses it.

Anyone can type any address into "Personal information", so a new or changed address is
not used until its owner proves they read it: the bot sends it one message with a 6-digit
code (and nothing the person typed), and the address becomes the profile's e-mail
(`users.email`, the verified address) only when that code is typed back into the chat.
Until then invitations name the bot's own address as the organizer.

The code is stored as a salted HMAC, never as itself, and never logged; its body in the
outbox is deleted as soon as it is sent (bot/mail/outbox.py). Each code works for
CODE_MINUTES; MAX_WRONG_TRIES wrong codes cancel the change; at most CODES_PER_HOUR code
e-mails per person per hour, and every one counts against the daily e-mail budget.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.clock import Clock
from bot.formatting import format_moment
from bot.mail.budget import MailBudget
from bot.mail.compose import address_changed_message, verification_code_message
from bot.mail.outbox import CODE_KIND, HOUR, enqueue
from bot.settings import Settings
from bot.validation import InvalidInput
from storage.db import Database, Queryable
from storage.outbox import OutboxRepository
from storage.users import UserRecord, UserRepository
from storage.verifications import PendingEmail, VerificationRepository

CODE_MINUTES = 15
MAX_WRONG_TRIES = 5
CODES_PER_HOUR = 3
ADDRESS_CHANGED_KIND = "address_changed"  # the notice to the previous verified address


class CodeOutcome(StrEnum):
    NOTHING_PENDING = "nothing_pending"
    NOT_SENT = "not_sent"  # an address from before verification: no code sent yet
    EXPIRED = "expired"
    WRONG = "wrong"
    TOO_MANY_WRONG = "too_many_wrong"  # the change is cancelled
    CONFIRMED = "confirmed"


@dataclass(frozen=True)
class CodeCheck:
    outcome: CodeOutcome
    email: str = ""
    tries_left: int = 0


def is_code(typed: str) -> bool:
    """Exactly six ASCII digits (surrounding spaces allowed)."""
    candidate = typed.strip()
    return len(candidate) == 6 and candidate.isascii() and candidate.isdigit()


def _hash_code(code: str, salt: bytes) -> str:
    digest = hmac.new(salt, code.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{salt.hex()}${digest}"


def _code_matches(code: str, stored: str) -> bool:
    salt_hex, _, _digest = stored.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    return hmac.compare_digest(_hash_code(code, salt), stored)


class EmailVerificationService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        settings: Settings,
        *,
        wake_sender: Callable[[], None] = lambda: None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._settings = settings
        self._budget = MailBudget(settings, clock)
        self.wake_sender = wake_sender

    async def pending(self, user_id: int) -> PendingEmail | None:
        """The address waiting for its code, if any."""
        return await VerificationRepository(self._database).get(user_id)

    async def begin(self, tx: Queryable, user: UserRecord, email: str) -> None:
        """Inside the caller's transaction (a profile being saved): `email` waits for its
        code, which is queued now. InvalidInput when no code may be sent now (the hourly
        limit or the daily budget); the caller's transaction then changes nothing.
        `user` carries the language and time zone the answer and the e-mail use."""
        await VerificationRepository(tx).start(user.id, email, now=self._clock.timestamp())
        await self._send_code(tx, user, email)

    async def send_code(self, user: UserRecord) -> PendingEmail | None:
        """ "Send the code (again)": a new code replaces the earlier one. None when no
        address is waiting; InvalidInput when the hourly limit or the budget says no."""
        async with self._database.transaction() as tx:
            pending = await VerificationRepository(tx).get(user.id)
            if pending is None:
                return None
            await self._send_code(tx, user, pending.email)
            pending = await VerificationRepository(tx).get(user.id)
        self.wake_sender()
        return pending

    async def cancel(self, user_id: int) -> str | None:
        """ "Cancel the change": forget the waiting address; returns it (None: none)."""
        async with self._database.transaction() as tx:
            pending = await VerificationRepository(tx).get(user_id)
            if pending is None:
                return None
            await self.drop(tx, user_id)
        return pending.email

    async def drop(self, tx: Queryable, user_id: int) -> None:
        """Inside the caller's transaction: forget the waiting address, and stop its code
        e-mails that have not left yet (their code would not work any more)."""
        await VerificationRepository(tx).drop(user_id)
        await OutboxRepository(tx).cancel_pending(user_id, self._clock.timestamp(), kind=CODE_KIND)

    async def check_code(self, user: UserRecord, typed: str) -> CodeCheck:
        """A code typed by `user`: confirms the waiting address, or says why not. A wrong
        code counts as a try; the last allowed wrong try cancels the change."""
        now = self._clock.timestamp()
        notice = False
        async with self._database.transaction() as tx:
            verifications = VerificationRepository(tx)
            pending = await verifications.get(user.id)
            if pending is None:
                return CodeCheck(CodeOutcome.NOTHING_PENDING)
            if pending.code_hash is None or pending.expires_at is None:
                return CodeCheck(CodeOutcome.NOT_SENT, pending.email)
            if pending.expires_at <= now:
                return CodeCheck(CodeOutcome.EXPIRED, pending.email)
            if not (is_code(typed) and _code_matches(typed.strip(), pending.code_hash)):
                tries = await verifications.count_wrong_try(user.id)
                if tries >= MAX_WRONG_TRIES:
                    await self.drop(tx, user.id)
                    return CodeCheck(CodeOutcome.TOO_MANY_WRONG, pending.email)
                return CodeCheck(CodeOutcome.WRONG, pending.email, MAX_WRONG_TRIES - tries)
            previous = user.email
            await UserRepository(tx).set_email(user.id, pending.email, now=now)
            await self.drop(tx, user.id)
            if previous and previous.casefold() != pending.email.casefold():
                await self._notify_previous(tx, user, previous)
                notice = True
        if notice:
            self.wake_sender()
        return CodeCheck(CodeOutcome.CONFIRMED, pending.email)

    async def _send_code(self, tx: Queryable, user: UserRecord, email: str) -> None:
        now = self._clock.timestamp()
        outbox = OutboxRepository(tx)
        hour_ago = now - HOUR + 1
        if await outbox.count_recent(user.id, hour_ago, kinds=[CODE_KIND]) >= CODES_PER_HOUR:
            first = await outbox.first_since(user.id, CODE_KIND, hour_ago) or now
            again = datetime.fromtimestamp(first + HOUR, UTC)
            raise InvalidInput(
                "verify.resend_limit",
                {
                    "limit": str(CODES_PER_HOUR),
                    "time": format_moment(again, user.timezone, user.language),
                },
            )
        await self._budget.require(tx, user.id, 1, "budget.code")
        # An earlier code e-mail still queued would bring a code that no longer works.
        await outbox.cancel_pending(user.id, now, kind=CODE_KIND)
        code = f"{secrets.randbelow(10**6):06d}"
        expires_at = now + CODE_MINUTES * 60
        await VerificationRepository(tx).set_code(
            user.id, _hash_code(code, secrets.token_bytes(16)), expires_at
        )
        message = verification_code_message(
            language=user.language,
            recipient=email,
            code=code,
            expires_at=datetime.fromtimestamp(expires_at, UTC),
            minutes=CODE_MINUTES,
            sender=self._settings.mail_from,
            now=self._clock.now(),
        )
        await enqueue(tx, message, kind=CODE_KIND, owner_id=user.id, conference_id=None, now=now)

    async def _notify_previous(self, tx: Queryable, user: UserRecord, previous: str) -> None:
        """The previous verified address hears that the profile's address changed. It is
        never refused for the budget: it follows a code the person already received."""
        message = address_changed_message(
            language=user.language,
            recipient=previous,
            sender=self._settings.mail_from,
            now=self._clock.now(),
        )
        await enqueue(
            tx,
            message,
            kind=ADDRESS_CHANGED_KIND,
            owner_id=user.id,
            conference_id=None,
            now=self._clock.timestamp(),
        )

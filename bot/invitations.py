"""E-mail invitations (F3), updates after an edit (F8) and cancellations (F10).

Each message is queued in the outbox in the same transaction as the change it announces
(the invitation rows, the raised SEQUENCE, the deletion), so a crash can neither lose a
message that was confirmed to the owner nor send one for a change that was rolled back.
The background MailSender delivers them; `wake` tells it there is work.

Every e-mail counts against the owner's daily budget (bot/mail/budget.py); an action that
would go over is refused whole before it changes anything. A conference has at most
MAIL_MAX_INVITEES invitees. The organizer of the calendar is the owner's verified
address, or the bot's own (MAIL_FROM) while they have none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email

from bot.calendar import conference_uid
from bot.clock import Clock
from bot.links import new_join_token
from bot.mail.budget import MailBudget
from bot.mail.compose import ConferenceMail, Method, invitation_message
from bot.mail.outbox import enqueue
from bot.platforms import VideoPlatform
from bot.settings import Settings
from bot.validation import InvalidInput
from storage.conferences import ConferenceRecord, ConferenceRepository
from storage.db import Database, Queryable
from storage.outbox import OutboxRepository
from storage.participants import InvitationRepository, Participant, ParticipantRepository
from storage.users import UserRecord

INVITATION = "invitation"
UPDATE = "update"
CANCELLATION = "cancellation"
_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class AddressList:
    valid: list[str]
    invalid: list[str]


@dataclass(frozen=True)
class CancelResult:
    conference: ConferenceRecord
    emails: int
    participants: list[Participant]


def parse_addresses(typed: str, *, limit: int = 1000) -> AddressList:
    """Addresses separated by commas, semicolons, spaces or new lines: the valid ones
    normalised and without duplicates, and the rest named back (no DNS lookups)."""
    valid: list[str] = []
    invalid: list[str] = []
    seen: set[str] = set()
    for candidate in _SEPARATORS.split(typed.strip())[:limit]:
        if not candidate:
            continue
        try:
            address = validate_email(candidate, check_deliverability=False).normalized
        except EmailNotValidError:
            if candidate not in invalid:
                invalid.append(candidate[:80])
            continue
        if address.lower() not in seen:
            seen.add(address.lower())
            valid.append(address)
    return AddressList(valid, invalid)


class InvitationService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        settings: Settings,
        video: VideoPlatform,
        *,
        wake_sender: Callable[[], None] = lambda: None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._settings = settings
        self._video = video
        self._budget = MailBudget(settings, clock)
        self.wake_sender = wake_sender

    @property
    def max_recipients(self) -> int:
        return self._settings.mail_max_recipients

    async def check_limits(self, owner_id: int, conference_id: int, emails: list[str]) -> None:
        """Against abuse: so many addresses at a time, so many invitees per conference,
        and the owner's daily e-mail budget. InvalidInput says which and what is left."""
        await self._check_limits(self._database, owner_id, conference_id, emails)

    async def _check_limits(
        self, db: Queryable, owner_id: int, conference_id: int, emails: list[str]
    ) -> None:
        count = len(emails)
        if count > self._settings.mail_max_recipients:
            raise InvalidInput(
                "invite.too_many",
                {"count": str(count), "limit": str(self._settings.mail_max_recipients)},
            )
        invited = set(await InvitationRepository(db).emails(conference_id))
        new = {email for email in emails if email not in invited}
        if len(invited) + len(new) > self._settings.mail_max_invitees:
            left = max(0, self._settings.mail_max_invitees - len(invited))
            raise InvalidInput(
                "budget.invitees",
                {"limit": str(self._settings.mail_max_invitees), "left": str(left)},
            )
        await self._budget.require(db, owner_id, count, "invite.daily_limit")

    async def invite(self, owner: UserRecord, conference_id: int, emails: list[str]) -> int:
        """Record the invitees and queue one invitation each; returns how many were queued."""
        now = self._clock.timestamp()
        async with self._database.transaction() as tx:
            conference = await _owned(tx, owner.id, conference_id)
            await self._check_limits(tx, owner.id, conference.id, emails)
            invitations = InvitationRepository(tx)
            for email in emails:
                # Each invitee's own join page (bot/links.py); removing them revokes it.
                await invitations.add(conference.id, email, join_token=new_join_token(), now=now)
            attendees = await invitations.emails(conference.id)
            mail = self._mail(owner, conference, attendees)
            for email in emails:
                await self._queue(
                    tx, conference, mail, Method.REQUEST, email, INVITATION, update=False
                )
        self.wake_sender()
        return len(emails)

    async def notify_by_email(
        self, owner: UserRecord, conference_id: int
    ) -> tuple[ConferenceRecord, int]:
        """ "Notify participants": claim the change (a new SEQUENCE, the "not told yet"
        mark cleared; only one press can) and queue an updated invitation to every
        invitee, in one transaction. Raises InvalidInput "notify.up_to_date" when there
        is nothing new to tell (told already, a replayed or forged press), and
        "budget.notify" when the e-mails would go over the daily budget: then nothing
        changes, in e-mail or in Telegram. Returns the conference as claimed and how many
        e-mails were queued."""
        now = self._clock.timestamp()
        async with self._database.transaction() as tx:
            await _owned(tx, owner.id, conference_id)
            conference = await ConferenceRepository(tx).claim_change(
                conference_id, owner.id, now=now
            )
            if conference is None:
                raise InvalidInput("notify.up_to_date")
            invitees = await InvitationRepository(tx).emails(conference_id)
            # Over the budget: the exception rolls the claim back with everything else.
            await self._budget.require(tx, owner.id, len(invitees), "budget.notify")
            attendees = await InvitationRepository(tx).emails(conference_id)
            mail = self._mail(owner, conference, attendees)
            for email in attendees:
                await self._queue(tx, conference, mail, Method.REQUEST, email, UPDATE, update=True)
        if attendees:
            self.wake_sender()
        return conference, len(attendees)

    async def has_participants(self, conference_id: int) -> bool:
        emails = await InvitationRepository(self._database).emails(conference_id)
        chats = await ParticipantRepository(self._database).active(conference_id)
        return bool(emails or chats)

    async def cancel_and_delete(self, owner: UserRecord, conference_id: int) -> CancelResult:
        """Delete the conference and queue METHOD:CANCEL (same UID, higher SEQUENCE) to every
        invitee in the same transaction; the Telegram participants are returned to be told.
        InvalidInput("budget.delete") when the notices would go over the daily budget:
        then nothing is deleted (the owner may still delete without a notice)."""
        async with self._database.transaction() as tx:
            conference = await _owned(tx, owner.id, conference_id)
            attendees = await InvitationRepository(tx).emails(conference_id)
            await self._budget.require(tx, owner.id, len(attendees), "budget.delete")
            participants = await ParticipantRepository(tx).active(conference_id)
            cancelled = replace(conference, sequence=conference.sequence + 1)
            mail = self._mail(owner, cancelled, attendees)
            for email in attendees:
                await self._queue(
                    tx, cancelled, mail, Method.CANCEL, email, CANCELLATION, update=False
                )
            await ConferenceRepository(tx).delete(conference_id)
        if attendees:
            self.wake_sender()
        return CancelResult(conference, len(attendees), participants)

    async def remove_invitee(
        self, owner: UserRecord, conference_id: int, invitation_id: int
    ) -> str | None:
        """The owner removes an e-mail invitee: they get a METHOD:CANCEL for this
        conference (one message, to that address only, queued in the same transaction)
        and no further updates. Returns the address, or None if already removed."""
        now = self._clock.timestamp()
        async with self._database.transaction() as tx:
            conference = await _owned(tx, owner.id, conference_id)
            email = await InvitationRepository(tx).remove(conference_id, invitation_id, now=now)
            if email is None:
                return None
            # Above the SEQUENCE the invitee's calendar has, so the cancellation wins; and
            # stored, so that inviting the address again later is newer still.
            if await self._budget.left_today(tx, owner.id) < 1:
                # Out of today's e-mail budget: removed all the same, without the notice.
                return email
            sequence = await ConferenceRepository(tx).next_sequence(conference_id)
            cancelled = replace(conference, sequence=sequence)
            mail = self._mail(owner, cancelled, [email])
            await self._queue(tx, cancelled, mail, Method.CANCEL, email, CANCELLATION, update=False)
        self.wake_sender()
        return email

    async def delivery_state(self, conference_id: int) -> dict[str, tuple[str, str | None]]:
        """For the owner's card: each invitee's latest message, sent, pending, failed or
        cancelled, with a failure's reason as a category (never the server's words)."""
        rows = await OutboxRepository(self._database).delivery_state(conference_id)
        return {email: (row.status, row.reason) for email, row in rows.items()}

    def _mail(
        self, owner: UserRecord, conference: ConferenceRecord, attendees: list[str]
    ) -> ConferenceMail:
        return ConferenceMail(
            language=owner.language,
            timezone=owner.timezone,
            topic=conference.topic,
            starts_at=datetime.fromtimestamp(conference.starts_at, UTC),
            ends_at=datetime.fromtimestamp(conference.ends_at, UTC),
            conference_code=conference.conference_code,
            password=conference.password,
            website_url=self._video.website_url(),
            join_url=self._video.join_url(conference),
            uid=conference_uid(conference),
            sequence=conference.sequence,
            organizer_name=owner.full_name,
            organizer_email=owner.email,
            attendees=tuple(attendees),
        )

    async def _queue(
        self,
        tx: Queryable,
        conference: ConferenceRecord,
        mail: ConferenceMail,
        method: Method,
        recipient: str,
        kind: str,
        *,
        update: bool,
    ) -> None:
        message = invitation_message(
            mail,
            method=method,
            update=update,
            recipient=recipient,
            sender=self._settings.mail_from,
            now=self._clock.now(),
        )
        await enqueue(
            tx,
            message,
            kind=kind,
            owner_id=conference.owner_id,
            conference_id=conference.id,
            now=self._clock.timestamp(),
        )


async def _owned(tx: Queryable, owner_id: int, conference_id: int) -> ConferenceRecord:
    conference = await ConferenceRepository(tx).get(conference_id)
    if conference is None or conference.owner_id != owner_id:
        raise InvalidInput("conference.gone")
    return conference

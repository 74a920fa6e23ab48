"""E-mail invitations (F3), updates after an edit (F8) and cancellations (F10).

Each message is queued in the outbox in the same transaction as the change it announces
(the invitation rows, the raised SEQUENCE, the deletion), so a crash can neither lose a
message that was confirmed to the owner nor send one for a change that was rolled back.
The background MailSender delivers them; `wake` tells it there is work.

Every e-mail counts against the owner's daily budget (bot/mail/budget.py); an action that
would go over is refused whole before it changes anything. A conference has at most
MAIL_MAX_INVITEES invitees.

The first invitation fixes two things for the life of the conference's invitations:
its ORGANIZER (the owner's verified address and name then, or the bot's own address,
MAIL_FROM, while they had none), so that calendars accept every later update and the
cancellation; and each invitee's language, so that one person reads one language about
one conference whatever the owner switches to. Replies go to the owner's verified
address as it is now.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email

from bot.calendar import Recurrence, conference_uid, recurrence_of
from bot.changes import Change, changes_since_told
from bot.clock import Clock
from bot.links import JoinLinks, new_join_token
from bot.mail.budget import MailBudget
from bot.mail.compose import ConferenceMail, Method, invitation_message
from bot.mail.outbox import enqueue
from bot.series import Occurrence, Series
from bot.settings import Settings
from bot.validation import InvalidInput
from storage.conferences import ConferenceRecord, ConferenceRepository
from storage.db import Database, Queryable
from storage.outbox import OutboxRepository
from storage.participants import (
    InvitationRepository,
    Invitee,
    Participant,
    ParticipantRepository,
)
from storage.users import UserRecord

INVITATION = "invitation"
UPDATE = "update"
CANCELLATION = "cancellation"
_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class AddressList:
    valid: list[str]
    invalid: list[str]
    # Addresses with letters beyond ASCII before the "@" (иван@пример.рф): well formed,
    # but only servers with SMTPUTF8 take them, and most do not, so they are named back
    # with that reason instead of failing later. International domains are fine.
    unsupported: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NotifyResult:
    """A claimed change: the conference as claimed, how many e-mails were queued, and
    what changed since the participants were last told (empty when not known)."""

    conference: ConferenceRecord
    emails: int
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class CancelResult:
    conference: ConferenceRecord
    emails: int
    participants: list[Participant]


@dataclass(frozen=True)
class MeetingNotice:
    """A claimed notice of one meeting changed alone: the series, the meeting as it was
    (`before`) and is (`after`, None when cancelled), e-mails queued, chats to tell."""

    conference: ConferenceRecord
    before: Occurrence
    after: Occurrence | None
    emails: int
    participants: list[Participant]


def parse_addresses(typed: str, *, limit: int = 1000) -> AddressList:
    """Addresses separated by commas, semicolons, spaces or new lines: the valid ones
    normalised and without duplicates, and the rest named back (no DNS lookups)."""
    valid: list[str] = []
    invalid: list[str] = []
    unsupported: list[str] = []
    seen: set[str] = set()
    for candidate in _SEPARATORS.split(typed.strip())[:limit]:
        if not candidate:
            continue
        try:
            address = validate_email(
                candidate, check_deliverability=False, allow_smtputf8=False
            ).normalized
        except EmailNotValidError:
            named = unsupported if _needs_smtputf8(candidate) else invalid
            if candidate[:80] not in named:
                named.append(candidate[:80])
            continue
        if address.lower() not in seen:
            seen.add(address.lower())
            valid.append(address)
    return AddressList(valid, invalid, unsupported)


def _needs_smtputf8(candidate: str) -> bool:
    """Whether the address is valid only where the mail server speaks SMTPUTF8."""
    try:
        validate_email(candidate, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return False
    return True


class InvitationService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        settings: Settings,
        links: JoinLinks,
        *,
        wake_sender: Callable[[], None] = lambda: None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._settings = settings
        self._links = links  # the link each e-mail carries (bot/links.py)
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
        """Record the invitees and queue one invitation each; returns how many were queued.

        The first invitation fixes the conference's organizer; a new invitee keeps the
        owner's language of now for every later message (one invited before keeps theirs)."""
        now = self._clock.timestamp()
        async with self._database.transaction() as tx:
            conference = await _owned(tx, owner.id, conference_id)
            await self._check_limits(tx, owner.id, conference.id, emails)
            conferences = ConferenceRepository(tx)
            await conferences.fix_organizer(conference.id, owner.email, owner.full_name)
            await conferences.record_told(conference.id)
            conference = await _owned(tx, owner.id, conference_id)
            invitations = InvitationRepository(tx)
            for email in emails:
                # Each invitee's own join page (bot/links.py); removing them revokes it.
                await invitations.add(
                    conference.id,
                    email,
                    join_token=new_join_token(),
                    now=now,
                    language=owner.language,
                )
            invitees = await invitations.invitees(conference.id)
            mail = self._mail(
                owner, conference, invitees, recurrence=await recurrence_of(tx, conference)
            )
            added = set(emails)
            for invitee in invitees:
                if invitee.email in added:
                    await self._queue(
                        tx, conference, mail, invitee, Method.REQUEST, INVITATION, update=False
                    )
        self.wake_sender()
        return len(emails)

    async def notify_by_email(self, owner: UserRecord, conference_id: int) -> NotifyResult:
        """ "Notify participants": claim the change (a new SEQUENCE, the "not told yet"
        mark cleared, the snapshot of what participants were told taken anew; only one
        press can) and queue an updated invitation to every invitee, with what changed,
        in one transaction. Raises InvalidInput "notify.up_to_date" when there is nothing
        new to tell (told already, a replayed or forged press), and "budget.notify" when
        the e-mails would go over the daily budget: then nothing changes, in e-mail or in
        Telegram."""
        now = self._clock.timestamp()
        async with self._database.transaction() as tx:
            before = await _owned(tx, owner.id, conference_id)
            conference = await ConferenceRepository(tx).claim_change(
                conference_id, owner.id, now=now
            )
            if conference is None:
                raise InvalidInput("notify.up_to_date")
            invitees = await InvitationRepository(tx).invitees(conference_id)
            # Over the budget: the exception rolls the claim back with everything else.
            await self._budget.require(tx, owner.id, len(invitees), "budget.notify")
            changes = changes_since_told(before)
            if conference.split_from is not None:
                # A series split at this part: the earlier part's invitees learn that it
                # now ends before the split (its UID, a higher SEQUENCE, UNTIL).
                await self._notify_earlier_part(tx, owner, conference.split_from, now=now)
            mail = replace(
                self._mail(
                    owner, conference, invitees, recurrence=await recurrence_of(tx, conference)
                ),
                changes=changes,
            )
            for invitee in invitees:
                await self._queue(
                    tx,
                    conference,
                    mail,
                    invitee,
                    Method.REQUEST,
                    UPDATE,
                    update=True,
                )
        if invitees:
            self.wake_sender()
        return NotifyResult(conference, len(invitees), changes)

    async def _notify_earlier_part(
        self, tx: Queryable, owner: UserRecord, earlier_id: int, *, now: int
    ) -> None:
        earlier = await ConferenceRepository(tx).claim_change(earlier_id, owner.id, now=now)
        if earlier is None:
            return
        invitees = await InvitationRepository(tx).invitees(earlier_id)
        await self._budget.require(tx, owner.id, len(invitees), "budget.notify")
        mail = self._mail(owner, earlier, invitees, recurrence=await recurrence_of(tx, earlier))
        for invitee in invitees:
            await self._queue(
                tx,
                earlier,
                mail,
                invitee,
                Method.REQUEST,
                UPDATE,
                update=True,
            )

    async def notify_meeting(
        self, owner: UserRecord, conference_id: int, original_start: int
    ) -> MeetingNotice:
        """ "Notify participants" of one meeting changed alone: claimed once (a replay
        or a second press raises "notify.up_to_date"), and in the same transaction each
        invitee's REQUEST with the meeting's RECURRENCE-ID and new times, or CANCEL with
        its RECURRENCE-ID, under a higher SEQUENCE of the series' UID."""
        now = self._clock.timestamp()
        async with self._database.transaction() as tx:
            conference = await _owned(tx, owner.id, conference_id)
            if conference.rrule is None or conference.rrule_timezone is None:
                raise InvalidInput("conference.gone")
            repository = ConferenceRepository(tx)
            exception = await repository.claim_exception_notice(
                conference_id, original_start, now=now
            )
            if exception is None:
                raise InvalidInput("notify.up_to_date")
            invitees = await InvitationRepository(tx).invitees(conference_id)
            await self._budget.require(tx, owner.id, len(invitees), "budget.notify")
            plan = Series.of(conference, await repository.exceptions(conference_id))
            before = Occurrence(original_start, original_start, original_start + plan.length)
            after = (
                None
                if exception.cancelled or exception.starts_at is None
                else Occurrence(
                    original_start,
                    exception.starts_at,
                    exception.ends_at or exception.starts_at + plan.length,
                )
            )
            sequence = await repository.next_sequence(conference_id)
            shown = after or before
            told = replace(
                conference, sequence=sequence, starts_at=shown.starts_at, ends_at=shown.ends_at
            )
            recurrence = Recurrence(
                plan.rule, conference.rrule_timezone, plan.first_start, plan.length, only=shown
            )
            mail = self._mail(owner, told, invitees, recurrence=recurrence)
            method = Method.CANCEL if after is None else Method.REQUEST
            kind = CANCELLATION if after is None else UPDATE
            for invitee in invitees:
                await self._queue(
                    tx,
                    told,
                    mail,
                    invitee,
                    method,
                    kind,
                    update=after is not None,
                )
            participants = await ParticipantRepository(tx).active(conference_id)
        if invitees:
            self.wake_sender()
        return MeetingNotice(conference, before, after, len(invitees), participants)

    async def has_participants(self, conference_id: int) -> bool:
        return await self.audience_size(conference_id) > 0

    async def audience_size(self, conference_id: int) -> int:
        """How many would hear of a change: e-mail invitees, Telegram people and groups."""
        emails = await InvitationRepository(self._database).emails(conference_id)
        chats = await ParticipantRepository(self._database).active(conference_id)
        return len(emails) + len(chats)

    async def cancel_and_delete(self, owner: UserRecord, conference_id: int) -> CancelResult:
        """Delete the conference and queue METHOD:CANCEL (same UID, higher SEQUENCE) to every
        invitee in the same transaction; the Telegram participants are returned to be told.
        InvalidInput("budget.delete") when the notices would go over the daily budget:
        then nothing is deleted (the owner may still delete without a notice)."""
        async with self._database.transaction() as tx:
            conference = await _owned(tx, owner.id, conference_id)
            invitees = await InvitationRepository(tx).invitees(conference_id)
            await self._budget.require(tx, owner.id, len(invitees), "budget.delete")
            participants = await ParticipantRepository(tx).active(conference_id)
            cancelled = replace(conference, sequence=conference.sequence + 1)
            mail = self._mail(
                owner, cancelled, invitees, recurrence=await recurrence_of(tx, conference)
            )
            for invitee in invitees:
                await self._queue(
                    tx,
                    cancelled,
                    mail,
                    invitee,
                    Method.CANCEL,
                    CANCELLATION,
                    update=False,
                )
            await ConferenceRepository(tx).delete(conference_id)
        if invitees:
            self.wake_sender()
        return CancelResult(conference, len(invitees), participants)

    async def remove_invitee(
        self, owner: UserRecord, conference_id: int, invitation_id: int
    ) -> str | None:
        """The owner removes an e-mail invitee: they get a METHOD:CANCEL for this
        conference (one message, to that address only, in the language of their
        invitation, queued in the same transaction) and no further updates. Returns the
        address, or None if already removed."""
        now = self._clock.timestamp()
        async with self._database.transaction() as tx:
            conference = await _owned(tx, owner.id, conference_id)
            invitee = await InvitationRepository(tx).remove(conference_id, invitation_id, now=now)
            if invitee is None:
                return None
            # Above the SEQUENCE the invitee's calendar has, so the cancellation wins; and
            # stored, so that inviting the address again later is newer still.
            if await self._budget.left_today(tx, owner.id) < 1:
                # Out of today's e-mail budget: removed all the same, without the notice.
                return invitee.email
            sequence = await ConferenceRepository(tx).next_sequence(conference_id)
            cancelled = replace(conference, sequence=sequence)
            mail = self._mail(
                owner, cancelled, [invitee], recurrence=await recurrence_of(tx, cancelled)
            )
            await self._queue(
                tx, cancelled, mail, invitee, Method.CANCEL, CANCELLATION, update=False
            )
        self.wake_sender()
        return invitee.email

    async def delivery_state(self, conference_id: int) -> dict[str, tuple[str, str | None]]:
        """For the owner's card: each invitee's latest message, sent, pending, failed or
        cancelled, with a failure's reason as a category (never the server's words)."""
        rows = await OutboxRepository(self._database).delivery_state(conference_id)
        return {email: (row.status, row.reason) for email, row in rows.items()}

    def _mail(
        self,
        owner: UserRecord,
        conference: ConferenceRecord,
        invitees: list[Invitee],
        *,
        recurrence: Recurrence | None = None,
    ) -> ConferenceMail:
        """The message's contents, in the owner's language until `_queue` sets the
        recipient's; the organizer is the one fixed at the first invitation."""
        if conference.organizer_name is not None:
            organizer_name, organizer_email = conference.organizer_name, conference.organizer_email
        else:  # never invited anyone (fix_organizer comes first): as the first would be
            organizer_name, organizer_email = owner.full_name, owner.email
        return ConferenceMail(
            language=owner.language,
            timezone=owner.timezone,
            topic=conference.topic,
            starts_at=datetime.fromtimestamp(conference.starts_at, UTC),
            ends_at=datetime.fromtimestamp(conference.ends_at, UTC),
            conference_code=conference.conference_code,
            password=conference.password,
            website_url=self._links.facts.website_for_id_and_password(),
            join_url="",  # each invitee's own, set by `_queue`
            uid=conference_uid(conference),
            sequence=conference.sequence,
            organizer_name=organizer_name,
            organizer_email=organizer_email,
            attendees=tuple(invitee.email for invitee in invitees),
            reply_to=owner.email,
            link_note=self._links.facts.describe_link(),
            link_opens_room=self._links.facts.generic_link_opens_room(),
            recurrence=recurrence,
        )

    async def _queue(
        self,
        tx: Queryable,
        conference: ConferenceRecord,
        mail: ConferenceMail,
        invitee: Invitee,
        method: Method,
        kind: str,
        *,
        update: bool,
    ) -> None:
        """Queue `mail` as this invitee gets it, in `tx`: with their own link (their join
        page with PUBLIC_URL set) and in their language (the owner's for one from before
        it was kept)."""
        join_url = await self._links.for_invitee(conference, invitee.email, db=tx)
        mail = replace(mail, join_url=join_url, language=invitee.language or mail.language)
        message = invitation_message(
            mail,
            method=method,
            update=update,
            recipient=invitee.email,
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

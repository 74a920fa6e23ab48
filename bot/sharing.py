"""Sharing a conference in Telegram (F4): the deep link, participants, groups, inline cards,
and the owner's "Participants" list, from which people, groups and invitees are removed.
A participant may leave on their own, and take part again through the link.

A deep link carries an unguessable per-conference token, never the conference id: ids
are small numbers anyone could count through.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.clock import Clock
from bot.series_current import advance_series
from bot.text import strip_invisible
from storage.conferences import ConferenceRecord, ConferenceRepository
from storage.db import Database
from storage.participants import (
    InlineCardRepository,
    InvitationRepository,
    Participant,
    ParticipantRepository,
    RosterEntry,
    RosterRepository,
)
from storage.reminders import JoinWaiterRepository
from storage.users import UserRepository

TOKEN_BYTES = 12  # 16 URL-safe characters, well inside /start's 64-character payload
ROSTER_PAGE_SIZE = 8
# Who a "Participants" line is, in its button: a Telegram chat, or an e-mail invitation.
TELEGRAM = "t"
EMAIL = "e"


@dataclass(frozen=True)
class RosterPage:
    conference: ConferenceRecord
    entries: list[RosterEntry]
    number: int  # from 0
    total_items: int

    @property
    def total_pages(self) -> int:
        return max(1, -(-self.total_items // ROSTER_PAGE_SIZE))

    @property
    def first_number(self) -> int:
        """Lines are numbered across pages: page 2 starts where page 1 ended."""
        return self.number * ROSTER_PAGE_SIZE + 1


@dataclass(frozen=True)
class Participation:
    """A conference as one of its participants sees it."""

    conference: ConferenceRecord
    owner_name: str
    left: bool  # they left it; the link offers to take part again, nothing more


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


class SharingService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def share_token(self, conference: ConferenceRecord) -> str:
        """The conference's deep-link token, created on first use."""
        if conference.share_token:
            return conference.share_token
        async with self._database.transaction() as tx:
            repository = ConferenceRepository(tx)
            await repository.set_share_token(conference.id, secrets.token_urlsafe(TOKEN_BYTES))
            stored = await repository.get(conference.id)
        assert stored is not None and stored.share_token
        return stored.share_token

    async def new_share_token(self, owner_id: int, conference_id: int) -> str | None:
        """ "New link": the owner's conference gets a new deep-link token, and the old
        link stops working (it then answers like any unknown link). People who already
        opened the old one stay participants. None if the conference is not theirs."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        async with self._database.transaction() as tx:
            repository = ConferenceRepository(tx)
            conference = await repository.get(conference_id)
            if conference is None or conference.owner_id != owner_id:
                return None
            await repository.replace_share_token(conference_id, token)
        return token

    async def open_shared(
        self, token: str, visitor_id: int, visitor_name: str
    ) -> ConferenceRecord | None:
        """The conference behind a deep link, and the visitor becomes a participant.

        None, and nobody becomes a participant, for a token that is unknown or was
        replaced by a new link, for a conference that is over or deleted, and for a
        visitor the owner removed: such a link shows nothing of the conference (not even
        to its owner). A visitor who left the conference gets it back without becoming a
        participant again: taking part again is a choice of its own (`rejoin`).
        """
        if not token or len(token) > 64:
            return None
        async with self._database.transaction() as tx:
            conference = await ConferenceRepository(tx).get_by_share_token(token)
            if conference is None or conference.ends_at <= self._clock.timestamp():
                return None
            if conference.owner_id != visitor_id:
                participants = ParticipantRepository(tx)
                earlier = await participants.get(conference.id, visitor_id)
                if earlier is not None and earlier.left_at is not None:
                    return conference  # they left: shown, and asked before taking part
                if earlier is not None and earlier.removed_at is not None:
                    return None  # removed by the owner: the link does not let them back
                await participants.add(
                    conference.id,
                    visitor_id,
                    kind="user",
                    title=strip_invisible(visitor_name)[:64],
                    now=self._clock.timestamp(),
                )
                # They see the conference as it is: what they were told.
                await ConferenceRepository(tx).record_told(conference.id)
        return conference

    async def visible_to(self, user_id: int, conference_id: int | None) -> ConferenceRecord | None:
        """The conference if this person may see and join it: its owner, or a participant
        (someone who opened its link). None for anyone else, or if it is gone."""
        if conference_id is None:
            return None
        await advance_series(self._database, self._clock.timestamp())  # today's meeting
        conference = await ConferenceRepository(self._database).get(conference_id)
        if conference is None:
            return None
        if conference.owner_id == user_id or await self.is_participant(conference.id, user_id):
            return conference
        return None

    async def participation(self, user_id: int, conference_id: int | None) -> Participation | None:
        """The conference as this participant sees it: while they take part, or after
        they left it (not after the owner removed them); None for its owner, anyone
        else, or if it is gone."""
        if conference_id is None:
            return None
        await advance_series(self._database, self._clock.timestamp())
        conference = await ConferenceRepository(self._database).get(conference_id)
        if conference is None or conference.owner_id == user_id:
            return None
        row = await ParticipantRepository(self._database).get(conference_id, user_id)
        if row is None or row.kind != "user" or not row.is_active:
            return None
        left = row.left_at is not None
        if row.removed_at is not None and not left:
            return None
        owner = await UserRepository(self._database).get(conference.owner_id)
        return Participation(conference, owner.full_name if owner else "", left)

    async def leave(self, user_id: int, conference_id: int) -> ConferenceRecord | None:
        """The participant leaves: no more notices or reminders, out of their log, and
        off the list of people waiting for the owner. None if they were not (or no
        longer) a participant."""
        async with self._database.transaction() as tx:
            conference = await ConferenceRepository(tx).get(conference_id)
            if conference is None:
                return None
            now = self._clock.timestamp()
            if not await ParticipantRepository(tx).leave(conference_id, user_id, now=now):
                return None
            await JoinWaiterRepository(tx).remove(conference_id, user_id)
        return conference

    async def rejoin(self, user_id: int, conference_id: int) -> ConferenceRecord | None:
        """A person who left takes part again, by their own choice; None if they had
        not left (a person the owner removed stays out) or the conference is over."""
        async with self._database.transaction() as tx:
            conference = await ConferenceRepository(tx).get(conference_id)
            if conference is None or conference.ends_at <= self._clock.timestamp():
                return None
            if not await ParticipantRepository(tx).rejoin(conference_id, user_id):
                return None
        return conference

    async def add_group(self, conference: ConferenceRecord, chat_id: int, title: str) -> None:
        """The owner posted the card to a group, which then hears of changes; posting
        again to a group they had removed takes it back (it is the owner's own act)."""
        async with self._database.transaction() as tx:
            await ParticipantRepository(tx).add(
                conference.id,
                chat_id,
                kind="group",
                title=strip_invisible(title)[:128],
                now=self._clock.timestamp(),
                restore=True,
            )
            # The group sees the card as the conference is: what it was told.
            await ConferenceRepository(tx).record_told(conference.id)

    async def record_inline_card(self, inline_message_id: str, conference_id: int) -> None:
        await InlineCardRepository(self._database).add(
            inline_message_id, conference_id, now=self._clock.timestamp()
        )

    async def inline_cards(self, conference_id: int) -> list[str]:
        return await InlineCardRepository(self._database).for_conference(conference_id)

    async def participants(self, conference_id: int) -> list[Participant]:
        return await ParticipantRepository(self._database).active(conference_id)

    async def invitees(self, conference_id: int) -> list[str]:
        """The e-mail invitees still in (not removed by the owner)."""
        return await InvitationRepository(self._database).emails(conference_id)

    # -- the owner's "Participants" list ------------------------------------------------
    async def roster(self, owner_id: int, conference_id: int, number: int) -> RosterPage | None:
        """One page of everyone who hears about the owner's conference (out-of-range
        numbers are clamped); None if the conference is not theirs."""
        conference = await ConferenceRepository(self._database).get(conference_id)
        if conference is None or conference.owner_id != owner_id:
            return None
        repository = RosterRepository(self._database)
        total = await repository.count(conference_id)
        last = max(0, -(-total // ROSTER_PAGE_SIZE) - 1)
        number = min(max(0, number), last)
        entries = await repository.page(
            conference_id, limit=ROSTER_PAGE_SIZE, offset=number * ROSTER_PAGE_SIZE
        )
        return RosterPage(conference, entries, number, total)

    async def roster_entry(
        self, owner_id: int, conference_id: int, kind: str, ref: int
    ) -> RosterEntry | None:
        """One participant ("t": a Telegram chat id) or invitee ("e": an invitation id)
        of the owner's conference, if still in."""
        conference = await ConferenceRepository(self._database).get(conference_id)
        if conference is None or conference.owner_id != owner_id:
            return None
        if kind == TELEGRAM:
            participant = await ParticipantRepository(self._database).get(conference_id, ref)
            if participant is None or participant.removed_at is not None:
                return None
            return RosterEntry(participant.kind, participant.chat_id, participant.title)
        if kind == EMAIL:
            email = await InvitationRepository(self._database).email_of(conference_id, ref)
            return None if email is None else RosterEntry("email", ref, email)
        return None

    async def remove_participant(
        self, owner_id: int, conference_id: int, chat_id: int
    ) -> Participant | None:
        """The owner removes a person or group: no more notices or reminders, their
        buttons and the deep link stop working for them, and if they were waiting for the
        owner to join they are not let in. None if not theirs or not (still) in."""
        async with self._database.transaction() as tx:
            conference = await ConferenceRepository(tx).get(conference_id)
            if conference is None or conference.owner_id != owner_id:
                return None
            participants = ParticipantRepository(tx)
            if not await participants.remove(conference_id, chat_id, now=self._clock.timestamp()):
                return None
            await JoinWaiterRepository(tx).remove(conference_id, chat_id)
            return await participants.get(conference_id, chat_id)

    async def is_participant(self, conference_id: int, chat_id: int) -> bool:
        return await ParticipantRepository(self._database).is_participant(conference_id, chat_id)

    async def chat_unreachable(self, chat_id: int) -> None:
        """The chat blocked the bot (Forbidden): it is skipped from now on."""
        async with self._database.transaction() as tx:
            await ParticipantRepository(tx).deactivate_chat(chat_id)
            if chat_id > 0:  # a person, not a group: they count as inactive users too
                await UserRepository(tx).set_active(chat_id, False)

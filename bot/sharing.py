"""Sharing a conference in Telegram (F4): the deep link, participants, groups, inline cards.

A deep link carries an unguessable per-conference token, never the conference id: ids
are small numbers anyone could count through.
"""

from __future__ import annotations

import secrets

from bot.clock import Clock
from storage.conferences import ConferenceRecord, ConferenceRepository
from storage.db import Database
from storage.participants import InlineCardRepository, Participant, ParticipantRepository
from storage.users import UserRepository

TOKEN_BYTES = 12  # 16 URL-safe characters, well inside /start's 64-character payload


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
        replaced by a new link, and for a conference that is over or deleted: such a
        link shows nothing of the conference (not even to its owner).
        """
        if not token or len(token) > 64:
            return None
        async with self._database.transaction() as tx:
            conference = await ConferenceRepository(tx).get_by_share_token(token)
            if conference is None or conference.ends_at <= self._clock.timestamp():
                return None
            if conference.owner_id != visitor_id:
                await ParticipantRepository(tx).add(
                    conference.id,
                    visitor_id,
                    kind="user",
                    title=visitor_name,
                    now=self._clock.timestamp(),
                )
        return conference

    async def visible_to(self, user_id: int, conference_id: int | None) -> ConferenceRecord | None:
        """The conference if this person may see and join it: its owner, or a participant
        (someone who opened its link). None for anyone else, or if it is gone."""
        if conference_id is None:
            return None
        conference = await ConferenceRepository(self._database).get(conference_id)
        if conference is None:
            return None
        if conference.owner_id == user_id or await self.is_participant(conference.id, user_id):
            return conference
        return None

    async def add_group(self, conference: ConferenceRecord, chat_id: int, title: str) -> None:
        await ParticipantRepository(self._database).add(
            conference.id, chat_id, kind="group", title=title, now=self._clock.timestamp()
        )

    async def record_inline_card(self, inline_message_id: str, conference_id: int) -> None:
        await InlineCardRepository(self._database).add(
            inline_message_id, conference_id, now=self._clock.timestamp()
        )

    async def inline_cards(self, conference_id: int) -> list[str]:
        return await InlineCardRepository(self._database).for_conference(conference_id)

    async def participants(self, conference_id: int) -> list[Participant]:
        return await ParticipantRepository(self._database).active(conference_id)

    async def is_participant(self, conference_id: int, chat_id: int) -> bool:
        return await ParticipantRepository(self._database).is_participant(conference_id, chat_id)

    async def chat_unreachable(self, chat_id: int) -> None:
        """The chat blocked the bot (Forbidden): it is skipped from now on."""
        async with self._database.transaction() as tx:
            await ParticipantRepository(tx).deactivate_chat(chat_id)
            if chat_id > 0:  # a person, not a group: they count as inactive users too
                await UserRepository(tx).set_active(chat_id, False)

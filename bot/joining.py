"""Joining a conference (F6): who may join now, under which name, and the owner-absence
rule ("Allow joining in the absence of conference owner" off: participants wait)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.clock import Clock
from bot.conferences import ConferenceService
from bot.profile import joining_name_if_different
from storage.conferences import ConferenceRecord, ConferenceRepository
from storage.db import Database
from storage.reminders import JoinWaiterRepository
from storage.users import UserRecord, UserRepository


class JoinOutcome(Enum):
    NOT_STARTED = "not_started"  # offline: tell when it starts
    NEEDS_NAME = "needs_name"  # ask under which name to join
    WAIT_FOR_OWNER = "wait"  # the owner must join first
    JOIN = "join"  # here is the link


class Admission(Enum):
    """Whether anyone but the owner may go in now, before any name is asked."""

    NOT_STARTED = "not_started"  # offline: outside [start - JOIN_EARLY_MINUTES, end]
    WAIT_FOR_OWNER = "wait"  # online, but the owner must join first
    OPEN = "open"


def admission(conference: ConferenceRecord, *, online: bool, is_owner: bool) -> Admission:
    """The seed's rules of the moment of joining, for the bot and the join page alike:
    nobody joins while offline; with "Allow joining in the absence of conference owner"
    off, participants wait until the owner has joined (the owner never waits)."""
    if not online:
        return Admission.NOT_STARTED
    if not is_owner and not conference.allow_without_owner and conference.owner_joined_at is None:
        return Admission.WAIT_FOR_OWNER
    return Admission.OPEN


@dataclass(frozen=True)
class JoinDecision:
    outcome: JoinOutcome
    conference: ConferenceRecord
    display_name: str | None = None
    is_owner: bool = False


def remembered_name(user: UserRecord) -> str | None:
    """The name to join with without asking, if the person chose to be remembered."""
    if not user.remember_name:
        return None
    return joining_name_if_different(user.full_name, user.display_name) or user.full_name or None


class NameChoice(Enum):
    """The one-tap answers to "Under which name?" (the button carries the choice, never
    the name, which is looked up again at the press)."""

    REMEMBERED = "remembered"  # the name for joining, where it differs from the profile's
    TELEGRAM = "telegram"  # the profile name (Telegram's, unless the person changed it)


def name_choices(user: UserRecord) -> dict[NameChoice, str]:
    """The names a person can join with in one tap, in order; none that is empty."""
    choices = {}
    other = joining_name_if_different(user.full_name, user.display_name)
    if other:
        choices[NameChoice.REMEMBERED] = other
    if user.full_name:
        choices[NameChoice.TELEGRAM] = user.full_name
    return choices


class JoinService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        conferences: ConferenceService,
        *,
        asks_name: bool = True,
    ) -> None:
        """`asks_name` False: the video platform's links carry no name (a template without
        {name}), so nobody is asked for one; the profile name is recorded for waiters."""
        self._database = database
        self._clock = clock
        self._conferences = conferences
        self._asks_name = asks_name

    def admission(self, conference: ConferenceRecord, *, is_owner: bool = False) -> Admission:
        """`admission` now, by this service's clock and JOIN_EARLY_MINUTES."""
        return admission(
            conference, online=self._conferences.is_online(conference), is_owner=is_owner
        )

    async def decide(
        self, user: UserRecord, conference: ConferenceRecord, typed_name: str | None = None
    ) -> JoinDecision:
        """What a press on Join leads to; the owner joining is recorded here."""
        is_owner = conference.owner_id == user.id
        gate = self.admission(conference, is_owner=is_owner)
        if gate is Admission.NOT_STARTED:
            return JoinDecision(JoinOutcome.NOT_STARTED, conference, is_owner=is_owner)
        name = typed_name or remembered_name(user)
        if name is None and not self._asks_name:
            name = user.full_name
        if name is None:
            return JoinDecision(JoinOutcome.NEEDS_NAME, conference, is_owner=is_owner)
        if is_owner:
            await ConferenceRepository(self._database).mark_owner_joined(
                conference.id, now=self._clock.timestamp()
            )
            return JoinDecision(JoinOutcome.JOIN, conference, name, is_owner=True)
        if gate is Admission.WAIT_FOR_OWNER:
            await JoinWaiterRepository(self._database).add(
                conference.id, user.id, name, now=self._clock.timestamp()
            )
            return JoinDecision(JoinOutcome.WAIT_FOR_OWNER, conference, name)
        return JoinDecision(JoinOutcome.JOIN, conference, name)

    async def take_waiters(self, conference_id: int) -> list[tuple[int, str]]:
        """After the owner joined: everyone who was waiting, to be sent their link."""
        async with self._database.transaction() as tx:
            return await JoinWaiterRepository(tx).take_all(conference_id)

    async def remember_name(self, user: UserRecord, name: str) -> None:
        """Join under `name` from now on without asking; the profile name is kept as no
        other name (so that changing the profile name later changes this one too)."""
        other = joining_name_if_different(user.full_name, name)
        await UserRepository(self._database).remember_display_name(
            user.id, other, now=self._clock.timestamp()
        )

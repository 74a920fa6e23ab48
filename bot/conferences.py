"""Conferences: the rules of scheduling, editing, repeating, ending and deleting (F1, F2,
F5, F7-F10), and a person's log of what they own and what they take part in.

The service never trusts ids it is handed: every lookup on behalf of a person goes
through `owned()`, which answers None for a conference that is gone or not theirs, so a
forged button can neither read nor change someone else's conference.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot import series
from bot.clock import Clock
from bot.dates import PAST_GRACE
from bot.series_current import advance_series
from bot.text import strip_invisible
from bot.validation import InvalidInput
from storage.conferences import (
    ConferenceRecord,
    ConferenceRepository,
    LogRow,
    NewConference,
    SeriesException,
)
from storage.db import Database, IntegrityError, Queryable
from storage.reminders import JoinWaiterRepository

MAX_TOPIC_LENGTH = 200
MAX_CONFERENCE_LENGTH = timedelta(hours=24)  # from start to end
AD_HOC_DURATION = timedelta(minutes=30)
PAGE_SIZE = 6
# What participants must be told about when it changes ("Notify participants"); whether
# the owner must be present to start is the owner's business, not theirs.
NOTICE_FIELDS = ("topic", "starts_at", "ends_at", "password", "conference_code")
CODE_LENGTH = 9
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class ListKind(StrEnum):
    SCHEDULED = "s"
    ARCHIVE = "a"


@dataclass(frozen=True)
class Draft:
    """A conference being scheduled (or repeated): what the review card shows.

    Kept as plain values so it can live in the persisted user_data between steps.
    """

    topic: str
    starts_at: int | None = None
    ends_at: int | None = None
    code: str = ""
    password: str = ""
    allow_without_owner: bool = True
    repeat_of: int | None = None  # the archived conference that "Schedule" moves back
    editing_id: int | None = None  # the scheduled conference that "Save" changes
    repeat_length: int | None = None  # seconds: a repeat keeps the old length
    # "Repeats" (bot/series.py): a preset (None: never), its weekdays ("MO,WE") and
    # interval, and the end: a number of meetings, or a last day (UTC seconds), or none.
    repeat: str | None = None
    repeat_days: str = ""
    repeat_interval: int = 1
    repeat_count: int | None = None
    repeat_until: int | None = None
    # Editing a series: one meeting only, or all from one on (by original start).
    meeting_only: int | None = None
    from_meeting: int | None = None

    @classmethod
    def of(cls, conference: ConferenceRecord, **overrides: Any) -> Draft:
        """A draft with a stored conference's values (a series keeps its rhythm and end)."""
        draft = cls(
            topic=conference.topic,
            starts_at=conference.starts_at,
            ends_at=conference.ends_at,
            code=conference.conference_code,
            password=conference.password,
            allow_without_owner=conference.allow_without_owner,
        )
        if conference.rrule is not None:
            preset, days, interval = series.preset_of(conference.rrule)
            if preset == "custom" and len(days) == 1 and conference.rrule_timezone:
                # Weekly on the first meeting's weekday: it follows a new start, as the
                # "weekly" preset does (a Monday stand-up moved to Tuesdays).
                zone = ZoneInfo(conference.rrule_timezone)
                anchor = conference.series_start or conference.starts_at
                local = datetime.fromtimestamp(anchor, UTC).astimezone(zone)
                if days[0] == series.WEEKDAYS[local.weekday()]:
                    preset, days = "weekly", ()
            count, until = series.end_of(conference.rrule)
            draft = replace(
                draft,
                repeat=preset,
                repeat_days=",".join(days),
                repeat_interval=interval,
                repeat_count=count,
                repeat_until=until,
            )
        return replace(draft, **overrides)

    def rule(self, timezone: str) -> str | None:
        """The RRULE this draft schedules (None: a single conference), from its start."""
        if self.repeat is None or self.starts_at is None:
            return None
        rule = series.preset_rule(
            self.repeat,
            first_start=self.starts_at,
            timezone=timezone,
            days=tuple(day for day in self.repeat_days.split(",") if day),
            interval=self.repeat_interval,
        )
        return series.with_end(rule, count=self.repeat_count, until=self.repeat_until)


@dataclass(frozen=True)
class Page:
    """One page of a person's log: their own conferences and those they take part in."""

    kind: ListKind
    items: list[LogRow]
    number: int  # from 0
    total_items: int

    @property
    def total_pages(self) -> int:
        return max(1, -(-self.total_items // PAGE_SIZE))


@dataclass(frozen=True)
class SeriesPlan:
    """A series about to be stored: its rule and zone, its first meeting, and the end of
    its last (series.NO_END without end)."""

    rule: str
    timezone: str
    starts_at: int
    ends_at: int
    active_until: int


@dataclass(frozen=True)
class EndedConference:
    conference: ConferenceRecord  # as ended: in the archive
    waiters: list[int]  # people who were waiting for the owner to join, to be told


def clean_topic(typed: str) -> str:
    """A topic on one line, without invisible characters that could disguise it."""
    topic = " ".join(strip_invisible(" ".join(typed.split())).split())
    if not topic:
        raise InvalidInput("schedule.bad_topic_empty")
    if len(topic) > MAX_TOPIC_LENGTH:
        raise InvalidInput("schedule.bad_topic_long", {"limit": str(MAX_TOPIC_LENGTH)})
    return topic


def clean_code(typed: str) -> str:
    """A conference ID: 6 to 20 Latin letters, digits or hyphens (stored lower-case)."""
    code = typed.strip().lower()
    if not 6 <= len(code) <= 20 or not set(code) <= _CODE_CHARACTERS or code.strip("-") != code:
        raise InvalidInput("schedule.bad_code", {"value": typed.strip()[:40]})
    return code


def clean_password(typed: str) -> str:
    """4 to 32 visible ASCII characters, no spaces: people type it into video clients."""
    password = typed.strip()
    if not 4 <= len(password) <= 32 or not all("!" <= char <= "~" for char in password):
        raise InvalidInput("schedule.bad_password")
    return password


def new_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(8))


def is_online(conference: ConferenceRecord, now: int, join_early_minutes: int) -> bool:
    """Online while now is within [start - JOIN_EARLY_MINUTES, end].

    docs/ARCHITECTURE.md, "Status rules"."""
    return conference.starts_at - join_early_minutes * 60 <= now <= conference.ends_at


class ConferenceService:
    def __init__(self, database: Database, clock: Clock, *, join_early_minutes: int) -> None:
        self._database = database
        self._clock = clock
        self.join_early_minutes = join_early_minutes

    # -- reading -----------------------------------------------------------------
    async def owned(self, owner_id: int, conference_id: int | None) -> ConferenceRecord | None:
        """The conference if it exists and belongs to this person, else None."""
        if conference_id is None:
            return None
        await self.advance_series()
        conference = await ConferenceRepository(self._database).get(conference_id)
        return conference if conference and conference.owner_id == owner_id else None

    async def advance_series(self) -> int:
        """Series whose meeting has ended move on to their next one (bot/series_current.py)."""
        return await advance_series(self._database, self._clock.timestamp())

    async def meetings_ahead(self, conference: ConferenceRecord) -> list[series.Occurrence]:
        """A series' meetings whose end is still ahead, the current one first (a single
        conference: none)."""
        if conference.rrule is None:
            return []
        repository = ConferenceRepository(self._database)
        exceptions = await repository.exceptions(conference.id)
        return series.upcoming(
            series.Series.of(conference, exceptions), now=self._clock.timestamp()
        )

    async def page(self, person_id: int, kind: ListKind, number: int) -> Page:
        """One page of the person's scheduled list or archive: the conferences they own
        and those they take part in, together in start order (the archive newest first);
        out-of-range numbers are clamped."""
        await self.advance_series()
        repository = ConferenceRepository(self._database)
        now = self._clock.timestamp()
        archive = kind is ListKind.ARCHIVE
        total = await repository.count_log(person_id, now=now, archive=archive)
        last = max(0, -(-total // PAGE_SIZE) - 1)
        number = min(max(0, number), last)
        items = await repository.list_log(
            person_id,
            now=now,
            archive=archive,
            limit=PAGE_SIZE,
            offset=number * PAGE_SIZE,
            total=total,
        )
        return Page(kind, items, number, total)

    async def upcoming(self, owner_id: int, *, limit: int) -> list[ConferenceRecord]:
        """Running and future conferences, soonest first (for pick lists)."""
        await self.advance_series()
        return await ConferenceRepository(self._database).list_scheduled(
            owner_id, now=self._clock.timestamp(), limit=limit
        )

    def is_online(self, conference: ConferenceRecord) -> bool:
        return is_online(conference, self._clock.timestamp(), self.join_early_minutes)

    def is_archived(self, conference: ConferenceRecord) -> bool:
        return conference.ends_at <= self._clock.timestamp()

    def can_end_now(self, conference: ConferenceRecord) -> bool:
        """ "End now" is offered while the conference runs, from the minute after its
        start: stored times are whole minutes, and the end must come after the start."""
        return conference.starts_at < _whole_minute(self._clock.timestamp()) < conference.ends_at

    # -- drafts --------------------------------------------------------------------
    async def new_draft(self, topic: str) -> Draft:
        return Draft(topic=topic, code=await self._unused_code(), password=new_password())

    def repeat_draft(self, conference: ConferenceRecord) -> Draft:
        """The archived conference's parameters; only a new start is missing."""
        return Draft.of(
            conference,
            starts_at=None,
            ends_at=None,
            repeat_of=conference.id,
            # Rows stored before times were whole minutes may carry seconds: a repeat
            # keeps the length the person saw (19:53:41-19:56 shows 19:53-19:56: 3 minutes).
            repeat_length=_whole_minute(conference.ends_at) - _whole_minute(conference.starts_at),
        )

    def edit_draft(self, conference: ConferenceRecord) -> Draft:
        return Draft.of(conference, editing_id=conference.id)

    def check_start(self, starts_at: datetime) -> int:
        """A start may not lie in the past (a few minutes' grace for slow typists)."""
        if starts_at < self._clock.now() - PAST_GRACE:
            raise InvalidInput("schedule.bad_start_past")
        return int(starts_at.timestamp())

    def check_end(self, starts_at: int, ends_at: datetime) -> int:
        end = int(ends_at.timestamp())
        if end <= starts_at:
            raise InvalidInput("schedule.bad_end_before_start")
        if end - starts_at > MAX_CONFERENCE_LENGTH.total_seconds():
            raise InvalidInput(
                "schedule.bad_end_too_long",
                {"hours": str(int(MAX_CONFERENCE_LENGTH.total_seconds() // 3600))},
            )
        return end

    async def check_code_free(self, code: str, *, except_id: int | None = None) -> str:
        if await ConferenceRepository(self._database).code_taken(code, except_id=except_id):
            raise InvalidInput("schedule.bad_code_taken", {"value": code})
        return code

    # -- writing -------------------------------------------------------------------
    def series_plan(self, draft: Draft, timezone: str) -> SeriesPlan | None:
        """What a draft that repeats stores: its rule, anchored on its first meeting (a
        start on a day the rule skips moves to the first day it takes), or InvalidInput
        (no meeting at all, more than MAX_MEETINGS, an end before the start)."""
        rule = draft.rule(timezone)
        if rule is None or draft.starts_at is None or draft.ends_at is None:
            return None
        plan = series.Series(rule, timezone, draft.starts_at, draft.ends_at - draft.starts_at)
        meetings = series.check(plan, now=self._clock.timestamp())
        first = meetings[0]
        if first.starts_at != draft.starts_at:
            plan = replace(plan, first_start=first.starts_at)
            meetings = series.check(plan, now=self._clock.timestamp())
            first = meetings[0]
        return SeriesPlan(
            rule,
            timezone,
            first.starts_at,
            first.ends_at,
            series.active_until(plan, now=self._clock.timestamp()),
        )

    async def schedule(
        self, owner_id: int, draft: Draft, *, timezone: str = "UTC"
    ) -> ConferenceRecord:
        """Save a reviewed draft: a new conference or series (its rule kept in `timezone`,
        the owner's), or a repeated one moved back from the archive with the same ID.
        Raises InvalidInput when a rule no longer holds."""
        if draft.starts_at is None or draft.ends_at is None:
            raise InvalidInput("schedule.bad_incomplete")
        # Stored times are whole minutes ("now" has seconds), so a repeat keeps whole ones.
        starts_at, ends_at = _whole_minute(draft.starts_at), _whole_minute(draft.ends_at)
        if ends_at <= starts_at:
            raise InvalidInput("schedule.bad_end_before_start")
        draft = replace(draft, starts_at=starts_at, ends_at=ends_at)
        self.check_start(datetime.fromtimestamp(starts_at, UTC))
        now = self._clock.timestamp()
        plan = self.series_plan(draft, timezone)
        if plan is not None:
            starts_at, ends_at = plan.starts_at, plan.ends_at
            draft = replace(draft, starts_at=starts_at, ends_at=ends_at)
        try:
            async with self._database.transaction() as tx:
                repository = ConferenceRepository(tx)
                if draft.repeat_of is not None:
                    old = await repository.get(draft.repeat_of)
                    if old is None or old.owner_id != owner_id:
                        raise InvalidInput("conference.gone")
                    if await repository.code_taken(draft.code, except_id=old.id):
                        raise InvalidInput("schedule.bad_code_taken", {"value": draft.code})
                    # A repeat is a new occurrence: nobody has joined it yet, and its
                    # participants hear of the new time when the owner notifies them.
                    fields = _fields_of(draft)
                    await repository.update(
                        old.id,
                        {**fields, "owner_joined_at": None},
                        now=now,
                        mark_changed=_news_for_participants(old, fields),
                    )
                    # A repeat keeps (or gets) the rhythm the form shows, from its new
                    # first meeting; meetings changed alone belonged to the old dates.
                    await repository.drop_exceptions_from(old.id, 0)
                    await repository.set_series(
                        old.id,
                        rrule=plan.rule if plan else None,
                        timezone=plan.timezone if plan else None,
                        series_start=starts_at if plan else None,
                        active_until=plan.active_until if plan else ends_at,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        now=now,
                        meeting_length=ends_at - starts_at if plan else None,
                    )
                    conference_id = old.id
                else:
                    if await repository.code_taken(draft.code):
                        raise InvalidInput("schedule.bad_code_taken", {"value": draft.code})
                    conference_id = await repository.create(
                        NewConference(
                            owner_id,
                            draft.topic,
                            starts_at,
                            ends_at,
                            draft.code,
                            draft.password,
                            draft.allow_without_owner,
                            rrule=plan.rule if plan else None,
                            rrule_timezone=plan.timezone if plan else None,
                            active_until=plan.active_until if plan else None,
                        ),
                        now=now,
                    )
                created = await repository.get(conference_id)
        except IntegrityError:
            # Another person took the same ID between our check and the insert.
            raise InvalidInput("schedule.bad_code_taken", {"value": draft.code}) from None
        assert created is not None
        return created

    async def start_now(self, owner_id: int, topic: str) -> ConferenceRecord:
        """A 30-minute conference starting now (F2), at the start of the current minute."""
        now = _whole_minute(self._clock.timestamp())
        draft = replace(
            await self.new_draft(topic),
            starts_at=now,
            ends_at=now + int(AD_HOC_DURATION.total_seconds()),
        )
        return await self.schedule(owner_id, draft)

    async def edit(self, owner_id: int, conference_id: int, **changes: Any) -> ConferenceRecord:
        """Change some of topic, starts_at, ends_at, password, allow_without_owner.

        A new start keeps the length unless a new end comes with it. A change people must
        know about (NOTICE_FIELDS) marks the conference as changed since the last notice
        to participants, which offers "Notify participants".
        """
        async with self._database.transaction() as tx:
            repository = ConferenceRepository(tx)
            current = await repository.get(conference_id)
            if current is None or current.owner_id != owner_id:
                raise InvalidInput("conference.gone")
            fields = dict(changes)
            if "starts_at" in fields and "ends_at" not in fields:
                fields["ends_at"] = int(fields["starts_at"]) + current.ends_at - current.starts_at
            for name in ("starts_at", "ends_at"):  # stored times are whole minutes
                if fields.get(name) is not None:
                    fields[name] = _whole_minute(int(fields[name]))
            starts_at = fields.get("starts_at", current.starts_at)
            if fields.get("ends_at", current.ends_at) <= starts_at:
                raise InvalidInput("schedule.bad_end_before_start")
            if starts_at != current.starts_at:
                fields["owner_joined_at"] = None  # a new time: nobody has joined it yet
            await repository.update(
                conference_id,
                fields,
                now=self._clock.timestamp(),
                mark_changed=_news_for_participants(current, fields),
            )
            updated = await repository.get(conference_id)
        assert updated is not None
        return updated

    async def apply_edit(
        self, owner_id: int, draft: Draft
    ) -> tuple[ConferenceRecord, frozenset[str]]:
        """Save an edit form: only what differs from the stored conference is changed.
        Returns the conference and the names of the fields that changed (none: nothing)."""
        assert draft.editing_id is not None
        current = await self.owned(owner_id, draft.editing_id)
        if current is None:
            raise InvalidInput("conference.gone")
        wanted = {
            "topic": draft.topic,
            "starts_at": draft.starts_at,
            "ends_at": draft.ends_at,
            "password": draft.password,
            "allow_without_owner": draft.allow_without_owner,
        }
        changes = {name: value for name, value in wanted.items() if getattr(current, name) != value}
        if not changes:
            return current, frozenset()
        changed = frozenset(changes)
        if "ends_at" in changes or "starts_at" in changes:
            # The form already kept the length when only the start moved; send both so
            # that edit() does not shift the end a second time.
            changes["starts_at"], changes["ends_at"] = draft.starts_at, draft.ends_at
        return await self.edit(owner_id, draft.editing_id, **changes), changed

    async def end_now(self, owner_id: int, conference_id: int) -> EndedConference:
        """ "End now": the running conference ends at the current whole minute, so it moves
        to the archive, and the people waiting for the owner to join are taken off the
        waiting list, to be told that it has ended. Participants are not told otherwise:
        their buttons answer as for any archived conference. Raises InvalidInput
        "conference.gone" (not theirs or deleted) or "conference.not_running"."""
        async with self._database.transaction() as tx:
            repository = ConferenceRepository(tx)
            current = await repository.get(conference_id)
            if current is None or current.owner_id != owner_id:
                raise InvalidInput("conference.gone")
            if not self.can_end_now(current):
                raise InvalidInput("conference.not_running")
            now = self._clock.timestamp()
            await repository.update(conference_id, {"ends_at": _whole_minute(now)}, now=now)
            if current.rrule is not None:
                # One meeting of a series ended early: kept as that meeting's exception,
                # so the series goes on with its next meeting.
                moved = [
                    e
                    for e in await repository.exceptions(conference_id)
                    if e.starts_at == current.starts_at and not e.cancelled
                ]
                original = moved[0].original_start if moved else current.starts_at
                await repository.put_exception(
                    conference_id,
                    SeriesException(original, False, current.starts_at, _whole_minute(now)),
                )
            waiters = await JoinWaiterRepository(tx).take_all(conference_id)
            ended = await repository.get(conference_id)
        assert ended is not None
        if ended.rrule is not None:  # a series: this meeting ended, the next is current
            await self.advance_series()
            ended = await ConferenceRepository(self._database).get(conference_id)
            assert ended is not None
        return EndedConference(ended, [user_id for user_id, _name in waiters])

    async def delete(self, owner_id: int, conference_id: int) -> bool:
        async with self._database.transaction() as tx:
            repository = ConferenceRepository(tx)
            current = await repository.get(conference_id)
            if current is None or current.owner_id != owner_id:
                return False
            return await repository.delete(conference_id)

    async def _unused_code(self) -> str:
        return await self.unused_code(self._database)

    async def unused_code(self, db: Queryable) -> str:
        """A new generated conference ID, free in `db` (a transaction's, when in one)."""
        repository = ConferenceRepository(db)
        while True:
            # Nine digits: easy to read out and type on a phone keypad.
            code = "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))
            if code[0] != "0" and not await repository.code_taken(code):
                return code


def _whole_minute(timestamp: int) -> int:
    """The timestamp without its seconds."""
    return timestamp - timestamp % 60


whole_minute = _whole_minute


def _fields_of(draft: Draft) -> dict[str, object]:
    return {
        "topic": draft.topic,
        "starts_at": draft.starts_at,
        "ends_at": draft.ends_at,
        "conference_code": draft.code,
        "password": draft.password,
        "allow_without_owner": draft.allow_without_owner,
    }


def _news_for_participants(current: ConferenceRecord, changes: dict[str, object]) -> bool:
    """Whether the changes touch what participants must know (NOTICE_FIELDS)."""
    return any(
        name in changes and changes[name] != getattr(current, name) for name in NOTICE_FIELDS
    )

"""Changing one meeting of a series or all of them (Edit and Delete on a series).

- "This meeting only" stores an exception (bot/series.py applies it): a moved meeting
  (new start and end, addressed by its original start: the RECURRENCE-ID) or a
  cancelled one (an EXDATE). Participants are told with "Notify participants" of that
  meeting (claimed once, bot/invitations.py `notify_meeting`).
- "All meetings" from the current one: at the first meeting of the series the whole
  series changes; mid-series the series is split, as Outlook does with "this and
  following": the earlier part keeps its UID and gets an UNTIL just before the split
  meeting (it moves to the archive), and the meetings from the split on become a new row
  with a new UID and the same participants and invitees. The new part keeps the
  conference ID, password and share link people know, as only one part can be live;
  the earlier part gets a newly generated ID. Deleting "all meetings" mid-series is the
  same UNTIL without a new part.

Every change recomputes the current meeting and the end of the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot import series
from bot.clock import Clock
from bot.conferences import (
    ConferenceService,
    Draft,
    SeriesPlan,
    whole_minute,
)
from bot.validation import InvalidInput
from storage.conferences import (
    ConferenceRecord,
    ConferenceRepository,
    NewConference,
    SeriesException,
)
from storage.db import Database, Queryable
from storage.reminders import JoinWaiterRepository


@dataclass(frozen=True)
class MeetingChange:
    """One meeting changed alone: the series after the change, the meeting as it was
    (`before`) and as it is now (`after`, None when cancelled)."""

    conference: ConferenceRecord
    before: series.Occurrence
    after: series.Occurrence | None


@dataclass(frozen=True)
class SeriesSplit:
    """ "All meetings from this one" mid-series: the earlier part (ended before the
    split) and the new series from the split on."""

    earlier: ConferenceRecord
    later: ConferenceRecord


class SeriesService:
    def __init__(self, database: Database, clock: Clock, conferences: ConferenceService) -> None:
        self._database = database
        self._clock = clock
        self._conferences = conferences

    async def meeting(
        self, owner_id: int, conference_id: int | None, original_start: int | None
    ) -> tuple[ConferenceRecord, series.Occurrence] | None:
        """The owner's series and one of its meetings still ahead, by original start;
        None for anything else (gone, not theirs, not a series, a past or unknown
        meeting: a stale or forged button)."""
        conference = await self._conferences.owned(owner_id, conference_id)
        if conference is None or conference.rrule is None or original_start is None:
            return None
        for meeting in await self._conferences.meetings_ahead(conference):
            if meeting.original_start == original_start:
                return conference, meeting
        return None

    async def current_meeting(self, conference: ConferenceRecord) -> series.Occurrence | None:
        """The series' current meeting (what its card shows), None if it is not a series."""
        meetings = await self._conferences.meetings_ahead(conference)
        return meetings[0] if meetings else None

    def is_first(self, conference: ConferenceRecord, meeting: series.Occurrence) -> bool:
        """Whether the meeting is the series' first: "all meetings" then needs no split."""
        return meeting.original_start == conference.series_start

    # -- this meeting only ----------------------------------------------------------
    async def cancel_meeting(
        self, owner_id: int, conference_id: int, original_start: int
    ) -> MeetingChange:
        """Cancel one meeting (an EXDATE). The last meeting left cannot be cancelled
        alone: the series is then deleted as a whole."""
        found = await self.meeting(owner_id, conference_id, original_start)
        if found is None:
            raise InvalidInput("conference.gone")
        _conference, before = found
        async with self._database.transaction() as tx:
            repository = ConferenceRepository(tx)
            await repository.put_exception(conference_id, SeriesException(original_start, True))
            updated = await self._settle(tx, conference_id)
        return MeetingChange(updated, before, None)

    async def move_meeting(
        self, owner_id: int, conference_id: int, original_start: int, starts_at: int, ends_at: int
    ) -> MeetingChange:
        """Move one meeting (a RECURRENCE-ID exception with its new start and end)."""
        found = await self.meeting(owner_id, conference_id, original_start)
        if found is None:
            raise InvalidInput("conference.gone")
        _conference, before = found
        starts_at = whole_minute(starts_at)
        ends_at = self._conferences.check_end(
            starts_at, datetime.fromtimestamp(whole_minute(ends_at), UTC)
        )
        self._conferences.check_start(datetime.fromtimestamp(starts_at, UTC))
        async with self._database.transaction() as tx:
            repository = ConferenceRepository(tx)
            await repository.put_exception(
                conference_id, SeriesException(original_start, False, starts_at, ends_at)
            )
            updated = await self._settle(tx, conference_id)
        return MeetingChange(updated, before, series.Occurrence(original_start, starts_at, ends_at))

    # -- all meetings from one on ---------------------------------------------------
    async def end_before(self, owner_id: int, conference_id: int, original_start: int) -> bool:
        """Delete "all meetings" from this one on, mid-series: the series ends just
        before it (UNTIL) and its participants are to be told (REQUEST with a higher
        SEQUENCE, through "Notify participants"). False when the meeting is the first
        (the caller deletes the whole series instead)."""
        found = await self.meeting(owner_id, conference_id, original_start)
        if found is None:
            raise InvalidInput("conference.gone")
        conference, _meeting = found
        if self.is_first(conference, _meeting):
            return False
        async with self._database.transaction() as tx:
            await self._cut(tx, conference, original_start)
        return True

    async def change_all(
        self, owner_id: int, conference_id: int, original_start: int, draft: Draft, timezone: str
    ) -> tuple[ConferenceRecord, ConferenceRecord | None]:
        """Save an edit of "all meetings" from the meeting at `original_start`: the
        whole series at its first meeting; else a split (the earlier part, returned
        second, ends before it). Returns the series people now meet in."""
        found = await self.meeting(owner_id, conference_id, original_start)
        if found is None:
            raise InvalidInput("conference.gone")
        conference, meeting = found
        if draft.starts_at is None or draft.ends_at is None:
            raise InvalidInput("schedule.bad_incomplete")
        starts_at, ends_at = whole_minute(draft.starts_at), whole_minute(draft.ends_at)
        if ends_at <= starts_at:
            raise InvalidInput("schedule.bad_end_before_start")
        if starts_at != meeting.starts_at:
            self._conferences.check_start(datetime.fromtimestamp(starts_at, UTC))
        draft = replace(draft, starts_at=starts_at, ends_at=ends_at)
        plan = self._conferences.series_plan(draft, timezone)
        if plan is None:
            raise InvalidInput("series.bad_rule")
        now = self._clock.timestamp()
        async with self._database.transaction() as tx:
            repository = ConferenceRepository(tx)
            if self.is_first(conference, meeting):
                fields = {
                    "topic": draft.topic,
                    "password": draft.password,
                    "allow_without_owner": draft.allow_without_owner,
                }
                news = _rule_changed(conference, plan) or any(
                    getattr(conference, name) != value for name, value in fields.items()
                )
                await repository.update(conference.id, fields, now=now, mark_changed=news)
                await repository.drop_exceptions_from(conference.id, 0)
                await repository.set_series(
                    conference.id,
                    rrule=plan.rule,
                    timezone=plan.timezone,
                    series_start=plan.starts_at,
                    active_until=plan.active_until,
                    starts_at=plan.starts_at,
                    ends_at=plan.ends_at,
                    now=now,
                    mark_changed=news,
                    meeting_length=plan.ends_at - plan.starts_at,
                )
                if plan.starts_at != conference.starts_at:
                    await repository.update(conference.id, {"owner_joined_at": None}, now=now)
                changed = await repository.get(conference.id)
                assert changed is not None
                return changed, None
            earlier = await self._cut(tx, conference, original_start, new_code=True)
            later_id = await repository.create(
                NewConference(
                    owner_id,
                    draft.topic,
                    plan.starts_at,
                    plan.ends_at,
                    conference.conference_code,
                    draft.password,
                    draft.allow_without_owner,
                    rrule=plan.rule,
                    rrule_timezone=plan.timezone,
                    active_until=plan.active_until,
                ),
                now=now,
            )
            await repository.update(
                later_id,
                {"share_token": conference.share_token, "split_from": conference.id},
                now=now,
                mark_changed=True,
            )
            await repository.copy_audience(conference.id, later_id)
            later = await repository.get(later_id)
            assert later is not None
        return later, earlier

    # -- helpers --------------------------------------------------------------------
    async def _cut(
        self,
        tx: Queryable,
        conference: ConferenceRecord,
        original_start: int,
        *,
        new_code: bool = False,
    ) -> ConferenceRecord:
        """End the series just before `original_start` (UTC UNTIL a second earlier)."""
        assert conference.rrule is not None
        repository = ConferenceRepository(tx)
        now = self._clock.timestamp()
        await repository.drop_exceptions_from(conference.id, original_start)
        rule = series.with_end(conference.rrule, until=original_start - 1)
        changes: dict[str, object] = {}
        if new_code:
            # The later part keeps the ID and the share link people know.
            changes["conference_code"] = await self._conferences.unused_code(tx)
            changes["share_token"] = None
        if changes:
            await repository.update(conference.id, changes, now=now)
        await repository.set_series(
            conference.id,
            rrule=rule,
            timezone=conference.rrule_timezone,
            series_start=conference.series_start,
            active_until=conference.active_until or conference.ends_at,
            starts_at=conference.starts_at,
            ends_at=conference.ends_at,
            now=now,
            mark_changed=True,
        )
        return await self._settle(tx, conference.id)

    async def _settle(self, tx: Queryable, conference_id: int) -> ConferenceRecord:
        """Recompute the current meeting and the end of the last one after a change; a
        new current meeting has nobody joined and nobody waiting yet."""
        repository = ConferenceRepository(tx)
        conference = await repository.get(conference_id)
        assert conference is not None and conference.rrule is not None
        now = self._clock.timestamp()
        plan = series.Series.of(conference, await repository.exceptions(conference_id))
        meeting = series.current(plan, now=now)
        if meeting is None:
            raise InvalidInput("series.only_meeting_left")
        await repository.set_series(
            conference_id,
            rrule=conference.rrule,
            timezone=conference.rrule_timezone,
            series_start=conference.series_start,
            active_until=series.active_until(plan, now=now),
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            now=now,
        )
        if meeting.starts_at != conference.starts_at:
            await repository.update(conference_id, {"owner_joined_at": None}, now=now)
            await JoinWaiterRepository(tx).take_all(conference_id)
        settled = await repository.get(conference_id)
        assert settled is not None
        return settled


def _rule_changed(conference: ConferenceRecord, plan: SeriesPlan) -> bool:
    return (
        conference.rrule != plan.rule
        or conference.series_start != plan.starts_at
        or conference.ends_at - conference.starts_at != plan.ends_at - plan.starts_at
    )

"""Keeping a series' current meeting current.

A series row holds its current meeting in starts_at/ends_at (docs/ARCHITECTURE.md,
"Recurring conferences"): once that meeting has ended, the row moves on to the next one,
nobody has joined that yet, and whoever waited for the owner in the ended one stops
waiting. This runs in the reminder job before reminders are claimed, and before a series
is read for a card, a Join or a page, so a reader never sees a meeting that has ended
while a later one is ahead. Only series whose meeting has ended are read (a partial
index on series rows), never every series.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from bot.series import Series, current
from storage.conferences import ConferenceRepository
from storage.db import Database
from storage.reminders import JoinWaiterRepository

_BATCH = 200


@dataclass
class _Quiet:
    """Nothing to advance before `until` (the earliest end of a live series' current
    meeting), as long as the database has not been written since (`changes`)."""

    until: int
    changes: int


# Per database: pages, Joins and the join page ask on every read, and most of the time
# no meeting has ended since the last ask; one comparison answers that then.
_QUIET: WeakKeyDictionary[Database, _Quiet] = WeakKeyDictionary()


async def advance_series(database: Database, now: int) -> int:
    """Move every series whose meeting has ended on to its next meeting; how many moved."""
    quiet = _QUIET.get(database)
    if quiet is not None and now < quiet.until and quiet.changes == database.changes:
        return 0
    repository = ConferenceRepository(database)
    behind = await repository.series_behind(now=now, limit=_BATCH)
    if not behind:
        changes = database.changes
        _QUIET[database] = _Quiet(await repository.next_series_end(), changes)
        return 0
    moved = 0
    async with database.transaction() as tx:
        repository = ConferenceRepository(tx)
        for conference in behind:
            series = Series.of(conference, await repository.exceptions(conference.id))
            meeting = current(series, now=now)
            if meeting is None or meeting.ends_at <= now:
                # No meeting ahead after all (the last ones were cancelled): the series
                # is over at the end of the meeting it shows.
                await repository.settle(conference.id, active_until=conference.ends_at)
                continue
            if await repository.move_current(
                conference.id,
                was_starts_at=conference.starts_at,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
            ):
                await JoinWaiterRepository(tx).take_all(conference.id)
                moved += 1
    return moved

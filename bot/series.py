"""Recurring conferences: a series is one conference with an RFC 5545 RRULE.

The one place that expands a rule into meetings (`dateutil.rrule`, never a hand-written
loop): the rule's DTSTART is the first meeting's start as a wall-clock time in the
series' zone (`rrule_timezone`, the owner's at scheduling), so a 10:00 Moscow stand-up
stays at 10:00 Moscow and a 10:00 Berlin one stays at 10:00 Berlin across the March and
October changes; each meeting is then converted to UTC. Exceptions (a meeting moved or
cancelled alone, by its original start: the RECURRENCE-ID) are applied here too.

Expansion is bounded: a finite series (COUNT or UNTIL) may hold at most MAX_MEETINGS, and
a series without end is expanded at most HORIZON ahead of now.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from bot.validation import InvalidInput
from storage.conferences import ConferenceRecord, SeriesException

MAX_MEETINGS = 500
HORIZON = timedelta(days=731)  # "at most 2 years of meetings are shown or sent ahead"
NO_END = 2**62  # active_until of a series without end
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WORKING_DAYS = WEEKDAYS[:5]
# The presets of the review card's "Repeats"; "custom" is weekly on chosen weekdays.
PRESETS = ("daily", "weekdays", "weekly", "biweekly", "monthly_date", "monthly_day", "custom")


@dataclass(frozen=True)
class Occurrence:
    """One meeting: its original start (the RECURRENCE-ID) and when it takes place."""

    original_start: int
    starts_at: int
    ends_at: int

    @property
    def moved(self) -> bool:
        return self.starts_at != self.original_start


@dataclass(frozen=True)
class Series:
    """What expansion needs: the rule, its zone, the first start (UTC), the length of a
    meeting in seconds, and the meetings changed alone."""

    rule: str
    timezone: str
    first_start: int
    length: int
    exceptions: tuple[SeriesException, ...] = ()

    @classmethod
    def of(cls, conference: ConferenceRecord, exceptions: Iterable[SeriesException]) -> Series:
        """The series stored in a conference row (which must be one)."""
        assert conference.rrule is not None and conference.rrule_timezone is not None
        assert conference.series_start is not None
        return cls(
            conference.rrule,
            conference.rrule_timezone,
            conference.series_start,
            conference.meeting_length or conference.ends_at - conference.starts_at,
            tuple(exceptions),
        )

    @property
    def is_finite(self) -> bool:
        return is_finite(self.rule)


def parts(rule: str) -> dict[str, str]:
    """The rule's parts by name: {"FREQ": "WEEKLY", "BYDAY": "MO"}."""
    found: dict[str, str] = {}
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        if name and value:
            found[name.strip().upper()] = value.strip().upper()
    return found


def join_parts(found: dict[str, str]) -> str:
    """The rule text of its parts, FREQ first as RFC 5545 writers do."""
    ordered = ["FREQ", *[name for name in found if name != "FREQ"]]
    return ";".join(f"{name}={found[name]}" for name in ordered if name in found)


def is_finite(rule: str) -> bool:
    found = parts(rule)
    return "COUNT" in found or "UNTIL" in found


def _expander(series: Series) -> rrule:
    zone = ZoneInfo(series.timezone)
    dtstart = datetime.fromtimestamp(series.first_start, UTC).astimezone(zone)
    expander = rrulestr(series.rule, dtstart=dtstart)
    assert isinstance(expander, rrule)
    return expander


def original_starts(series: Series, *, now: int, limit: int = MAX_MEETINGS + 1) -> list[int]:
    """The rule's starts (UTC), before exceptions: all of a finite series (at most
    `limit`), of one without end those up to HORIZON after now (or after the first)."""
    return list(islice(_lazy_starts(series, now=now), limit))


def _lazy_starts(series: Series, *, now: int) -> Iterator[int]:
    """The rule's starts (UTC) one by one, up to HORIZON after now (or after the first)."""
    bound = max(now, series.first_start) + int(HORIZON.total_seconds())
    for moment in _expander(series):
        timestamp = int(moment.timestamp())
        if timestamp > bound:
            return
        yield timestamp


def occurrences(series: Series, *, now: int) -> list[Occurrence]:
    """The meetings, in order of when they take place: cancelled ones left out, moved
    ones at their new time."""
    changed = {e.original_start: e for e in series.exceptions}
    meetings = []
    for start in original_starts(
        series, now=now, limit=MAX_MEETINGS if series.is_finite else 10**6
    ):
        exception = changed.get(start)
        if exception is None:
            meetings.append(Occurrence(start, start, start + series.length))
        elif not exception.cancelled and exception.starts_at is not None:
            ends_at = exception.ends_at or exception.starts_at + series.length
            meetings.append(Occurrence(start, exception.starts_at, ends_at))
    meetings.sort(key=lambda meeting: (meeting.starts_at, meeting.original_start))
    return meetings


def upcoming(series: Series, *, now: int) -> list[Occurrence]:
    """The meetings whose end is still ahead, the current one first."""
    return [meeting for meeting in occurrences(series, now=now) if meeting.ends_at > now]


def current(series: Series, *, now: int) -> Occurrence | None:
    """The current meeting: the earliest whose end is after now, else the last one
    (None only when every meeting was cancelled).

    Read lazily: the rule is followed only up to the first ordinary meeting still
    ahead (the reminder job and every page may ask this), the moved ones compared
    with it; only a series whose meetings are all past is expanded whole."""
    changed = {e.original_start: e for e in series.exceptions}
    candidates = [
        Occurrence(e.original_start, e.starts_at, e.ends_at or e.starts_at + series.length)
        for e in series.exceptions
        if not e.cancelled and e.starts_at is not None
    ]
    limit = MAX_MEETINGS if series.is_finite else None
    for start in islice(_lazy_starts(series, now=now), limit):
        if start in changed:
            continue
        if start + series.length > now:
            candidates.append(Occurrence(start, start, start + series.length))
            break
    ahead = [meeting for meeting in candidates if meeting.ends_at > now]
    if ahead:
        return min(ahead, key=lambda meeting: (meeting.starts_at, meeting.original_start))
    meetings = occurrences(series, now=now)
    return meetings[-1] if meetings else None


def active_until(series: Series, *, now: int) -> int:
    """The end of the last meeting; NO_END for a series without end."""
    if not series.is_finite:
        return NO_END
    meetings = occurrences(series, now=now)
    return max((meeting.ends_at for meeting in meetings), default=series.first_start)


def check(series: Series, *, now: int) -> list[Occurrence]:
    """A new or changed series' meetings, or InvalidInput: no meeting at all (a rule with
    no weekday it can fall on, an end before the start), or more than MAX_MEETINGS."""
    found = parts(series.rule)
    if found.get("FREQ") not in ("DAILY", "WEEKLY", "MONTHLY"):
        raise InvalidInput("series.bad_rule")
    if "UNTIL" in found:
        until = _until_timestamp(found["UNTIL"])
        if until is None:
            raise InvalidInput("series.bad_rule")
        if until < series.first_start:
            raise InvalidInput("series.bad_until_before_start")
    if "COUNT" in found and (not found["COUNT"].isdigit() or int(found["COUNT"]) < 1):
        raise InvalidInput("series.bad_count", {"limit": str(MAX_MEETINGS)})
    if "COUNT" in found and int(found["COUNT"]) > MAX_MEETINGS:
        raise InvalidInput("series.bad_too_many", {"limit": str(MAX_MEETINGS)})
    try:
        starts = original_starts(series, now=now)
    except (ValueError, TypeError):
        raise InvalidInput("series.bad_rule") from None
    if series.is_finite and len(starts) > MAX_MEETINGS:
        raise InvalidInput("series.bad_too_many", {"limit": str(MAX_MEETINGS)})
    meetings = occurrences(series, now=now)
    if not meetings:
        raise InvalidInput("series.bad_no_meetings")
    return meetings


def _until_timestamp(value: str) -> int | None:
    try:
        return int(datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp())
    except ValueError:
        return None


def until_text(timestamp: int) -> str:
    """An UNTIL value in UTC, as RFC 5545 wants it when DTSTART has a TZID."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y%m%dT%H%M%SZ")


def with_end(rule: str, *, count: int | None = None, until: int | None = None) -> str:
    """The rule with another end: COUNT, UNTIL (UTC seconds) or none."""
    found = {name: value for name, value in parts(rule).items() if name not in ("COUNT", "UNTIL")}
    if count is not None:
        found["COUNT"] = str(count)
    elif until is not None:
        found["UNTIL"] = until_text(until)
    return join_parts(found)


def end_of_local_day(day: datetime, timezone: str) -> int:
    """The last second of `day`'s date in `timezone` (an "until" date includes its day)."""
    zone = ZoneInfo(timezone)
    local = datetime.combine(day.date(), datetime.max.time().replace(microsecond=0), zone)
    return int(local.timestamp())


def preset_rule(
    preset: str,
    *,
    first_start: int,
    timezone: str,
    days: Sequence[str] = (),
    interval: int = 1,
) -> str:
    """The RRULE of a preset, from the first meeting's local weekday and date:
    "weekly" falls on the start's weekday (or on `days`), "monthly_day" on the same
    weekday of the month ("2nd Tuesday"; the 5th is "the last")."""
    local = datetime.fromtimestamp(first_start, UTC).astimezone(ZoneInfo(timezone))
    weekday = WEEKDAYS[local.weekday()]
    found: dict[str, str] = {}
    if preset == "daily":
        found["FREQ"] = "DAILY"
    elif preset == "weekdays":
        found |= {"FREQ": "WEEKLY", "BYDAY": ",".join(WORKING_DAYS)}
    elif preset in ("weekly", "biweekly", "custom"):
        chosen = [day for day in WEEKDAYS if day in days] or [weekday]
        found |= {"FREQ": "WEEKLY", "BYDAY": ",".join(chosen)}
        if preset == "biweekly":
            interval = 2
    elif preset == "monthly_date":
        found |= {"FREQ": "MONTHLY", "BYMONTHDAY": str(local.day)}
    elif preset == "monthly_day":
        nth = (local.day - 1) // 7 + 1
        found |= {"FREQ": "MONTHLY", "BYDAY": f"{-1 if nth == 5 else nth}{weekday}"}
    else:
        raise ValueError(f"unknown preset {preset!r}")
    if interval > 1:
        found["INTERVAL"] = str(interval)
    return join_parts(found)


def moments(meetings: Iterable[Occurrence]) -> list[tuple[int, int]]:
    """(start, end) of each meeting: what a comparison with another expansion needs."""
    return [(meeting.starts_at, meeting.ends_at) for meeting in meetings]


def preset_of(rule: str) -> tuple[str, tuple[str, ...], int]:
    """The form's preset, weekdays and interval that give `rule` back (its end aside):
    a stored series opened for editing or repeating keeps its rhythm."""
    found = parts(rule)
    interval = int(found.get("INTERVAL", "1") or 1)
    days = tuple(day for day in found.get("BYDAY", "").split(",") if day)
    frequency = found.get("FREQ")
    if frequency == "DAILY":
        return "daily", (), interval
    if frequency == "WEEKLY":
        if days == WORKING_DAYS and interval == 1:
            return "weekdays", (), 1
        return "custom", days, interval
    if frequency == "MONTHLY" and "BYMONTHDAY" in found:
        return "monthly_date", (), interval
    return "monthly_day", (), interval


def end_of(rule: str) -> tuple[int | None, int | None]:
    """(COUNT, UNTIL in UTC seconds) of a rule; (None, None) without end."""
    found = parts(rule)
    count = int(found["COUNT"]) if found.get("COUNT", "").isdigit() else None
    until = _until_timestamp(found["UNTIL"]) if "UNTIL" in found else None
    return count, until

"""What a typed start means to the form: a moment, a day awaiting a time, or a range.

:func:`~bot.dates.moments.parse_start` answers a moment or None; the form wants more
from the same text, so :func:`understand_start` answers one of

* :class:`StartMoment`: "tomorrow 15:00", "in 2 hours", "вчера в 10" (a past moment
  is returned as it is; the caller says it has passed);
* :class:`StartDay`: a day without a time, "friday", "через 2 дня", "25.12",
  "2026-12-03", "yesterday": the caller asks for the time on that day;
* :class:`StartRange`: a start and an end in one answer, "tomorrow 15:00-16:00",
  "завтра с 15 до 16", "friday 10am to 11:30am", "15:00-16:00" (today), "tomorrow
  15:00 for 2 hours";

or None when the text is not understood.

Decisions
---------
* The start of a range is read by the fast path only (:mod:`bot.dates.fast`), never
  by dateparser, and may not be a relative offset ("in 2-3 hours" is no range).
* The end of a range follows the end rules (:func:`~bot.dates.ends.parse_end`:
  relative to the parsed start, a bare time on the start's day), except that a bare
  number is an hour, as in the start ("с 15 до 16", "15-16"), not minutes.
  After "for"/"на" only a duration with a unit is taken ("на 2 часа"; "завтра на
  15:00" stays a moment).
* Separators: "-", "–", "—", "to", "till", "until", "до", "по"; "from"/"с"/"со"
  before the start is dropped ("завтра с 15 до 16" = "завтра 15" to "16").
* With ``day`` (the day the caller asked a time for), a bare time or range is on that
  day, never rolled over; a text with a date of its own keeps its date.
* A zone abbreviation at the end ("15:00-16:00 EST") applies to the whole answer; a
  day with a zone and no time is not understood.
* A day is the *local* day in the user's zone.  Whether it has passed is the caller's
  decision (:func:`local_today`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.dates.common import (
    as_utc,
    describe_error,
    describe_input,
    floor_minute,
    language_order,
    load_zone,
    normalize,
    to_utc,
)
from bot.dates.durations import duration_shaped, relative_offset
from bot.dates.ends import parse_end
from bot.dates.fallback import slow_moment
from bot.dates.fast import Reject, fast_day, fast_moment
from bot.dates.zones import split_zone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartMoment:
    """A start at a moment (aware UTC, whole minutes except "now")."""

    at: datetime


@dataclass(frozen=True)
class StartDay:
    """A day without a time (local to the user's zone): ask for the time."""

    day: date


@dataclass(frozen=True)
class StartRange:
    """A start and an end typed together (aware UTC); the end may be before the start
    or too far after it: the caller checks, as for an end typed on its own."""

    start: datetime
    end: datetime


StartAnswer = StartMoment | StartDay | StartRange

# Between the start and the end of a range.
_RANGE_SEP_RE = re.compile(r"\s*[-–—]\s*|\s+(?:to|till|til|until|до|по)\s+")
# Between a start and a length: "tomorrow 15:00 for 2 hours", "завтра в 15 на час".
_LENGTH_SEP_RE = re.compile(r"\s+(?:for|на)\s+")
# "from"/"с" before the start's time: "завтра с 15", "from 10am".
_FROM_RE = re.compile(r"(?P<day>.*?)(?:^|\s)(?:from|с|со)\s+(?P<at>.+)")
_BARE_HOUR_RE = re.compile(r"\d{1,2}")


def understand_start(
    text: str, *, now: datetime, tz: str, language: str, day: date | None = None
) -> StartAnswer | None:
    """What a typed start means (see the module's docstring), or None if not understood.

    ``now`` is aware (naive is taken as UTC), ``tz`` the user's IANA zone (unknown ->
    ValueError), ``language`` 'en' or 'ru' (tried first), ``day`` the local day the
    caller asked a time for, if it did.  Never raises on any ``text``.
    """
    load_zone(tz)  # an unknown zone is a ValueError, not a silent None
    try:
        return _understand(text, now=as_utc(now), tz=tz, language=language, day=day)
    except (ValueError, OverflowError):
        return None
    except Exception as exc:  # pragma: no cover - defensive
        log.warning("understand_start failed on %s: %s", describe_input(text), describe_error(exc))
        return None


def local_today(now: datetime, tz: str) -> date:
    """Today's date on the clocks of ``tz``."""
    return as_utc(now).astimezone(load_zone(tz)).date()


def wall_time(day: date, at: time, tz: str) -> datetime:
    """The moment (aware UTC) when the clocks of ``tz`` show ``at`` on ``day``."""
    return to_utc(day, at, load_zone(tz))


def _understand(
    text: str, *, now: datetime, tz: str, language: str, day: date | None
) -> StartAnswer | None:
    s = normalize(text)
    if s is None:
        return None
    s, named = split_zone(s)
    zone_name = named or tz
    zone = load_zone(zone_name)
    lang = language_order(language)[0]
    fast = fast_moment(s, now=now, zone=zone, lang=lang, anchor=day)
    if isinstance(fast, datetime):
        return StartMoment(fast if fast is now else floor_minute(fast))
    span = _range(s, now=now, zone=zone, zone_name=zone_name, lang=lang, day=day)
    if span is not None:
        return span
    if isinstance(fast, Reject):
        if named is not None:
            return None  # "friday EST": a zone says nothing without a time
        found = fast_day(s, now=now, zone=zone, lang=lang)
        return StartDay(found) if found is not None else None
    slow = slow_moment(s, now=now, zone=zone, lang=lang, anchor=day)
    return StartMoment(slow) if slow is not None else None


def _range(
    s: str, *, now: datetime, zone: ZoneInfo, zone_name: str, lang: str, day: date | None
) -> StartRange | None:
    """A start and an end in one text, split at the first separator that gives both."""
    for separator, is_length in ((_RANGE_SEP_RE, False), (_LENGTH_SEP_RE, True)):
        for m in separator.finditer(s):
            head, tail = s[: m.start()].strip(), s[m.end() :].strip()
            if not head or not tail or (is_length and not duration_shaped(tail)):
                continue
            start = _range_start(head, now=now, zone=zone, lang=lang, day=day)
            if start is None:
                continue
            end = _range_end(tail, start=start, now=now, zone=zone, zone_name=zone_name, lang=lang)
            if end is not None:
                return StartRange(start, end)
    return None


def _range_start(
    head: str, *, now: datetime, zone: ZoneInfo, lang: str, day: date | None
) -> datetime | None:
    """The start of a range: a moment the fast path reads, not a relative offset."""
    m = _FROM_RE.fullmatch(head)
    if m:
        head = f"{m['day']} {m['at']}".strip()
    if relative_offset(head) is not None:
        return None
    start = fast_moment(head, now=now, zone=zone, lang=lang, anchor=day)
    if not isinstance(start, datetime):
        return None
    return start if start is now else floor_minute(start)


def _range_end(
    tail: str, *, start: datetime, now: datetime, zone: ZoneInfo, zone_name: str, lang: str
) -> datetime | None:
    """The end of a range: the end rules, but a bare number is an hour ("с 15 до 16")."""
    if _BARE_HOUR_RE.fullmatch(tail):
        anchor = start.astimezone(zone).date()
        end = fast_moment(tail, now=now, zone=zone, lang=lang, anchor=anchor)
        return floor_minute(end) if isinstance(end, datetime) else None
    return parse_end(tail, start=start, now=now, tz=zone_name, language=lang)

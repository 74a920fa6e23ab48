"""A series' rule in words ("every Monday, 10:00–10:30", «каждый понедельник, 10:00–10:30»)
and typed rules ("every Monday 10:00", «каждый вторник в 15:00», "weekdays at 9:30").

Words come from the catalogs (`series.*` keys) and Babel's weekday names; a typed rule is
a rule phrase at the start of the answer, and the rest of it (a time, a day) goes through
the same date parser as any start (bot/dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_day_names

from bot.i18n import plain
from bot.series import WEEKDAYS, WORKING_DAYS, parts
from storage.conferences import ConferenceRecord


def describe(language: str, rule: str) -> str:
    """The rule's rhythm in words, without times or end: "every 2 weeks on Mon, Wed"."""
    found = parts(rule)
    frequency = found.get("FREQ", "")
    interval = int(found.get("INTERVAL", "1") or 1)
    days = [day for day in found.get("BYDAY", "").split(",") if day]
    if frequency == "DAILY":
        if interval == 1:
            return plain(language, "series.daily")
        return plain(language, "series.every_n_days", count=interval)
    if frequency == "WEEKLY":
        if interval == 1 and days == list(WORKING_DAYS):
            return plain(language, "series.weekdays")
        if interval == 1 and len(days) == 1 and days[0] in WEEKDAYS:
            return plain(language, f"series.weekly_{days[0]}")
        names = _day_list(language, days)
        if interval == 1:
            return plain(language, "series.weekly_on", days=names)
        return plain(language, "series.every_n_weeks_on", count=interval, days=names)
    if frequency == "MONTHLY":
        if "BYMONTHDAY" in found:
            return plain(language, "series.monthly_date", day=found["BYMONTHDAY"])
        match = re.fullmatch(r"(-?\d)(MO|TU|WE|TH|FR|SA|SU)", days[0] if days else "")
        if match:
            nth, day = int(match.group(1)), match.group(2)
            if nth < 0:
                return plain(language, f"series.monthly_last_{day}")
            return plain(
                language, f"series.monthly_nth_{day}", nth=plain(language, f"series.ordinal_{nth}")
            )
        return plain(language, "series.monthly")
    return plain(language, "series.custom_rule")


def _day_list(language: str, days: list[str]) -> str:
    names = get_day_names("abbreviated", locale=language)
    return ", ".join(str(names[WEEKDAYS.index(day)]) for day in days if day in WEEKDAYS)


def describe_end(language: str, rule: str, timezone: str) -> str:
    """ "10 meetings", "until 1 Mar 2027", "no end"."""
    found = parts(rule)
    if "COUNT" in found:
        return plain(language, "series.end_count", count=int(found["COUNT"]))
    if "UNTIL" in found:
        until = datetime.strptime(found["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        local = until.astimezone(ZoneInfo(timezone))
        return plain(
            language,
            "series.end_until",
            date=format_date(local, plain(language, "series.date_format"), locale=language),
        )
    return plain(language, "series.end_none")


def summary(
    language: str, rule: str, *, starts_at: int, ends_at: int, timezone: str, next_start: int | None
) -> str:
    """The log's and the card's line: "every Monday, 10:00–10:30, next: Mon 7 Dec"."""
    zone = ZoneInfo(timezone)
    start = datetime.fromtimestamp(starts_at, UTC).astimezone(zone)
    end = datetime.fromtimestamp(ends_at, UTC).astimezone(zone)
    clock = plain(language, "time.clock")
    text = plain(
        language,
        "series.summary",
        rule=describe(language, rule),
        start=format_datetime(start, clock, locale=language),
        end=format_datetime(end, clock, locale=language),
    )
    if next_start is not None:
        upcoming = datetime.fromtimestamp(next_start, UTC).astimezone(zone)
        day = format_date(upcoming, plain(language, "series.next_format"), locale=language)
        text = plain(language, "series.summary_next", summary=text, next=day)
    return text


class Rhythm(NamedTuple):
    summary: str  # "every Monday, 10:00–10:30" (with ", next: …" when asked)
    end: str  # "10 meetings", "until 1 Mar 2027", "no end"


def rhythm(
    language: str, conference: ConferenceRecord, timezone: str, *, next_start: int | None = None
) -> Rhythm:
    """A series in words, as cards, notices and the log show it: its rule with its times
    in `timezone`, and its end (an UNTIL date in the series' own zone)."""
    assert conference.rrule is not None
    return Rhythm(
        summary(
            language,
            conference.rrule,
            starts_at=conference.starts_at,
            ends_at=conference.ends_at,
            timezone=timezone,
            next_start=next_start,
        ),
        describe_end(language, conference.rrule, conference.rrule_timezone or timezone),
    )


# --- typed rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class TypedRule:
    """A rule phrase understood: a preset, its weekdays (weekly) and interval, and the
    rest of the answer (a time, a day), for the date parser."""

    preset: str
    days: tuple[str, ...] = ()
    interval: int = 1
    rest: str = ""


# Weekday stems of both languages (any case ending): "monday", "mondays", "понедельник",
# "вторникам", "среду", "пятницам".
_DAY_STEMS = {
    "MO": ("mon", "понедельник", "пн"),
    "TU": ("tue", "вторник", "вт"),
    "WE": ("wed", "сред", "ср"),
    "TH": ("thu", "четверг", "чт"),
    "FR": ("fri", "пятниц", "пт"),
    "SA": ("sat", "суббот", "сб"),
    "SU": ("sun", "воскресень", "вс"),
}
_EVERY = r"(?:every|each|каждый|каждую|каждое|каждые|по|раз\s+в)"
_WORD = r"[a-zа-яё]+"
_WEEKDAYS_PHRASE = re.compile(
    r"^(?:every\s+weekday|weekdays|on\s+weekdays|по\s+будням|будни|каждый\s+будний\s+день)\b"
)
_DAILY = re.compile(r"^(?:every\s*day|daily|each\s+day|каждый\s+день|ежедневно)(?![a-zа-яё])")
_MONTHLY = re.compile(
    r"^(?:every\s+month|monthly|each\s+month|каждый\s+месяц|ежемесячно)(?![a-zа-яё])"
)
_WEEKLY = re.compile(
    r"^(?:every\s+week|weekly|each\s+week|каждую\s+неделю|еженедельно)(?![a-zа-яё])"
)
_EVERY_N = re.compile(
    r"^(?:every|каждые|раз\s+в)\s+(\d{1,2})\s*(days?|weeks?|дн[а-яё]*|день|недел[а-яё]*)(?![a-zа-яё])"
)
_EVERY_DAYS = re.compile(rf"^{_EVERY}\s+((?:{_WORD})(?:\s*(?:,|and|и)\s*{_WORD})*)(?![a-zа-яё])")


def understand_rule(typed: str) -> TypedRule | None:
    """The rule phrase at the start of a typed answer, or None when it has none."""
    text = " ".join(typed.lower().replace("ё", "е").split())
    match = _WEEKDAYS_PHRASE.match(text)
    if match:
        return TypedRule("weekdays", rest=_rest(text, match.end()))
    match = _DAILY.match(text)
    if match:
        return TypedRule("daily", rest=_rest(text, match.end()))
    match = _MONTHLY.match(text)
    if match:
        return TypedRule("monthly_date", rest=_rest(text, match.end()))
    match = _WEEKLY.match(text)
    if match:
        days, end = _days_after(text, match.end())
        return TypedRule("weekly", days, rest=_rest(text, end))
    match = _EVERY_N.match(text)
    if match:
        interval = int(match.group(1))
        if interval < 1:
            return None
        if match.group(2).startswith(("day", "дн", "день")):
            return TypedRule("daily", interval=interval, rest=_rest(text, match.end()))
        days, end = _days_after(text, match.end())
        return TypedRule("weekly", days, interval, _rest(text, end))
    match = _EVERY_DAYS.match(text)
    if match:
        days = _weekdays_in(match.group(1))
        if days:
            return TypedRule("weekly", days, rest=_rest(text, match.end()))
    return None


def _days_after(text: str, start: int) -> tuple[tuple[str, ...], int]:
    """Weekdays named right after a rhythm ("every 2 weeks on Monday", «по вторникам»)."""
    match = re.compile(rf"\s*(?:on|по|в|во)\s+((?:{_WORD})(?:\s*(?:,|and|и)\s*{_WORD})*)").match(
        text, start
    )
    if match:
        days = _weekdays_in(match.group(1))
        if days:
            return days, match.end()
    return (), start


def _weekdays_in(phrase: str) -> tuple[str, ...]:
    """The weekdays a list of words names, in week order; () if any word is not one."""
    words = [word for word in re.split(r"\s*(?:,|\band\b|\bи\b)\s*|\s+", phrase) if word]
    found = set()
    for word in words:
        day = next(
            (
                code
                for code, stems in _DAY_STEMS.items()
                if any(word.startswith(stem) if len(stem) > 2 else word == stem for stem in stems)
            ),
            None,
        )
        if day is None:
            return ()
        found.add(day)
    return tuple(day for day in WEEKDAYS if day in found)


def _rest(text: str, end: int) -> str:
    """What follows the rule phrase, without a joining "at" / «в»."""
    rest = text[end:].strip(" ,")
    return re.sub(r"^(?:at|в|во)\s+", "", rest)

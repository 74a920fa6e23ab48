"""The fast path: the common forms of a moment read with regular expressions, no dateparser.

Most texts people type ("tomorrow 15:00", "в 9", "25.12 10:30") are read here
in microseconds; dateparser (:mod:`bot.dates.fallback`) only sees what this
path does not recognise.  :func:`fast_moment` returns a moment, :data:`REJECT`
when it recognises the *shape* of the text but the values are invalid
("32.13 10:00", "25:00": dateparser would happily guess something), or None
when the shape is unknown.

Forms read here: ``HH:MM``, ``3pm``, ``в 9``, ``today/tomorrow/сегодня/завтра/
послезавтра + time`` (and ``yesterday/вчера/позавчера + time``, which callers
reject as passed), weekdays (``monday 10:00``, ``в следующую пятницу в
17:00``), numeric dates (``25.12 10:30``, ``25.12.2026 10:30``, ``2026-12-25
10:30``, ``12/25 10:30``), month names (``dec 25 10:30``, ``25 декабря в
10:30``), relative offsets (``in 2 hours``, ``через полчаса``, ``2 hours from
now``) and ``now``/``сейчас``.

Decisions for ambiguous forms
-----------------------------
* A bare time ("15:00", "3pm", "в 9", "15") means today at that time; if that
  moment passed more than :data:`~bot.dates.common.PAST_GRACE` (5 minutes)
  ago it means tomorrow.  Explicit days ("today 09:00" at noon) are never
  moved: the past moment is returned and the caller rejects it.
* A bare number is an hour ("15" -> 15:00, "в 9" -> 09:00).  In an *end*
  a bare number is a duration in minutes instead ("45" -> start + 45 min,
  see :mod:`bot.dates.ends`).
* Numeric dates: with dots it is always day.month ("25.12", "05.06" = 5 June)
  in both languages; with slashes it is month/day for English ("12/25") and
  day/month for Russian ("25/12"); if the preferred order is impossible
  but the other one is valid (English "25/12") the valid one is used.
  ``YYYY-MM-DD`` is ISO.  A date without a year is in the current year, or
  next year if that moment has already passed (more than the grace).
  A standalone ``N.MM`` is a date when it is a valid day.month ("10.12" ->
  date without a time -> rejected) and a time otherwise ("15.30" -> 15:30).
* Weekdays: "monday 10:00" / "в понедельник в 10:00" is the next such weekday,
  today only if the time is still ahead (within the grace).  "next monday" /
  "в следующий понедельник" is the next such weekday strictly after today
  (so it only differs from "monday" when today is Monday).  "this monday" /
  "в этот понедельник" behaves like a bare weekday.
* Part-of-day words: "3pm", "9 утра", "7 вечера", "2 дня", "11 ночи" (23:00),
  "2 ночи" (02:00), "tomorrow evening at 7", "завтра вечером в 7" (19:00),
  "tonight at 9" (21:00 today).
* Relative offsets ("in 2 hours", "через час") are exact elapsed time added to
  ``now`` in UTC, so they are right across DST changes.  Offsets made only of
  days/weeks ("in 2 days") have no time of day and are rejected.  A bare
  number after "in"/"через" is minutes ("через 5" = in 5 minutes), as in
  :func:`~bot.dates.durations.parse_duration`.
* A date without a time ("tomorrow", "25.12", "next monday") is rejected by
  :func:`fast_moment` (dateparser would only confirm it has no time);
  :func:`fast_day` reads it as a day, for callers that then ask for the time.
* Texts made only of digits and separators that match none of the shapes
  above ("999:99", "25.12.2026") are rejected without dateparser, and so are
  durations where a moment is expected ("2 hours", which dateparser reads as
  "2 hours ago").
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.dates.common import PAST_GRACE, floor_minute, to_utc
from bot.dates.durations import duration_parts, duration_shaped, relative_offset


class Reject:
    """The type of :data:`REJECT`."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<REJECT>"


#: The fast path recognised the shape but the value is invalid: give up,
#: do not ask dateparser.
REJECT: Final = Reject()


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

_WEEKDAYS: dict[str, int] = {
    word: index
    for index, words in enumerate(
        [
            "monday mon понедельник пн пнд",
            "tuesday tue tues вторник вт",
            "wednesday wed среда среду ср",
            "thursday thu thur thurs четверг чт",
            "friday fri пятница пятницу пт",
            "saturday sat суббота субботу сб",
            "sunday sun воскресенье воскресение вс",
        ]
    )
    for word in words.split()
}

_MONTHS: dict[str, int] = {
    word: index
    for index, words in enumerate(
        [
            "jan january январь января янв",
            "feb february февраль февраля фев февр",
            "mar march март марта мар",
            "apr april апрель апреля апр",
            "may май мая",
            "jun june июнь июня июн",
            "jul july июль июля июл",
            "aug august август августа авг",
            "sep sept september сентябрь сентября сен сент",
            "oct october октябрь октября окт",
            "nov november ноябрь ноября ноя нояб",
            "dec december декабрь декабря дек",
        ],
        start=1,
    )
    for word in words.split()
}

_REL_DAYS = {
    "today": 0,
    "tonight": 0,
    "сегодня": 0,
    "tomorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "завтра": 1,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
    "послезавтра": 2,
    # Past days are read too, so that "вчера в 10" is answered "already passed"
    # rather than "not understood".
    "yesterday": -1,
    "вчера": -1,
    "day before yesterday": -2,
    "the day before yesterday": -2,
    "позавчера": -2,
}
_NOW_WORDS = frozenset({"now", "right now", "сейчас", "прямо сейчас"})

# Part-of-day qualifiers.  Values are the suffix they imply for the hour.
_POD_WORDS = {
    "morning": "am",
    "in the morning": "am",
    "afternoon": "дня",
    "in the afternoon": "дня",
    "evening": "pm",
    "in the evening": "pm",
    "night": "ночи",
    "at night": "ночи",
    "утром": "am",
    "днем": "дня",
    "вечером": "pm",
    "ночью": "ночи",
}
_POD_ALT = "|".join(sorted(map(re.escape, _POD_WORDS), key=len, reverse=True))

_WEEKDAY_ALT = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_WEEKDAY_RE = re.compile(
    r"(?:(?:on|в|во|на)\s+)?"
    r"(?:(?P<mod>next|this|coming|следующ(?:ий|ую|ее|ая)|эт(?:от|у|о|а)|"
    r"ближайш(?:ий|ую|ее|ая))\s+)?"
    rf"(?P<wd>{_WEEKDAY_ALT})\.?"
)
_DOT_DATE_RE = re.compile(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?\.?")
_SLASH_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?")
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_ORD = r"(?:st|nd|rd|th|-?го|-?е)?"
_YEAR_TAIL = r"(?:,?\s+(?P<y>\d{4})(?:\s*(?:г|года?))?\.?)?"
_DAY_MONTH_RE = re.compile(
    rf"(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>[a-zа-я]+)\.?{_YEAR_TAIL}"
)
_MONTH_DAY_RE = re.compile(
    rf"(?:on\s+)?(?P<mon>[a-z]+)\.?\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}{_YEAR_TAIL}"
)
_DATE_POD_RE = re.compile(rf"(?P<core>.*?)(?:^|\s+)(?P<pod>{_POD_ALT})")

_TIME = (
    r"(?:(?P<word>noon|midday|midnight|полдень|полночь)"
    r"|(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<m>\d{2}))?"
    r"(?P<hw>\s*(?:h|ч|час(?:а|ов)?)\b)?"
    r"(?:\s*(?P<suf>a\.?m\b\.?|p\.?m\b\.?|утра|дня|вечера|ночи))?)"
)
_PREP = r"(?P<prep>(?:at|в|во|к|@)\s*)"
# date part (lazy) + optional preposition + time at the end
_TAIL_TIME_RE = re.compile(rf"(?P<date>.*?)(?:^|[\s,]+|(?<=\d)t){_PREP}?{_TIME}")
# time first, then the date part: "3pm tomorrow", "в 10 утра завтра"
_HEAD_TIME_RE = re.compile(rf"{_PREP}?{_TIME}[\s,]+(?:on\s+)?(?P<date>.+)")

_NUMERIC_ONLY_RE = re.compile(r"[\d\s:./,\-]+")


# --------------------------------------------------------------------------
# Pieces
# --------------------------------------------------------------------------


def _resolve_time(m: re.Match[str], pod_suffix: str | None) -> time | Reject:
    """The time of day of a ``_TIME`` match, with a part-of-day word from the date part."""
    word = m["word"]
    if word:
        return time(12) if word in ("noon", "midday", "полдень") else time(0)
    hour = int(m["h"])
    minute = int(m["m"]) if m["m"] else 0
    suffix = m["suf"]
    if suffix:
        suffix = suffix.replace(".", "")
    else:
        suffix = pod_suffix
    if minute > 59:
        return REJECT
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            if hour == 0 and suffix == "am":
                return time(0, minute)
            if pod_suffix and not m["suf"] and hour <= 23:
                return time(hour, minute)  # "tomorrow evening at 19:00"
            return REJECT
        if suffix == "am":
            hour = 0 if hour == 12 else hour
        else:
            hour = 12 if hour == 12 else hour + 12
    elif suffix == "утра":
        if hour == 12:
            hour = 0
        elif hour > 12:
            return REJECT
    elif suffix == "дня":
        if 1 <= hour <= 7:
            hour += 12
    elif suffix == "вечера":
        if 1 <= hour <= 11:
            hour += 12
    elif suffix == "ночи":
        if hour == 12:
            hour = 0
        elif 8 <= hour <= 11:
            hour += 12
    if hour > 23:
        return REJECT
    return time(hour, minute)


def _valid_date(y: int, mo: int, d: int) -> date | None:
    """The date, or None if there is no such day."""
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _year(raw: str | None) -> int | None:
    """A typed year; two digits are 20xx."""
    if raw is None:
        return None
    y = int(raw)
    return 2000 + y if len(raw) == 2 else y


# A date spec: ("day", date) for an explicit date with year,
# ("md", month, day) for a date without a year, ("rel", n) for today+n,
# ("wd", weekday, modifier).
_DateSpec = tuple[Any, ...]


def _parse_date_part(d: str, lang: str) -> tuple[_DateSpec | None, str | None] | Reject | None:
    """Parse the date part of a text.

    Returns ``(spec, pod_suffix)``; ``spec`` None means "no date" (time only).
    Returns None when the shape is unknown (-> dateparser), REJECT when the
    shape is known but the values are impossible.
    """
    d = d.strip(" ,")
    pod: str | None = None
    pm = _DATE_POD_RE.fullmatch(d)
    if pm:
        pod = _POD_WORDS[pm["pod"]]
        d = pm["core"].strip(" ,")
    if d in ("this", "today this", "сегодня") and pod:
        return ("rel", 0), pod
    if not d:
        return None, pod
    if d in _REL_DAYS:
        if d == "tonight" and pod is None:
            pod = "pm"
        return ("rel", _REL_DAYS[d]), pod
    m = _WEEKDAY_RE.fullmatch(d)
    if m:
        mod = m["mod"]
        strict = bool(mod) and (mod == "next" or mod.startswith("следующ"))
        return ("wd", _WEEKDAYS[m["wd"]], strict), pod
    spec: _DateSpec | Reject | None = None
    m = _DOT_DATE_RE.fullmatch(d)
    if m:
        spec = _numeric_date(int(m[1]), int(m[2]), _year(m[3]))
    m = None if spec else _SLASH_DATE_RE.fullmatch(d)
    if m:
        a, b, y = int(m[1]), int(m[2]), _year(m[3])
        # en: month/day, ru: day/month; the other order if only it is valid
        first, second = ((b, a), (a, b)) if lang == "en" else ((a, b), (b, a))
        probe_year = y or 2000  # leap year: accept 29 Feb when probing
        spec = REJECT
        for day_, month_ in (first, second):
            if _valid_date(probe_year, month_, day_):
                spec = _numeric_date(day_, month_, y)
                break
    if spec is None:
        m = _ISO_DATE_RE.fullmatch(d)
        if m:
            spec = _numeric_date(int(m[3]), int(m[2]), int(m[1]))
    if spec is None:
        m = _DAY_MONTH_RE.fullmatch(d) or _MONTH_DAY_RE.fullmatch(d)
        if m and m["mon"] in _MONTHS:
            spec = _numeric_date(int(m["d"]), _MONTHS[m["mon"]], _year(m["y"]))
    if spec is None:
        return None
    if isinstance(spec, Reject):
        return REJECT
    return spec, pod


def _numeric_date(day_: int, month_: int, year_: int | None) -> _DateSpec | Reject:
    """A date spec for day, month and maybe year; REJECT if no year has that day."""
    if year_ is not None:
        dt = _valid_date(year_, month_, day_)
        return ("day", dt) if dt else REJECT
    if not _valid_date(2000, month_, day_):  # 2000 is a leap year
        return REJECT
    return ("md", month_, day_)


def _resolve(
    spec: _DateSpec | None,
    at: time,
    *,
    now: datetime,
    zone: ZoneInfo,
    anchor: date | None,
) -> datetime | Reject:
    """Combine a date spec and a time into an aware UTC datetime."""
    local_today = now.astimezone(zone).date()
    threshold = now - PAST_GRACE
    if spec is None:
        if anchor is not None:  # end: the start's local day, no rolling
            return to_utc(anchor, at, zone)
        result = to_utc(local_today, at, zone)
        if result < threshold:
            result = to_utc(local_today + timedelta(days=1), at, zone)
        return result
    kind = spec[0]
    if kind == "rel":
        return to_utc(local_today + timedelta(days=spec[1]), at, zone)
    if kind == "day":
        return to_utc(spec[1], at, zone)
    if kind == "wd":
        _, weekday, strict = spec
        ahead = (weekday - local_today.weekday()) % 7
        if ahead == 0 and strict:
            ahead = 7
        result = to_utc(local_today + timedelta(days=ahead), at, zone)
        if result < threshold:
            result = to_utc(local_today + timedelta(days=ahead + 7), at, zone)
        return result
    if kind == "md":
        _, month_, day_ = spec
        for year_ in range(local_today.year, local_today.year + 9):
            dt = _valid_date(year_, month_, day_)
            if dt is None:
                continue  # 29 February
            result = to_utc(dt, at, zone)
            if result >= threshold:
                return result
        return REJECT
    raise AssertionError(kind)  # pragma: no cover


def fast_moment(
    s: str, *, now: datetime, zone: ZoneInfo, lang: str, anchor: date | None
) -> datetime | Reject | None:
    """The moment ``s`` (normalised) means, read by regular expressions.

    ``now`` is aware UTC, ``zone`` the user's zone, ``lang`` 'en' or 'ru' (the
    order of slashed dates), ``anchor`` the start's local day when ``s`` is an
    end (a bare time is then on that day, never rolled over).  Returns
    :data:`REJECT` for a known shape with impossible values, None when the
    shape is not recognised (try dateparser).
    """
    if s in _NOW_WORDS:
        return now

    offset = relative_offset(s)
    if offset is not None:
        parts = duration_parts(offset)
        if parts is not None:
            delta, has_time_unit = parts
            if not has_time_unit:
                return REJECT  # "in 2 days": a date without a time
            return floor_minute(now + delta)
        if duration_shaped(offset):
            return REJECT  # "in 0 minutes", "in 2 hours 3 hours"
        # fall through: e.g. "in 2 days at 10:00" -> dateparser

    for regex in (_TAIL_TIME_RE, _HEAD_TIME_RE):
        m = regex.fullmatch(s)
        if not m:
            continue
        date_text = m["date"]
        parsed = _parse_date_part(date_text, lang)
        if parsed is None:
            continue
        if isinstance(parsed, Reject):
            return REJECT
        spec, pod = parsed
        if regex is _HEAD_TIME_RE and spec is None and pod is None:
            continue
        if regex is _HEAD_TIME_RE and not (m["sep"] == ":" or m["suf"] or m["word"] or m["prep"]):
            continue  # "25 december 10:30" is not "25:00 on december 10:30"
        if (
            spec is None
            and m["sep"] == "."
            and not m["prep"]
            and pod is None
            and _valid_date(2000, int(m["m"]), int(m["h"]))
        ):
            return REJECT  # standalone "10.12": a date (D.M) without a time
        at = _resolve_time(m, pod)
        if isinstance(at, Reject):
            return REJECT
        return _resolve(spec, at, now=now, zone=zone, anchor=anchor)

    # A date without any time ("tomorrow", "25.12", "next monday"): reject
    # here, dateparser would only confirm it has no time.
    parsed = _parse_date_part(s, lang)
    if isinstance(parsed, Reject) or (parsed is not None and parsed[0] is not None):
        return REJECT
    # Only digits and separators, and none of the shapes above ("999:99",
    # "25.12.2026", "10 30"): dateparser would only guess.
    if _NUMERIC_ONLY_RE.fullmatch(s):
        return REJECT
    # A duration where a moment is expected ("2 hours"): dateparser would
    # read it as "2 hours ago".
    if duration_shaped(s):
        return REJECT
    return None


def _resolve_day(spec: _DateSpec, *, today: date) -> date | None:
    """The local day a date spec means on its own, without a time of day.

    "friday" is the next Friday, today included; "next friday" is never today; a day
    and month without a year is this year's, or next year's once it has passed.
    """
    kind = spec[0]
    if kind == "rel":
        return today + timedelta(days=spec[1])
    if kind == "day":
        day: date = spec[1]
        return day
    if kind == "wd":
        _, weekday, strict = spec
        ahead = (weekday - today.weekday()) % 7
        if ahead == 0 and strict:
            ahead = 7
        return today + timedelta(days=ahead)
    if kind == "md":
        _, month_, day_ = spec
        for year_ in range(today.year, today.year + 9):
            found = _valid_date(year_, month_, day_)
            if found is not None and found >= today:
                return found
        return None
    raise AssertionError(kind)  # pragma: no cover


def fast_day(s: str, *, now: datetime, zone: ZoneInfo, lang: str) -> date | None:
    """The local day ``s`` (normalised) names without a time of day, else None.

    For texts :func:`fast_moment` rejects as "a date without a time": "tomorrow",
    "в пятницу", "25.12", "3 декабря", "2026-12-03", "in 2 days", "через неделю",
    "yesterday".  Part-of-day words ("tomorrow evening") are not a day: they say
    something about the time that a separate time question would lose.
    """
    today = now.astimezone(zone).date()
    offset = relative_offset(s)
    if offset is not None:
        parts = duration_parts(offset)
        if parts is None or parts[1] or parts[0] % timedelta(days=1):
            return None  # "in 2 hours" is a moment, "in 1.5 days" no day
        return today + timedelta(days=parts[0].days)
    parsed = _parse_date_part(s, lang)
    if parsed is None or isinstance(parsed, Reject):
        return None
    spec, pod = parsed
    if spec is None or pod is not None:
        return None
    return _resolve_day(spec, today=today)

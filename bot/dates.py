"""Parsing of conference start/end times typed by users (English and Russian).

Everything here is a pure function: no Telegram, no I/O, no clock.  Every
function that needs "the current moment" takes ``now`` (an aware datetime,
normally UTC) explicitly, so tests can use a fixed clock.

Times are read in the *user's* time zone (an IANA name handled by
:mod:`zoneinfo`) and returned as aware UTC datetimes.

How a text is parsed
--------------------
1. It is normalised (lower-cased, ``ё`` -> ``е``, whitespace collapsed,
   trailing punctuation dropped).  Texts longer than 200 characters or with
   control characters are rejected up front.
2. A fast regex path handles the common forms without dateparser:
   ``HH:MM``, ``3pm``, ``в 9``, ``today/tomorrow/сегодня/завтра/послезавтра
   + time``, weekdays (``monday 10:00``, ``в следующую пятницу в 17:00``),
   numeric dates (``25.12 10:30``, ``25.12.2026 10:30``, ``2026-12-25 10:30``,
   ``12/25 10:30``), month names (``dec 25 10:30``, ``25 декабря в 10:30``),
   relative offsets (``in 2 hours``, ``через полчаса``, ``2 hours from now``)
   and ``now``/``сейчас``.  When the fast path recognises the *shape* of the
   text but the values are invalid (``32.13 10:00``, ``25:00``) the text is
   rejected without asking dateparser (which would happily guess something).
3. Anything else goes to dateparser, restricted to English and Russian (the
   user's language first), with ``PREFER_DATES_FROM='future'`` and
   ``RELATIVE_BASE`` = ``now`` as a naive local wall time.  Its results are
   accepted only if they contain a time of day.

Decisions for ambiguous forms
-----------------------------
* A date without a time of day ("tomorrow", "25.12", "через 2 дня") is
  rejected: a conference needs a time.
* A bare time ("15:00", "3pm", "в 9", "15") means today at that time; if that
  moment passed more than :data:`PAST_GRACE` (5 minutes) ago it means
  tomorrow.  Explicit days ("today 09:00" at noon) are never moved: the past
  moment is returned and the caller rejects it.
* A bare number is an hour ("15" -> 15:00, "в 9" -> 09:00).  In an *end*
  a bare number is a duration in minutes instead ("45" -> start + 45 min).
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
  :func:`parse_duration`.
* Texts made only of digits and separators that match none of the shapes
  above ("999:99", "25.12.2026") are rejected without dateparser.
* Wall times are localised with zoneinfo, ``fold=0``: a time inside a DST gap
  (e.g. 02:30 on the spring-forward night in New York) is read with the
  pre-transition offset, i.e. it lands one hour later on the clock (03:30);
  an ambiguous time (fall-back night) means its first occurrence.
* Moments are truncated to the whole minute, except "now"/"сейчас" which is
  ``now`` itself; an end computed as start + duration keeps the start's
  precision.
* An explicit time zone understood by dateparser ("15:00 UTC", "10:00 MSK")
  overrides the user's zone.

End of a conference (:func:`parse_end`)
---------------------------------------
* Durations ("90 min", "1h30", "полтора часа", "45", "for 2 hours",
  "на 2 часа") are added to the start.
* "in 2 hours" / "через 2 часа" in an end mean start + 2 hours (the end "in 2
  hours" from *now* would nearly always be before a future start).
* "H:MM": if that time on the start's local day is after the start it is that
  moment ("16:30" for a 15:00 start).  Otherwise, when the hour is a single
  digit written without a leading zero ("1:30", "2:00") it is a duration;
  otherwise it is the moment anyway ("14:00" for a 15:00 start -> 14:00, which
  the caller rejects).
* Any other moment follows the :func:`parse_start` rules, except that a bare
  time means that time on the start's local day and is never rolled over.
  "until 16:30" / "до 16:30" are accepted.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MAX_DURATION",
    "MAX_INPUT_LENGTH",
    "PAST_GRACE",
    "ParsedMoment",
    "parse_duration",
    "parse_end",
    "parse_start",
    "warm_up",
]

log = logging.getLogger(__name__)

#: Texts longer than this are rejected without any parsing.
MAX_INPUT_LENGTH: Final = 200
#: A bare time that passed less than this long ago still means today.
PAST_GRACE: Final = timedelta(minutes=5)
#: Longest duration :func:`parse_duration` accepts.
MAX_DURATION: Final = timedelta(days=366)

SUPPORTED_LANGUAGES: Final = ("en", "ru")


@dataclass(frozen=True)
class ParsedMoment:
    """A moment understood from user input; ``at`` is aware and in UTC."""

    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("ParsedMoment.at must be timezone-aware")
        if self.at.tzinfo is not timezone.utc:
            object.__setattr__(self, "at", self.at.astimezone(timezone.utc))


# --------------------------------------------------------------------------
# Sentinels and small helpers
# --------------------------------------------------------------------------


class _Reject:
    """Fast path recognised the shape but the value is invalid: give up."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<REJECT>"


_REJECT: Final = _Reject()

_WS_RE = re.compile(r"\s+")
_TRAILING_PUNCT = " .,!?;…"


def _normalize(text: object) -> str | None:
    """Lower-case, collapse whitespace; None for unusable input."""
    if not isinstance(text, str) or len(text) > MAX_INPUT_LENGTH:
        return None
    chars = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cc":
            if ch in "\t\n\r":
                chars.append(" ")
                continue
            return None  # NUL and friends
        if cat in ("Cs", "Co", "Cn"):
            return None
        if cat == "Cf":
            continue  # zero-width spaces, BOM, ...
        chars.append(ch)
    s = "".join(chars).lower().replace("ё", "е")
    s = _WS_RE.sub(" ", s).strip(_TRAILING_PUNCT)
    return s or None


@lru_cache(maxsize=256)
def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone: {tz!r}") from exc


def _utc_now(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        return now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc)


def _language_order(language: str | None) -> tuple[str, str]:
    lang = (language or "en").lower()
    return ("ru", "en") if lang.startswith("ru") else ("en", "ru")


def _to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Local wall time (fold=0) -> aware UTC."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def _floor_minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


# --------------------------------------------------------------------------
# Durations
# --------------------------------------------------------------------------

_H, _M, _D, _W = "h", "m", "d", "w"
_UNIT_SECONDS = {_H: 3600, _M: 60, _D: 86400, _W: 7 * 86400}
_UNITS: dict[str, str] = {}
for _unit, _words in {
    _H: "h hr hrs hour hours ч час часа часов часик часика часиков",
    _M: "m min mins minute minutes мин минута минуты минут минуту минутка "
    "минутки минуток м '",
    _D: "d day days д дн день дня дней сутки суток",
    _W: "w wk wks week weeks нед неделя недели недель неделю",
}.items():
    for _w in _words.split():
        _UNITS[_w] = _unit

_NUMBER_WORDS = {
    "a": "1", "an": "1", "one": "1", "один": "1", "одна": "1", "одну": "1",
    "two": "2", "два": "2", "две": "2", "three": "3", "три": "3",
    "four": "4", "четыре": "4", "five": "5", "пять": "5", "six": "6",
    "шесть": "6", "seven": "7", "семь": "7", "eight": "8", "восемь": "8",
    "nine": "9", "девять": "9", "ten": "10", "десять": "10",
    "fifteen": "15", "пятнадцать": "15", "twenty": "20", "двадцать": "20",
    "thirty": "30", "тридцать": "30", "forty": "40", "сорок": "40",
    "полтора": "1.5", "полторы": "1.5",
}
# Whole phrases, replaced before tokenising (longest first).
_DURATION_PHRASES = [
    (re.compile(r"\b(?:an? )?hour and a half\b"), " 90 m "),
    (re.compile(r"\bone and a half hours?\b"), " 90 m "),
    (re.compile(r"\bhalf (?:an )?hour\b"), " 30 m "),
    (re.compile(r"\bчас(?:а)? с половиной\b"), " 90 m "),
    (re.compile(r"(?<![\w])пол ?часа\b"), " 30 m "),
    (re.compile(r"(?<![\w])пол ?минуты\b"), " 0.5 m "),
    (re.compile(r"\bforty[- ]five\b"), " 45 "),
    (re.compile(r"\bсорок пять\b"), " 45 "),
]
_DUR_ALLOWED_RE = re.compile(r"[0-9a-zа-я'.,:+& ]*")
_DUR_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)?|[a-zа-я]+|'")
_DUR_SPLIT_RE = re.compile(r"(?<=\d)(?=[a-zа-я'])|(?<=[a-zа-я'])(?=\d)")
_HMM_RE = re.compile(r"(\d{1,3}):([0-5]\d)")
_DUR_FILLERS = frozenset({"and", "и", "with", "plus"})


def _duration_parts(s: str) -> tuple[timedelta, bool] | None:
    """Parse a normalised duration text.

    Returns ``(duration, has_time_unit)`` where ``has_time_unit`` tells
    whether hours or minutes were involved (not only days/weeks).
    """
    m = _HMM_RE.fullmatch(s)
    if m:
        td = timedelta(hours=int(m[1]), minutes=int(m[2]))
        return (td, True) if timedelta(0) < td <= MAX_DURATION else None
    for pattern, repl in _DURATION_PHRASES:
        s = pattern.sub(repl, s)
    if not _DUR_ALLOWED_RE.fullmatch(s):
        return None
    s = _DUR_SPLIT_RE.sub(" ", s)
    tokens: list[str] = []
    for tok in _DUR_TOKEN_RE.findall(s):
        if tok in _DUR_FILLERS:
            continue
        tokens.append(_NUMBER_WORDS.get(tok, tok))
    if not tokens:
        return None

    seen: set[str] = set()
    total = 0.0
    last_unit: str | None = None
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if tok[0].isdigit():
            if len(tok) > 9:
                return None
            value = float(tok.replace(",", "."))
            unit = _UNITS.get(tokens[i + 1]) if i + 1 < n else None
            if unit is None:
                if i + 1 < n:
                    return None  # number followed by a non-unit word
                # trailing number without a unit
                if "." in tok or "," in tok:
                    return None
                if last_unit == _H and _M not in seen:
                    unit = _M  # "1h30", "1 ч 30"
                elif not seen:
                    unit = _M  # "45" -> minutes
                else:
                    return None
                i += 1
            else:
                i += 2
        else:
            unit = _UNITS.get(tok)
            if unit is None or unit == _M and tok in ("m", "м", "'"):
                return None  # unknown word, or "m" alone
            value = 1.0  # "час", "hour", "минуту", "сутки"
            i += 1
        if unit in seen:
            return None
        seen.add(unit)
        last_unit = unit
        total += value * _UNIT_SECONDS[unit]
    if not total > 0 or total > MAX_DURATION.total_seconds():
        return None
    td = timedelta(seconds=round(total))
    return (td, bool(seen & {_H, _M})) if td > timedelta(0) else None


def _duration_shaped(s: str) -> bool:
    """Whether ``s`` is made only of numbers and duration words, with a unit.

    Such texts are durations or nothing: "0 min" must not reach dateparser
    (which reads it as a moment).
    """
    for pattern, repl in _DURATION_PHRASES:
        s = pattern.sub(repl, s)
    if not _DUR_ALLOWED_RE.fullmatch(s):
        return False
    has_unit = False
    for tok in _DUR_TOKEN_RE.findall(_DUR_SPLIT_RE.sub(" ", s)):
        if tok in _UNITS:
            has_unit = True
        elif not (tok[0].isdigit() or tok in _NUMBER_WORDS or tok in _DUR_FILLERS):
            return False
    return has_unit


def parse_duration(text: str) -> timedelta | None:
    """A duration typed by a user -> timedelta, or None if not understood.

    Accepts "90 min", "1h30", "1 h 30 min", "2 hours", "1.5h", "1:30", "45"
    (a bare integer is minutes), "half an hour", "an hour and a half",
    "полтора часа", "2 часа", "90 минут", "1 ч 30 мин", "30м", "полчаса",
    "час", "сутки".  Zero, negative or longer than :data:`MAX_DURATION`
    -> None.  Never raises.
    """
    try:
        s = _normalize(text)
        if s is None:
            return None
        parts = _duration_parts(s)
        return parts[0] if parts else None
    except Exception:  # pragma: no cover - defensive: never raise on input
        log.warning("parse_duration failed on %r", text, exc_info=True)
        return None


# --------------------------------------------------------------------------
# Fast path: vocabulary
# --------------------------------------------------------------------------

_WEEKDAYS: dict[str, int] = {}
for _idx, _words in enumerate(
    [
        "monday mon понедельник пн пнд",
        "tuesday tue tues вторник вт",
        "wednesday wed среда среду ср",
        "thursday thu thur thurs четверг чт",
        "friday fri пятница пятницу пт",
        "saturday sat суббота субботу сб",
        "sunday sun воскресенье воскресение вс",
    ]
):
    for _w in _words.split():
        _WEEKDAYS[_w] = _idx

_MONTHS: dict[str, int] = {}
for _idx, _words in enumerate(
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
):
    for _w in _words.split():
        _MONTHS[_w] = _idx

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
_REL_PREFIX_RE = re.compile(r"(?:in|через|спустя|after)\s+(?P<rest>.+)")
_REL_SUFFIX_RE = re.compile(r"(?P<rest>.+?)\s+(?:from now|later|спустя)")


# --------------------------------------------------------------------------
# Fast path: pieces
# --------------------------------------------------------------------------


def _resolve_time(m: re.Match[str], pod_suffix: str | None) -> time | _Reject:
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
        return _REJECT
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            if hour == 0 and suffix == "am":
                return time(0, minute)
            if pod_suffix and not m["suf"] and hour <= 23:
                return time(hour, minute)  # "tomorrow evening at 19:00"
            return _REJECT
        if suffix == "am":
            hour = 0 if hour == 12 else hour
        else:
            hour = 12 if hour == 12 else hour + 12
    elif suffix == "утра":
        if hour == 12:
            hour = 0
        elif hour > 12:
            return _REJECT
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
        return _REJECT
    return time(hour, minute)


def _valid_date(y: int, mo: int, d: int) -> date | None:
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    y = int(raw)
    return 2000 + y if len(raw) == 2 else y


# A date spec: ("day", date) for an explicit date with year,
# ("md", month, day) for a date without a year, ("rel", n) for today+n,
# ("wd", weekday, modifier).
_DateSpec = tuple[Any, ...]


def _parse_date_part(d: str, lang: str) -> tuple[_DateSpec | None, str | None] | _Reject | None:
    """Parse the date part of a text.

    Returns ``(spec, pod_suffix)``; ``spec`` None means "no date" (time only).
    Returns None when the shape is unknown (-> dateparser), _REJECT when the
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
    spec: _DateSpec | _Reject | None = None
    m = _DOT_DATE_RE.fullmatch(d)
    if m:
        spec = _numeric_date(int(m[1]), int(m[2]), _year(m[3]))
    m = None if spec else _SLASH_DATE_RE.fullmatch(d)
    if m:
        a, b, y = int(m[1]), int(m[2]), _year(m[3])
        # en: month/day, ru: day/month; the other order if only it is valid
        first, second = ((b, a), (a, b)) if lang == "en" else ((a, b), (b, a))
        probe_year = y or 2000  # leap year: accept 29 Feb when probing
        spec = _REJECT
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
    if spec is _REJECT:
        return _REJECT
    return spec, pod


def _numeric_date(day_: int, month_: int, year_: int | None) -> _DateSpec | _Reject:
    if year_ is not None:
        dt = _valid_date(year_, month_, day_)
        return ("day", dt) if dt else _REJECT
    if not _valid_date(2000, month_, day_):  # 2000 is a leap year
        return _REJECT
    return ("md", month_, day_)


def _resolve(
    spec: _DateSpec | None,
    at: time,
    *,
    now: datetime,
    zone: ZoneInfo,
    anchor: date | None,
) -> datetime | _Reject:
    """Combine a date spec and a time into an aware UTC datetime."""
    local_today = now.astimezone(zone).date()
    threshold = now - PAST_GRACE
    if spec is None:
        if anchor is not None:  # end: the start's local day, no rolling
            return _to_utc(anchor, at, zone)
        result = _to_utc(local_today, at, zone)
        if result < threshold:
            result = _to_utc(local_today + timedelta(days=1), at, zone)
        return result
    kind = spec[0]
    if kind == "rel":
        return _to_utc(local_today + timedelta(days=spec[1]), at, zone)
    if kind == "day":
        return _to_utc(spec[1], at, zone)
    if kind == "wd":
        _, weekday, strict = spec
        ahead = (weekday - local_today.weekday()) % 7
        if ahead == 0 and strict:
            ahead = 7
        result = _to_utc(local_today + timedelta(days=ahead), at, zone)
        if result < threshold:
            result = _to_utc(local_today + timedelta(days=ahead + 7), at, zone)
        return result
    if kind == "md":
        _, month_, day_ = spec
        for year_ in range(local_today.year, local_today.year + 9):
            dt = _valid_date(year_, month_, day_)
            if dt is None:
                continue  # 29 February
            result = _to_utc(dt, at, zone)
            if result >= threshold:
                return result
        return _REJECT
    raise AssertionError(kind)  # pragma: no cover


def _fast_moment(
    s: str, *, now: datetime, zone: ZoneInfo, lang: str, anchor: date | None
) -> datetime | _Reject | None:
    """The regex path. None = shape not recognised (try dateparser)."""
    if s in _NOW_WORDS:
        return now

    m = _REL_PREFIX_RE.fullmatch(s) or _REL_SUFFIX_RE.fullmatch(s)
    if m:
        parts = _duration_parts(m["rest"])
        if parts is not None:
            delta, has_time_unit = parts
            if not has_time_unit:
                return _REJECT  # "in 2 days": a date without a time
            return _floor_minute(now + delta)
        if _duration_shaped(m["rest"]):
            return _REJECT  # "in 0 minutes", "in 2 hours 3 hours"
        # fall through: e.g. "in 2 days at 10:00" -> dateparser

    for regex in (_TAIL_TIME_RE, _HEAD_TIME_RE):
        m = regex.fullmatch(s)
        if not m:
            continue
        date_text = m["date"]
        parsed = _parse_date_part(date_text, lang)
        if parsed is None:
            continue
        if parsed is _REJECT:
            return _REJECT
        spec, pod = parsed
        if regex is _HEAD_TIME_RE and spec is None and pod is None:
            continue
        if regex is _HEAD_TIME_RE and not (
            m["sep"] == ":" or m["suf"] or m["word"] or m["prep"]
        ):
            continue  # "25 december 10:30" is not "25:00 on december 10:30"
        if (
            spec is None
            and m["sep"] == "."
            and not m["prep"]
            and pod is None
            and _valid_date(2000, int(m["m"]), int(m["h"]))
        ):
            return _REJECT  # standalone "10.12": a date (D.M) without a time
        at = _resolve_time(m, pod)
        if at is _REJECT:
            return _REJECT
        return _resolve(spec, at, now=now, zone=zone, anchor=anchor)

    # A date without any time ("tomorrow", "25.12", "next monday"): reject
    # here, dateparser would only confirm it has no time.
    parsed = _parse_date_part(s, lang)
    if parsed is _REJECT or (parsed is not None and parsed[0] is not None):
        return _REJECT
    # Only digits and separators, and none of the shapes above ("999:99",
    # "25.12.2026", "10 30"): dateparser would only guess.
    if _NUMERIC_ONLY_RE.fullmatch(s):
        return _REJECT
    # A duration where a moment is expected ("2 hours"): dateparser would
    # read it as "2 hours ago".
    if _duration_shaped(s):
        return _REJECT
    return None


# --------------------------------------------------------------------------
# dateparser fallback
# --------------------------------------------------------------------------

_dp_lock = threading.Lock()
_dp_class: Any = None
# Base settings per language order, built once; RELATIVE_BASE is added per
# call (it is the user's "now").  dateparser keeps its locale data and
# compiled regexes at class level, so a DateDataParser instance is cheap
# (~15 us) and the heavy part is shared across calls and warmed by warm_up().
_dp_settings: dict[tuple[str, ...], dict[str, Any]] = {}


def _dateparser_class() -> Any:
    global _dp_class
    if _dp_class is None:
        with _dp_lock:
            if _dp_class is None:
                from dateparser import DateDataParser  # noqa: PLC0415 - lazy

                _dp_class = DateDataParser
    return _dp_class


def _settings_for(order: tuple[str, ...]) -> dict[str, Any]:
    settings = _dp_settings.get(order)
    if settings is None:
        settings = {
            "PREFER_DATES_FROM": "future",
            # Naive results are local wall times; we localise them ourselves
            # with zoneinfo (correct DST).  Results with an explicit zone in
            # the text come back aware and are converted to UTC.
            "TIMEZONE": "UTC",
            "PARSERS": ["relative-time", "absolute-time"],  # no timestamps
            "DATE_ORDER": "DMY" if order[0] == "ru" else "MDY",
            "PREFER_LOCALE_DATE_ORDER": False,
        }
        _dp_settings[order] = settings
    return settings


def _dateparser_data(text: str, order: tuple[str, ...], base: datetime) -> Any:
    cls = _dateparser_class()
    parser = cls(
        languages=list(order),
        use_given_order=True,
        settings={**_settings_for(order), "RELATIVE_BASE": base},
    )
    return parser.get_date_data(text)


def _slow_moment(
    s: str, *, now: datetime, zone: ZoneInfo, lang: str, anchor: date | None
) -> datetime | None:
    local_now = now.astimezone(zone).replace(tzinfo=None)
    base = local_now
    if anchor is not None:
        base = datetime.combine(anchor, local_now.time())
    try:
        data = _dateparser_data(s, _language_order(lang), base)
    except Exception:  # dateparser may raise on odd input
        log.debug("dateparser failed on a %d-character input", len(s), exc_info=True)
        return None
    dt = data.date_obj
    if dt is None or "time" not in (getattr(data, "parts", None) or ()):
        return None
    if dt.tzinfo is not None and dt.utcoffset() is not None:
        result = dt.astimezone(timezone.utc)
    else:
        result = datetime.combine(dt.date(), dt.time(), tzinfo=zone).astimezone(
            timezone.utc
        )
    return _floor_minute(result)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def _moment(
    text: str, *, now: datetime, tz: str, language: str, anchor: date | None
) -> datetime | None:
    zone = _zone(tz)
    s = _normalize(text)
    if s is None:
        return None
    now_utc = _utc_now(now)
    lang = _language_order(language)[0]
    try:
        fast = _fast_moment(s, now=now_utc, zone=zone, lang=lang, anchor=anchor)
    except (ValueError, OverflowError):
        return None
    if fast is _REJECT:
        return None
    if fast is not None:
        assert isinstance(fast, datetime)
        if fast is now_utc:
            return now_utc
        return _floor_minute(fast)
    try:
        return _slow_moment(s, now=now_utc, zone=zone, lang=lang, anchor=anchor)
    except (ValueError, OverflowError):
        return None


def parse_start(text: str, *, now: datetime, tz: str, language: str) -> datetime | None:
    """A start time typed by a user -> aware UTC datetime, or None if not understood.

    ``now`` is the current moment (aware; naive is taken as UTC), ``tz`` the
    user's IANA time zone (unknown zone -> ValueError), ``language`` 'en' or
    'ru' (tried first; the other language is tried too).  Never raises on
    any ``text``.
    """
    _zone(tz)  # an unknown zone is a ValueError, not a silent None
    try:
        return _moment(text, now=now, tz=tz, language=language, anchor=None)
    except Exception:  # pragma: no cover - defensive
        log.warning("parse_start failed on %r", text, exc_info=True)
        return None


_END_DURATION_PREFIX_RE = re.compile(
    r"(?:for|lasting|на|в течение|длительностью|продолжительностью|\+)\s*(?P<rest>.+)"
)
_END_MOMENT_PREFIX_RE = re.compile(r"(?:until|till|til|to|up to|до|по)\s+(?P<rest>.+)")
_BARE_HMM_RE = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})")


def parse_end(
    text: str, *, start: datetime, now: datetime, tz: str, language: str
) -> datetime | None:
    """An end typed by a user -> aware UTC datetime, or None if not understood.

    Either a moment (same rules as :func:`parse_start`, but a bare time means
    that time on the start's local day, never rolled over: if it is not after
    the start it is returned anyway and the caller rejects it) or a duration
    added to ``start`` ("90 min", "1h30", "45", "1:30", "полтора часа",
    "for 2 hours", "на 2 часа", "in 2 hours", "через 2 часа").
    """
    zone = _zone(tz)
    try:
        s = _normalize(text)
        if s is None:
            return None
        start_utc = _utc_now(start)
        anchor = start_utc.astimezone(zone).date()

        # "in 2 hours" / "через 2 часа": relative to the start
        m = _REL_PREFIX_RE.fullmatch(s) or _REL_SUFFIX_RE.fullmatch(s)
        if m:
            parts = _duration_parts(m["rest"])
            if parts is not None:
                return start_utc + parts[0]

        # a bare number is a duration in minutes, never a moment
        if s.isdigit():
            parts = _duration_parts(s)
            return start_utc + parts[0] if parts else None

        # "H:MM": a moment if after the start, else maybe a duration
        m = _BARE_HMM_RE.fullmatch(s)
        if m:
            hour, minute = int(m["h"]), int(m["m"])
            if hour > 23 or minute > 59:
                return None
            moment = _to_utc(anchor, time(hour, minute), zone)
            if moment > start_utc:
                return moment
            if len(m["h"]) == 1:
                return start_utc + timedelta(hours=hour, minutes=minute)
            return moment

        rest = s
        m = _END_DURATION_PREFIX_RE.fullmatch(s)
        if m:
            rest = m["rest"]
        parts = _duration_parts(rest)
        if parts is not None:
            return start_utc + parts[0]
        if m or _duration_shaped(s):  # "for ever", "0 min": not a moment either
            return None

        m = _END_MOMENT_PREFIX_RE.fullmatch(s)
        if m:
            s = m["rest"]
        return _moment(s, now=now, tz=tz, language=language, anchor=anchor)
    except (ValueError, OverflowError):
        return None
    except Exception:  # pragma: no cover - defensive
        log.warning("parse_end failed on %r", text, exc_info=True)
        return None


def warm_up() -> None:
    """Load dateparser and its English and Russian data (call at start-up).

    The first dateparser parse of each language is much slower than the
    following ones (locale data loading, regex compilation); this moves that
    cost to start-up.
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    samples = (
        "next friday 5pm",
        "dec 25 at 10:30 pm",
        "in 2 days at 10:00",
        "в следующую пятницу в 17:00",
        "25 декабря в 10:30",
        "через 2 дня в 10:00",
    )
    for order in (("en", "ru"), ("ru", "en")):
        for sample in samples:
            try:
                _dateparser_data(sample, order, now)
            except Exception:  # pragma: no cover - warm-up must not fail
                log.debug("warm-up parse failed for %r", sample, exc_info=True)
    # and the fast path's regexes
    parse_start("tomorrow 15:00", now=datetime.now(timezone.utc), tz="UTC", language="en")

"""Durations typed by users ("90 min", "1h30", "полтора часа") and relative offsets.

:func:`parse_duration` is public.  The fast path (:mod:`bot.dates.fast`) and
the end rules (:mod:`bot.dates.ends`) also use :func:`duration_parts` (a
duration plus whether it involves hours or minutes), :func:`duration_shaped`
(is this text a duration or nothing?) and :func:`relative_offset` ("in 2
hours" -> "2 hours").

Rules:

* A bare integer is minutes ("45", and "через 5" = in 5 minutes); after an
  hour it is the minutes of that hour ("1h30", "1 ч 30").  "H:MM" is hours and
  minutes ("1:30").
* Each unit may appear once ("2 hours 3 hours" is nothing); "m" alone is not
  a duration, "час"/"hour"/"минуту"/"сутки" alone are one unit.
* Zero, negative and anything longer than :data:`MAX_PARSED_DURATION` is nothing.
* Texts made only of numbers and duration words, with a unit
  (:func:`duration_shaped`), are durations or nothing: "0 min" must not reach
  dateparser, which reads it as a moment.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Final

from bot.dates.common import describe_error, describe_input, normalize

log = logging.getLogger(__name__)

#: Longest duration :func:`parse_duration` accepts; not the longest conference,
#: which is 24 hours (:mod:`bot.conferences`).
MAX_PARSED_DURATION: Final = timedelta(days=366)

_H, _M, _D, _W = "h", "m", "d", "w"
_UNIT_SECONDS = {_H: 3600, _M: 60, _D: 86400, _W: 7 * 86400}
_UNITS: dict[str, str] = {
    word: unit
    for unit, words in {
        _H: "h hr hrs hour hours ч час часа часов часик часика часиков",
        _M: "m min mins minute minutes мин минута минуты минут минуту минутка минутки минуток м '",
        _D: "d day days д дн день дня дней сутки суток",
        _W: "w wk wks week weeks нед неделя недели недель неделю",
    }.items()
    for word in words.split()
}

_NUMBER_WORDS = {
    "a": "1",
    "an": "1",
    "one": "1",
    "один": "1",
    "одна": "1",
    "одну": "1",
    "two": "2",
    "два": "2",
    "две": "2",
    "three": "3",
    "три": "3",
    "four": "4",
    "четыре": "4",
    "five": "5",
    "пять": "5",
    "six": "6",
    "шесть": "6",
    "seven": "7",
    "семь": "7",
    "eight": "8",
    "восемь": "8",
    "nine": "9",
    "девять": "9",
    "ten": "10",
    "десять": "10",
    "fifteen": "15",
    "пятнадцать": "15",
    "twenty": "20",
    "двадцать": "20",
    "thirty": "30",
    "тридцать": "30",
    "forty": "40",
    "сорок": "40",
    "полтора": "1.5",
    "полторы": "1.5",
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

# "in 2 hours", "через полчаса", "2 hours from now": a duration after now (or,
# in an end, after the start).
_REL_PREFIX_RE = re.compile(r"(?:in|через|спустя|after)\s+(?P<rest>.+)")
_REL_SUFFIX_RE = re.compile(r"(?P<rest>.+?)\s+(?:from now|later|спустя)")


def relative_offset(s: str) -> str | None:
    """The duration text of a relative offset ("in 2 hours" -> "2 hours"), else None.

    ``s`` is normalised.  The returned text is not checked: it may be no
    duration at all ("in 2 days at 10:00" -> "2 days at 10:00").
    """
    m = _REL_PREFIX_RE.fullmatch(s) or _REL_SUFFIX_RE.fullmatch(s)
    return m["rest"] if m else None


def duration_parts(s: str) -> tuple[timedelta, bool] | None:
    """Parse a normalised duration text.

    Returns ``(duration, has_time_unit)`` where ``has_time_unit`` tells
    whether hours or minutes were involved (not only days/weeks).
    """
    m = _HMM_RE.fullmatch(s)
    if m:
        td = timedelta(hours=int(m[1]), minutes=int(m[2]))
        return (td, True) if timedelta(0) < td <= MAX_PARSED_DURATION else None
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
    if not total > 0 or total > MAX_PARSED_DURATION.total_seconds():
        return None
    td = timedelta(seconds=round(total))
    return (td, bool(seen & {_H, _M})) if td > timedelta(0) else None


def duration_shaped(s: str) -> bool:
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
    "час", "сутки".  Zero, negative or longer than :data:`MAX_PARSED_DURATION`
    -> None.  Never raises.
    """
    try:
        s = normalize(text)
        if s is None:
            return None
        parts = duration_parts(s)
        return parts[0] if parts else None
    except Exception as exc:  # pragma: no cover - defensive: never raise on input
        log.warning("parse_duration failed on %s: %s", describe_input(text), describe_error(exc))
        return None

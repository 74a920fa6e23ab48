"""What every part of date parsing shares: input limits, normalisation and zone helpers.

The fast path (:mod:`bot.dates.fast`), the dateparser fallback
(:mod:`bot.dates.fallback`), durations (:mod:`bot.dates.durations`) and the
end rules (:mod:`bot.dates.ends`) all read the same normalised text and turn
local wall times into aware UTC the same way; those helpers live here so that
none of those modules has to import another just for them.

Wall times are localised with zoneinfo, ``fold=0`` (:func:`to_utc`): a time
inside a DST gap (e.g. 02:30 on the spring-forward night in New York) is read
with the pre-transition offset, i.e. it lands one hour later on the clock
(03:30); an ambiguous time (fall-back night) means its first occurrence.
"""

from __future__ import annotations

import os
import re
import traceback
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Texts longer than this are rejected without any parsing.
MAX_INPUT_LENGTH: Final = 200
#: A bare time that passed less than this long ago still means today.
PAST_GRACE: Final = timedelta(minutes=5)


_WS_RE = re.compile(r"\s+")
_TRAILING_PUNCT = " .,!?;…"


def normalize(text: object) -> str | None:
    """Lower-case, ``ё`` -> ``е``, collapse whitespace, drop trailing punctuation.

    None for unusable input: not a string, longer than :data:`MAX_INPUT_LENGTH`,
    control characters other than tab and newlines, surrogates, private-use or
    unassigned characters, or nothing left after cleaning.  Format characters
    (zero-width spaces, BOM, ...) are dropped.
    """
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


def describe_input(text: object) -> str:
    """What to log about a typed text: its length, never the text.

    A text typed where a date is expected may be a password sent to the wrong
    chat, so logs say only "a 12-character text" (or the type of a non-text).
    """
    if isinstance(text, str):
        return f"a {len(text)}-character text"
    return f"a {type(text).__name__}"


def describe_error(exc: BaseException) -> str:
    """What to log about an error while parsing: its type and where, not its message.

    Messages often quote the input ("invalid literal for int(): '...'"), so a
    traceback would log the typed text after all.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    last = frames[-1]
    return f"{type(exc).__name__} in {last.name} ({os.path.basename(last.filename)}:{last.lineno})"


@lru_cache(maxsize=256)
def load_zone(tz: str) -> ZoneInfo:
    """The IANA zone named ``tz``; ValueError if there is no such zone."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone: {tz!r}") from exc


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive ``moment`` is taken as UTC already."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def language_order(language: str | None) -> tuple[str, str]:
    """The languages to try, the user's first: ``("ru", "en")`` or ``("en", "ru")``."""
    lang = (language or "en").lower()
    return ("ru", "en") if lang.startswith("ru") else ("en", "ru")


def to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Local wall time (fold=0) -> aware UTC."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def floor_minute(dt: datetime) -> datetime:
    """``dt`` without its seconds and microseconds."""
    return dt.replace(second=0, microsecond=0)

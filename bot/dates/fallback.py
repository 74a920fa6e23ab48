"""The dateparser fallback: whatever the fast path does not recognise.

dateparser reads far more forms than :mod:`bot.dates.fast` ("in 2 days at
10:00", "next friday 5pm" with odd wording, explicit zones), but it is slow to
import and its first parse in each language loads locale data, so it is
imported lazily (on first use) and :func:`warm_up_dateparser` moves that cost to
start-up.

How dateparser is asked: restricted to English and Russian (the user's
language first), with ``PREFER_DATES_FROM='future'`` and ``RELATIVE_BASE`` =
``now`` as a naive local wall time (for an end, the same wall time on the
start's local day).  Its results are accepted only if they contain a time of
day: a conference needs one.  Naive results are local wall times, localised
with zoneinfo (correct DST); an explicit time zone understood by dateparser
("15:00 UTC", "10:00 MSK") overrides the user's zone.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.dates.common import describe_error, describe_input, floor_minute, language_order

log = logging.getLogger(__name__)

_lock = threading.Lock()
#: dateparser's DateDataParser once loaded (None until the first use).
_parser_class: Any = None
# Base settings per language order, built once; RELATIVE_BASE is added per
# call (it is the user's "now").  dateparser keeps its locale data and
# compiled regexes at class level, so a DateDataParser instance is cheap
# (~15 us) and the heavy part is shared across calls and warmed by warm_up_dateparser().
_settings_cache: dict[tuple[str, ...], dict[str, Any]] = {}


def _dateparser_class() -> Any:
    """dateparser's DateDataParser, imported on first use (thread-safe)."""
    global _parser_class
    if _parser_class is None:
        with _lock:
            if _parser_class is None:
                from dateparser import DateDataParser  # noqa: PLC0415 - lazy

                _parser_class = DateDataParser
    return _parser_class


def _settings_for(order: tuple[str, ...]) -> dict[str, Any]:
    """dateparser settings for a language order, without RELATIVE_BASE (cached)."""
    settings = _settings_cache.get(order)
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
        _settings_cache[order] = settings
    return settings


def _date_data(text: str, order: tuple[str, ...], base: datetime) -> Any:
    """dateparser's DateData for ``text`` relative to the naive ``base``."""
    cls = _dateparser_class()
    parser = cls(
        languages=list(order),
        use_given_order=True,
        settings={**_settings_for(order), "RELATIVE_BASE": base},
    )
    return parser.get_date_data(text)


def slow_moment(
    s: str, *, now: datetime, zone: ZoneInfo, lang: str, anchor: date | None
) -> datetime | None:
    """The moment ``s`` (normalised) means according to dateparser, or None.

    Arguments as for :func:`bot.dates.fast.fast_moment`.  Results without a
    time of day are None; results are truncated to the minute.
    """
    local_now = now.astimezone(zone).replace(tzinfo=None)
    base = local_now
    if anchor is not None:
        base = datetime.combine(anchor, local_now.time())
    try:
        data = _date_data(s, language_order(lang), base)
    except Exception as exc:  # dateparser may raise on odd input
        log.debug("dateparser failed on %s: %s", describe_input(s), describe_error(exc))
        return None
    dt = data.date_obj
    if dt is None or "time" not in (getattr(data, "parts", None) or ()):
        return None
    if dt.tzinfo is not None and dt.utcoffset() is not None:
        result = dt.astimezone(UTC)
    else:
        result = datetime.combine(dt.date(), dt.time(), tzinfo=zone).astimezone(UTC)
    return floor_minute(result)


def warm_up_dateparser() -> None:
    """Load dateparser and its English and Russian data, in both language orders.

    The first dateparser parse of each language is much slower than the
    following ones (locale data loading, regex compilation).
    """
    now = datetime.now(UTC).replace(tzinfo=None)
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
                _date_data(sample, order, now)
            except Exception:  # pragma: no cover - warm-up must not fail
                log.debug("warm-up parse failed for %r", sample, exc_info=True)

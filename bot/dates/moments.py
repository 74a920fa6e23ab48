"""A moment typed by a user: the fast path first, then dateparser; :func:`parse_start`.

:func:`moment` is the one place where the two ways of reading a moment are
combined: :func:`bot.dates.fast.fast_moment` answers (a moment, or a
rejection without asking dateparser) or passes, and only then
:func:`bot.dates.fallback.slow_moment` is asked.  :func:`parse_start` is that
for a start; :func:`bot.dates.ends.parse_end` uses :func:`moment` for ends
that are moments.  :func:`warm_up` prepares both paths at start-up.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from bot.dates.common import (
    as_utc,
    describe_error,
    describe_input,
    floor_minute,
    language_order,
    load_zone,
    normalize,
)
from bot.dates.fallback import slow_moment, warm_up_dateparser
from bot.dates.fast import Reject, fast_moment
from bot.dates.zones import split_zone

log = logging.getLogger(__name__)


def moment(
    text: str, *, now: datetime, tz: str, language: str, anchor: date | None
) -> datetime | None:
    """The moment ``text`` means: aware UTC, truncated to the minute (except "now").

    ``anchor`` is the start's local day when ``text`` is an end, else None.  A zone
    abbreviation after the text ("10:00 EST", "в 15 по мск") means that region's
    clock instead of ``tz`` (:mod:`bot.dates.zones`).  Raises ValueError for an
    unknown ``tz``; None when not understood.
    """
    zone = load_zone(tz)
    s = normalize(text)
    if s is None:
        return None
    s, named = split_zone(s)
    if named is not None:
        zone = load_zone(named)
    now_utc = as_utc(now)
    lang = language_order(language)[0]
    try:
        fast = fast_moment(s, now=now_utc, zone=zone, lang=lang, anchor=anchor)
    except (ValueError, OverflowError):
        return None
    if isinstance(fast, Reject):
        return None
    if fast is not None:
        if fast is now_utc:
            return now_utc
        return floor_minute(fast)
    try:
        return slow_moment(s, now=now_utc, zone=zone, lang=lang, anchor=anchor)
    except (ValueError, OverflowError):
        return None


def parse_start(text: str, *, now: datetime, tz: str, language: str) -> datetime | None:
    """A start time typed by a user -> aware UTC datetime, or None if not understood.

    ``now`` is the current moment (aware; naive is taken as UTC), ``tz`` the
    user's IANA time zone (unknown zone -> ValueError), ``language`` 'en' or
    'ru' (tried first; the other language is tried too).  Never raises on
    any ``text``.
    """
    load_zone(tz)  # an unknown zone is a ValueError, not a silent None
    try:
        return moment(text, now=now, tz=tz, language=language, anchor=None)
    except Exception as exc:  # pragma: no cover - defensive
        log.warning("parse_start failed on %s: %s", describe_input(text), describe_error(exc))
        return None


def warm_up() -> None:
    """Load dateparser and its English and Russian data (call at start-up).

    The first dateparser parse of each language is much slower than the
    following ones (locale data loading, regex compilation); this moves that
    cost to start-up.
    """
    warm_up_dateparser()
    # and the fast path's regexes
    parse_start("tomorrow 15:00", now=datetime.now(UTC), tz="UTC", language="en")

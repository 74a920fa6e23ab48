"""The end of a conference: a moment, or a duration added to the start (:func:`parse_end`).

An end is read before it is handed to the start rules, because the same text
often means something else after a start:

* Durations ("90 min", "1h30", "полтора часа", "45", "for 2 hours",
  "на 2 часа") are added to the start.  A bare number is a duration in
  minutes ("45" -> start + 45 min), never an hour as in a start.
* "in 2 hours" / "через 2 часа" in an end mean start + 2 hours (the end "in 2
  hours" from *now* would nearly always be before a future start).
* "H:MM": if that time on the start's local day is after the start it is that
  moment ("16:30" for a 15:00 start).  Otherwise, when the hour is a single
  digit written without a leading zero ("1:30", "2:00") it is a duration;
  otherwise it is the moment anyway ("14:00" for a 15:00 start -> 14:00, which
  the caller rejects).
* Any other moment follows the :func:`~bot.dates.moments.parse_start` rules,
  except that a bare time means that time on the start's local day and is
  never rolled over.  "until 16:30" / "до 16:30" are accepted.
* An end computed as start + duration keeps the start's precision.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, time, timedelta

from bot.dates.common import as_utc, describe_error, describe_input, load_zone, normalize, to_utc
from bot.dates.durations import duration_parts, duration_shaped, relative_offset
from bot.dates.moments import moment

log = logging.getLogger(__name__)

_END_DURATION_PREFIX_RE = re.compile(
    r"(?:for|lasting|на|в течение|длительностью|продолжительностью|\+)\s*(?P<rest>.+)"
)
_END_MOMENT_PREFIX_RE = re.compile(r"(?:until|till|til|to|up to|до|по)\s+(?P<rest>.+)")
_BARE_HMM_RE = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})")


def parse_end(
    text: str, *, start: datetime, now: datetime, tz: str, language: str
) -> datetime | None:
    """An end typed by a user -> aware UTC datetime, or None if not understood.

    Either a moment (same rules as :func:`~bot.dates.moments.parse_start`, but
    a bare time means that time on the start's local day, never rolled over:
    if it is not after the start it is returned anyway and the caller rejects
    it) or a duration added to ``start`` ("90 min", "1h30", "45", "1:30",
    "полтора часа", "for 2 hours", "на 2 часа", "in 2 hours", "через 2 часа").
    """
    zone = load_zone(tz)
    try:
        s = normalize(text)
        if s is None:
            return None
        start_utc = as_utc(start)
        anchor = start_utc.astimezone(zone).date()

        # "in 2 hours" / "через 2 часа": relative to the start
        offset = relative_offset(s)
        if offset is not None:
            parts = duration_parts(offset)
            if parts is not None:
                return start_utc + parts[0]

        # a bare number is a duration in minutes, never a moment
        if s.isdigit():
            parts = duration_parts(s)
            return start_utc + parts[0] if parts else None

        # "H:MM": a moment if after the start, else maybe a duration
        m = _BARE_HMM_RE.fullmatch(s)
        if m:
            hour, minute = int(m["h"]), int(m["m"])
            if hour > 23 or minute > 59:
                return None
            at = to_utc(anchor, time(hour, minute), zone)
            if at > start_utc:
                return at
            if len(m["h"]) == 1:
                return start_utc + timedelta(hours=hour, minutes=minute)
            return at

        rest = s
        m = _END_DURATION_PREFIX_RE.fullmatch(s)
        if m:
            rest = m["rest"]
        parts = duration_parts(rest)
        if parts is not None:
            return start_utc + parts[0]
        if m or duration_shaped(s):  # "for ever", "0 min": not a moment either
            return None

        m = _END_MOMENT_PREFIX_RE.fullmatch(s)
        if m:
            s = m["rest"]
        return moment(s, now=now, tz=tz, language=language, anchor=anchor)
    except (ValueError, OverflowError):
        return None
    except Exception as exc:  # pragma: no cover - defensive
        log.warning("parse_end failed on %s: %s", describe_input(text), describe_error(exc))
        return None

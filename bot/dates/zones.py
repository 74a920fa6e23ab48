"""Time-zone abbreviations people type ("EST", "CET", "мск") and the regions they mean.

An abbreviation names a region's clock, not a fixed offset: somebody who writes
"10:00 EST" in July means ten o'clock in New York, which is EDT (UTC-4) then.  So
every abbreviation maps to the IANA zone of its region, whose rules know about
daylight-saving time, and the standard and summer names of one region map to the
same zone.  "UTC" and "Z" stay UTC.

The same table serves the profile's time-zone field (:mod:`bot.timezones`) and a
zone typed after a time (:func:`split_zone`, used by :mod:`bot.dates.moments`).
"""

from __future__ import annotations

import re
from typing import Final

#: Upper-case abbreviation -> IANA zone of its region.
ZONE_ABBREVIATIONS: Final[dict[str, str]] = {
    **dict.fromkeys(("EST", "EDT", "ET"), "America/New_York"),
    **dict.fromkeys(("CST", "CDT", "CT"), "America/Chicago"),
    **dict.fromkeys(("MST", "MDT"), "America/Denver"),
    **dict.fromkeys(("PST", "PDT", "PT"), "America/Los_Angeles"),
    **dict.fromkeys(("AKST", "AKDT"), "America/Anchorage"),
    "HST": "Pacific/Honolulu",
    **dict.fromkeys(("GMT", "BST"), "Europe/London"),
    **dict.fromkeys(("WET", "WEST"), "Europe/Lisbon"),
    **dict.fromkeys(("CET", "CEST"), "Europe/Berlin"),
    **dict.fromkeys(("EET", "EEST"), "Europe/Athens"),
    **dict.fromkeys(("MSK", "МСК"), "Europe/Moscow"),
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    **dict.fromkeys(("AEST", "AEDT"), "Australia/Sydney"),
    **dict.fromkeys(("UTC", "Z"), "UTC"),
}

_BY_LOWER: Final = {name.lower(): zone for name, zone in ZONE_ABBREVIATIONS.items()}

# A zone after the rest of the text: "10:00 est", "10am pst", "15:00z", "в 15 по мск".
_ZONE_SUFFIX_RE = re.compile(r"(?P<rest>.+?)(?:(?:\s+по)?\s+|(?<=\d))(?P<zone>[a-zа-я]{1,5})")


def zone_of_abbreviation(typed: str) -> str | None:
    """The IANA zone an abbreviation means ("est" -> "America/New_York"), else None."""
    return _BY_LOWER.get(typed.strip().lower())


def split_zone(s: str) -> tuple[str, str | None]:
    """``s`` (normalised) without a trailing zone abbreviation, and that zone's IANA name.

    ``("10:00 est")`` -> ``("10:00", "America/New_York")``; a text that does not end in
    a known abbreviation comes back whole, with None.
    """
    m = _ZONE_SUFFIX_RE.fullmatch(s)
    if m is None:
        return s, None
    zone = _BY_LOWER.get(m["zone"])
    if zone is None:
        return s, None
    return m["rest"], zone

"""Understanding the time zone a person types: "Europe/Moscow", "Moscow", "Москва", "UTC+3".

Abbreviations ("EST", "CET", "MSK") mean their region's zone with its daylight-saving
time (bot/dates/zones.py), not the fixed-offset zones of the same name in the tz
database: "EST" is stored as America/New_York.

The index is built once, on first use: every IANA name, its city part, the city names
Babel knows in English and Russian, and a short list of big cities that are not zone
names (bot/data/city_aliases.toml).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from babel.core import get_global
from babel.dates import get_timezone_location

from bot.dates.zones import zone_of_abbreviation
from bot.i18n import LANGUAGES

_ALIASES_FILE = Path(__file__).parent / "data" / "city_aliases.toml"
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?00)?$")
MAX_INPUT_LENGTH = 64
# Names in the tz database that are not places: "localtime" means the server's own zone.
NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


def _normalise(name: str) -> str:
    lowered = name.casefold().replace("ё", "е")
    return " ".join(re.sub(r"[_\-,]+", " ", lowered).split())


@cache
def _index() -> dict[str, str]:
    # Old link names (Europe/Belfast, Asia/Calcutta) still resolve when typed in full, but
    # city names should lead to the canonical zone, so links are left out of the index.
    links = get_global("zone_aliases")
    zones = sorted(
        zone
        for zone in available_timezones()
        if zone not in links
        and zone not in NOT_PLACES
        and not zone.startswith(("Etc/", "SystemV/", "US/", "posix", "right"))
    )
    index: dict[str, str] = {}
    # Later sources must not override earlier ones: the IANA name first, then cities.
    for zone in zones:
        index.setdefault(_normalise(zone), zone)
    for zone in zones:
        if "/" in zone:
            index.setdefault(_normalise(zone.rsplit("/", 1)[1]), zone)
    for locale in LANGUAGES:
        for zone in zones:
            try:
                city = get_timezone_location(zone, locale=locale, return_city=True)
            except (LookupError, ValueError):
                continue
            index.setdefault(_normalise(city), zone)
    with open(_ALIASES_FILE, "rb") as file:
        for alias, zone in tomllib.load(file).items():
            index.setdefault(_normalise(alias), zone)
    return index


def resolve_timezone(typed: str) -> str | None:
    """The IANA zone name for what the person typed, or None if it is not one we know."""
    if not typed or len(typed) > MAX_INPUT_LENGTH:
        return None
    key = _normalise(typed)
    offset = _OFFSET.match("".join(typed.casefold().split()))
    if offset:
        return _offset_zone(offset.group(1), int(offset.group(2)))
    abbreviated = zone_of_abbreviation(typed)
    if abbreviated is not None:
        return abbreviated
    if typed.strip() in available_timezones() and typed.strip() not in NOT_PLACES:
        return typed.strip()
    return _index().get(key)


def _offset_zone(sign: str, hours: int) -> str | None:
    if hours == 0:
        return "UTC"
    # POSIX-style Etc zones count the other way: UTC+3 is Etc/GMT-3.
    if sign == "+" and hours <= 14:
        return f"Etc/GMT-{hours}"
    if sign == "-" and hours <= 12:
        return f"Etc/GMT+{hours}"
    return None


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def warm_up() -> None:
    """Build the index at start-up rather than on the first user's answer."""
    _index()


def display_name(name: str) -> str:
    """How a zone is shown: IANA names as they are, Etc/GMT-3 as the UTC+3 people typed."""
    match = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", name)
    if match:
        return f"UTC{'-' if match.group(1) == '+' else '+'}{match.group(2)}"
    return "UTC" if name == "Etc/UTC" else name

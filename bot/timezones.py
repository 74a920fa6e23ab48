"""Time zones as people type them ("Europe/Moscow", "Moscow", "Москва", "UTC+3") and as
they read them ("Moscow time (UTC+3)", «Берлин (UTC+1)»).

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
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from babel.core import get_global
from babel.dates import get_timezone_location

from bot.dates.zones import zone_of_abbreviation
from bot.i18n import FALLBACK_LANGUAGE, LANGUAGES

_ALIASES_FILE = Path(__file__).parent / "data" / "city_aliases.toml"
_NAMES_FILE = Path(__file__).parent / "data" / "zone_names.toml"
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


# Zones that are an offset, not a place: shown as the offset alone ("UTC", "UTC+3").
_NOT_A_PLACE = frozenset(
    {"UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "Universal", "Zulu"}
)


def display_name(name: str, language: str = FALLBACK_LANGUAGE, at: datetime | None = None) -> str:
    """How a zone reads to people, in `language`, with its offset at the moment `at` (now
    if not given), so daylight-saving time shows: "Moscow time (UTC+3)", «московское
    время (UTC+3)», "Berlin (UTC+2)" in July and "Berlin (UTC+1)" in January. Offsets
    alone stay as people typed them: "UTC", "UTC+3". Never the IANA id (the .ics keeps it).
    """
    offset = utc_offset_text(name, at)
    if name.startswith("Etc/") or name in _NOT_A_PLACE or name in NOT_PLACES:
        return offset
    return f"{_place(name, language)} ({offset})"


def utc_offset_text(name: str, at: datetime | None = None) -> str:
    """ "UTC+3", "UTC-4", "UTC+5:30": the zone's offset at `at` (now if not given); the
    UTC zone itself is "UTC" and a place on UTC at that moment "UTC+0"."""
    moment = at if at is not None else datetime.now(UTC)
    offset = moment.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)
    if not offset and (name in _NOT_A_PLACE or name.startswith("Etc/")):
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


@lru_cache(maxsize=1024)
def _place(name: str, language: str) -> str:
    """The zone's name without its offset: the name people say (bot/data/zone_names.toml),
    else the city as Babel knows it in `language`, else the IANA id's city part."""
    spoken = _spoken_names().get(language, {}).get(name)
    if spoken:
        return spoken
    try:
        return get_timezone_location(name, locale=language, return_city=True)
    except (LookupError, ValueError):
        return name.rsplit("/", 1)[-1].replace("_", " ")


@cache
def _spoken_names() -> dict[str, dict[str, str]]:
    with open(_NAMES_FILE, "rb") as file:
        return tomllib.load(file)

"""Asking a person's time zone once: the zones likely for their Telegram language, and
the zone of a location they share (offline, with timezonefinder's boundary data).

The rule of who is asked is `UserService.needs_timezone_question` (bot/users.py); the
dialog is handlers/zone_check.py.
"""

from __future__ import annotations

import asyncio
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from bot.i18n import language_for

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

_LIKELY_FILE = Path(__file__).parent / "data" / "likely_zones.toml"
OFFERED = 4  # zones offered as buttons, besides "Yes" for the current one


@cache
def _likely() -> dict[str, list[str]]:
    with open(_LIKELY_FILE, "rb") as file:
        table: dict[str, list[str]] = tomllib.load(file)
    known = available_timezones()
    unknown = [zone for zones in table.values() for zone in zones if zone not in known]
    if unknown:
        raise ValueError(f"{_LIKELY_FILE.name} names unknown zones: {unknown}")
    return table


@cache
def candidate_zones() -> tuple[str, ...]:
    """Every zone that can be offered, in a fixed order: a button carries its index."""
    zones: list[str] = []
    for listed in _likely().values():
        zones.extend(zone for zone in listed if zone not in zones)
    return tuple(zones)


def likely_zones(telegram_language: str | None, current: str) -> list[str]:
    """A few zones likely for someone whose Telegram speaks `telegram_language`, without
    the one they have now (which the question offers as "Yes")."""
    code = (telegram_language or "").lower().split("-")[0]
    listed = _likely().get(code) or _likely()[language_for(telegram_language)]
    return [zone for zone in listed if zone != current][:OFFERED]


def zone_of_candidate(index: int | None) -> str | None:
    """The offered zone a button's index points at; None for anything else (forged)."""
    zones = candidate_zones()
    return zones[index] if index is not None and 0 <= index < len(zones) else None


@cache
def _finder() -> TimezoneFinder:
    # Imported and loaded at the first shared location, not at start-up: the package
    # brings numpy (0.2 s and 20 MB) and its boundary data (about 0.3 s), no network.
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def _zone_at(latitude: float, longitude: float) -> str | None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    zone = _finder().timezone_at(lat=latitude, lng=longitude)
    # At sea the answer is an Etc/GMT zone (a nautical offset), which is still a zone.
    return zone if zone in available_timezones() else None


async def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone of a point (None if it is no place on Earth). The lookup reads its
    data files, so it runs in a thread, off the event loop."""
    return await asyncio.to_thread(_zone_at, latitude, longitude)

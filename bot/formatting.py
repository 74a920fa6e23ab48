"""Dates and times as people read them: in their zone and language, with the zone named."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.i18n import plain
from bot.timezones import display_name


def format_moment(moment: datetime, timezone: str, language: str) -> str:
    """'Wed 25 Nov 2026, 15:00 Moscow time (UTC+3)' (or its Russian form): the zone as
    people say it, with its offset at that moment (so daylight-saving time is right)."""
    local = moment.astimezone(ZoneInfo(timezone))
    shown = format_datetime(local, plain(language, "time.datetime"), locale=language)
    zone = display_name(timezone, language, local)
    return plain(language, "time.moment", datetime=shown, zone=zone)

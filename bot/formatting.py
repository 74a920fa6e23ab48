"""Dates and times as people read them: in their zone and language, with the zone named."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.i18n import plain
from bot.timezones import display_name


def format_moment(moment: datetime, timezone: str, language: str) -> str:
    """'Wed 25 Nov 2026, 15:00 Europe/Moscow' (or its Russian form)."""
    local = moment.astimezone(ZoneInfo(timezone))
    shown = format_datetime(local, plain(language, "time.datetime"), locale=language)
    return f"{shown} {display_name(timezone)}"

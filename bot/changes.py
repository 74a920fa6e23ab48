"""What changed since participants were last told: "Start: 15:00 → 16:00".

A conference keeps a snapshot of what its participants were told (storage/conferences.py
`told_*`), taken when invitations and notices go out and when someone new hears of it.
A change notice compares the conference with that snapshot, rather than with the last
edit: three edits between two notices show as one change from what people know.

Values stay raw here (times as UTC seconds); each reader sees them in their own
language and time zone through `shown_values`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.formatting import format_moment
from bot.i18n import plain
from bot.timezones import display_name
from storage.conferences import ConferenceRecord

# The fields people must know, in the order a notice lists them (bot/conferences.py
# NOTICE_FIELDS names the same ones), with the snapshot column of each.
_TOLD = (
    ("topic", "told_topic"),
    ("starts_at", "told_starts_at"),
    ("ends_at", "told_ends_at"),
    ("conference_code", "told_code"),
    ("password", "told_password"),
)
TIME_FIELDS = frozenset({"starts_at", "ends_at"})


@dataclass(frozen=True)
class Change:
    """One field people must know, as they were told it (`old`) and as it is (`new`)."""

    field: str  # "topic", "starts_at", "ends_at", "conference_code" or "password"
    old: str | int
    new: str | int


def changes_since_told(conference: ConferenceRecord) -> tuple[Change, ...]:
    """The fields that differ from what participants were last told; none when nobody
    was told yet (there is no "old" to show)."""
    if conference.told_topic is None:
        return ()
    changes = []
    for field, told in _TOLD:
        old, new = getattr(conference, told), getattr(conference, field)
        if old is not None and old != new:
            changes.append(Change(field, old, new))
    return tuple(changes)


def shown_values(change: Change, timezone: str, language: str) -> tuple[str, str]:
    """(old, new) as a reader sees them. Times are in the reader's zone and language;
    a time moved within the same day shows the day once: "Wed 25 Nov 2026, 15:00 UTC"
    and "16:00 UTC"."""
    if change.field not in TIME_FIELDS:
        return str(change.old), str(change.new)
    old = datetime.fromtimestamp(int(change.old), UTC)
    new = datetime.fromtimestamp(int(change.new), UTC)
    zone = ZoneInfo(timezone)
    shown_old = format_moment(old, timezone, language)
    if old.astimezone(zone).date() != new.astimezone(zone).date():
        return shown_old, format_moment(new, timezone, language)
    clock = format_datetime(new.astimezone(zone), plain(language, "time.clock"), locale=language)
    return shown_old, f"{clock} {display_name(timezone)}"

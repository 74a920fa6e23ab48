"""iCalendar files for conferences (RFC 5545), as Outlook, Google and Apple accept them.

"Add to calendar" gets METHOD:PUBLISH. Times are UTC; the UID is stable for a conference
so that a calendar updates the same event instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vText

from storage.conferences import ConferenceRecord

PRODUCT_ID = "-//Conference Bot//Conference management//EN"


def conference_uid(conference: ConferenceRecord) -> str:
    return f"conference-{conference.id}-{conference.created_at}@conference-bot"


def publish_ics(
    conference: ConferenceRecord, *, join_url: str, description: str, now: datetime
) -> bytes:
    """A one-event calendar with METHOD:PUBLISH for "Add to calendar"."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", conference_uid(conference))
    event.add("sequence", conference.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", datetime.fromtimestamp(conference.starts_at, UTC))
    event.add("dtend", datetime.fromtimestamp(conference.ends_at, UTC))
    event.add("summary", conference.topic)
    event.add("location", vText(join_url))
    event.add("url", join_url)
    event.add("description", description)
    calendar.add_component(event)
    return calendar.to_ical()

"""iCalendar files for conferences (RFC 5545), as Outlook, Google and Apple accept them.

"Add to calendar" gets METHOD:PUBLISH. Times are UTC; the UID is stable for a conference
so that a calendar updates the same event instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from bot.i18n import plain
from storage.conferences import ConferenceRecord

PRODUCT_ID = "-//Conference Bot//Conference management//EN"


def conference_uid(conference: ConferenceRecord) -> str:
    return f"conference-{conference.id}-{conference.created_at}@conference-bot"


def calendar_description(
    language: str,
    *,
    code: str,
    password: str,
    join_url: str,
    website: str | None,
    link_note: str | None,
) -> str:
    """The event's DESCRIPTION: the ID (a reference unless `website` takes it with the
    password), the password and the link, then where the ID is typed and what the link
    carries or needs (the platform's `website_for_id_and_password` and `describe_link`)."""
    label = "mail.label_code" if website is not None else "mail.label_code_reference"
    lines = [
        plain(
            language,
            "conference.ics_description",
            code_label=plain(language, label),
            code=code,
            password=password,
            url=join_url,
        )
    ]
    if website is not None:
        lines.append(plain(language, "mail.website_line", website=website))
    if link_note is not None:
        lines.append(plain(language, f"mail.link_{link_note}"))
    return "\n".join(lines)


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


# --- Invitations by e-mail (iTIP, RFC 5546) -------------------------------------------------

INVITATION_METHODS = ("REQUEST", "CANCEL")


def invitation_ics(
    *,
    method: str,
    uid: str,
    sequence: int,
    now: datetime,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    description: str,
    join_url: str | None,
    organizer_email: str,
    organizer_name: str,
    attendees: Sequence[str],
) -> bytes:
    """A one-event iTIP calendar for an e-mailed invitation (REQUEST) or cancellation (CANCEL).

    RFC 5546 asks a REQUEST for ORGANIZER, at least one ATTENDEE, DTSTAMP, DTSTART, SUMMARY,
    UID and SEQUENCE; a CANCEL for the same UID with a higher SEQUENCE, the ORGANIZER and the
    attendees being removed, and STATUS:CANCELLED. Times are written in UTC, so no VTIMEZONE
    is needed. `join_url` (LOCATION and URL) may be None, as in a cancellation. Addresses are
    bare ones ("name@example.com"); names go into CN parameters.
    """
    if method not in INVITATION_METHODS:
        raise ValueError(f"method must be one of {INVITATION_METHODS}, not {method!r}")
    if sequence < 0:
        raise ValueError("sequence cannot be negative")
    if not attendees:
        raise ValueError("an invitation needs at least one attendee")
    if ends_at <= starts_at:
        raise ValueError("the end must be after the start")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", summary)
    event.add("description", description)
    if join_url:
        event.add("location", vText(join_url))
        event.add("url", join_url)
    event.add("organizer", _calendar_address(organizer_email, name=organizer_name))
    seen: set[str] = set()
    for address in attendees:
        if address.casefold() in seen:
            continue
        seen.add(address.casefold())
        event.add(
            "attendee",
            _calendar_address(
                address,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="TRUE",
                CUTYPE="INDIVIDUAL",
            ),
        )
    event.add("status", "CONFIRMED" if method == "REQUEST" else "CANCELLED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return calendar.to_ical()


def _calendar_address(address: str, *, name: str = "", **parameters: str) -> vCalAddress:
    """`mailto:` value with parameters; refuses what could break out of the property line."""
    if not address or any(char in address for char in '\r\n",;:<> \t') or "@" not in address:
        raise ValueError(f"not a bare e-mail address: {address!r}")
    value = vCalAddress(f"mailto:{address}")
    # A parameter value cannot hold a line break or a double quote (RFC 5545 3.1).
    cn = " ".join("".join(" " if ord(c) < 32 or c in '"\x7f' else c for c in name).split())
    if cn:
        value.params["CN"] = cn
    for key, parameter in parameters.items():
        value.params[key] = parameter
    return value

"""iCalendar files for conferences (RFC 5545), as Outlook, Google and Apple accept them.

"Add to calendar" gets METHOD:PUBLISH. Times are UTC; the UID is stable for a conference
so that a calendar updates the same event instead of adding a second one.

A series (`Recurrence`) is one master VEVENT: DTSTART with the TZID of the zone whose
wall clock its meetings keep, an RRULE, EXDATE for meetings cancelled alone, and a
VTIMEZONE for that zone, so Outlook and Google show every meeting at the right local
time across DST; a meeting moved alone is a second VEVENT with the same UID and its
RECURRENCE-ID (the original start, with the TZID).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vRecur, vText

from bot.i18n import plain
from bot.series import Occurrence, Series
from storage.conferences import ConferenceRecord, ConferenceRepository
from storage.db import Queryable

PRODUCT_ID = "-//Conference Bot//Conference management//EN"


@dataclass(frozen=True)
class Recurrence:
    """What a calendar needs of a series: the rule, its zone, the first meeting, the
    length of one, the meetings cancelled alone (original starts) and those moved alone.
    `only` addresses one meeting by its original start (a REQUEST or CANCEL for that
    meeting alone: RECURRENCE-ID, no RRULE)."""

    rule: str
    timezone: str
    first_start: int
    length: int
    cancelled: tuple[int, ...] = ()
    moved: tuple[Occurrence, ...] = ()
    only: Occurrence | None = None

    @classmethod
    def of(cls, series: Series) -> Recurrence:
        moved = tuple(
            Occurrence(e.original_start, e.starts_at, e.ends_at or e.starts_at + series.length)
            for e in series.exceptions
            if not e.cancelled and e.starts_at is not None
        )
        cancelled = tuple(e.original_start for e in series.exceptions if e.cancelled)
        return cls(
            series.rule, series.timezone, series.first_start, series.length, cancelled, moved
        )

    def local(self, timestamp: int) -> datetime:
        """A moment on the series' wall clock (written with its TZID)."""
        return datetime.fromtimestamp(timestamp, UTC).astimezone(ZoneInfo(self.timezone))


def _add_times(event: Event, recurrence: Recurrence | None, starts_at: int, ends_at: int) -> None:
    """DTSTART/DTEND: UTC for a single conference; for a series the master's, with its
    zone, RRULE and EXDATE; for one meeting of it, that meeting with its RECURRENCE-ID."""
    if recurrence is None:
        event.add("dtstart", datetime.fromtimestamp(starts_at, UTC))
        event.add("dtend", datetime.fromtimestamp(ends_at, UTC))
        return
    if recurrence.only is not None:
        meeting = recurrence.only
        event.add("recurrence-id", recurrence.local(meeting.original_start))
        event.add("dtstart", recurrence.local(meeting.starts_at))
        event.add("dtend", recurrence.local(meeting.ends_at))
        return
    event.add("dtstart", recurrence.local(recurrence.first_start))
    event.add("dtend", recurrence.local(recurrence.first_start + recurrence.length))
    event.add("rrule", vRecur.from_ical(recurrence.rule))
    if recurrence.cancelled:
        event.add("exdate", [recurrence.local(start) for start in sorted(recurrence.cancelled)])


def _moved_events(template: Event, recurrence: Recurrence | None) -> list[Event]:
    """The meetings moved alone, as VEVENTs beside the master (same UID and details)."""
    if recurrence is None or recurrence.only is not None:
        return []
    events = []
    for meeting in recurrence.moved:
        event = Event()
        for name, value in template.property_items(recursive=False):
            if name not in ("BEGIN", "END", "DTSTART", "DTEND", "RRULE", "EXDATE"):
                event.add(name, value, encode=False)
        event.add("recurrence-id", recurrence.local(meeting.original_start))
        event.add("dtstart", recurrence.local(meeting.starts_at))
        event.add("dtend", recurrence.local(meeting.ends_at))
        events.append(event)
    return events


def _finish(calendar: Calendar, event: Event, recurrence: Recurrence | None) -> bytes:
    calendar.add_component(event)
    for moved in _moved_events(event, recurrence):
        calendar.add_component(moved)
    if recurrence is not None:
        calendar.add_missing_timezones()  # the VTIMEZONE of the TZID
    return calendar.to_ical()


async def recurrence_of(db: Queryable, conference: ConferenceRecord) -> Recurrence | None:
    """The series of a conference row for its calendar files (None: a single one)."""
    if conference.rrule is None:
        return None
    exceptions = await ConferenceRepository(db).exceptions(conference.id)
    return Recurrence.of(Series.of(conference, exceptions))


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
    conference: ConferenceRecord,
    *,
    join_url: str,
    description: str,
    now: datetime,
    recurrence: Recurrence | None = None,
) -> bytes:
    """A calendar with METHOD:PUBLISH for "Add to calendar": the conference, or the
    series with its exceptions."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", conference_uid(conference))
    event.add("sequence", conference.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    _add_times(event, recurrence, conference.starts_at, conference.ends_at)
    event.add("summary", conference.topic)
    event.add("location", vText(join_url))
    event.add("url", join_url)
    event.add("description", description)
    return _finish(calendar, event, recurrence)


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
    recurrence: Recurrence | None = None,
) -> bytes:
    """A one-event iTIP calendar for an e-mailed invitation (REQUEST) or cancellation (CANCEL).

    RFC 5546 asks a REQUEST for ORGANIZER, at least one ATTENDEE, DTSTAMP, DTSTART, SUMMARY,
    UID and SEQUENCE; a CANCEL for the same UID with a higher SEQUENCE, the ORGANIZER and the
    attendees being removed, and STATUS:CANCELLED. Times are written in UTC, so no VTIMEZONE
    is needed; a series (`recurrence`) is written on its own zone's clock, with a VTIMEZONE
    (see the module's docstring). `join_url` (LOCATION and URL) may be None, as in a
    cancellation. Addresses are bare ones ("name@example.com"); names go into CN parameters.
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
    _add_times(event, recurrence, int(starts_at.timestamp()), int(ends_at.timestamp()))
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
    return _finish(calendar, event, recurrence)


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

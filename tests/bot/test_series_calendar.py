"""Calendar files of a series, read back with icalendar and expanded by an independent
reader (recurring-ical-events): the meetings equal the bot's own list, exceptions
included, across the March and October DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar

from bot.calendar import Recurrence, invitation_ics, publish_ics
from bot.series import Occurrence, Series, moments, occurrences
from storage.conferences import ConferenceRecord, SeriesException

BERLIN = "Europe/Berlin"
WEEK = 7 * 86400


def _at(*args: int) -> int:
    return int(datetime(*args, tzinfo=ZoneInfo(BERLIN)).timestamp())


FIRST = _at(2027, 3, 8, 10, 0)  # Monday, before the March change
SERIES = Series(
    "FREQ=WEEKLY;BYDAY=MO;COUNT=36",
    BERLIN,
    FIRST,
    1800,
    (
        SeriesException(FIRST + WEEK, True),  # 15 March cancelled
        # 29 March (after the change) moved to Tuesday 30 March, 15:00-16:00 Berlin.
        SeriesException(
            _at(2027, 3, 29, 10, 0), False, _at(2027, 3, 30, 15, 0), _at(2027, 3, 30, 16, 0)
        ),
    ),
)


def _conference() -> ConferenceRecord:
    return ConferenceRecord(
        id=7,
        owner_id=1,
        topic="Stand-up",
        starts_at=FIRST,
        ends_at=FIRST + 1800,
        conference_code="123456789",
        password="pw12",
        allow_without_owner=True,
        sequence=2,
        changed_since_notice=False,
        owner_joined_at=None,
        created_at=1,
        updated_at=1,
        rrule=SERIES.rule,
        rrule_timezone=BERLIN,
        series_start=FIRST,
        active_until=0,
    )


def _expanded(ics: bytes) -> list[tuple[int, int]]:
    calendar = Calendar.from_ical(ics)
    events = recurring_ical_events.of(calendar).between(
        datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    )
    return sorted(
        (int(event["DTSTART"].dt.timestamp()), int(event["DTEND"].dt.timestamp()))
        for event in events
    )


def test_add_to_calendar_expands_to_the_bots_own_meetings() -> None:
    ics = publish_ics(
        _conference(),
        join_url="https://meet.example/x",
        description="d",
        now=datetime(2027, 1, 1, tzinfo=UTC),
        recurrence=Recurrence.of(SERIES),
    )
    ours = moments(occurrences(SERIES, now=FIRST))
    assert len(ours) == 35
    assert _expanded(ics) == ours
    text = ics.decode()
    assert "DTSTART;TZID=Europe/Berlin:20270308T100000" in text
    assert "RRULE:FREQ=WEEKLY;COUNT=36;BYDAY=MO" in text
    assert "EXDATE;TZID=Europe/Berlin:20270315T100000" in text
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20270329T100000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Berlin" in text
    # After the change a 10:00 Berlin meeting is at 08:00 UTC, before it at 09:00.
    assert datetime.fromtimestamp(ours[0][0], UTC).hour == 9
    assert datetime.fromtimestamp(ours[3][0], UTC).hour == 8


def test_invitation_request_and_a_single_meeting_cancel() -> None:
    common = {
        "uid": "conference-7-1@conference-bot",
        "now": datetime(2027, 1, 1, tzinfo=UTC),
        "summary": "Stand-up",
        "description": "d",
        "join_url": None,
        "organizer_email": "anna@example.com",
        "organizer_name": "Anna",
        "attendees": ["boris@example.com"],
    }
    request = invitation_ics(
        method="REQUEST",
        sequence=3,
        starts_at=datetime.fromtimestamp(FIRST, UTC),
        ends_at=datetime.fromtimestamp(FIRST + 1800, UTC),
        recurrence=Recurrence.of(SERIES),
        **common,
    )
    assert _expanded(request) == moments(occurrences(SERIES, now=FIRST))
    meeting = Occurrence(FIRST + 2 * WEEK, FIRST + 2 * WEEK, FIRST + 2 * WEEK + 1800)
    cancel = invitation_ics(
        method="CANCEL",
        sequence=4,
        starts_at=datetime.fromtimestamp(meeting.starts_at, UTC),
        ends_at=datetime.fromtimestamp(meeting.ends_at, UTC),
        recurrence=Recurrence(SERIES.rule, BERLIN, FIRST, 1800, only=meeting),
        **common,
    )
    [event] = Calendar.from_ical(cancel).walk("VEVENT")
    assert "RRULE" not in event
    assert event["RECURRENCE-ID"].dt == datetime(2027, 3, 22, 10, 0, tzinfo=ZoneInfo(BERLIN))
    assert event["DTSTART"].dt - event["RECURRENCE-ID"].dt == timedelta(0)
    assert str(event["STATUS"]) == "CANCELLED"

"""Calendar files of a series end to end: "Add to calendar" on the card and the e-mailed
invitation (through a real SMTP server), read back with icalendar and expanded by an
independent reader (recurring-ical-events): the same meetings as the bot's own list,
across the March DST change in Berlin.

The clock stands at Wed 25 Nov 2026, 12:00 UTC (tests/e2e.py).
"""

from datetime import UTC, datetime

import pytest
import recurring_ical_events
from icalendar import Calendar

from bot.conferences import Draft
from bot.series import Series, moments, occurrences
from storage.conferences import ConferenceRepository
from tests.e2e import smtp_settings
from tests.handlers.test_conference_log import person
from tests.handlers.test_invitations import calendar_of
from tests.handlers.test_joining import card_of


@pytest.fixture
def bot_settings(smtp):
    return smtp_settings(smtp)


def expanded(calendar):
    events = recurring_ical_events.of(calendar).between(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    )
    return sorted(
        (int(event["DTSTART"].dt.timestamp()), int(event["DTEND"].dt.timestamp()))
        for event in events
    )


async def bots_own(bot, conference_id):
    repository = ConferenceRepository(bot.services.database)
    conference = await repository.get(conference_id)
    series = Series.of(conference, await repository.exceptions(conference_id))
    return moments(occurrences(series, now=bot.clock.timestamp()))


async def test_series_files_expand_to_the_bots_meetings_across_dst(bot, emu, smtp):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, timezone="Europe/Berlin", email="anna@example.com")
    start = int(datetime(2026, 12, 7, 9, 0, tzinfo=UTC).timestamp())  # Mon 10:00 Berlin
    draft = Draft(
        topic="Stand-up",
        starts_at=start,
        ends_at=start + 1800,
        code="standup-berlin",
        password="pw12",
        repeat="weekly",
        repeat_count=20,  # up to 19 April 2027, across 28 March
    )
    series = await bot.services.conferences.schedule(anna.id, draft, timezone="Europe/Berlin")
    ours = await bots_own(bot, series.id)
    assert len(ours) == 20
    card = await card_of(anna)
    await anna.press(card, "📆 Add to calendar")
    document = (await anna.expect_message()).document
    published = Calendar.from_ical(document.content)
    assert expanded(published) == ours
    [timezone] = published.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Europe/Berlin"

    owner = await bot.services.users.get(anna.id)
    await bot.services.invitations.invite(owner, series.id, ["boris@example.com"])
    [message] = await smtp.wait_for(1)
    body = message.get_body(("plain",)).get_content()
    assert "every Monday; 20 meetings" in body
    _part, invitation, _event = calendar_of(message)
    assert invitation["method"] == "REQUEST"
    assert expanded(invitation) == ours
    [event] = invitation.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt.hour == 10

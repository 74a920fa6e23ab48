"""Changing a series through the emulator and a real SMTP server: one meeting moved
(REQUEST with RECURRENCE-ID), one deleted (CANCEL with RECURRENCE-ID), all meetings
from the third changed (the split: the earlier part ends with UNTIL under a higher
SEQUENCE, the later part is a new series with its own UID); Telegram participants get
the same news in words; every calendar is read back and expanded by recurring-ical-events.

The clock stands at Wed 25 Nov 2026, 12:00 UTC (tests/e2e.py).
"""

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from bot.conferences import Draft
from storage.conferences import ConferenceRepository
from tests.e2e import smtp_settings
from tests.handlers.test_conference_log import person
from tests.handlers.test_invitations import calendar_of
from tests.handlers.test_joining import card_of, participant
from tests.handlers.test_series_calendars import bots_own, expanded

WEEK = 7 * 86400
FIRST = int(datetime(2026, 11, 30, 9, 0, tzinfo=UTC).timestamp())  # Mon 10:00 Berlin


@pytest.fixture
def bot_settings(smtp):
    return smtp_settings(smtp)


async def weekly_series(bot, emu, smtp):
    """Anna's six Monday stand-ups, Boris invited by e-mail, Carl in Telegram."""
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, timezone="Europe/Berlin", email="anna@example.com")
    draft = Draft(
        topic="Stand-up",
        starts_at=FIRST,
        ends_at=FIRST + 1800,
        code="standup-berlin",
        password="pw12",
        repeat="weekly",
        repeat_count=6,
    )
    series = await bot.services.conferences.schedule(anna.id, draft, timezone="Europe/Berlin")
    owner = await bot.services.users.get(anna.id)
    await bot.services.invitations.invite(owner, series.id, ["boris@example.com"])
    await smtp.wait_for(1)
    carl, _ = await participant(emu, bot, anna.id, series.id, "Carl")
    return anna, carl, series


def event_of(message):
    _part, calendar, event = calendar_of(message)
    return calendar, event


async def test_moving_one_meeting_sends_a_request_for_it_alone(bot, emu, smtp):
    anna, carl, series = await weekly_series(bot, emu, smtp)
    card = await card_of(anna)
    await anna.press(card, "✏️ Edit")
    choice = await anna.expect_edit(card)
    assert "only the meeting of Mon 30 Nov 2026, 10:00" in choice.text
    await anna.press(choice, "This meeting only")
    review = await anna.expect_edit(choice)
    assert "Edit one meeting of “Stand-up”" in review.text
    assert review.button_texts() == ["🕒 Start", "🕓 End", "💾 Save", "✖️ Cancel"]
    await anna.press(review, "🕒 Start")
    await anna.expect_edit(review)
    await anna.send("1.12 15:00")
    review = await anna.expect_message()
    assert "Start: Tue 1 Dec 2026, 15:00" in review.text
    await anna.press(review, "💾 Save")
    saved = await anna.expect_edit(review)
    assert "now takes place Tue 1 Dec 2026, 15:00" in saved.text
    assert "Send the update" in saved.text
    await anna.press(saved, "📣 Send")
    [_invitation, update] = await smtp.wait_for(2)
    calendar, event = event_of(update)
    assert calendar["method"] == "REQUEST"
    assert "RRULE" not in event
    assert event["RECURRENCE-ID"].dt == datetime(
        2026, 11, 30, 10, 0, tzinfo=event["DTSTART"].dt.tzinfo
    )
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert (event["DTSTART"].dt.day, event["DTSTART"].dt.hour) == (1, 15)
    assert int(event["SEQUENCE"]) >= 1
    notice = await carl.expect_message()
    # Carl reads it on his own clock (UTC).
    assert "the meeting of Mon 30 Nov 2026, 09:00 UTC moves to Tue 1 Dec 2026, 14:00 UTC" in (
        notice.text
    )
    # A replayed Send finds the news told: nothing more goes out.
    await anna.press_data(saved, f"conf:nm:{series.id}:{FIRST}")
    assert "Everyone already knows" in (await anna.expect_callback_answer()).text
    await carl.expect_no_message(within=0.5)
    assert len(smtp.messages) == 2
    assert "Sending the update" in (await anna.expect_message()).text
    assert "Participants notified" in (await anna.expect_message()).text  # the summary
    # The series in "Add to calendar" carries the moved meeting.
    card = await card_of(anna)
    await anna.press(card, "📆 Add to calendar")
    document = (await anna.expect_message()).document
    assert expanded(Calendar.from_ical(document.content)) == await bots_own(bot, series.id)


async def test_deleting_one_meeting_sends_a_cancel_for_it_alone(bot, emu, smtp):
    anna, carl, series = await weekly_series(bot, emu, smtp)
    card = await card_of(anna)
    # A forged press for a meeting the series does not have changes nothing.
    await anna.press_data(card, f"conf:d1:{series.id}:{FIRST + 60}")
    assert "out of date" in (await anna.expect_callback_answer()).text
    await anna.press(card, "🗑 Delete")
    choice = await anna.expect_edit(card)
    await anna.press(choice, "This meeting only")
    done = await anna.expect_edit(choice)
    assert "The meeting of Mon 30 Nov 2026, 10:00 Berlin (UTC+1) is cancelled" in done.text
    stored = await ConferenceRepository(bot.services.database).get(series.id)
    assert stored.starts_at == FIRST + WEEK  # the current meeting is now the next one
    await anna.press(done, "📣 Send")
    [_invitation, cancel] = await smtp.wait_for(2)
    calendar, event = event_of(cancel)
    assert calendar["method"] == "CANCEL"
    assert event["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"
    assert event["RECURRENCE-ID"].dt.day == 30
    assert "is cancelled" in (await carl.expect_message()).text
    assert "Sending the update" in (await anna.expect_message()).text
    assert "Participants notified" in (await anna.expect_message()).text  # the summary
    card = await card_of(anna)
    await anna.press(card, "📆 Add to calendar")
    document = (await anna.expect_message()).document
    ours = await bots_own(bot, series.id)
    assert len(ours) == 5
    assert expanded(Calendar.from_ical(document.content)) == ours


async def test_changing_all_from_the_third_splits_the_series(bot, emu, smtp):
    anna, carl, series = await weekly_series(bot, emu, smtp)
    bot.clock.set(datetime(2026, 12, 8, 12, 0, tzinfo=UTC))  # after the second meeting
    card = await card_of(anna)
    assert "Mon 14 Dec 2026, 10:00" in card.text
    await anna.press(card, "✏️ Edit")
    choice = await anna.expect_edit(card)
    await anna.press(choice, "All meetings from this one on")
    review = await anna.expect_edit(choice)
    assert "Repeats: every Monday; 4 meetings" in review.text
    await anna.press(review, "🕒 Start")
    await anna.expect_edit(review)
    await anna.send("14.12 11:00")
    review = await anna.expect_message()
    await anna.press(review, "💾 Save")
    saved = await anna.expect_edit(review)
    assert "as a series of their own" in saved.text
    repository = ConferenceRepository(bot.services.database)
    earlier = await repository.get(series.id)
    [later] = await repository.list_scheduled(anna.id, now=bot.clock.timestamp(), limit=5)
    assert later.id != series.id and later.split_from == series.id
    assert (
        later.conference_code == "standup-berlin"
        and earlier.conference_code != later.conference_code
    )
    assert earlier.active_until <= bot.clock.timestamp()  # the earlier part is archived
    assert "UNTIL=20261214T085959Z" in earlier.rrule
    await anna.press(saved, "📣 Send")
    messages = await smtp.wait_for(3)
    calendars = [event_of(message) for message in messages[1:]]
    uids = {str(event["UID"]) for _calendar, event in calendars}
    assert len(uids) == 2
    by_uid = {str(event["UID"]): calendar for calendar, event in calendars}
    first_uid = str(event_of(messages[0])[1]["UID"])
    old_calendar = by_uid[first_uid]
    [new_uid] = uids - {first_uid}
    assert expanded(old_calendar) == await bots_own(bot, series.id)
    assert len(expanded(old_calendar)) == 2
    assert expanded(by_uid[new_uid]) == await bots_own(bot, later.id)
    starts = [datetime.fromtimestamp(start, UTC) for start, _end in expanded(by_uid[new_uid])]
    assert starts[0] == datetime(2026, 12, 14, 10, 0, tzinfo=UTC) and len(starts) == 4
    old_sequence = int(event_of(messages[0])[1]["SEQUENCE"])
    assert int(old_calendar.walk("VEVENT")[0]["SEQUENCE"]) > old_sequence
    notice = await carl.expect_message()
    assert "Stand-up" in notice.text and "every Monday" in notice.text
    # Carl takes part in the later series too.
    assert await bot.services.sharing.is_participant(later.id, carl.id)


async def test_changing_all_at_the_first_meeting_changes_the_series_under_its_uid(bot, emu, smtp):
    anna, carl, series = await weekly_series(bot, emu, smtp)
    card = await card_of(anna)
    await anna.press(card, "✏️ Edit")
    choice = await anna.expect_edit(card)
    await anna.press(choice, "All meetings from this one on")
    review = await anna.expect_edit(choice)
    await anna.press(review, "🕒 Start")
    await anna.expect_edit(review)
    await anna.send("1.12 11:00")  # Tuesdays at 11:00 Berlin from now on
    review = await anna.expect_message()
    assert "Repeats: every Tuesday; 6 meetings" in review.text
    await anna.press(review, "💾 Save")
    saved = await anna.expect_edit(review)
    assert "as a series of their own" not in saved.text
    await anna.press(saved, "📣 Send")
    [invitation, update] = await smtp.wait_for(2)
    _calendar, first = event_of(invitation)
    calendar, event = event_of(update)
    assert calendar["method"] == "REQUEST"
    assert str(event["UID"]) == str(first["UID"])
    assert int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    assert "BYDAY=TU" in event["RRULE"].to_ical().decode()
    assert expanded(calendar) == await bots_own(bot, series.id)
    assert "every Tuesday" in (await carl.expect_message()).text


async def test_deleting_all_meetings(bot, emu, smtp):
    anna, carl, series = await weekly_series(bot, emu, smtp)
    # Mid-series: the series ends before the current meeting, under its UID.
    bot.clock.set(datetime(2026, 12, 8, 12, 0, tzinfo=UTC))
    card = await card_of(anna)
    await anna.press(card, "🗑 Delete")
    choice = await anna.expect_edit(card)
    await anna.press(choice, "All meetings from this one on")
    done = await anna.expect_edit(choice)
    assert "The meetings from Mon 14 Dec 2026, 10:00 Berlin (UTC+1) on are deleted" in done.text
    stored = await ConferenceRepository(bot.services.database).get(series.id)
    assert stored.active_until <= bot.clock.timestamp()
    await anna.press(done, "📣 Send")
    [_invitation, update] = await smtp.wait_for(2)
    calendar, event = event_of(update)
    assert (
        calendar["method"] == "REQUEST"
        and "UNTIL=20261214T085959Z" in event["RRULE"].to_ical().decode()
    )
    assert len(expanded(calendar)) == 2
    assert "Stand-up" in (await carl.expect_message()).text


async def test_deleting_all_at_the_first_meeting_cancels_the_series(bot, emu, smtp):
    anna, carl, series = await weekly_series(bot, emu, smtp)
    card = await card_of(anna)
    await anna.press(card, "🗑 Delete")
    choice = await anna.expect_edit(card)
    await anna.press(choice, "All meetings from this one on")
    question = await anna.expect_edit(choice)
    await anna.press(question, "OK and notify participants")
    await anna.expect_edit(question)
    [_invitation, cancel] = await smtp.wait_for(2)
    calendar, event = event_of(cancel)
    assert calendar["method"] == "CANCEL" and "RECURRENCE-ID" not in event
    assert "FREQ=WEEKLY" in event["RRULE"].to_ical().decode()
    assert "cancelled" in (await carl.expect_message()).text.lower()
    assert await ConferenceRepository(bot.services.database).get(series.id) is None

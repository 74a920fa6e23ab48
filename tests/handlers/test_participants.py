"""The owner's "Participants" list: paged, and removing people, groups and e-mail
invitees; written as what a removed person tries next (old buttons, the link again,
waiting for the owner) and what a stranger forges."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from storage.conferences import ConferenceRepository
from tests.e2e import smtp_settings
from tests.handlers.test_conference_log import add_conferences, person
from tests.handlers.test_sharing import card_of

GONE = "This conference no longer exists."


@pytest.fixture
def bot_settings(smtp):
    return smtp_settings(smtp)


async def token_of(bot, owner_id, conference_id):
    conference = await bot.services.conferences.owned(owner_id, conference_id)
    return await bot.services.sharing.share_token(conference)


async def visitor(emu, bot, name, token, language="en"):
    user, _ = await person(emu, name, language)
    await user.send(f"/start {token}")
    return user, await user.expect_message()


async def open_participants(user):
    card = await card_of(user)
    await user.press(card, "👥 Participants")
    return await user.expect_edit(card)


async def test_a_removed_participant_is_out_for_good(bot, emu):
    anna, _ = await person(emu)
    # Online now, and only with the owner: Boris will be waiting when he is removed.
    [conference_id] = await add_conferences(bot, anna.id, [0.1], topic="Salary review")
    await ConferenceRepository(bot.services.database).update(
        conference_id, {"allow_without_owner": False}, now=bot.clock.timestamp()
    )
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    token = await token_of(bot, anna.id, conference_id)
    await bot.update_profile(anna.id, remember_name=True)
    boris, card = await visitor(emu, bot, "Boris", token)
    await bot.update_profile(boris.id, remember_name=True, reminder_minutes=5)
    await boris.press(card, "▶️ Join")
    assert "has not joined yet" in (await boris.expect_message()).text
    group = emu.group("Team", members=[anna, boris])
    await anna.send("/invite", chat=group)
    pick = await group.expect_message()
    await anna.press(pick, "1. Salary review", chat=group)
    await group.expect_edit(pick)

    listing = await open_participants(anna)
    assert "Participants of “Salary review”</b>: 2" in listing.html
    # The same second (the test clock stands still): in chat id order, the group first.
    assert "1. Team · group\n2. Boris · Telegram" in listing.text
    await anna.press(listing, "✖️ 2. Boris")
    question = await anna.expect_edit(listing)
    assert "Remove Boris" in question.text and "will not let them back in" in question.text
    await anna.press(question, "Cancel")
    listing = await anna.expect_edit(question)
    assert "2. Boris" in listing.text  # Cancel removed nobody
    await anna.press(listing, "✖️ 2. Boris")
    question = await anna.expect_edit(listing)
    await anna.press(question, "✖️ Remove")
    listing = await anna.expect_edit(question)
    assert "Boris is removed" in listing.text and "1. Team · group" in listing.text
    # A replay of the OK finds nobody to remove.
    await anna.press_data(question, question.buttons[0][0].callback_data)
    assert "no longer a participant" in (await anna.expect_callback_answer()).text

    # Boris's old buttons: Join and Add to calendar answer that it is gone.
    await boris.press(card, "▶️ Join")
    assert (await boris.expect_callback_answer()).text == GONE
    await boris.press(card, "📆 Add to calendar")
    assert (await boris.expect_callback_answer()).text == GONE
    # The link does not take him back, and shows nothing.
    await boris.send(f"/start {token}")
    again = await boris.expect_message()
    assert "This link is no longer valid" in again.text
    assert "Salary review" not in again.text and conference.password not in again.text
    assert not await bot.services.sharing.is_participant(conference_id, boris.id)
    # The owner joins: Boris, who was waiting, is not let in.
    owner_card = await card_of(anna)
    await anna.press(owner_card, "▶️ Join")
    assert "Join “Salary review” as Anna" in (await anna.expect_message()).text
    await boris.expect_no_message(within=0.5)
    # No reminder for him either, when his (5 minutes before) is due.
    bot.clock.advance(timedelta(minutes=2))
    due = await bot.services.reminders.claim_due()
    assert anna.id in [reminder.recipient_id for reminder in due]
    assert boris.id not in [reminder.recipient_id for reminder in due]
    assert await bot.services.sharing.participants(conference_id) != []  # the group stays


async def test_a_removed_group_gets_no_notices_until_the_owner_posts_again(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Launch")
    group = emu.group("Marketing", members=[anna])
    await anna.send("/invite", chat=group)
    pick = await group.expect_message()
    await anna.press(pick, "1. Launch", chat=group)
    await group.expect_edit(pick)
    listing = await open_participants(anna)
    await anna.press(listing, "✖️ 1. Marketing")
    question = await anna.expect_edit(listing)
    assert "the group “Marketing”" in question.text
    await anna.press(question, "✖️ Remove")
    await anna.expect_edit(question)
    assert await bot.services.sharing.participants(conference_id) == []
    # Posting it there again is the owner's own act: the group is back.
    await anna.send("/invite", chat=group)
    pick = await group.expect_message()
    await anna.press(pick, "1. Launch", chat=group)
    await group.expect_edit(pick)
    assert [p.chat_id for p in await bot.services.sharing.participants(conference_id)] == [group.id]


async def test_a_removed_invitee_gets_one_cancellation_and_no_later_update(bot, emu, smtp):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, email="anna@example.com")
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Offsite")
    card = await card_of(anna)
    await anna.press(card, "Send invitation e-mail")
    await anna.expect_edit(card)
    await anna.send("bob@example.com, carol@example.com")
    confirm = await anna.expect_message()
    await anna.press(confirm, "✉️ Send")
    await anna.expect_edit(confirm)
    await smtp.wait_for(2)

    listing = await open_participants(anna)
    assert "1. bob@example.com · e-mail" in listing.text
    await anna.press(listing, "✖️ 1. bob@example.com")
    question = await anna.expect_edit(listing)
    assert "cancelled for them" in question.text
    await anna.press(question, "✖️ Remove")
    listing = await anna.expect_edit(question)
    assert "cancellation e-mail is on its way" in listing.text
    assert "bob@example.com" not in listing.text.split("\n\n", 1)[1]
    cancellation = (await smtp.wait_for(3))[2]
    assert smtp.envelopes[2][1] == ["bob@example.com"]
    calendar = Calendar.from_ical(
        next(
            p for p in cancellation.walk() if p.get_content_type() == "text/calendar"
        ).get_content()
    )
    event = calendar.walk("VEVENT")[0]
    assert calendar["method"] == "CANCEL" and int(event["sequence"]) == 1
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a).lower() for a in attendees] == ["mailto:bob@example.com"]
    # The card lists only who is still invited.
    card = await card_of(anna)
    assert "carol@example.com" in card.text and "bob@example.com" not in card.text

    # A change later: Carol gets the update, Bob nothing more.
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    await bot.services.conferences.edit(
        anna.id, conference_id, starts_at=conference.starts_at + 3600
    )
    await bot.services.invitations.notify_by_email(
        await bot.services.users.get(anna.id), conference_id
    )
    update = (await smtp.wait_for(4))[3]
    assert smtp.envelopes[3][1] == ["carol@example.com"] and update["Subject"].startswith(
        "Updated:"
    )
    await bot.services.mail_sender.send_due()
    assert len(smtp.messages) == 4


async def test_the_list_is_paged_and_strangers_cannot_remove(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3])
    token = await token_of(bot, anna.id, conference_id)
    people = [await visitor(emu, bot, f"Guest {n:02d}", token) for n in range(1, 11)]
    listing = await open_participants(anna)
    assert "Page 1 of 2" in listing.text and "8. Guest 08" in listing.text
    assert "Guest 09" not in listing.text
    await anna.press(listing, "▶️")
    second = await anna.expect_edit(listing)
    assert "Page 2 of 2" in second.text and "10. Guest 10" in second.text
    # Removing the last one on page 2 comes back to what is left of page 2.
    await anna.press(second, "✖️ 10. Guest 10")
    question = await anna.expect_edit(second)
    await anna.press(question, "✖️ Remove")
    after = await anna.expect_edit(question)
    assert "Page 2 of 2" in after.text and "9. Guest 09" in after.text

    eve, eve_menu = await person(emu, "Eve")
    guest = people[0][0]
    for forged in (
        f"conf:rmok:{conference_id}:t:{guest.id}:0",
        f"conf:rm:{conference_id}:t:{guest.id}:0",
        f"conf:people:{conference_id}:0",
    ):
        await eve.press_data(eve_menu, forged)
        assert (await eve.expect_callback_answer()).text == GONE
    assert await bot.services.sharing.is_participant(conference_id, guest.id)
    # The owner's own forged data that is not a line: a polite answer, nothing removed.
    await anna.press_data(after, f"conf:rmok:{conference_id}:x:{guest.id}:0")
    assert "out of date" in (await anna.expect_callback_answer()).text
    assert await bot.services.sharing.is_participant(conference_id, guest.id)


async def test_over_conferences_have_no_list(bot, emu):
    anna, menu = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [1])
    bot.clock.advance(timedelta(hours=3))
    await anna.press_data(menu, f"conf:people:{conference_id}")
    assert (await anna.expect_callback_answer()).text == GONE

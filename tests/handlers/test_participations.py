"""Participants find their conferences: Boris's conference log lists the ones Anna invited
him to beside his own, paged together; his card offers Join, Add to calendar and Leave
only; the owner's buttons, forged by him, are "for the owner" and change nothing;
leaving stops notices and reminders, and only "Take part again" brings him back."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from storage.conferences import ConferenceRepository
from tests.handlers.test_conference_log import add_conferences, conference_rows, log_lines, person
from tests.handlers.test_sharing import card_of

OWNER_ONLY = "These buttons are for the conference's owner."
GONE = "This conference no longer exists."


async def token_of(bot, owner_id, conference_id):
    conference = await bot.services.conferences.owned(owner_id, conference_id)
    return await bot.services.sharing.share_token(conference)


async def join_by_link(bot, user, owner_id, conference_id):
    """The user opens the conference's deep link; returns the card they get."""
    await user.send(f"/start {await token_of(bot, owner_id, conference_id)}")
    return await user.expect_message()


async def log_of(user):
    await user.send("/log")
    return await user.expect_message()


async def anna_and_boris(bot, emu, boris_language="en"):
    """Anna with three conferences Boris opened the links of (in 2, 5 and 28 hours)."""
    anna, _ = await person(emu, "Anna")
    ids = await add_conferences(bot, anna.id, [2, 5, 28], topic="Anna's {n}")
    boris, _ = await person(emu, "Boris", boris_language)
    for conference_id in ids:
        await join_by_link(bot, boris, anna.id, conference_id)
    return anna, boris, ids


async def test_boris_sees_his_participations_beside_his_own_paged_together(bot, emu):
    anna, boris, ids = await anna_and_boris(bot, emu)
    await add_conferences(bot, boris.id, [1, 3, 4, 29], topic="Boris's {n}")
    # Not his: Cara's conference posted to a group he is in, and one he was removed from.
    cara, _ = await person(emu, "Cara")
    [group_only, removed] = await add_conferences(bot, cara.id, [1.5, 2.5], topic="Not his {n}")
    await bot.services.sharing.add_group(
        await bot.services.conferences.owned(cara.id, group_only), -500, "Team"
    )
    await join_by_link(bot, boris, cara.id, removed)
    await bot.services.sharing.remove_participant(cara.id, removed, boris.id)

    log = await log_of(boris)
    assert "Scheduled conferences: 7" in log.text
    assert [b.text for b in log.buttons[-3]] == ["Page 1 of 2", "▶️"]
    # One list in start order: his own, and Anna's marked as hers.
    assert log_lines(log) == [
        "— Today —",
        "13:00 Boris's 1",
        "14:00 Anna's 1 · invited by Anna",
        "15:00 Boris's 2",
        "16:00 Boris's 3",
        "17:00 Anna's 2 · invited by Anna",
        "— Tomorrow —",
        "16:00 Anna's 3 · invited by Anna",
    ]
    await boris.press(log, "▶️")
    page2 = await boris.expect_edit(log)
    assert "Page 2 of 2" in page2.button_texts()
    assert log_lines(page2) == ["— Tomorrow —", "17:00 Boris's 4"]
    # Owned rows open the owner's card, participations the participant's card.
    assert [data.split(":")[0] for _label, data in conference_rows(log)] == [
        "conf",
        "part",
        "conf",
        "conf",
        "part",
        "part",
    ]
    # Anna's own log is unchanged: only what she owns.
    anna_log = await log_of(anna)
    assert "Scheduled conferences: 3" in anna_log.text
    assert not any("invited by" in label for label, _data in conference_rows(anna_log))


async def test_the_archive_lists_participations_newest_first(bot, emu):
    anna, boris, [first, *_] = await anna_and_boris(bot, emu)
    bot.clock.advance(timedelta(hours=3, minutes=30))  # 15:30: Anna's 1 (14:00-15:00) is over
    log = await log_of(boris)
    assert "Scheduled conferences: 2" in log.text
    await boris.press(log, "🗄 Conference archive")
    archive = await boris.expect_edit(log)
    assert "Conference archive: 1" in archive.text
    assert log_lines(archive) == ["— Today —", "14:00 Anna's 1 · invited by Anna"]
    await boris.press(archive, "Anna's 1")
    card = await boris.expect_edit(log)
    assert "This conference is over" in card.text
    assert card.button_texts() == ["📆 Add to calendar", "🚪 Leave", "⬅️ Conference log"]
    await boris.press(card, "⬅️ Conference log")
    assert "Conference archive: 1" in (await boris.expect_edit(log)).text


async def test_boris_card_offers_join_calendar_and_leave_only(bot, emu):
    anna, boris, ids = await anna_and_boris(bot, emu)
    log = await log_of(boris)
    await boris.press(log, "Anna's 1")
    card = await boris.expect_edit(log)
    assert "👤 Invited by Anna" in card.text and "Anna's 1" in card.text
    conference = await bot.services.conferences.owned(anna.id, ids[0])
    assert conference.conference_code in card.text and conference.password in card.text
    assert card.button_texts() == [
        "▶️ Join",
        "📆 Add to calendar",
        "🚪 Leave",
        "⬅️ Conference log",
    ]
    assert all(b.callback_data.startswith(("part:", "log:")) for b in card.all_buttons())
    await boris.press(card, "📆 Add to calendar")
    ics = Calendar.from_ical((await boris.expect_message()).document.content)
    assert ics.walk("VEVENT")[0]["summary"] == "Anna's 1"
    await boris.press(card, "▶️ Join")
    assert "starts" in (await boris.expect_message()).text  # offline yet: says when
    await boris.press(card, "⬅️ Conference log")
    assert "Scheduled conferences: 3" in (await boris.expect_edit(log)).text


async def test_the_log_and_card_in_russian(bot, emu):
    anna, boris, ids = await anna_and_boris(bot, emu, boris_language="ru")
    log = await log_of(boris)
    assert log_lines(log) == [
        "— Сегодня —",
        "14:00 Anna's 1 · организатор: Anna",
        "17:00 Anna's 2 · организатор: Anna",
        "— Завтра —",
        "16:00 Anna's 3 · организатор: Anna",
    ]
    await boris.press(log, "Anna's 1")
    card = await boris.expect_edit(log)
    assert "👤 Организатор: Anna" in card.text
    assert card.button_texts() == [
        "▶️ Подключиться",
        "📆 Добавить в календарь",
        "🚪 Выйти из участников",
        "⬅️ Журнал конференций",
    ]


@pytest.mark.parametrize(
    "action",
    ["view", "edit", "del", "delok", "delnotify", "notify", "share", "relink", "relinkok"]
    + ["people", "invite", "end", "endok", "refresh"],
)
async def test_owner_buttons_forged_by_a_participant_are_for_the_owner(bot, emu, action):
    anna, boris, ids = await anna_and_boris(bot, emu)
    conference_id = ids[0]
    before = await bot.services.conferences.owned(anna.id, conference_id)
    card = await join_by_link(bot, boris, anna.id, conference_id)
    await boris.press_data(card, f"conf:{action}:{conference_id}")
    assert (await boris.expect_callback_answer()).text == OWNER_ONLY
    # A stranger, and a conference that is gone, keep the old answer.
    eve, eve_menu = await person(emu, "Eve")
    await eve.press_data(eve_menu, f"conf:{action}:{conference_id}")
    assert (await eve.expect_callback_answer()).text == GONE
    await boris.press_data(card, f"conf:{action}:99999")
    assert (await boris.expect_callback_answer()).text == GONE
    await boris.expect_no_message(within=0.2)
    assert await bot.services.conferences.owned(anna.id, conference_id) == before
    assert await bot.services.sharing.is_participant(conference_id, boris.id)


async def test_repeat_forged_by_a_participant_is_for_the_owner(bot, emu):
    anna, _ = await person(emu, "Anna")
    [conference_id] = await add_conferences(bot, anna.id, [1])
    boris, _ = await person(emu, "Boris")
    card = await join_by_link(bot, boris, anna.id, conference_id)
    bot.clock.advance(timedelta(hours=3))  # over: Repeat is what its card would offer
    await boris.press_data(card, f"conf:repeat:{conference_id}")
    assert (await boris.expect_callback_answer()).text == OWNER_ONLY
    await boris.send("tomorrow 10:00")  # no form was opened for him
    assert "did not understand" in (await boris.expect_message()).text


async def test_leaving_stops_notices_and_reminders_until_boris_takes_part_again(bot, emu):
    anna, boris, ids = await anna_and_boris(bot, emu)
    conference_id = ids[0]
    carol, _ = await person(emu, "Carol")
    await join_by_link(bot, carol, anna.id, conference_id)
    log = await log_of(boris)
    await boris.press(log, "Anna's 1")
    card = await boris.expect_edit(log)
    # Leave asks first; Cancel keeps him in.
    await boris.press(card, "🚪 Leave")
    question = await boris.expect_edit(log)
    assert "Leave “Anna's 1”?" in question.text and "no more notices" in question.text
    await boris.press(question, "Cancel")
    card = await boris.expect_edit(log)
    assert await bot.services.sharing.is_participant(conference_id, boris.id)
    await boris.press(card, "🚪 Leave")
    question = await boris.expect_edit(log)
    await boris.press(question, "🚪 Leave")
    done = await boris.expect_edit(log)
    assert "You left “Anna's 1”" in done.text
    assert not await bot.services.sharing.is_participant(conference_id, boris.id)
    # A replayed OK changes nothing more.
    await boris.press_data(done, f"part:leaveok:{conference_id}")
    assert (await boris.expect_callback_answer()).text == "You have already left this conference."
    # Out of his log.
    log = await log_of(boris)
    assert "Scheduled conferences: 2" in log.text
    assert not any("Anna's 1" in label for label, _data in conference_rows(log))

    # Anna changes it and notifies: Carol hears of it, Boris does not.
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    await bot.services.conferences.edit(
        anna.id, conference_id, starts_at=conference.starts_at + 1800
    )
    owner_card = await card_of(anna)
    await anna.press(owner_card, "Notify participants")
    assert "Sending the update to 1 participant" in (await anna.expect_message()).text
    assert "1 of 1 in Telegram" in (await anna.expect_message()).text
    assert "has changed" in (await carol.expect_message()).text
    await boris.expect_no_message(within=0.3)
    # No reminder for him either: only Carol and Anna are due.
    bot.clock.advance(timedelta(hours=2, minutes=25))  # 14:25, the start at 14:30
    due = await bot.services.reminders.claim_due()
    assert sorted(r.recipient_id for r in due) == sorted([anna.id, carol.id])
    # His old buttons no longer work for him.
    await boris.press_data(card, f"part:join:{conference_id}")
    assert (await boris.expect_callback_answer()).text == GONE

    # The link again shows the conference, but does not make him a participant by itself.
    again = await join_by_link(bot, boris, anna.id, conference_id)
    assert "You left this conference" in again.text
    assert again.button_texts() == ["↩️ Take part again", "⬅️ Conference log"]
    assert not await bot.services.sharing.is_participant(conference_id, boris.id)
    await boris.press(again, "↩️ Take part again")
    back = await boris.expect_edit(again)
    assert "You take part in “Anna's 1” again" in back.text
    assert "🚪 Leave" in back.button_texts()
    assert await bot.services.sharing.is_participant(conference_id, boris.id)
    await boris.press_data(back, f"part:rejoin:{conference_id}")
    assert "already take part" in (await boris.expect_callback_answer()).text


async def test_a_participant_removed_by_the_owner_cannot_take_part_again(bot, emu):
    anna, boris, ids = await anna_and_boris(bot, emu)
    await bot.services.sharing.remove_participant(anna.id, ids[0], boris.id)
    card = await join_by_link(bot, boris, anna.id, ids[0])
    assert "no longer valid" in card.text
    for action in ("rejoin", "view", "leave", "leaveok"):
        await boris.press_data(card, f"part:{action}:{ids[0]}")
        assert (await boris.expect_callback_answer()).text == GONE
    assert not await bot.services.sharing.is_participant(ids[0], boris.id)
    # A stranger's forged presses do nothing either.
    eve, eve_menu = await person(emu, "Eve")
    for action in ("rejoin", "view", "leave", "leaveok"):
        await eve.press_data(eve_menu, f"part:{action}:{ids[1]}")
        assert (await eve.expect_callback_answer()).text == GONE
    assert not await bot.services.sharing.is_participant(ids[1], eve.id)


async def test_the_owner_pressing_a_participant_row_gets_her_own_card(bot, emu):
    anna, _ = await person(emu, "Anna")
    [conference_id] = await add_conferences(bot, anna.id, [2])
    menu = await log_of(anna)
    await anna.press_data(menu, f"part:view:{conference_id}")
    card = await anna.expect_edit(menu)
    assert "✏️ Edit" in card.button_texts()
    await anna.press_data(card, f"part:leave:{conference_id}")
    assert (await anna.expect_callback_answer()).text == GONE
    repository = ConferenceRepository(bot.services.database)
    assert await repository.get(conference_id) is not None

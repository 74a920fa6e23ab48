""" "End now" on a running conference: asked first, the end set to the current minute,
the conference in the archive, and the participant waiting for the owner told; his
buttons then answer as for any archived conference."""

from datetime import timedelta

from bot.conferences import ListKind
from tests.handlers.test_conference_log import add_conferences, open_first, person
from tests.handlers.test_participations import join_by_link, log_of

GONE = "This conference no longer exists."


async def test_end_now_with_a_participant_waiting_for_the_owner(bot, emu):
    anna, _ = await person(emu, "Anna")
    await anna.send("/now Standup")
    started = await anna.expect_message()
    # In the start's own minute there is nothing to end yet (the end must follow the start).
    assert "⏹ End now" not in started.button_texts()
    [conference] = (await bot.services.conferences.page(anna.id, ListKind.SCHEDULED, 0)).items
    conference_id = conference.conference.id
    await bot.services.conferences.edit(anna.id, conference_id, allow_without_owner=False)
    boris, _ = await person(emu, "Boris", "ru")
    await bot.update_profile(boris.id, remember_name=True)
    card = await join_by_link(bot, boris, anna.id, conference_id)
    await boris.press(card, "▶️ Подключиться")
    assert "ещё не подключился" in (await boris.expect_message()).text

    bot.clock.advance(timedelta(minutes=5, seconds=30))  # 12:05:30
    owner_card = await open_first(anna, await log_of(anna))
    await anna.press(owner_card, "⏹ End now")
    question = await anna.expect_edit(owner_card)
    assert "End “Standup” now?" in question.text and "archive" in question.text
    await anna.press(question, "Cancel")
    owner_card = await anna.expect_edit(owner_card)
    assert not bot.services.conferences.is_archived(
        await bot.services.conferences.owned(anna.id, conference_id)
    )
    await anna.press(owner_card, "⏹ End now")
    question = await anna.expect_edit(owner_card)
    await anna.press(question, "⏹ End now")
    ended = await anna.expect_edit(owner_card)
    assert "The conference “Standup” has ended." in ended.text
    assert "it is in the archive" in ended.text and "⏹ End now" not in ended.button_texts()
    assert "🔁 Repeat" in ended.button_texts()
    stored = await bot.services.conferences.owned(anna.id, conference_id)
    assert stored.ends_at == bot.clock.timestamp() - 30  # 12:05, a whole minute
    assert bot.services.conferences.is_archived(stored)

    told = await boris.expect_message()
    assert "«Standup» завершена владельцем" in told.text
    # Boris's Join now answers as for an archived conference; nobody is let in later.
    await boris.press(card, "▶️ Подключиться")
    assert (await boris.expect_callback_answer()).text == "Этой конференции больше нет."
    await boris.expect_no_message(within=0.2)
    assert await bot.services.joining.take_waiters(conference_id) == []
    # A replayed OK finds it over; the log has it in the archive.
    await anna.press_data(ended, f"conf:endok:{conference_id}")
    assert (await anna.expect_callback_answer()).text == GONE
    log = await log_of(anna)
    assert "Scheduled conferences: 0" in log.text
    await anna.press(log, "🗄 Conference archive")
    assert "12:00 Standup" in (await anna.expect_edit(log)).button_texts()


async def test_end_now_is_not_offered_before_the_start(bot, emu):
    anna, _ = await person(emu, "Anna")
    [conference_id] = await add_conferences(bot, anna.id, [0.1])  # online, not started
    card = await open_first(anna, await log_of(anna))
    assert "🟢 online" in card.text and "⏹ End now" not in card.button_texts()
    for action in ("end", "endok"):
        await anna.press_data(card, f"conf:{action}:{conference_id}")
        assert (await anna.expect_callback_answer()).text == "This conference is not running now."
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    assert conference.ends_at == bot.clock.timestamp() + 360 + 3600

"""Edit (F8, first half) and Repeat (F9) through the same form."""

from storage.conferences import ConferenceRepository
from tests.handlers.test_conference_log import add_conferences, open_first, open_log, person

HOUR = 3600


async def open_card(anna, menu, row="Meeting 1", archive=False):
    log = await open_log(anna, menu)
    if archive:
        await anna.press(log, "🗄 Conference archive")
        log = await anna.expect_edit(log)
    await anna.press(log, row)
    return await anna.expect_edit(log)


async def answer(user, text):
    await user.send(text)
    return await user.expect_message()


async def test_edit_topic_password_toggle_and_save(bot, emu):
    anna, menu = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [2])
    card = await open_card(anna, menu)
    await anna.press(card, "✏️ Edit")
    form = await anna.expect_edit(card)
    assert "Edit conference" in form.text and "Conference ID" not in " ".join(form.button_texts())
    await anna.press(form, "Topic")
    await anna.expect_edit(form)
    assert "at most 200" in (await answer(anna, "y" * 300)).text
    form = await answer(anna, "Renamed")
    await anna.press(form, "Password")
    await anna.expect_edit(form)
    form = await answer(anna, "newpass1")
    await anna.press(form, "Allow joining")
    form = await anna.expect_edit(form)
    await anna.press(form, "💾 Save")
    saved = await anna.expect_edit(form)
    assert "Changes saved" in saved.text and "Renamed" in saved.text
    # Nobody to tell: the card neither reminds nor offers "Notify participants".
    assert "have not been told" not in saved.text
    assert "📣 Notify participants" not in saved.button_texts()
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    assert (conference.topic, conference.password, conference.allow_without_owner) == (
        "Renamed",
        "newpass1",
        False,
    )
    assert conference.changed_since_notice  # a new topic and password: news for anyone


async def test_moving_the_start_keeps_the_length_and_marks_participants_untold(bot, emu):
    anna, menu = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [2], length=90 * 60)
    card = await open_card(anna, menu)
    await anna.press(card, "✏️ Edit")
    form = await anna.expect_edit(card)
    await anna.press(form, "Start")
    await anna.expect_edit(form)
    assert "already passed" in (await answer(anna, "today 08:00")).text
    form = await answer(anna, "tomorrow 10:00")
    assert "10:00" in form.text and "11:30" in form.text
    await anna.press(form, "💾 Save")
    saved = await anna.expect_edit(form)
    assert "10:00" in saved.text and "have not been told yet" not in saved.text  # nobody yet
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    assert conference.ends_at - conference.starts_at == 90 * 60
    assert conference.changed_since_notice
    # Editing the end alone changes the length.
    await anna.press(saved, "✏️ Edit")
    form = await anna.expect_edit(saved)
    await anna.press(form, "End")
    await anna.expect_edit(form)
    assert "must be after the start" in (await answer(anna, "09:00")).text
    form = await answer(anna, "2 hours")
    await anna.press(form, "💾 Save")
    await anna.expect_edit(form)
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    assert conference.ends_at - conference.starts_at == 2 * HOUR


async def test_save_without_changes_and_cancel(bot, emu):
    anna, menu = await person(emu)
    await add_conferences(bot, anna.id, [2])
    card = await open_card(anna, menu)
    await anna.press(card, "✏️ Edit")
    form = await anna.expect_edit(card)
    await anna.press(form, "💾 Save")
    assert "Nothing has changed" in (await anna.expect_edit(form)).text
    await anna.press(card, "✏️ Edit")
    form = await anna.expect_edit(card)
    await anna.press(form, "Topic")
    await anna.expect_edit(form)
    form = await answer(anna, "Not kept")
    # A changed topic: Cancel asks first; "Keep editing" comes back to the review card.
    await anna.press(form, "Cancel")
    question = await anna.expect_edit(form)
    assert "Discard your changes?" in question.text
    await anna.press(question, "✏️ Keep editing")
    form = await anna.expect_edit(form)
    assert "Topic: Not kept" in form.text
    await anna.press(form, "Cancel")
    question = await anna.expect_edit(form)
    await anna.press(question, "🗑 Discard")
    assert "was not changed" in (await anna.expect_edit(form)).text
    # Nothing changed yet: Cancel leaves at once.
    await anna.send("/log")
    card = await open_first(anna, await anna.expect_message())
    await anna.press(card, "✏️ Edit")
    form = await anna.expect_edit(card)
    await anna.press(form, "Cancel")
    assert "was not changed" in (await anna.expect_edit(form)).text
    [conference] = await ConferenceRepository(bot.services.database).list_scheduled(
        anna.id, now=0, limit=5
    )
    assert conference.topic == "Meeting 1"


async def test_repeat_moves_the_same_conference_back_to_scheduled(bot, emu):
    anna, menu = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [-30], length=45 * 60)
    old = await bot.services.conferences.owned(anna.id, conference_id)
    card = await open_card(anna, menu, archive=True)
    await anna.press(card, "🔁 Repeat")
    prompt = await anna.expect_edit(card)
    assert "Repeat “Meeting 1”" in prompt.text
    assert "already passed" in (await answer(anna, "yesterday 10:00")).text
    review = await answer(anna, "tomorrow 09:00")
    assert "09:00" in review.text and "09:45" in review.text
    assert old.conference_code in review.text and old.password in review.text
    await anna.press(review, "✅ Schedule")
    done = await anna.expect_edit(review)
    assert "back among “Scheduled conferences”" in done.text
    repeated = await bot.services.conferences.owned(anna.id, conference_id)
    assert repeated.conference_code == old.conference_code
    assert repeated.ends_at - repeated.starts_at == 45 * 60
    assert not bot.services.conferences.is_archived(repeated)
    repository = ConferenceRepository(bot.services.database)
    now = bot.clock.timestamp()
    assert await repository.count_archive(anna.id, now=now) == 0
    assert await repository.count_scheduled(anna.id, now=now) == 1


async def test_repeat_in_russian_with_quick_start(bot, emu):
    ivan, menu = await person(emu, "Иван", "ru")
    await add_conferences(bot, ivan.id, [-30], topic="Планёрка")
    log = await open_log(ivan, menu, "Журнал конференций")
    await ivan.press(log, "🗄 Архив конференций")
    log = await ivan.expect_edit(log)
    await ivan.press(log, "Планёрка")
    card = await ivan.expect_edit(log)
    await ivan.press(card, "🔁 Повторить")
    prompt = await ivan.expect_edit(card)
    assert "Повторить «Планёрка»" in prompt.text
    await ivan.press(prompt, "Через 1 ч")
    review = await ivan.expect_edit(card)
    assert "Новая конференция: всё верно?" in review.text
    await ivan.press(review, "✅ Запланировать")
    assert "вернулась" in (await ivan.expect_edit(card)).text


async def test_edit_of_a_conference_deleted_meanwhile(bot, emu):
    anna, menu = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [2])
    card = await open_card(anna, menu)
    await anna.press(card, "✏️ Edit")
    form = await anna.expect_edit(card)
    await bot.services.conferences.delete(anna.id, conference_id)
    await anna.press(form, "💾 Save")
    assert "no longer exists" in (await anna.expect_edit(form)).text

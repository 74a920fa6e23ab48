"""Schedule conference (F1): topic, start, end, review card, Schedule; every rejection.

The clock stands at Wed 25 Nov 2026, 12:00 UTC (tests/e2e.py).
"""

from datetime import UTC, datetime

import pytest

from storage.conferences import ConferenceRepository


async def begin(emu, bot, *, name="Anna", language="en", zone="Europe/Moscow"):
    person = emu.user(name, language_code=language)
    await person.send("/start")
    menu = await person.expect_message()
    await bot.update_profile(person.id, timezone=zone)
    await person.press(
        menu, "Schedule conference" if language == "en" else "Запланировать конференцию"
    )
    prompt = await person.expect_edit(menu)
    return person, prompt


async def answer(person, text):
    await person.send(text)
    return await person.expect_message()


async def stored(bot, owner_id):
    return await ConferenceRepository(bot.services.database).list_scheduled(
        owner_id, now=0, limit=100
    )


async def test_schedule_in_english_end_to_end(bot, emu):
    anna, prompt = await begin(emu, bot)
    assert "Step 1 of 3" in prompt.text
    start_prompt = await answer(anna, "Weekly <b>sync</b> & plans")
    assert "Step 2 of 3" in start_prompt.text and "Moscow time (UTC+3)" in start_prompt.text
    end_prompt = await answer(anna, "tomorrow 15:00")
    assert "Start: Thu 26 Nov 2026, 15:00 Moscow time (UTC+3)" in end_prompt.text
    assert "Step 3 of 3" in end_prompt.text
    review = await answer(anna, "90 min")
    assert "End: Thu 26 Nov 2026, 16:30 Moscow time (UTC+3)" in review.text
    assert "Topic: Weekly <b>sync</b> & plans" in review.text  # shown literally
    assert "Allow joining in the absence of conference owner: on" in review.text
    code = review.text.split("Conference ID: ")[1].split()[0]
    assert code.isdigit() and len(code) == 9
    await anna.press(review, "✅ Schedule")
    card = await anna.expect_edit(review)
    assert "Conference scheduled" in card.text and code in card.text
    assert {"▶️ Join", "📆 Add to calendar", "✏️ Edit", "🗑 Delete"} <= set(card.button_texts())
    [conference] = await stored(bot, anna.id)
    assert conference.topic == "Weekly <b>sync</b> & plans"
    assert conference.conference_code == code
    assert datetime.fromtimestamp(conference.starts_at, UTC) == datetime(
        2026, 11, 26, 12, 0, tzinfo=UTC
    )
    assert conference.ends_at - conference.starts_at == 90 * 60
    assert conference.allow_without_owner


async def test_schedule_in_russian_with_quick_buttons(bot, emu):
    ivan, prompt = await begin(emu, bot, name="Иван", language="ru")
    assert "Шаг 1 из 3" in prompt.text
    start_prompt = await answer(ivan, "Планёрка")
    await ivan.press(start_prompt, "Завтра в 10:00")
    end_prompt = await ivan.expect_edit(start_prompt)
    assert "Начало: чт, 26 нояб. 2026 г., 10:00, московское время (UTC+3)" in end_prompt.text
    await ivan.press(end_prompt, "+1 ч")
    review = await ivan.expect_edit(start_prompt)
    assert "Окончание: чт, 26 нояб. 2026 г., 11:00, московское время (UTC+3)" in review.text
    await ivan.press(review, "Подключение без владельца")
    review = await ivan.expect_edit(review)
    assert "Разрешить подключение в отсутствие владельца конференции: выкл." in review.text
    await ivan.press(review, "✅ Запланировать")
    card = await ivan.expect_edit(review)
    assert "Конференция запланирована" in card.text
    [conference] = await stored(bot, ivan.id)
    assert not conference.allow_without_owner


async def test_natural_language_in_russian_typed(bot, emu):
    ivan, _ = await begin(emu, bot, name="Иван", language="ru")
    await answer(ivan, "Разбор задач")
    end_prompt = await answer(ivan, "завтра в 15:00")
    assert "15:00, московское время (UTC+3)" in end_prompt.text
    review = await answer(ivan, "1 ч 30 мин")
    assert "16:30, московское время (UTC+3)" in review.text


@pytest.mark.parametrize(
    ("step", "typed", "explains"),
    [
        ("topic", "x" * 201, "at most 200 characters"),
        ("topic", "   ", "cannot be empty"),
        ("start", "someday maybe", "could not understand “someday maybe”"),
        ("start", "today 09:00", "already passed"),
        ("start", "<script>alert(1)</script>", "could not understand"),
        ("end", "whenever", "could not understand “whenever” as an end"),
        ("end", "14:00", "must be after the start"),
        ("end", "in 30 hours", "at most 24 hours"),
    ],
)
async def test_rejections_explain_and_ask_again(bot, emu, step, typed, explains):
    anna, _ = await begin(emu, bot)
    if step != "topic":
        await answer(anna, "Topic")
    if step == "end":
        await answer(anna, "tomorrow 15:00")
    reply = await answer(anna, typed)
    assert explains in reply.text
    # The same question is still open: a good answer now goes on.
    good = {"topic": "Topic", "start": "tomorrow 15:00", "end": "16:00"}[step]
    follow_up = await answer(anna, good)
    assert "Step" in follow_up.text or "New conference: is everything right?" in follow_up.text
    assert await stored(bot, anna.id) == []


async def review_card(emu, bot):
    anna, _ = await begin(emu, bot)
    await answer(anna, "Topic")
    await answer(anna, "tomorrow 15:00")
    return anna, await answer(anna, "1h")


async def test_review_card_edits_id_and_password_with_validation(bot, emu):
    anna, review = await review_card(emu, bot)
    other = emu.user("Boris")
    await other.send("/start")
    await other.expect_message()
    taken = await bot.services.conferences.start_now(other.id, "Boris's call")

    await anna.press(review, "Conference ID")
    await anna.expect_edit(review)
    for typed, explains in [
        ("ab", "cannot be a conference ID"),
        ("bad id!", "cannot be a conference ID"),
        (taken.conference_code, "already taken"),
    ]:
        assert explains in (await answer(anna, typed)).text
    review = await answer(anna, "Team-Sync-2026")
    assert "Conference ID: team-sync-2026" in review.text

    await anna.press(review, "Password")
    await anna.expect_edit(review)
    assert "4 to 32 Latin letters, digits or symbols" in (await answer(anna, "a b")).text
    assert "no spaces" in (await answer(anna, "x")).text
    review = await answer(anna, "s3cret!")
    assert "Password: s3cret!" in review.text

    await anna.press(review, "Start")
    await anna.expect_edit(review)
    review = await answer(anna, "tomorrow 17:00")
    assert "17:00" in review.text and "18:00" in review.text  # the length stayed one hour
    await anna.press(review, "✅ Schedule")
    await anna.expect_edit(review)
    [conference] = await stored(bot, anna.id)
    assert (conference.conference_code, conference.password) == ("team-sync-2026", "s3cret!")


async def test_cancel_at_any_step_leaves_nothing(bot, emu):
    anna, prompt = await begin(emu, bot)
    await anna.press(prompt, "Cancel")
    assert "nothing was scheduled" in (await anna.expect_edit(prompt)).text
    anna2, _ = await begin(emu, bot, name="Bea")
    await answer(anna2, "Topic")
    await anna2.send("/cancel")
    assert "Discard this draft?" in (await anna2.expect_message()).text
    await anna2.send("/cancel")  # a second /cancel discards
    assert "nothing was scheduled" in (await anna2.expect_message()).text
    await anna2.send("tomorrow 15:00")
    assert "did not understand" in (await anna2.expect_message()).text
    assert await stored(bot, anna.id) == [] and await stored(bot, anna2.id) == []


async def test_sticker_and_other_commands_during_the_dialog(bot, emu):
    anna, _ = await begin(emu, bot)
    await anna.send_sticker()
    assert "text message" in (await anna.expect_message()).text
    await answer(anna, "Topic")
    # /help leaves the form and answers as usual.
    help_text = await answer(anna, "/help")
    assert "/schedule" in help_text.text
    await anna.send("tomorrow 15:00")
    assert "did not understand" in (await anna.expect_message()).text


async def test_restart_in_the_middle_of_scheduling(bot, emu):
    anna, _ = await begin(emu, bot)
    await answer(anna, "Survives restarts")
    await answer(anna, "tomorrow 15:00")
    await bot.restart()
    review = await answer(anna, "45")
    assert "Survives restarts" in review.text and "15:45" in review.text
    await anna.press(review, "✅ Schedule")
    await anna.expect_edit(review)
    assert len(await stored(bot, anna.id)) == 1

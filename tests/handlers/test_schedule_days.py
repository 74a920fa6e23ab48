"""Schedule conference: a day without a time, a start and an end in one answer, past days,
zone abbreviations and the plainly spelled echo, as a newcomer types them.

The clock stands at Wed 25 Nov 2026, 12:00 UTC (tests/e2e.py): 15:00 in Moscow.
"""

from datetime import UTC, datetime

import pytest

from bot.conferences import ConferenceService
from storage.conferences import ConferenceRepository
from tests.handlers.test_conference_log import person
from tests.handlers.test_edit_and_repeat import open_card
from tests.handlers.test_schedule import answer, begin, stored

QUICK = ["09:00", "10:00", "12:00", "15:00", "17:00"]


async def at_start_question(emu, bot, *, name="Anna", language="en", zone="Europe/Moscow"):
    person, _ = await begin(emu, bot, name=name, language=language, zone=zone)
    prompt = await answer(person, "Topic" if language == "en" else "Тема")
    return person, prompt


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# -- a day, then the time -------------------------------------------------------------


async def test_a_day_then_a_typed_time_in_english(bot, emu):
    anna, _ = await at_start_question(emu, bot)
    question = await answer(anna, "friday")
    assert question.text.startswith("🗓 Fri 27 Nov — at what time?")
    assert "Moscow time (UTC+3)" in question.text
    assert question.button_texts() == [*QUICK, "🗓 Another day", "✖️ Cancel"]
    end_prompt = await answer(anna, "3pm")
    assert "Start: Fri 27 Nov 2026, 15:00 Moscow time (UTC+3)" in end_prompt.text
    assert "Step 3 of 3" in end_prompt.text
    review = await answer(anna, "1h")
    assert "End: Fri 27 Nov 2026, 16:00 Moscow time (UTC+3)" in review.text
    await anna.press(review, "✅ Schedule")
    await anna.expect_edit(review)
    [conference] = await stored(bot, anna.id)
    assert (conference.starts_at, conference.ends_at) == (
        utc(2026, 11, 27, 12).timestamp(),
        utc(2026, 11, 27, 13).timestamp(),
    )


@pytest.mark.parametrize(
    ("typed_day", "asked", "typed_time", "start"),
    [
        ("в пятницу", "🗓 пт, 27 ноября — во сколько?", "в 15", "пт, 27 нояб. 2026 г., 15:00"),
        ("через 2 дня", "🗓 пт, 27 ноября — во сколько?", "15:00", "пт, 27 нояб. 2026 г., 15:00"),
        ("3 декабря", "🗓 чт, 3 декабря — во сколько?", "10:30", "чт, 3 дек. 2026 г., 10:30"),
        ("25.12", "🗓 пт, 25 декабря — во сколько?", "9 утра", "пт, 25 дек. 2026 г., 09:00"),
        (
            "2027-01-15",
            "🗓 пт, 15 января 2027 г. — во сколько?",
            "в 12",
            "пт, 15 янв. 2027 г., 12:00",
        ),
    ],
)
async def test_a_day_then_a_typed_time_in_russian(bot, emu, typed_day, asked, typed_time, start):
    ivan, _ = await at_start_question(emu, bot, name="Иван", language="ru")
    question = await answer(ivan, typed_day)
    assert question.text.startswith(asked)
    assert "🗓 Другой день" in question.button_texts()
    end_prompt = await answer(ivan, typed_time)
    assert f"Начало: {start}, московское время (UTC+3)" in end_prompt.text
    assert "Шаг 3 из 3" in end_prompt.text


@pytest.mark.parametrize(
    ("language", "typed", "button", "start"),
    [
        ("en", "tomorrow", "09:00", "Start: Thu 26 Nov 2026, 09:00 Moscow time (UTC+3)"),
        ("en", "Dec 3", "17:00", "Start: Thu 3 Dec 2026, 17:00 Moscow time (UTC+3)"),
        ("en", "2026-12-03", "12:00", "Start: Thu 3 Dec 2026, 12:00 Moscow time (UTC+3)"),
        ("ru", "завтра", "10:00", "Начало: чт, 26 нояб. 2026 г., 10:00, московское время (UTC+3)"),
        ("ru", "через 2 дня", "15:00", "Начало: пт, 27 нояб. 2026 г., 15:00, московское время"),
    ],
)
async def test_a_day_then_a_quick_time_button(bot, emu, language, typed, button, start):
    person, _ = await at_start_question(emu, bot, language=language)
    question = await answer(person, typed)
    await person.press(question, button)
    end_prompt = await person.expect_edit(question)
    assert start in end_prompt.text
    assert "Step 3 of 3" in end_prompt.text or "Шаг 3 из 3" in end_prompt.text


async def test_today_offers_only_the_times_still_ahead(bot, emu):
    anna, _ = await at_start_question(emu, bot)  # 15:00 in Moscow
    question = await answer(anna, "today")
    assert question.text.startswith("🗓 Wed 25 Nov — at what time?")
    assert question.button_texts() == ["17:00", "🗓 Another day", "✖️ Cancel"]
    # A time already past on that day is explained, and the question stays open.
    refused = await answer(anna, "10:00")
    assert "already passed" in refused.text
    assert "17:00" in refused.button_texts()
    end_prompt = await answer(anna, "18:30")
    assert "Start: Wed 25 Nov 2026, 18:30 Moscow time (UTC+3)" in end_prompt.text


async def test_a_quick_time_that_has_passed_meanwhile_is_refused(bot, emu, clock):
    anna, _ = await at_start_question(emu, bot)
    question = await answer(anna, "today")
    clock.set(utc(2026, 11, 25, 14, 30))  # 17:30 in Moscow: the 17:00 button is stale
    await anna.press(question, "17:00")
    refused = await anna.expect_message()
    assert "already passed" in refused.text
    assert refused.button_texts() == ["🗓 Another day", "✖️ Cancel"]
    end_prompt = await answer(anna, "20:00")
    assert "Start: Wed 25 Nov 2026, 20:00 Moscow time (UTC+3)" in end_prompt.text


async def test_bad_input_keeps_the_time_question_open(bot, emu):
    anna, _ = await at_start_question(emu, bot)
    question = await answer(anna, "friday")
    for typed in ("someday", "25:00", "<b>x</b>"):
        refused = await answer(anna, typed)
        assert f"could not understand “{typed}” as a time" in refused.text
        assert refused.button_texts() == [*QUICK, "🗓 Another day", "✖️ Cancel"]
    await anna.send_sticker()
    assert "text message" in (await anna.expect_message()).text
    # Still Friday's question: a quick time of the first message still answers it.
    await anna.press(question, "10:00")
    assert "Start: Fri 27 Nov 2026, 10:00" in (await anna.expect_edit(question)).text


async def test_another_day_at_the_time_question(bot, emu):
    anna, _ = await at_start_question(emu, bot)
    await answer(anna, "friday")
    # Typing a different day asks again, for that day.
    question = await answer(anna, "saturday")
    assert question.text.startswith("🗓 Sat 28 Nov — at what time?")
    # The button goes back to the start question.
    await anna.press(question, "🗓 Another day")
    start_prompt = await anna.expect_edit(question)
    assert "Step 2 of 3" in start_prompt.text
    end_prompt = await answer(anna, "tomorrow 10:00")
    assert "Start: Thu 26 Nov 2026, 10:00" in end_prompt.text


async def test_cancel_on_the_time_question_leaves_nothing(bot, emu):
    anna, _ = await at_start_question(emu, bot)
    question = await answer(anna, "friday")
    await anna.press(question, "✖️ Cancel")
    discard = await anna.expect_edit(question)
    assert "Discard this draft?" in discard.text
    await anna.press(discard, "🗑 Discard")
    assert "nothing was scheduled" in (await anna.expect_edit(question)).text
    # The form is gone: a time now is not an answer, and old buttons are stale.
    await anna.send("15:00")
    assert "did not understand" in (await anna.expect_message()).text
    await anna.press_data(question, "form:qt:15")
    assert "out of date" in (await anna.expect_callback_answer()).text
    # /cancel on the time question, too.
    bea, _ = await at_start_question(emu, bot, name="Bea")
    await answer(bea, "в пятницу")
    await bea.send("/cancel")
    discard = await bea.expect_message()
    await bea.press(discard, "🗑 Discard")
    assert "nothing was scheduled" in (await bea.expect_edit(discard)).text
    assert await stored(bot, anna.id) == [] and await stored(bot, bea.id) == []


async def test_forged_quick_times_change_nothing(bot, emu):
    anna, start_prompt = await at_start_question(emu, bot)
    # No day asked about yet: a quick time is out of date.
    await anna.press_data(start_prompt, "form:qt:10")
    assert "out of date" in (await anna.expect_callback_answer()).text
    question = await answer(anna, "friday")
    for data in ("form:qt:11", "form:qt:x", "form:qt:99999", "form:qt"):
        await anna.press_data(question, data)
        assert "out of date" in (await anna.expect_callback_answer()).text
    # The question is still open.
    end_prompt = await answer(anna, "15:00")
    assert "Start: Fri 27 Nov 2026, 15:00" in end_prompt.text


async def test_the_time_question_survives_a_restart(bot, emu):
    anna, _ = await at_start_question(emu, bot)
    await answer(anna, "friday")
    await bot.restart()
    end_prompt = await answer(anna, "15:00")
    assert "Start: Fri 27 Nov 2026, 15:00" in end_prompt.text


async def test_a_new_day_when_editing_keeps_the_length(bot, emu):
    anna, _ = await at_start_question(emu, bot)
    await answer(anna, "tomorrow 15:00")
    review = await answer(anna, "90 min")
    await anna.press(review, "Start")
    await anna.expect_edit(review)
    question = await answer(anna, "friday")
    # Editing: Back returns to the review card instead of Cancel.
    assert question.button_texts() == [*QUICK, "🗓 Another day", "⬅️ Back"]
    review = await answer(anna, "10:00")
    assert "Start: Fri 27 Nov 2026, 10:00" in review.text
    assert "End: Fri 27 Nov 2026, 11:30" in review.text
    # Back from the time question: the review card, and the day is forgotten.
    await anna.press(review, "Start")
    await anna.expect_edit(review)
    question = await answer(anna, "saturday")
    await anna.press(question, "⬅️ Back")
    review = await anna.expect_edit(question)
    assert "Start: Fri 27 Nov 2026, 10:00" in review.text
    await anna.press(review, "Allow joining")
    assert "New conference: is everything right?" in (await anna.expect_edit(review)).text


# -- past days and yesterday ----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "explains"),
    [
        ("ru", "вчера в 10", "уже прошло"),
        ("ru", "вчера в 10:00", "уже прошло"),
        ("ru", "позавчера в 9", "уже прошло"),
        ("ru", "вчера", "уже прошло"),
        ("en", "yesterday at 10", "already passed"),
        ("en", "yesterday", "already passed"),
        ("en", "2026-11-20", "already passed"),
    ],
)
async def test_yesterday_is_already_passed(bot, emu, language, typed, explains):
    person, _ = await at_start_question(emu, bot, language=language)
    refused = await answer(person, typed)
    assert explains in refused.text
    # The start question is still open.
    end_prompt = await answer(person, "завтра в 10" if language == "ru" else "tomorrow 10:00")
    assert "Шаг 3 из 3" in end_prompt.text or "Step 3 of 3" in end_prompt.text


async def test_yesterday_at_the_time_question_is_already_passed(bot, emu):
    ivan, _ = await at_start_question(emu, bot, name="Иван", language="ru")
    await answer(ivan, "в пятницу")
    refused = await answer(ivan, "вчера")
    assert "уже прошло" in refused.text
    end_prompt = await answer(ivan, "в 15")
    assert "Начало: пт, 27 нояб. 2026 г., 15:00" in end_prompt.text


# -- a start and an end in one answer -------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "start", "end"),
    [
        ("en", "tomorrow 15:00-16:00", "Thu 26 Nov 2026, 15:00", "Thu 26 Nov 2026, 16:00"),
        ("en", "tomorrow 15:00–16:30", "Thu 26 Nov 2026, 15:00", "Thu 26 Nov 2026, 16:30"),
        ("en", "friday 10am to 11:30am", "Fri 27 Nov 2026, 10:00", "Fri 27 Nov 2026, 11:30"),
        ("en", "15:30-16:00", "Wed 25 Nov 2026, 15:30", "Wed 25 Nov 2026, 16:00"),
        ("ru", "завтра с 15 до 16", "чт, 26 нояб. 2026 г., 15:00", "чт, 26 нояб. 2026 г., 16:00"),
        ("ru", "завтра 15:00-16:00", "чт, 26 нояб. 2026 г., 15:00", "чт, 26 нояб. 2026 г., 16:00"),
    ],
)
async def test_a_range_fills_start_and_end(bot, emu, language, typed, start, end):
    person, _ = await at_start_question(emu, bot, language=language)
    review = await answer(person, typed)
    starts, ends = ("Start", "End") if language == "en" else ("Начало", "Окончание")
    zone = "Moscow time (UTC+3)" if language == "en" else "московское время (UTC+3)"
    sep = " " if language == "en" else ", "
    assert f"🕒 {starts}: {start}{sep}{zone}\n🕓 {ends}: {end}{sep}{zone}" in review.text
    assert (
        "New conference: is everything right?" in review.text
        or "Новая конференция: всё верно?" in review.text
    )
    await person.press(review, "✅ Schedule" if language == "en" else "✅ Запланировать")
    await person.expect_edit(review)
    [conference] = await stored(bot, person.id)
    assert conference.ends_at > conference.starts_at


async def test_a_range_at_the_time_question(bot, emu):
    anna, _ = await at_start_question(emu, bot)
    question = await answer(anna, "friday")
    review = await answer(anna, "10:00-11:30")
    assert "Start: Fri 27 Nov 2026, 10:00" in review.text
    assert "End: Fri 27 Nov 2026, 11:30" in review.text
    assert "New conference: is everything right?" in review.text
    await anna.press(question, "12:00")  # the old question's buttons are stale now
    assert "out of date" in (await anna.expect_callback_answer()).text


@pytest.mark.parametrize(
    ("typed", "explains"),
    [
        ("tomorrow 16:00-15:00", "The end must be after the start"),
        ("today 16:00 - tomorrow 18:00", "at most 24 hours"),
    ],
)
async def test_a_range_with_a_bad_end_keeps_the_start_and_asks_for_the_end(
    bot, emu, typed, explains
):
    anna, _ = await at_start_question(emu, bot)
    end_prompt = await answer(anna, typed)
    assert "🕒 Start: " in end_prompt.text
    assert explains in end_prompt.text
    assert "Step 3 of 3" in end_prompt.text
    review = await answer(anna, "1h")
    assert "New conference: is everything right?" in review.text


async def test_a_range_starting_in_the_past_is_refused_whole(bot, emu):
    anna, _ = await at_start_question(emu, bot)
    refused = await answer(anna, "today 10:00-11:00")
    assert "already passed" in refused.text
    # Still the start question: a day now asks for its time.
    assert "Thu 3 Dec — at what time?" in (await answer(anna, "Dec 3")).text


# -- the echo says the date plainly ---------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "shown"),
    [
        ("en", "3/4 10:00", "Start: Thu 4 Mar 2027, 10:00 Moscow time (UTC+3)"),  # month/day
        ("ru", "3/4 10:00", "Начало: сб, 3 апр. 2027 г., 10:00, московское время"),  # day/month
        ("en", "25.12 10:30", "Start: Fri 25 Dec 2026, 10:30 Moscow time (UTC+3)"),
        ("ru", "25.12 10:30", "Начало: пт, 25 дек. 2026 г., 10:30, московское время (UTC+3)"),
        ("en", "2026-12-03 10:00", "Start: Thu 3 Dec 2026, 10:00 Moscow time (UTC+3)"),
        ("en", "2026-12-03T10:00", "Start: Thu 3 Dec 2026, 10:00 Moscow time (UTC+3)"),
    ],
)
async def test_the_echo_spells_out_weekday_and_month(bot, emu, language, typed, shown):
    person, _ = await at_start_question(emu, bot, language=language)
    assert shown in (await answer(person, typed)).text


# -- zone abbreviations ---------------------------------------------------------------


async def test_est_after_a_time_in_july_is_daylight_time(bot, emu, clock):
    clock.set(utc(2026, 7, 15, 6))
    anna, _ = await at_start_question(emu, bot, zone="UTC")
    end_prompt = await answer(anna, "tomorrow 10:00 EST")
    assert "Start: Thu 16 Jul 2026, 14:00 UTC" in end_prompt.text  # EDT: UTC-4


async def test_est_typed_as_ones_zone_stores_new_york(bot, emu):
    anna = emu.user("Anna")
    await anna.send("/profile")
    card = await anna.expect_message()
    await anna.press(card, "Time zone")
    await anna.expect_edit(card)
    await anna.send("EST")
    card = await anna.expect_message()
    assert "Time zone: New York (UTC-5)" in card.text
    await anna.press(card, "💾 Save")
    await anna.expect_edit(card)
    assert (await bot.services.users.get(anna.id)).timezone == "America/New_York"


# -- the password rule, said up front -------------------------------------------------


async def test_the_password_prompt_says_the_whole_rule_in_russian(bot, emu):
    ivan, _ = await at_start_question(emu, bot, name="Иван", language="ru")
    await answer(ivan, "завтра в 15")
    review = await answer(ivan, "1 ч")
    await ivan.press(review, "🔑 Пароль")
    prompt = await ivan.expect_edit(review)
    rule = "от 4 до 32 латинских букв, цифр или знаков, например - _ ! ., без пробелов"
    assert rule in prompt.text
    refused = await answer(ivan, "пароль1")
    assert rule in refused.text
    review = await answer(ivan, "parol-1")
    assert "Пароль: parol-1" in review.text


# -- whole minutes --------------------------------------------------------------------


async def test_a_start_typed_as_now_is_stored_in_whole_minutes(bot, emu, clock):
    clock.set(utc(2026, 11, 25, 16, 53, 41))
    anna, _ = await at_start_question(emu, bot)
    await answer(anna, "now")
    review = await answer(anna, "30")
    await anna.press(review, "✅ Schedule")
    await anna.expect_edit(review)
    [conference] = await stored(bot, anna.id)
    assert conference.starts_at == utc(2026, 11, 25, 16, 53).timestamp()
    assert conference.ends_at == utc(2026, 11, 25, 17, 23).timestamp()


async def test_start_now_and_an_edit_store_whole_minutes(bot, emu, clock):
    clock.set(utc(2026, 11, 25, 16, 53, 41))
    anna = emu.user("Anna")
    await anna.send("/start")
    await anna.expect_message()
    conferences: ConferenceService = bot.services.conferences
    started = await conferences.start_now(anna.id, "Ad hoc")
    assert started.starts_at == utc(2026, 11, 25, 16, 53).timestamp()
    assert started.ends_at == utc(2026, 11, 25, 17, 23).timestamp()
    edited = await conferences.edit(
        anna.id, started.id, ends_at=int(utc(2026, 11, 25, 16, 56, 59).timestamp())
    )
    assert edited.ends_at == utc(2026, 11, 25, 16, 56).timestamp()
    record = await ConferenceRepository(bot.services.database).get(started.id)
    assert record is not None and record.starts_at % 60 == 0 and record.ends_at % 60 == 0


async def test_repeat_of_a_short_ad_hoc_conference_keeps_its_whole_minutes(bot, emu, clock):
    # 19:53:41 in Moscow: "Start conference now", then ended at 19:56 through Edit.
    clock.set(utc(2026, 11, 25, 16, 53, 41))
    anna, menu = await person(emu)
    await bot.update_profile(anna.id, timezone="Europe/Moscow")
    started = await bot.services.conferences.start_now(anna.id, "Quick call")
    card = await open_card(anna, menu, row="Quick call")
    await anna.press(card, "✏️ Edit")
    review = await anna.expect_edit(card)
    await anna.press(review, "🕓 End")
    await anna.expect_edit(review)
    review = await answer(anna, "19:56")
    await anna.press(review, "💾 Save")
    await anna.expect_edit(review)
    # The next day it is in the archive; Repeat it tomorrow at 11:00.
    clock.set(utc(2026, 11, 26, 12))
    menu = await answer(anna, "/start")
    card = await open_card(anna, menu, row="Quick call", archive=True)
    await anna.press(card, "🔁 Repeat")
    await anna.expect_edit(card)
    review = await answer(anna, "tomorrow 11:00")
    assert "Start: Fri 27 Nov 2026, 11:00 Moscow time (UTC+3)" in review.text
    assert "End: Fri 27 Nov 2026, 11:03 Moscow time (UTC+3)" in review.text  # 3 minutes, as before
    await anna.press(review, "✅ Schedule")
    await anna.expect_edit(review)
    repeated = await ConferenceRepository(bot.services.database).get(started.id)
    assert repeated is not None
    assert repeated.ends_at - repeated.starts_at == 3 * 60


async def test_repeat_of_a_legacy_row_with_seconds_keeps_the_length_it_showed(bot, emu, clock):
    # Stored by an earlier version: 16:53:41-16:56:00 UTC, shown as 19:53-19:56 in Moscow.
    clock.set(utc(2026, 11, 25, 16, 53, 41))
    anna, _ = await person(emu)
    started = await bot.services.conferences.start_now(anna.id, "Legacy call")
    await bot.services.database.execute(
        "UPDATE conferences SET starts_at = :value, ends_at = :value2 WHERE id = :id",
        {
            "value": int(utc(2026, 11, 25, 16, 53, 41).timestamp()),
            "value2": int(utc(2026, 11, 25, 16, 56).timestamp()),
            "id": started.id,
        },
    )
    clock.set(utc(2026, 11, 26, 12))
    archived = await bot.services.conferences.owned(anna.id, started.id)
    draft = bot.services.conferences.repeat_draft(archived)
    assert draft.repeat_length == 3 * 60

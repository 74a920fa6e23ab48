"""The time zone asked once: at a newcomer's first schedule, "Start conference now" or
conference card (also through a shared link), answered by a button, a typed city or a
shared location, and then never again; what the person was doing goes on after it.

The clock stands at Wed 25 Nov 2026, 12:00 UTC (tests/e2e.py).
"""

import pytest

from storage.users import UserRepository
from tests.handlers.test_conference_log import add_conferences, person

QUESTION = "Your time zone is UTC: is that right?"


@pytest.fixture
def bot_settings():
    return {"ASK_TIMEZONE": "on"}


async def confirmed(bot, user):
    return (await bot.services.users.get(user.id)).timezone_confirmed


async def test_first_schedule_asks_and_yes_goes_on_to_the_form(bot, emu):
    anna, menu = await person(emu)
    await anna.press(menu, "Schedule conference")
    question = await anna.expect_message()
    assert QUESTION in question.text and "It is 12:00 there now" in question.text
    assert question.button_texts() == [
        "✅ Yes, UTC",
        "London (UTC+0)",
        "New York (UTC-5)",
        "Berlin (UTC+1)",
        "Chicago (UTC-6)",
        "📍 Share location",
        "✖️ Cancel",
    ]
    assert not await confirmed(bot, anna)
    await anna.press(question, "✅ Yes, UTC")
    assert "Time zone confirmed: UTC" in (await anna.expect_edit(question)).text
    form = await anna.expect_message()
    assert "Step 1 of 3" in form.text
    assert await confirmed(bot, anna)
    # The form works on as usual; the next schedule asks nothing.
    await anna.send("/cancel")
    await anna.expect_message()
    await anna.send("/schedule")
    assert "Step 1 of 3" in (await anna.expect_message()).text


async def test_a_typed_city_answers_in_russian_and_a_wrong_one_is_explained(bot, emu):
    ivan, menu = await person(emu, "Иван", "ru")
    await ivan.press(menu, "Запланировать конференцию")
    question = await ivan.expect_message()
    assert "Ваш часовой пояс — UTC, верно?" in question.text
    assert question.button_texts()[:5] == [
        "✅ Да, UTC",
        "московское время (UTC+3)",
        "Екатеринбург (UTC+5)",
        "Новосибирск (UTC+7)",
        "Калининград (UTC+2)",
    ]
    await ivan.send("Атлантида")
    again = await ivan.expect_message()
    assert "Я не знаю часового пояса «Атлантида»" in again.text
    assert "Ваш часовой пояс — UTC, верно?" in again.text and again.buttons
    await ivan.send("Екатеринбург")
    assert "Теперь ваш часовой пояс — Екатеринбург (UTC+5)" in (await ivan.expect_message()).text
    assert "Шаг 1 из 3" in (await ivan.expect_message()).text
    user = await bot.services.users.get(ivan.id)
    assert (user.timezone, user.timezone_confirmed) == ("Asia/Yekaterinburg", True)
    # The form goes on in the zone just chosen.
    await ivan.send("Планёрка")
    prompt = await ivan.expect_message()
    assert "Екатеринбург (UTC+5)" in prompt.text


async def test_a_shared_location_sets_the_zone_and_the_keyboard_goes_away(bot, emu):
    anna, menu = await person(emu)
    await anna.press(menu, "Schedule conference")
    question = await anna.expect_message()
    await anna.press(question, "📍 Share location")
    prompt = await anna.expect_message()
    assert "Send my location" in prompt.text and "only the time zone" in prompt.text
    assert prompt.keyboard == (("📍 Send my location",),)
    await anna.share_location(52.52, 13.405)  # Berlin
    answer = await anna.expect_message()
    assert "Your time zone is now Berlin (UTC+1)" in answer.text
    assert anna.reply_keyboard() is None
    assert "Step 1 of 3" in (await anna.expect_message()).text
    assert (await bot.services.users.get(anna.id)).timezone == "Europe/Berlin"


async def test_a_location_at_sea_is_an_offset_and_one_off_the_map_is_refused(bot, emu):
    anna, menu = await person(emu)
    await anna.press(menu, "Schedule conference")
    question = await anna.expect_message()
    await anna.press(question, "📍 Share location")
    await anna.expect_message()
    await anna.send_location(0.0, 200.0)  # no such longitude: forged
    refused = await anna.expect_message()
    assert "could not find a time zone for that place" in refused.text
    assert QUESTION in refused.text
    await anna.send_location(0.0, -30.0)  # the middle of the Atlantic
    assert "Your time zone is now UTC-2" in (await anna.expect_message()).text


async def test_deep_link_arrival_is_asked_before_the_card(bot, emu):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, timezone="Europe/Moscow")
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Design review")
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    token = await bot.services.sharing.share_token(conference)

    boris = emu.user("Борис", language_code="ru")
    await boris.send(f"/start {token}")
    question = await boris.expect_message()
    assert "Ваш часовой пояс — UTC, верно?" in question.text
    # Not a participant until the card shows.
    assert await bot.services.sharing.participants(conference_id) == []
    await boris.press(question, "Екатеринбург (UTC+5)")
    assert "Екатеринбург (UTC+5)" in (await boris.expect_edit(question)).text
    card = await boris.expect_message()
    assert "Design review" in card.text
    assert "ср, 25 нояб. 2026 г., 20:00, Екатеринбург (UTC+5)" in card.text
    assert [p.chat_id for p in await bot.services.sharing.participants(conference_id)] == [boris.id]


async def test_first_card_from_the_log_cancel_keeps_the_zone_and_shows_the_card(bot, emu):
    anna, _ = await person(emu)
    await add_conferences(bot, anna.id, [3])
    await anna.send("/log")
    log = await anna.expect_message()
    await anna.press(log, "Meeting 1")
    question = await anna.expect_message()
    assert QUESTION in question.text
    await anna.press(question, "✖️ Cancel")
    assert "stays UTC" in (await anna.expect_edit(question)).text
    card = await anna.expect_message()
    assert "Meeting 1" in card.text and "Wed 25 Nov 2026, 15:00 UTC" in card.text
    assert await confirmed(bot, anna)
    # The next card opens in place, unasked.
    await anna.press(log, "Meeting 1")
    assert "Meeting 1" in (await anna.expect_edit(log)).text


async def test_start_now_asks_first_and_slash_cancel_counts_as_an_answer(bot, emu):
    anna, _ = await person(emu)
    await anna.send("/now Quick sync")
    question = await anna.expect_message()
    assert QUESTION in question.text
    await anna.send("/cancel")
    assert "stays UTC" in (await anna.expect_message()).text
    card = await anna.expect_message()
    assert "Your conference has started" in card.text and "Quick sync" in card.text
    await anna.send("/now")
    assert "Your conference has started" in (await anna.expect_message()).text


async def test_leaving_the_question_drops_what_waited_and_asks_again_next_time(bot, emu):
    anna, menu = await person(emu)
    await anna.press(menu, "Schedule conference")
    question = await anna.expect_message()
    await anna.send("/help")  # goes elsewhere: not an answer
    assert "/schedule" in (await anna.expect_message()).text
    await anna.expect_no_message()  # the schedule that waited is dropped
    assert not await confirmed(bot, anna)
    await anna.press(question, "✅ Yes, UTC")  # the old question is over
    assert (await anna.expect_callback_answer()).text.startswith("This button is out of date")
    await anna.send("/schedule")
    assert QUESTION in (await anna.expect_message()).text


async def test_forged_zone_presses_change_nothing(bot, emu):
    anna, menu = await person(emu)
    await anna.press(menu, "Schedule conference")
    question = await anna.expect_message()
    for forged in ("zone:pick:999", "zone:pick:-1", "zone:pick:x", "zone:drop"):
        await anna.press_data(question, forged)
        answer = await anna.expect_callback_answer()
        assert answer.text.startswith("This button is out of date")
    assert (await bot.services.users.get(anna.id)).timezone == "UTC"
    assert not await confirmed(bot, anna)
    await anna.send("Berlin")  # still asked
    assert "Berlin (UTC+1)" in (await anna.expect_message()).text


async def test_a_sticker_while_asked_is_explained(bot, emu):
    anna, menu = await person(emu)
    await anna.press(menu, "Schedule conference")
    await anna.expect_message()
    await anna.send_sticker()
    assert "type your city" in (await anna.expect_message()).text
    await anna.expect_no_message()  # nothing else answers it


async def test_the_question_survives_a_restart(bot, emu):
    anna, menu = await person(emu)
    await anna.press(menu, "Schedule conference")
    question = await anna.expect_message()
    await bot.restart()
    await anna.press(question, "Berlin (UTC+1)")
    assert "Berlin (UTC+1)" in (await anna.expect_edit(question)).text
    assert "Step 1 of 3" in (await anna.expect_message()).text


async def test_a_zone_chosen_in_personal_information_counts(bot, emu):
    anna, _ = await person(emu)
    await anna.send("/profile")
    card = await anna.expect_message()
    await anna.press(card, "Time zone")
    await anna.expect_edit(card)
    await anna.send("Berlin")
    card = await anna.expect_message()
    await anna.press(card, "💾 Save")
    await anna.expect_edit(card)
    assert await confirmed(bot, anna)
    await anna.send("/schedule")
    assert "Step 1 of 3" in (await anna.expect_message()).text


@pytest.mark.parametrize(
    ("zone", "asked"),
    [("UTC", True), ("Europe/Moscow", False)],
)
async def test_people_from_before_the_question_are_asked_only_with_the_default_zone(
    bot, emu, zone, asked
):
    anna, _ = await person(emu)
    # As migration 14 leaves a person registered earlier: NULL, whatever their zone.
    await bot.services.database.execute(
        "UPDATE users SET timezone = :zone, timezone_confirmed = NULL WHERE id = :id",
        {"zone": zone, "id": anna.id},
    )
    assert (await UserRepository(bot.services.database).get(anna.id)).timezone_confirmed is None
    await anna.send("/schedule")
    first = (await anna.expect_message()).text
    assert (QUESTION in first) is asked
    assert ("Step 1 of 3" in first) is not asked


async def test_groups_get_no_question(bot, emu):
    anna, _ = await person(emu)
    group = emu.group("Team", members=[anna])
    await anna.send("/schedule", chat=group)
    hint = await anna.expect_message(chat=group)
    assert "private chat" in hint.text and QUESTION not in hint.text

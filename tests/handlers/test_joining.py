"""Join (F6): remembered and typed names, refused while offline, the owner-absence rule
with two waiting participants; reminders (fired by the real job at a controlled clock,
exactly once across a restart); Download software."""

import asyncio
from datetime import timedelta

import pytest

from tests.handlers.test_conference_log import add_conferences, open_first, person


async def card_of(user):
    await user.send("/log")
    log = await user.expect_message()
    return await open_first(user, log)


async def participant(emu, bot, owner_id, conference_id, name, language="en"):
    user, _ = await person(emu, name, language)
    conference = await bot.services.conferences.owned(owner_id, conference_id)
    await user.send(f"/start {await bot.services.sharing.share_token(conference)}")
    return user, await user.expect_message()


async def test_join_with_a_remembered_name(bot, emu):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, remember_name=True, display_name="Anna (laptop)")
    [conference_id] = await add_conferences(bot, anna.id, [0])
    card = await card_of(anna)
    await anna.press(card, "▶️ Join")
    link = await anna.expect_message()
    # Jitsi without tokens gives no moderator right: the text does not promise one.
    assert "as Anna (laptop)" in link.text and "moderator" not in link.text
    url = link.buttons[0][0].url
    assert url.startswith("https://meet.jit.si/code00001")
    assert "displayName" in url and "Anna%20%28laptop%29" in url
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    assert conference.owner_joined_at == bot.clock.timestamp()


async def test_join_with_a_typed_name_and_remember_it(bot, emu):
    anna, _ = await person(emu)
    await add_conferences(bot, anna.id, [0])
    card = await card_of(anna)
    await anna.press(card, "▶️ Join")
    ask = await anna.expect_message()
    assert "Under which name" in ask.text
    await anna.send("x" * 65)
    assert "1 to 64 characters" in (await anna.expect_message()).text
    await anna.send_sticker()
    assert "text message" in (await anna.expect_message()).text
    await anna.send("Анна Петрова")
    link = await anna.expect_message()
    assert "as Анна Петрова" in link.text
    await anna.press(link, "Remember this name")
    assert "next time without asking" in (await anna.expect_message()).text
    user = await bot.services.users.get(anna.id)
    assert user.remember_name and user.display_name == "Анна Петрова"
    await anna.press(card, "▶️ Join")
    assert "as Анна Петрова" in (await anna.expect_message()).text


async def test_join_refused_while_offline_with_the_reminder(bot, emu):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, timezone="Europe/Moscow")
    await add_conferences(bot, anna.id, [3])
    card = await card_of(anna)
    await anna.press(card, "▶️ Join")
    reply = await anna.expect_message()
    assert "starts Wed 25 Nov 2026, 18:00 Moscow time (UTC+3)" in reply.text
    assert "You can join from 17:50" in reply.text
    assert "remind you 10 minutes before" in reply.text
    await bot.update_profile(anna.id, reminder_minutes=0)
    await anna.press(card, "▶️ Join")
    reply = await anna.expect_message()
    assert "reminders are off" in reply.text
    await anna.press(reply, "Remind me 10 min before")
    assert "Reminders are on" in (await anna.expect_message()).text
    assert (await bot.services.users.get(anna.id)).reminder_minutes is None


async def test_owner_absence_rule_with_two_waiting_participants(bot, emu):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, remember_name=True)
    [conference_id] = await add_conferences(bot, anna.id, [0], topic="Board")
    await bot.services.conferences.edit(anna.id, conference_id, allow_without_owner=False)
    boris, boris_card = await participant(emu, bot, anna.id, conference_id, "Boris", "ru")
    carol, carol_card = await participant(emu, bot, anna.id, conference_id, "Carol")
    await bot.update_profile(boris.id, remember_name=True, display_name="Борис")
    await boris.press(boris_card, "Подключиться")
    assert "ещё не подключился" in (await boris.expect_message()).text
    await carol.press(carol_card, "Join")
    await carol.expect_message()  # asks for her name
    await carol.send("Carol C")
    assert "has not joined yet" in (await carol.expect_message()).text

    card = await card_of(anna)
    await anna.press(card, "▶️ Join")
    await anna.expect_message()
    boris_link = await boris.expect_message()
    carol_link = await carol.expect_message()
    assert "Владелец подключился" in boris_link.text and "Борис" in boris_link.text
    assert "The owner has joined" in carol_link.text
    assert "Carol%20C" in carol_link.buttons[0][0].url
    # Once the owner is in, participants join at once.
    await carol.press(carol_card, "Join")
    await carol.expect_message()
    await carol.send("Carol C")
    assert "Join “Board” as" in (await carol.expect_message()).text


async def test_join_is_refused_for_strangers_and_forged_data(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [0])
    eve, eve_menu = await person(emu, "Eve")
    for data in (f"part:join:{conference_id}", f"conf:join:{conference_id}", "part:join:x"):
        await eve.press_data(eve_menu, data)
        assert (await eve.expect_callback_answer()).text == "This conference no longer exists."
    await eve.expect_no_message(within=0.2)


async def test_download_software_in_both_languages(bot, emu):
    anna, menu = await person(emu)
    await anna.press(menu, "💻 Download software")
    screen = await anna.expect_edit(menu)
    assert "Jitsi Meet" in screen.text
    labels = {b.text: b.url for row in screen.buttons for b in row if b.url}
    assert set(labels) == {
        "Windows",
        "macOS",
        "Linux",
        "Android",
        "iPhone and iPad (iOS)",
        "In the browser",
    }
    assert (
        "play.google.com" in labels["Android"] and labels["In the browser"] == "https://meet.jit.si"
    )
    ivan, _ = await person(emu, "Иван", "ru")
    await ivan.send("/download")
    screen = await ivan.expect_message()
    assert "Скачать программу" in screen.text and "В браузере" in screen.button_texts()


async def test_profile_reminder_choice_cycles(bot, emu):
    anna, _ = await person(emu)
    await anna.send("/profile")
    card = await anna.expect_message()
    assert "Reminders: 10 min before" in card.text
    await anna.press(card, "🔔 Reminders")
    card = await anna.expect_edit(card)
    assert "Reminders: 15 min before" in card.text
    await anna.press(card, "💾 Save")
    await anna.expect_edit(card)
    assert (await bot.services.users.get(anna.id)).reminder_minutes == 15


class TestRemindersFromTheRealJob:
    @pytest.fixture
    def bot_settings(self):
        return {"REMINDER_CHECK_SECONDS": "1"}

    async def test_reminders_fire_once_even_across_a_restart(self, bot, emu):
        anna, _ = await person(emu)
        [conference_id] = await add_conferences(bot, anna.id, [1], topic="Retro")
        boris, _ = await participant(emu, bot, anna.id, conference_id, "Boris", "ru")
        await bot.update_profile(boris.id, reminder_minutes=30)
        # 12:00 now, the start at 13:00: nothing is due yet.
        await anna.expect_no_message(within=1.5)
        bot.clock.advance(timedelta(minutes=31))  # 12:31: Boris (30 min) is due
        reminder = await boris.expect_message(timeout=5)
        assert "«Retro» начнётся" in reminder.text
        assert reminder.buttons[0][0].callback_data == f"part:join:{conference_id}"
        await bot.restart()
        bot.clock.advance(timedelta(minutes=20))  # 12:51: Anna (10 min) is due, Boris done
        owner_reminder = await anna.expect_message(timeout=5)
        assert "Your conference “Retro” starts" in owner_reminder.text
        await bot.restart()
        await asyncio.sleep(1.5)  # a job run after another restart sends nothing again
        await anna.expect_no_message(within=0.5)
        await boris.expect_no_message(within=0.1)
        await boris.press(reminder, "Подключиться")
        assert "Под каким именем" in (await boris.expect_message()).text


# --- Joining with fewer steps: one-tap names, "Remember this name" used once ---------------

STALE = "This button is out of date. Please use the latest message or /start."


async def test_a_tap_on_a_name_joins_at_once_and_remember_goes_after_use(bot, emu):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, full_name="Anna Petrova", display_name="Anna (laptop)")
    [conference_id] = await add_conferences(bot, anna.id, [0], topic="Retro")
    card = await card_of(anna)
    await anna.press(card, "▶️ Join")
    ask = await anna.expect_message()
    assert "Tap a name below, or send another" in ask.text
    assert ask.button_texts() == ["💾 Anna (laptop)", "👤 Anna Petrova", "✖️ Cancel"]
    # The buttons carry which name and the conference, never the name.
    assert [b.callback_data for b in ask.all_buttons()[:2]] == [
        f"jn:name:remembered:{conference_id}",
        f"jn:name:telegram:{conference_id}",
    ]

    await anna.press(ask, "👤 Anna Petrova")
    assert not (await anna.expect_edit(ask)).buttons  # the question is answered
    link = await anna.expect_message()
    assert "Join “Retro” as Anna Petrova" in link.text
    assert "%22Anna%20Petrova%22" in link.buttons[0][0].url
    assert link.button_texts() == ["▶️ Open the conference", "💾 Remember this name"]

    await anna.press(link, "💾 Remember this name")
    assert (await anna.expect_callback_answer()).text == "✅ Remembered"
    kept = await anna.expect_edit(link)
    assert kept.button_texts() == ["▶️ Open the conference"] and kept.text == link.text
    assert "next time without asking" in (await anna.expect_message()).text
    user = await bot.services.users.get(anna.id)
    # The profile name is her name for joining: no second name is stored for it.
    assert user.remember_name and user.display_name is None
    # A replayed press of the gone button changes nothing.
    await bot.update_profile(anna.id, remember_name=False)
    await anna.press_data(link, "jn:remember")
    assert (await anna.expect_callback_answer()).text == STALE
    assert not (await bot.services.users.get(anna.id)).remember_name
    await anna.expect_no_message(within=0.2)


async def test_the_name_for_joining_joins_in_one_tap(bot, emu):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, full_name="Anna Petrova", display_name="Anna (laptop)")
    await add_conferences(bot, anna.id, [0], topic="Retro")
    card = await card_of(anna)
    await anna.press(card, "▶️ Join")
    ask = await anna.expect_message()
    await anna.press(ask, "💾 Anna (laptop)")
    await anna.expect_edit(ask)
    link = await anna.expect_message()
    assert "as Anna (laptop)" in link.text and "Anna%20%28laptop%29" in link.buttons[0][0].url


async def test_forged_and_stale_name_buttons_get_a_polite_answer(bot, emu):
    anna, _ = await person(emu)
    [first, second] = await add_conferences(bot, anna.id, [0, 0.1], topic="Call {n}")
    card = await card_of(anna)
    await anna.press(card, "▶️ Join")
    ask = await anna.expect_message()
    assert ask.button_texts() == ["👤 Anna", "✖️ Cancel"]
    for data in (
        f"jn:name:admin:{first}",  # no such choice
        f"jn:name:remembered:{first}",  # she has no other name for joining
        f"jn:name:telegram:{second}",  # another conference than the one asked about
        "jn:name:telegram",
        f"jn:name:telegram:{first}:x",
    ):
        await anna.press_data(ask, data)
        assert (await anna.expect_callback_answer()).text == STALE
    await anna.expect_no_message(within=0.2)
    # Still asked: a typed name joins.
    await anna.send("Anna K")
    assert "Join “Call 1” as Anna K" in (await anna.expect_message()).text
    # After the dialog: the prompt's old button answers politely and joins nothing.
    await anna.press(ask, "👤 Anna")
    assert (await anna.expect_callback_answer()).text == STALE
    await anna.expect_no_message(within=0.2)
    # Another person's forged press on Anna's conference.
    eve, eve_menu = await person(emu, "Eve")
    await eve.press_data(eve_menu, f"jn:name:telegram:{first}")
    assert (await eve.expect_callback_answer()).text == STALE
    await eve.expect_no_message(within=0.2)


async def test_a_name_for_joining_equal_to_the_profile_name_counts_as_none(bot, emu):
    anna, _ = await person(emu)
    # Stored before: the same name twice. It is one name, shown and offered once.
    await bot.update_profile(anna.id, display_name="Anna")
    await anna.send("/profile")
    profile = await anna.expect_message()
    assert "Name for joining (if different)" not in profile.text
    await add_conferences(bot, anna.id, [0])
    card = await card_of(anna)
    await anna.press(card, "▶️ Join")
    assert (await anna.expect_message()).button_texts() == ["👤 Anna", "✖️ Cancel"]
    await anna.send("/cancel")
    await anna.expect_message()
    # Typing the profile name as the name for joining stores no second name.
    await anna.send("/profile")
    profile = await anna.expect_message()
    await anna.press(profile, "Name for joining (if different)")
    await anna.expect_edit(profile)
    await anna.send("Anna")
    profile = await anna.expect_message()
    assert "Changed in the draft" in profile.text
    assert "Name for joining (if different):" not in profile.text
    await anna.press(profile, "💾 Save")
    await anna.expect_edit(profile)
    assert (await bot.services.users.get(anna.id)).display_name is None

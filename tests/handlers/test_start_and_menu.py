"""A person meets the bot: /start, the main menu, /help, the command menu, /cancel."""

from handlers.commands import MENU_COMMANDS


async def test_start_in_english_registers_and_shows_the_menu(bot, emu):
    anna = emu.user("Anna", language_code="en")
    await anna.send("/start")
    reply = await anna.expect_message()
    assert "Hello, Anna!" in reply.text
    assert "Your time zone is UTC" in reply.text
    assert reply.button_texts() == [
        "📅 Schedule conference",
        "▶️ Start conference now",
        "🗂 Conference log",
        "👤 Personal information",
        "💻 Download software",
        "❓ Help",
    ]
    user = await bot.services.users.get(anna.id)
    assert user.full_name == "Anna" and user.language == "en"


async def test_start_in_russian_and_welcome_back(bot, emu):
    ivan = emu.user("Иван", language_code="ru")
    await ivan.send("/start")
    reply = await ivan.expect_message()
    assert "Здравствуйте, Иван!" in reply.text
    assert "📅 Запланировать конференцию" in reply.button_texts()
    await ivan.send("/start")
    assert "С возвращением, Иван!" in (await ivan.expect_message()).text


async def test_menu_help_and_back_edit_the_same_message(bot, emu):
    anna = emu.user("Anna")
    await anna.send("/start")
    menu = await anna.expect_message()
    await anna.press(menu, "❓ Help")
    help_screen = await anna.expect_edit(menu)
    assert "/profile" in help_screen.text and "/cancel" in help_screen.text
    await anna.expect_callback_answer()
    await anna.press(help_screen, "🏠 Main menu")
    home = await anna.expect_edit(menu)
    assert "Main menu" in home.text


async def test_help_command_in_both_languages(bot, emu):
    anna, ivan = emu.user("Anna"), emu.user("Иван", language_code="ru")
    await anna.send("/help")
    assert "/language: switch between English and Russian" in (await anna.expect_message()).text
    await ivan.send("/help")
    assert "/language — переключить язык" in (await ivan.expect_message()).text


async def test_command_menu_is_published_in_both_languages(bot, emu):
    english = emu.commands(language_code="")
    russian = emu.commands(language_code="ru")
    assert [name for name, _ in english] == list(MENU_COMMANDS)
    assert dict(english)["profile"] == "Personal information"
    assert dict(russian)["profile"] == "Личные данные"


async def test_cancel_without_dialog_and_unknown_input(bot, emu):
    anna = emu.user("Anna")
    await anna.send("/cancel")
    assert "nothing to cancel" in (await anna.expect_message()).text
    await anna.send("hello?")
    assert "did not understand" in (await anna.expect_message()).text
    await anna.send_sticker()
    assert "did not understand" in (await anna.expect_message()).text
    await anna.send("/nosuchcommand")
    assert "did not understand" in (await anna.expect_message()).text


async def test_forged_button_data_gets_a_polite_answer(bot, emu):
    anna = emu.user("Anna")
    await anna.send("/start")
    menu = await anna.expect_message()
    for forged in ("menu:nonsense", "zzz", "prof:save", "lang:set:xx", "menu:home:1:2:3"):
        await anna.press_data(menu, forged)
        answer = await anna.expect_callback_answer()
        assert answer.text == "This button is out of date. Please use the latest message or /start."
    assert (await bot.services.users.get(anna.id)).language == "en"

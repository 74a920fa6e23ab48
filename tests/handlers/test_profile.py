"""Personal information: view, edit every field with good and bad values, Save, Cancel,
and a restart in the middle of the dialog."""

import pytest


async def open_profile(user):
    await user.send("/profile")
    return await user.expect_message()


async def edit_field(user, card, button, typed):
    await user.press(card, button)
    await user.expect_edit(card)
    await user.send(typed)
    return await user.expect_message()


async def test_profile_card_shows_every_field(bot, emu):
    anna = emu.user("Anna")
    card = await open_profile(anna)
    for line in (
        "Name: Anna",
        "E-mail: not set",
        "Time zone: UTC",
        "Language: English",
        "Remember my name: off",
    ):
        assert line in card.text
    # One name: a name for joining is shown only when there is another one.
    assert "Name for joining" not in card.text
    assert "💾 Save" in card.button_texts()


async def test_edit_every_field_then_save(bot, emu):
    anna = emu.user("Anna")
    card = await open_profile(anna)
    card = await edit_field(anna, card, "Name", "Anna Petrova")
    assert "Name: Anna Petrova" in card.text and "not saved yet" in card.text
    card = await edit_field(anna, card, "E-mail", "Anna@Example.com")
    assert "E-mail: Anna@example.com" in card.text
    card = await edit_field(anna, card, "Time zone", "Москва")
    assert "Time zone: Moscow time (UTC+3)" in card.text
    card = await edit_field(anna, card, "Name for joining", "Anna (laptop)")
    assert "Name for joining (if different): Anna (laptop)" in card.text
    await anna.press(card, "Remember my name")
    card = await anna.expect_edit(card)
    assert "Remember my name: on" in card.text
    # Nothing is stored before Save.
    assert (await bot.services.users.get(anna.id)).email is None
    await anna.press(card, "💾 Save")
    saved = await anna.expect_edit(card)
    assert "Your personal data is saved" in saved.text
    assert "6-digit code" in saved.text  # the new address waits for its code
    user = await bot.services.users.get(anna.id)
    assert (user.full_name, user.email, user.timezone, user.display_name, user.remember_name) == (
        "Anna Petrova",
        None,
        "Europe/Moscow",
        "Anna (laptop)",
        True,
    )
    assert (await bot.services.verification.pending(anna.id)).email == "Anna@example.com"


@pytest.mark.parametrize(
    ("button", "typed", "explains"),
    [
        ("Name", "x" * 65, "1 to 64 characters"),
        ("Name", "line one\nline two", "without line breaks"),
        ("E-mail", "anna-at-example", "name@example.com"),
        ("E-mail", "anna@example.com\r\nBcc: spam@example.com", "name@example.com"),
        ("Time zone", "Atlantis", "I do not know the time zone “Atlantis”"),
        ("Time zone", "<b>Moscow</b>", "I do not know the time zone “<b>Moscow</b>”"),
        ("Name for joining", "\u202e\u200b\u2066", "1 to 64 characters"),
    ],
)
async def test_bad_values_are_explained_and_change_nothing(bot, emu, button, typed, explains):
    anna = emu.user("Anna")
    card = await open_profile(anna)
    before = await bot.services.users.get(anna.id)
    reply = await edit_field(anna, card, button, typed)
    assert explains in reply.text
    # Still waiting for that field: a good value now is accepted.
    good = {
        "Name": "Anna B",
        "E-mail": "a@example.com",
        "Time zone": "Berlin",
        "Name for joining": "AB",
    }[button]
    await anna.send(good)
    assert "Changed in the draft" in (await anna.expect_message()).text
    after = await bot.services.users.get(anna.id)
    assert after == before  # a draft is not a save


async def test_html_in_values_is_shown_literally(bot, emu):
    anna = emu.user("Anna")
    card = await open_profile(anna)
    card = await edit_field(anna, card, "Name", '<b>x</b> & <a href="y">')
    assert 'Name: <b>x</b> & <a href="y">' in card.text  # plain text as the user sees it
    assert "&lt;b&gt;x&lt;/b&gt;" in card.html


async def test_sticker_where_text_is_expected(bot, emu):
    anna = emu.user("Anna")
    card = await open_profile(anna)
    await anna.press(card, "E-mail")
    await anna.expect_edit(card)
    await anna.send_sticker()
    assert "text message" in (await anna.expect_message()).text
    await anna.send("anna@example.com")
    assert "anna@example.com" in (await anna.expect_message()).text


async def test_back_and_cancel_change_nothing(bot, emu):
    anna = emu.user("Anna")
    card = await open_profile(anna)
    card = await edit_field(anna, card, "Name", "Someone Else")
    await anna.press(card, "Time zone")
    prompt = await anna.expect_edit(card)
    await anna.press(prompt, "Back")
    card = await anna.expect_edit(card)
    assert "Name: Someone Else" in card.text
    await anna.press(card, "Cancel")
    assert "Changes discarded" in (await anna.expect_edit(card)).text
    assert (await bot.services.users.get(anna.id)).full_name == "Anna"
    # /cancel from a prompt, too.
    card = await open_profile(anna)
    await anna.press(card, "Name")
    await anna.expect_edit(card)
    await anna.send("/cancel")
    assert "Cancelled" in (await anna.expect_message()).text
    await anna.send("Typed after cancel")
    assert "did not understand" in (await anna.expect_message()).text


async def test_save_without_changes_says_so(bot, emu):
    anna = emu.user("Anna")
    card = await open_profile(anna)
    await anna.press(card, "💾 Save")
    assert "Nothing has changed" in (await anna.expect_edit(card)).text


async def test_language_switch_in_profile_changes_texts_and_command_menu(bot, emu):
    anna = emu.user("Anna", language_code="en")
    card = await open_profile(anna)
    await anna.press(card, "Language")
    picker = await anna.expect_edit(card)
    await anna.press(picker, "Русский")
    card = await anna.expect_edit(card)
    assert "Language: Русский" in card.text
    await anna.press(card, "💾 Save")
    saved = await anna.expect_edit(card)
    assert "Ваши личные данные сохранены" in saved.text
    assert "📅 Запланировать конференцию" in saved.button_texts()
    chat_menu = emu.commands(language_code="", scope_type="chat", chat_id=anna.chat_id)
    assert dict(chat_menu)["profile"] == "Личные данные"
    await anna.send("/help")
    assert "Помощь" in (await anna.expect_message()).text


async def test_language_command_switches_at_once(bot, emu):
    ivan = emu.user("Ivan", language_code="ru")
    await ivan.send("/language")
    picker = await ivan.expect_message()
    await ivan.press(picker, "English")
    switched = await ivan.expect_edit(picker)
    assert "I will speak English with you" in switched.text
    menu = emu.commands(language_code="", scope_type="chat", chat_id=ivan.chat_id)
    assert dict(menu)["profile"] == "Personal information"
    await ivan.send("/profile")
    assert "Personal information" in (await ivan.expect_message()).text


async def test_restart_mid_dialog_resumes_where_it_stopped(bot, emu):
    anna = emu.user("Anna")
    card = await open_profile(anna)
    card = await edit_field(anna, card, "Name", "Anna Before Restart")
    await anna.press(card, "E-mail")
    await anna.expect_edit(card)

    await bot.restart()

    await anna.send("anna@example.com")
    card = await anna.expect_message()
    assert "Name: Anna Before Restart" in card.text  # the draft survived too
    assert "E-mail: anna@example.com" in card.text
    await anna.press(card, "💾 Save")
    assert "saved" in (await anna.expect_edit(card)).text
    user = await bot.services.users.get(anna.id)
    assert (user.full_name, user.email) == ("Anna Before Restart", None)
    assert (await bot.services.verification.pending(anna.id)).email == "anna@example.com"


async def test_one_name_for_joining_shown_only_where_it_differs(bot, emu):
    anna = emu.user("Anna")
    card = await open_profile(anna)
    # Stored before this rule: the profile name twice. It is one name.
    await bot.update_profile(anna.id, display_name="Anna")
    card = await open_profile(anna)
    assert "Name for joining" not in card.text
    card = await edit_field(anna, card, "Name for joining", "Anna on the phone")
    assert "Name for joining (if different): Anna on the phone" in card.text
    # The profile name again, or "-": no other name.
    card = await edit_field(anna, card, "Name for joining", "Anna")
    assert "Name for joining" not in card.text
    await anna.press(card, "💾 Save")
    await anna.expect_edit(card)
    assert (await bot.services.users.get(anna.id)).display_name is None
    ivan = emu.user("Иван", language_code="ru")
    card = await open_profile(ivan)
    card = await edit_field(ivan, card, "Имя для подключения (если другое)", "Ваня")
    assert "Имя для подключения (если другое): Ваня" in card.text

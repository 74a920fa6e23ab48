"""A profile's e-mail address is used only once its owner typed the code sent to it.

Written as the attack: anyone can type anyone's address into "Personal information".
The victim gets one message with a code and nothing the attacker typed, the attacker
cannot appear as the organizer of invitations, and guessing, waiting or asking again
and again gets them nowhere. End to end through the emulator and a real SMTP server.
"""

import logging
import re
from datetime import timedelta

import pytest

from bot.verification import CODE_MINUTES
from storage.migrations import MIGRATIONS
from storage.outbox import OutboxRepository
from tests.e2e import RunningBot, eventually, smtp_settings, test_settings
from tests.handlers.test_conference_log import add_conferences, person
from tests.handlers.test_invitations import calendar_of, invite, open_card

ATTACKER = "Mallory <b>Cheap pills</b> http://evil.example"
TOPIC = "Buy now at http://spam.example"


@pytest.fixture
def bot_settings(smtp):
    return smtp_settings(smtp)


async def set_email(user, typed, save="💾 Save"):
    """Personal information: E-mail, the address, Save; returns the answer to Save."""
    await user.send("/profile")
    card = await user.expect_message()
    await user.press(card, "E-mail")
    await user.expect_edit(card)
    await user.send(typed)
    card = await user.expect_message()
    await user.press(card, save)
    return await user.expect_edit(card)


def bodies(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def code_of(message) -> str:
    [code] = re.findall(r"\b[0-9]{6}\b", bodies(message)[0])
    return code


def another(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_an_attacker_typing_a_victims_address_gets_the_victim_only_a_code(bot, emu, smtp):
    mallory, _ = await person(emu, ATTACKER)
    await add_conferences(bot, mallory.id, [3], topic=TOPIC)
    saved = await set_email(mallory, "victim@example.com")
    assert "victim@example.com is used once you confirm it" in saved.text
    assert {"📨 Send the code again", "✖️ Cancel the change"} <= set(saved.button_texts())

    [mail] = await smtp.wait_for(1)
    assert mail["To"] == "victim@example.com" and smtp.envelopes[0][1] == ["victim@example.com"]
    assert mail["From"].addresses[0].addr_spec == "bot@conference.test"
    assert mail["Reply-To"] is None
    plain, html = bodies(mail)
    for text in (mail["Subject"], str(mail["From"]), plain, html):
        for typed in ("Mallory", "pills", "evil.example", "Buy now", "spam.example"):
            assert typed not in text  # nothing the attacker typed reaches the victim
    code = code_of(mail)
    for body in (plain, html):
        assert code in body and f"{CODE_MINUTES} minutes" in body
        assert (
            "If you did not ask for this, ignore this message: nothing more will be sent to you"
            " unless the code is typed into the bot" in body
        )
    assert mail.get_content_type() == "multipart/alternative"  # no calendar, no attachment

    # Not verified: the victim's address is no organizer and gets no replies.
    assert (await bot.services.users.get(mallory.id)).email is None
    card = await open_card(mallory)
    confirm = await invite(mallory, card, "bob@example.com")
    await mallory.press(confirm, "✉️ Send")
    await mallory.expect_edit(confirm)
    invitation = (await smtp.wait_for(2))[1]
    assert invitation["To"] == "bob@example.com"
    assert invitation["Reply-To"] is None
    assert "victim@example.com" not in invitation.as_string()
    _, _, event = calendar_of(invitation)
    assert str(event["organizer"]).lower() == "mailto:bot@conference.test"
    assert event["organizer"].params["CN"] == ATTACKER  # the owner's name, the bot's address
    # Nothing more goes to the victim.
    assert [m["To"] for m in smtp.messages].count("victim@example.com") == 1


async def test_five_wrong_codes_cancel_the_change(bot, emu, smtp):
    mallory, _ = await person(emu, "Mallory")
    await set_email(mallory, "victim@example.com")
    code = code_of((await smtp.wait_for(1))[0])
    guess = another(code)
    for left in (4, 3, 2):
        await mallory.send(guess)
        assert (
            f"That code is not right; {left} tries left." in (await mallory.expect_message()).text
        )
    await mallory.send(guess)
    assert "That code is not right; 1 try left." in (await mallory.expect_message()).text
    await mallory.send(guess)
    cancelled = await mallory.expect_message()
    assert "wrong 5 times, so the change to victim@example.com is cancelled" in cancelled.text
    # Even the right code does nothing now.
    await mallory.send(code)
    assert "did not understand" in (await mallory.expect_message()).text
    assert (await bot.services.users.get(mallory.id)).email is None
    assert await bot.services.verification.pending(mallory.id) is None


async def test_an_expired_code_says_so_and_a_new_one_replaces_it(bot, emu, smtp):
    anna, _ = await person(emu)
    await set_email(anna, "anna@example.com")
    old_code = code_of((await smtp.wait_for(1))[0])
    bot.clock.advance(timedelta(minutes=CODE_MINUTES, seconds=1))
    await anna.send(old_code)
    expired = await anna.expect_message()
    assert "That code has expired" in expired.text
    assert (await bot.services.users.get(anna.id)).email is None
    await anna.press(expired, "📨 Send the code again")
    sent = await anna.expect_message()
    assert "I sent a new 6-digit code to anna@example.com" in sent.text
    new_code = code_of((await smtp.wait_for(2))[1])
    if new_code != old_code:  # one in a million they are the same
        await anna.send(old_code)
        assert "not right; 4 tries left" in (await anna.expect_message()).text
    await anna.send(new_code)
    confirmed = await anna.expect_message()
    assert "anna@example.com is confirmed" in confirmed.text
    assert (await bot.services.users.get(anna.id)).email == "anna@example.com"


async def test_at_most_three_codes_an_hour(bot, emu, smtp):
    mallory, _ = await person(emu, "Mallory")
    screen = await set_email(mallory, "victim@example.com")
    await smtp.wait_for(1)
    for count in (2, 3):
        await mallory.press(screen, "📨 Send the code again")
        screen = await mallory.expect_message()
        assert "I sent a new 6-digit code" in screen.text
        await smtp.wait_for(count)
    await mallory.press(screen, "📨 Send the code again")
    refused = await mallory.expect_message()
    assert "You have asked for 3 codes in the last hour" in refused.text
    assert "You can ask again at Wed 25 Nov 2026, 13:00 UTC" in refused.text  # first + 1 h
    outbox = OutboxRepository(bot.services.database)
    assert await outbox.count_recent(mallory.id, 0, kinds=["verification"]) == 3
    # Saving the same address again is no way around it.
    await mallory.send("/profile")
    card = await mallory.expect_message()
    assert "victim@example.com (unconfirmed)" in card.text
    await mallory.press(card, "📨 Send the code again")
    assert "You have asked for 3 codes" in (await mallory.expect_message()).text
    assert await outbox.count_recent(mallory.id, 0, kinds=["verification"]) == 3

    bot.clock.advance(timedelta(hours=1))
    await mallory.press(screen, "📨 Send the code again")
    assert "I sent a new 6-digit code" in (await mallory.expect_message()).text
    assert len(await smtp.wait_for(4)) == 4


async def test_the_code_typed_outside_the_dialog_and_after_a_restart(bot, emu, smtp):
    anna, _ = await person(emu)
    await set_email(anna, "anna@example.com")
    code = code_of((await smtp.wait_for(1))[0])
    await anna.send("/start")  # leaves the dialog
    assert "Main menu" in (await anna.expect_message()).text
    # A six-digit topic in another dialog stays a topic.
    await anna.send("/schedule")
    await anna.expect_message()
    await anna.send("123456")
    assert "Step 2 of 3" in (await anna.expect_message()).text
    await anna.send("/cancel")
    assert "Discard this draft?" in (await anna.expect_message()).text
    await anna.send("/cancel")
    await anna.expect_message()
    assert await bot.services.verification.pending(anna.id) is not None

    await bot.restart()
    await anna.send(f" {code} ")
    assert "anna@example.com is confirmed" in (await anna.expect_message()).text
    assert (await bot.services.users.get(anna.id)).email == "anna@example.com"
    # Later six digits are just text nobody understood.
    await anna.send(code)
    assert "did not understand" in (await anna.expect_message()).text


async def test_a_confirmed_change_tells_the_previous_address_and_makes_the_new_one_organizer(
    bot, emu, smtp
):
    anna, _ = await person(emu, "Anna Petrova")
    await bot.update_profile(anna.id, email="anna.old@example.com")
    await add_conferences(bot, anna.id, [3], topic="Team sync")
    await set_email(anna, "anna.new@example.com")
    code = code_of((await smtp.wait_for(1))[0])
    await anna.send("/profile")
    card = await anna.expect_message()
    assert "E-mail: anna.new@example.com (unconfirmed)" in card.text
    assert "invitations keep naming anna.old@example.com as the organizer" in card.text
    await anna.send("/cancel")
    await anna.expect_message()
    await anna.send(code)
    assert "anna.new@example.com is confirmed" in (await anna.expect_message()).text

    notice = (await smtp.wait_for(2))[1]
    assert notice["To"] == "anna.old@example.com" and notice["Reply-To"] is None
    for text in (notice["Subject"], *bodies(notice)):
        assert "anna.new" not in text and "Anna" not in text and "Team sync" not in text
    assert "was changed" in bodies(notice)[0]

    card = await open_card(anna)
    confirm = await invite(anna, card, "bob@example.com")
    await anna.press(confirm, "✉️ Send")
    await anna.expect_edit(confirm)
    invitation = (await smtp.wait_for(3))[2]
    assert invitation["Reply-To"] == "anna.new@example.com"
    _, _, event = calendar_of(invitation)
    assert str(event["organizer"]).lower() == "mailto:anna.new@example.com"


async def test_cancel_the_change_and_forged_presses(bot, emu, smtp):
    anna, menu = await person(emu)
    # Nothing waits: the buttons are stale and send nothing.
    for data in ("prof:resend", "prof:dropmail"):
        await anna.press_data(menu, data)
        assert "out of date" in (await anna.expect_callback_answer()).text
    assert sum((await OutboxRepository(bot.services.database).counts()).values()) == 0

    saved = await set_email(anna, "anna@example.com")
    code = code_of((await smtp.wait_for(1))[0])
    await anna.press(saved, "✖️ Cancel the change")
    card = await anna.expect_edit(saved)
    assert "The change is cancelled: anna@example.com will not be used" in card.text
    assert "E-mail: not set" in card.text and "unconfirmed" not in card.text
    await anna.press(card, "💾 Save")  # the card's draft no longer asks for it
    assert "Nothing has changed" in (await anna.expect_edit(card)).text
    await anna.send(code)
    assert "did not understand" in (await anna.expect_message()).text
    await anna.press_data(saved, "prof:resend")  # the old button
    assert "out of date" in (await anna.expect_callback_answer()).text
    assert len(smtp.messages) == 1 and (await bot.services.users.get(anna.id)).email is None


async def test_the_code_is_kept_hashed_and_never_logged(bot, emu, smtp, caplog):
    for name in ("bot", "handlers", "storage", "app"):
        caplog.set_level(logging.DEBUG, logger=name)
    anna, _ = await person(emu)
    await set_email(anna, "anna@example.com")
    code = code_of((await smtp.wait_for(1))[0])
    database = bot.services.database
    stored = await database.fetch_value(
        "SELECT code_hash FROM email_verifications WHERE user_id = :id", {"id": anna.id}
    )
    assert stored and code not in stored

    # Once sent, the message that carries the code is gone from the database.
    async def body_gone():
        return not await database.fetch_value(
            "SELECT COUNT(*) FROM outbox_bodies AS b JOIN outbox AS o ON o.id = b.outbox_id"
            " WHERE o.kind = 'verification'"
        )

    assert await eventually(body_gone)
    await anna.send(another(code))
    await anna.expect_message()
    await anna.send(code)
    await anna.expect_message()
    assert code not in caplog.text and another(code) not in caplog.text


async def test_a_russian_speaker_gets_the_code_in_russian(bot, emu, smtp):
    ivan, _ = await person(emu, "Иван", language="ru")
    saved = await set_email(ivan, "ivan@example.com", save="💾 Сохранить")
    assert "я отправил туда 6-значный код" in saved.text
    [mail] = await smtp.wait_for(1)
    assert "код подтверждения" in mail["Subject"]
    plain, _ = bodies(mail)
    assert "Если вы этого не запрашивали" in plain and "Иван" not in plain
    await ivan.send(another(code_of(mail)))
    assert "Код неверный; остались 4 попытки." in (await ivan.expect_message()).text


async def test_an_address_from_before_verification_waits_for_a_code(
    emu, database_path, clock, smtp, monkeypatch
):
    """A database of an earlier version, with an e-mail typed back then: after the
    upgrade it is not used until confirmed, and no code went out by itself."""
    from storage.schema import open_legacy

    anna = emu.user("Anna")
    old = await open_legacy(database_path, MIGRATIONS[:6])
    await old.execute(
        "INSERT INTO users (id, username, full_name, email, language, timezone, created_at,"
        " updated_at, last_seen_at) VALUES (:id, NULL, 'Anna', 'legacy@example.com', 'en', 'UTC',"
        " 1, 1, 1)",
        {"id": anna.id},
    )
    await old.close()

    bot = RunningBot(emu, test_settings(emu, database_path, **smtp_settings(smtp)), clock)
    await bot.start()
    try:
        assert (await bot.services.users.get(anna.id)).email is None
        await anna.send("/profile")
        card = await anna.expect_message()
        assert "E-mail: legacy@example.com (unconfirmed)" in card.text
        assert "Press “Send the code”" in card.text
        assert {"📨 Send the code", "✖️ Cancel the change"} <= set(card.button_texts())
        assert smtp.messages == []  # nothing was sent by the upgrade
        await anna.send("/cancel")
        await anna.expect_message()
        await anna.send("123456")
        assert (
            "No code has been sent to legacy@example.com yet" in (await anna.expect_message()).text
        )
        await anna.press(card, "📨 Send the code")
        sent = await anna.expect_message()
        assert "I sent a new 6-digit code to legacy@example.com" in sent.text
        await anna.send(code_of((await smtp.wait_for(1))[0]))
        assert "legacy@example.com is confirmed" in (await anna.expect_message()).text
        assert (await bot.services.users.get(anna.id)).email == "legacy@example.com"
    finally:
        await bot.stop()


async def test_confirming_from_the_card_keeps_unsaved_edits_and_the_new_address(bot, emu, smtp):
    anna, _ = await person(emu)
    await set_email(anna, "anna@example.com")
    await smtp.wait_for(1)
    await anna.send("/profile")
    card = await anna.expect_message()
    await anna.press(card, "Name")
    await anna.expect_edit(card)
    await anna.send("Anna Draft")
    card = await anna.expect_message()
    await anna.press(card, "📨 Send the code again")
    assert "I sent a new 6-digit code" in (await anna.expect_message()).text
    await anna.send(code_of((await smtp.wait_for(2))[1]))
    assert "anna@example.com is confirmed" in (await anna.expect_message()).text
    card = await anna.expect_message()  # back to the card: the unsaved name is still there
    assert "Name: Anna Draft" in card.text and "E-mail: anna@example.com\n" in card.text
    assert "unconfirmed" not in card.text
    await anna.press(card, "💾 Save")
    assert "Your personal data is saved" in (await anna.expect_edit(card)).text
    user = await bot.services.users.get(anna.id)
    assert (user.full_name, user.email) == ("Anna Draft", "anna@example.com")
    assert len(smtp.messages) == 2  # no new code for the address just confirmed

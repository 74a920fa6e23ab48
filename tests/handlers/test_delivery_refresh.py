"""The card's delivery lines: "sending" says when it was drawn and offers "🔄 Refresh",
which shows "delivered" once the SMTP server took the e-mail (a press that changes
nothing is harmless); and an international address reads as typed (petr@пример.рф),
never as punycode, on the confirmation, the card and the participants list, while the
e-mail itself goes to its ASCII form."""

from datetime import timedelta

import pytest

from tests.e2e import smtp_settings
from tests.handlers.test_conference_log import add_conferences, person
from tests.handlers.test_invitations import invite, open_card

PUNYCODE = "petr@xn--e1afmkfd.xn--p1ai"


@pytest.fixture
def bot_settings(smtp):
    return smtp_settings(smtp)


async def test_refresh_shows_a_delivered_invitation(bot, emu, smtp):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, timezone="Europe/Moscow")
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Budget")
    smtp.refuse_with = "451 4.3.0 Try again later"  # the first try fails: still sending
    card = await open_card(anna)
    assert "🔄 Refresh" not in card.button_texts()  # nothing being sent
    confirm = await invite(anna, card, f"bob@example.com {PUNYCODE}")
    # Typed in punycode, confirmed as people read it.
    assert "petr@пример.рф" in confirm.text and "xn--" not in confirm.text
    await anna.press(confirm, "✉️ Send")
    card = await anna.expect_edit(confirm)
    await bot.services.mail_sender.send_due()
    card = await open_card(anna)
    assert "✉️ Invitations (updated 15:00):" in card.text  # Moscow time
    assert "⏳ bob@example.com: sending" in card.text
    assert "⏳ petr@пример.рф: sending" in card.text and "xn--" not in card.text
    assert "🔄 Refresh" in card.button_texts()
    # Refresh while nothing has changed: the same card, no error.
    await anna.press(card, "🔄 Refresh")
    assert (await anna.expect_callback_answer()).text == "Updated."
    await anna.expect_no_message(within=0.3)

    smtp.refuse_with = None
    bot.clock.advance(timedelta(minutes=2))  # past the first back-off
    await bot.services.mail_sender.send_due()
    messages = await smtp.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["bob@example.com", PUNYCODE]
    await anna.press(card, "🔄 Refresh")
    fresh = await anna.expect_edit(card)
    assert "✅ bob@example.com: delivered" in fresh.text
    assert "✅ petr@пример.рф: delivered" in fresh.text
    assert "updated" not in fresh.text and "🔄 Refresh" not in fresh.button_texts()
    # An old Refresh pressed again: the card is as it was, and nothing goes wrong.
    await anna.press_data(fresh, f"conf:refresh:{conference_id}")
    assert (await anna.expect_callback_answer()).text == "Updated."
    await anna.expect_no_message(within=0.3)
    # The participants list names the invitee as typed, too.
    await anna.press(fresh, "👥 Participants")
    listing = await anna.expect_edit(card)
    assert "petr@пример.рф · e-mail" in listing.text and "xn--" not in listing.text
    assert any("petr@пример.рф" in label for label in listing.button_texts())


async def test_refresh_in_russian(bot, emu, smtp):
    ivan, _ = await person(emu, "Иван", "ru")
    await add_conferences(bot, ivan.id, [3])
    smtp.refuse_with = "451 4.3.0 Try again later"
    card = await open_card(ivan)
    await ivan.press(card, "Отправить приглашение по e-mail")
    await ivan.expect_edit(card)
    await ivan.send("petr@пример.рф")
    confirm = await ivan.expect_message()
    await ivan.press(confirm, "✉️ Отправить")
    card = await ivan.expect_edit(confirm)
    assert "✉️ Приглашения (обновлено в 12:00):" in card.text
    assert "petr@пример.рф" in card.text and "🔄 Обновить" in card.button_texts()

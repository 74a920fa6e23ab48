"""Mail delivery as the owner lives it: the SMTP server down, then back; the bot
restarted with mail still queued. Nothing lost, nothing sent twice."""

from dataclasses import replace
from datetime import timedelta

import pytest

from storage.outbox import OutboxRepository
from tests.e2e import free_port, smtp_settings
from tests.handlers.test_conference_log import add_conferences, person
from tests.handlers.test_invitations import invite, open_card


class _Down:
    port = free_port()  # nothing listens here


@pytest.fixture
def bot_settings(smtp):
    # The bot is configured for an SMTP port where nothing answers yet.
    return smtp_settings(_Down)


async def test_smtp_down_then_back_and_a_restart_with_a_pending_outbox(bot, emu, smtp):
    anna, _ = await person(emu)
    await add_conferences(bot, anna.id, [30])
    card = await open_card(anna)
    confirm = await invite(anna, card, "bob@example.com carol@example.com")
    await anna.press(confirm, "✉️ Send")
    await anna.expect_edit(confirm)
    sender = bot.services.mail_sender
    outbox = OutboxRepository(bot.services.database)
    report = await sender.send_due()
    assert report.sent == 0 and (await outbox.counts()).get("pending") == 2
    card = await open_card(anna)
    assert "⏳ bob@example.com: sending" in card.text

    # Restart pointing at the live server: the queued mail is still there and goes out.
    bot.settings = replace(bot.settings, smtp_port=smtp.port)
    await bot.restart()
    bot.clock.advance(timedelta(hours=2))  # past any back-off
    await bot.services.mail_sender.send_due()
    messages = await smtp.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["bob@example.com", "carol@example.com"]
    first_ids = {m["Message-ID"] for m in messages}

    # Another restart and pass send nothing again.
    await bot.restart()
    bot.clock.advance(timedelta(hours=2))
    assert (await bot.services.mail_sender.send_due()).total == 0
    assert len(smtp.messages) == 2 and {m["Message-ID"] for m in smtp.messages} == first_ids
    counts = await OutboxRepository(bot.services.database).counts()
    assert counts.get("sent") == 2 and counts.get("pending", 0) == 0


async def test_a_refusing_server_gets_retried_with_the_same_message_id(bot, emu, smtp):
    bot.settings = replace(bot.settings, smtp_port=smtp.port)
    await bot.restart()
    anna, _ = await person(emu)
    await add_conferences(bot, anna.id, [30])
    smtp.refuse_with = "451 4.3.0 Try again later"
    card = await open_card(anna)
    confirm = await invite(anna, card, "bob@example.com")
    await anna.press(confirm, "✉️ Send")
    await anna.expect_edit(confirm)
    await bot.services.mail_sender.send_due()
    [row] = await OutboxRepository(bot.services.database).due(bot.clock.timestamp() + 10**6, 10)
    assert row.status == "pending" and row.attempts >= 1 and "451" in (row.last_error or "")
    smtp.refuse_with = None
    bot.clock.advance(timedelta(hours=2))
    await bot.services.mail_sender.send_due()
    [message] = await smtp.wait_for(1)
    assert message["Message-ID"] == row.message_id

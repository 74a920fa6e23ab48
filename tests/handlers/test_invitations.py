"""Send invitation e-mail (F3), Notify participants (F8) and the cancellation (F10),
through a real SMTP server on loopback; the ICS parsed back with icalendar."""

import pytest
from icalendar import Calendar

from storage.outbox import OutboxRepository
from tests.e2e import smtp_settings
from tests.handlers.test_conference_log import add_conferences, open_first, person


@pytest.fixture
def bot_settings(smtp):
    return {**smtp_settings(smtp), "MAIL_MAX_RECIPIENTS": "5", "MAIL_DAILY_LIMIT": "6"}


def calendar_of(message):
    [calendar_part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(calendar_part.get_content())
    return calendar_part, calendar, calendar.walk("VEVENT")[0]


async def open_card(user, menu=None):
    """The first scheduled conference's card, from a fresh /log message."""
    await user.send("/log")
    log = await user.expect_message()
    return await open_first(user, log)


async def invite(user, card, typed):
    await user.press(card, "Send invitation e-mail")
    prompt = await user.expect_edit(card)
    assert "Send the e-mail addresses" in prompt.text
    await user.send(typed)
    return await user.expect_message()


async def test_invite_by_email_end_to_end(bot, emu, smtp):
    anna, menu = await person(emu)
    await bot.update_profile(anna.id, email="anna@example.com", timezone="Europe/Moscow")
    [conference_id] = await add_conferences(bot, anna.id, [3], topic='Plan <b>x</b> & "y"')
    card = await open_card(anna, menu)
    confirm = await invite(
        anna, card, "bob@example.com, Carol@Example.org\nbob@example.com not-an-address"
    )
    assert "to 2 addresses:" in confirm.text and "bob@example.com" in confirm.text
    assert "not-an-address" in confirm.text and "will be skipped" in confirm.text
    await anna.press(confirm, "✉️ Send")
    done = await anna.expect_edit(confirm)
    assert "2 invitation e-mails are on their way" in done.text

    messages = await smtp.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["Carol@example.org", "bob@example.com"]
    for message in messages:
        assert message.get_content_type() == "multipart/mixed"
        alternative, attachment = message.iter_parts()
        assert alternative.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in alternative.iter_parts()] == [
            "text/plain",
            "text/html",
            "text/calendar",
        ]
        assert attachment.get_filename() == "invite.ics"
        assert message["Reply-To"] == "anna@example.com"
        assert 'Plan <b>x</b> & "y"' in message["Subject"]
        plain_body = alternative.get_body(("plain",)).get_content()
        html_body = alternative.get_body(("html",)).get_content()
        conference = await bot.services.conferences.owned(anna.id, conference_id)
        for body in (plain_body, html_body):
            assert conference.conference_code in body and conference.password in body
            # The zone as people say it; the IANA id is for calendars only (the .ics).
            assert "Moscow time (UTC+3)" in body and "Europe/Moscow" not in body
            assert bot.services.video.join_url(conference).split("#")[0] in body
        assert "Plan &lt;b&gt;x&lt;/b&gt; &amp;" in html_body
        part, calendar, event = calendar_of(message)
        assert part.get_param("method") == calendar["method"] == "REQUEST"
        assert int(event["sequence"]) == 0
        attendees = {str(a).lower() for a in event.get("attendee")}
        assert attendees == {"mailto:bob@example.com", "mailto:carol@example.org"}
        assert str(event["organizer"]).lower() == "mailto:anna@example.com"

    # The owner sees delivery per invitee on the card.
    await bot.services.mail_sender.send_due()
    card = await open_card(anna)
    assert "✅ bob@example.com: delivered" in card.text
    assert "✅ Carol@example.org: delivered" in card.text


async def test_update_and_cancel_keep_uid_and_raise_sequence(bot, emu, smtp):
    anna, menu = await person(emu)
    await bot.update_profile(anna.id, email="anna@example.com")
    await add_conferences(bot, anna.id, [3])
    card = await open_card(anna, menu)
    confirm = await invite(anna, card, "bob@example.com")
    await anna.press(confirm, "✉️ Send")
    card = await anna.expect_edit(confirm)
    [invitation] = await smtp.wait_for(1)

    # Edit the start, then Notify participants.
    await anna.press(card, "✏️ Edit")
    form = await anna.expect_edit(card)
    await anna.press(form, "Start")
    await anna.expect_edit(form)
    await anna.send("tomorrow 10:00")
    form = await anna.expect_message()
    await anna.press(form, "💾 Save")
    card = await anna.expect_edit(form)
    assert "Send the update to 1 participant?" in card.text
    await anna.press(card, "📣 Send")
    assert "Sending the update to 1 participant…" in (await anna.expect_message()).text
    summary = await anna.expect_message()
    assert "1 by e-mail" in summary.text and "0 of 0 in Telegram" in summary.text
    card = await anna.expect_edit(card)
    assert "have not been told yet" not in card.text
    update = (await smtp.wait_for(2))[1]
    assert update["Subject"].startswith("Updated:")

    # Delete with a notice: METHOD:CANCEL.
    await anna.press(card, "🗑 Delete")
    question = await anna.expect_edit(card)
    await anna.press(question, "OK and notify participants")
    deleted = await anna.expect_edit(card)
    assert "is deleted" in deleted.text and "Telling 1 participant" in deleted.text
    summary = await anna.expect_message()
    assert "1 by e-mail" in summary.text and "0 of 0 in Telegram" in summary.text
    cancellation = (await smtp.wait_for(3))[2]

    events = [calendar_of(m) for m in (invitation, update, cancellation)]
    assert len({str(event["uid"]) for _, _, event in events}) == 1
    assert [int(event["sequence"]) for _, _, event in events] == [0, 1, 2]
    assert [cal["method"] for _, cal, _ in events] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [part.get_param("method") for part, _, _ in events] == ["REQUEST", "REQUEST", "CANCEL"]
    assert events[1][2].decoded("dtstart").hour == 10  # the new start, in UTC (UTC zone)


async def test_bad_input_and_limits(bot, emu, smtp):
    anna, menu = await person(emu)
    await add_conferences(bot, anna.id, [3])
    card = await open_card(anna, menu)
    reply = await invite(anna, card, "nobody, <b>x</b>, a@b")
    assert "no valid e-mail address" in reply.text and "&lt;b&gt;" in reply.html
    await anna.send(" ".join(f"p{n}@example.com" for n in range(6)))
    assert "at most 5 can be invited" in (await anna.expect_message()).text
    await anna.send_sticker()
    assert "text message" in (await anna.expect_message()).text
    await anna.send("x@example.com\r\nBcc: victim@example.com")
    confirm = await anna.expect_message()
    assert "victim@example.com" in confirm.text  # a separate address, not a header
    await anna.press(confirm, "✉️ Send")
    await anna.expect_edit(confirm)
    messages = await smtp.wait_for(2)
    for message in messages:
        assert message["Bcc"] is None
    assert sorted(rcpt for _, rcpts in smtp.envelopes for rcpt in rcpts) == [
        "victim@example.com",
        "x@example.com",
    ]
    # Two of six sent today: five more is over the daily limit.
    card = await open_card(anna, menu)
    reply = await invite(anna, card, " ".join(f"q{n}@example.com" for n in range(5)))
    assert "at most 6 e-mails a day" in reply.text and "left for today: 4" in reply.text


async def test_cancel_sends_nothing(bot, emu, smtp):
    anna, menu = await person(emu)
    await add_conferences(bot, anna.id, [3])
    card = await open_card(anna, menu)
    confirm = await invite(anna, card, "bob@example.com")
    await anna.press(confirm, "Cancel")
    assert "no invitations were sent" in (await anna.expect_edit(confirm)).text
    assert sum((await OutboxRepository(bot.services.database).counts()).values()) == 0


async def test_topic_with_header_injection_stays_in_the_subject(bot, emu, smtp):
    anna, menu = await person(emu)
    await add_conferences(bot, anna.id, [3], topic="Hi\r\nBcc: spy@example.com")
    card = await open_card(anna, menu)
    confirm = await invite(anna, card, "bob@example.com")
    await anna.press(confirm, "✉️ Send")
    await anna.expect_edit(confirm)
    [message] = await smtp.wait_for(1)
    assert message["Bcc"] is None and "spy@example.com" not in str(message.keys())
    assert smtp.envelopes[0][1] == ["bob@example.com"]


async def test_an_address_with_non_latin_letters_before_the_at_is_named_back_with_why(
    bot, emu, smtp
):
    """Most mail servers lack SMTPUTF8: such an address is refused up front, with the
    reason, while an international domain goes out (in its ASCII form on the wire)."""
    anna, menu = await person(emu)
    await add_conferences(bot, anna.id, [3], topic="Plan")
    card = await open_card(anna, menu)
    confirm = await invite(anna, card, "иван@пример.рф, bob@почта.рф")
    assert "bob@почта.рф" in confirm.text
    assert "letters other than Latin before the “@”" in confirm.text
    assert "иван@пример.рф" in confirm.text.split("Latin")[1]
    await anna.press(confirm, "✉️ Send")
    assert "1 invitation e-mail is on its way" in (await anna.expect_edit(confirm)).text
    [message] = await smtp.wait_for(1)
    assert smtp.envelopes[0][1] == ["bob@xn--80a1acny.xn--p1ai"]

    # Nothing else typed: the prompt stays, saying why.
    again = await invite(anna, await open_card(anna, menu), "иван@пример.рф")
    assert (
        "letters other than Latin" in again.text and "Send the e-mail addresses" not in again.text
    )
    await anna.send("carol@example.com")
    assert "to 1 address:" in (await anna.expect_message()).text

"""Notices that say what changed, asked at the right moment (issue 13, section 3).

After Save on an edit (or Schedule on a repeat) of a conference with participants, the
owner is asked at once whether to send the update; the notice in Telegram and the update
e-mail (text and HTML) show each changed field as old -> new, in each reader's language
and time zone. An e-mail invitee keeps the language of their first invitation, and the
ORGANIZER of a conference's invitations stays the one of the first. Deleting with a
notice answers the owner before the notices go out. Through the emulator and a real SMTP
server on loopback; calendars parsed back with icalendar.
"""

from datetime import timedelta

import pytest
from icalendar import Calendar

from tests.e2e import smtp_settings
from tests.handlers.test_conference_log import add_conferences, person
from tests.handlers.test_sharing import card_of

UP_TO_DATE = "Everyone already knows"
UNTOLD = "have not been told yet"
NOTIFY = "📣 Notify participants"


@pytest.fixture
def bot_settings(smtp):
    return smtp_settings(smtp)


async def join_by_link(bot, emu, owner_id, conference_id, name, language="en"):
    guest, _ = await person(emu, name, language)
    conference = await bot.services.conferences.owned(owner_id, conference_id)
    await guest.send(f"/start {await bot.services.sharing.share_token(conference)}")
    await guest.expect_message()
    return guest


async def invite(bot, owner_id, conference_id, *emails):
    owner = await bot.services.users.get(owner_id)
    await bot.services.invitations.invite(owner, conference_id, list(emails))


async def edit_in_form(user, card, **typed):
    """Edit, then for each field (button label: typed answer) type the new value; the
    review card with the changes, ready for Save."""
    await user.press(card, "✏️ Edit")
    form = await user.expect_edit(card)
    for label, answer in typed.items():
        await user.press(form, label)
        await user.expect_edit(form)
        await user.send(answer)
        form = await user.expect_message()
    return form


def line_with(text, start):
    """The line of `text` that begins with `start` (a notice or an e-mail body)."""
    [line] = [line for line in text.splitlines() if line.startswith(start)]
    return line


def bodies(message):
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return plain, html


def event_of(message):
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    return calendar, calendar.walk("VEVENT")[0]


async def test_edit_of_start_and_topic_then_send_shows_old_and_new_everywhere(bot, emu, smtp):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Standup")  # 15:00 UTC
    boris = await join_by_link(bot, emu, anna.id, conference_id, "Борис", "ru")
    await bot.update_profile(boris.id, timezone="Asia/Yekaterinburg")  # UTC+5
    group = emu.group("Team", members=[anna, boris])
    await anna.send("/invite", chat=group)
    pick = await group.expect_message()
    await anna.press(pick, "1. Standup", chat=group)
    await group.expect_edit(pick)
    await invite(bot, anna.id, conference_id, "bob@example.com")
    await smtp.wait_for(1)

    card = await card_of(anna)
    form = await edit_in_form(anna, card, Topic="Daily standup", Start="today 16:00")
    await anna.press(form, "💾 Save")
    asked = await anna.expect_edit(form)
    # The conference card, with the question under it: Send or Don't send.
    assert "Changes saved" in asked.text and "Daily standup" in asked.text
    assert "Send the update to 3 participants?" in asked.text
    assert asked.button_texts() == ["📣 Send", "Don’t send"]
    assert UNTOLD not in asked.text  # the question stands for the reminder
    await boris.expect_no_message(within=0.3)  # nothing goes out before the answer

    await anna.press(asked, "📣 Send")
    assert "Sending the update to 3 participants" in (await anna.expect_message()).text
    card = await anna.expect_edit(asked)
    assert UNTOLD not in card.text and NOTIFY not in card.button_texts()
    summary = await anna.expect_message()
    assert "1 by e-mail" in summary.text and "2 of 2 in Telegram" in summary.text

    # Boris reads it in Russian, at his own time (UTC+5): 20:00 -> 21:00.
    notice = (await boris.expect_message()).text
    assert "Конференция «Daily standup» изменилась" in notice
    assert line_with(notice, "• Тема:") == "• Тема: Standup → Daily standup"
    start = line_with(notice, "• Начало:")
    assert "ср, 25 нояб. 2026 г., 20:00" in start and start.split("→")[1].strip()[:5] == "21:00"
    assert "• Окончание:" in notice  # the length was kept, so the end moved too
    assert "Пароль: pw12" in notice  # what stayed is there to join with
    # The group reads it in the owner's language and zone (UTC).
    group_notice = (await group.expect_message()).text
    assert line_with(group_notice, "• Topic:") == "• Topic: Standup → Daily standup"
    start = line_with(group_notice, "• Start:")
    assert "Wed 25 Nov 2026, 15:00" in start and start.split("→")[1].strip()[:5] == "16:00"

    # The e-mail, text and HTML: old struck through, new in bold.
    update = (await smtp.wait_for(2))[1]
    assert update["Subject"].startswith("Updated: Daily standup")
    plain, html = bodies(update)
    assert "What changed:" in plain
    assert line_with(plain, "Topic: Standup") == "Topic: Standup → Daily standup"
    start = line_with(plain, "Start: Wed 25 Nov 2026, 15:00")
    assert start.split("→")[1].strip()[:5] == "16:00"
    assert "Standup</s> → <strong>Daily standup</strong>" in html
    assert "→ <strong>16:00" in html

    # A replayed Send, and a forged one by a stranger: nothing more goes out.
    await anna.press_data(card, f"conf:notify:{conference_id}")
    assert UP_TO_DATE in (await anna.expect_callback_answer()).text
    eve, eve_menu = await person(emu, "Eve")
    await eve.press_data(eve_menu, f"conf:notify:{conference_id}")
    assert "no longer exists" in (await eve.expect_callback_answer()).text
    await boris.expect_no_message(within=0.5)
    await group.expect_no_message(within=0.1)
    await bot.services.mail_sender.send_due()
    assert len(smtp.messages) == 2


async def test_dont_send_keeps_the_reminder_and_notify_for_later(bot, emu, smtp):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Standup")
    boris = await join_by_link(bot, emu, anna.id, conference_id, "Boris")
    card = await card_of(anna)
    form = await edit_in_form(anna, card, Password="newpass9")
    await anna.press(form, "💾 Save")
    asked = await anna.expect_edit(form)
    assert "Send the update to 1 participant?" in asked.text
    await anna.press(asked, "Don’t send")
    card = await anna.expect_edit(asked)
    assert UNTOLD in card.text and NOTIFY in card.button_texts()
    await boris.expect_no_message(within=0.5)

    # Told later with Notify: the password, old -> new.
    await anna.press(card, NOTIFY)
    assert "Sending the update" in (await anna.expect_message()).text
    notice = (await boris.expect_message()).text
    assert "• Password: pw12 → newpass9" in notice


async def test_no_question_without_participants_or_for_the_toggle_alone(bot, emu, smtp):
    anna, _ = await person(emu)
    [alone, shared] = await add_conferences(bot, anna.id, [3, 5], topic="Call {n}")
    # Nobody to tell: the card, with its usual buttons.
    card = await card_of(anna)
    form = await edit_in_form(anna, card, Topic="Call 1 renamed")
    await anna.press(form, "💾 Save")
    saved = await anna.expect_edit(form)
    assert "Changes saved" in saved.text and "Send the update" not in saved.text
    assert "✏️ Edit" in saved.button_texts() and NOTIFY not in saved.button_texts()

    # Someone who opened the link after that edit knows the new topic: nobody is untold.
    boris = await join_by_link(bot, emu, anna.id, alone, "Boris")
    await anna.send("/log")
    log = await anna.expect_message()
    await anna.press(log, " Call 1 renamed")
    card = await anna.expect_edit(log)
    assert UNTOLD not in card.text and NOTIFY not in card.button_texts()

    # The owner-absence toggle alone is not news for participants: no question.
    await anna.press(card, "✏️ Edit")
    form = await anna.expect_edit(card)
    await anna.press(form, "Allow joining")
    form = await anna.expect_edit(form)
    await anna.press(form, "💾 Save")
    saved = await anna.expect_edit(form)
    assert "Changes saved" in saved.text and "Send the update" not in saved.text
    assert UNTOLD not in saved.text and NOTIFY not in saved.button_texts()
    await boris.expect_no_message(within=0.3)
    assert shared  # the second conference stays untouched by all this


async def test_repeat_of_an_archived_conference_with_participants_asks(bot, emu, smtp, clock):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [1], topic="Retro")  # 13:00 UTC
    boris = await join_by_link(bot, emu, anna.id, conference_id, "Boris")
    clock.advance(timedelta(hours=3))  # 15:00: Retro is over, in the archive
    await anna.send("/log")
    log = await anna.expect_message()
    await anna.press(log, "🗄 Conference archive")
    log = await anna.expect_edit(log)
    await anna.press(log, " Retro")
    card = await anna.expect_edit(log)
    await anna.press(card, "🔁 Repeat")
    prompt = await anna.expect_edit(card)
    await anna.send("tomorrow 13:00")
    review = await anna.expect_message()
    await anna.press(review, "✅ Schedule")
    asked = await anna.expect_edit(review)
    assert "back among “Scheduled conferences”" in asked.text
    assert "Send the update to 1 participant?" in asked.text
    assert prompt.message_id != asked.message_id
    await anna.press(asked, "📣 Send")
    assert "Sending the update" in (await anna.expect_message()).text
    notice = (await boris.expect_message()).text
    start = line_with(notice, "• Start:")
    assert "Wed 25 Nov 2026, 13:00" in start and "Thu 26 Nov 2026, 13:00" in start


async def test_an_invitee_keeps_the_language_of_the_first_invitation(bot, emu, smtp):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Planning")
    await invite(bot, anna.id, conference_id, "bob@example.com", "carol@example.com")
    await smtp.wait_for(2)
    # The owner switches to Russian; Dave, invited now, is invited in Russian.
    await bot.update_profile(anna.id, language="ru")
    await invite(bot, anna.id, conference_id, "dave@example.com")
    dave_invitation = (await smtp.wait_for(3))[2]
    assert dave_invitation["Subject"].startswith("Приглашение:")

    await bot.services.conferences.edit(anna.id, conference_id, password="newpass9")
    card = await card_of(anna)
    await anna.press(card, "📣 Уведомить участников")
    await anna.expect_message()
    updates = {m["To"]: m for m in (await smtp.wait_for(6))[3:]}
    assert updates["bob@example.com"]["Subject"].startswith("Updated:")
    assert "Password: pw12 → newpass9" in bodies(updates["carol@example.com"])[0]
    assert updates["dave@example.com"]["Subject"].startswith("Изменено:")
    assert "Пароль: pw12 → newpass9" in bodies(updates["dave@example.com"])[0]

    # Carol removed: her CANCEL is in English too.
    card = await anna.expect_edit(card)
    await anna.press(card, "👥 Участники")
    people = await anna.expect_edit(card)
    await anna.press(people, "carol@example.com")
    confirm = await anna.expect_edit(people)
    await anna.press(confirm, "✖️ Убрать")
    await anna.expect_edit(confirm)
    removed = (await smtp.wait_for(7))[6]
    assert removed["To"] == "carol@example.com"
    assert removed["Subject"].startswith("Cancelled:")
    assert "The video conference has been cancelled" in bodies(removed)[0]

    # Deleted with a notice: Bob's CANCEL in English, Dave's in Russian.
    await bot.services.invitations.cancel_and_delete(
        await bot.services.users.get(anna.id), conference_id
    )
    cancels = {m["To"]: m["Subject"] for m in (await smtp.wait_for(9))[7:]}
    assert cancels["bob@example.com"].startswith("Cancelled:")
    assert cancels["dave@example.com"].startswith("Отменено:")


async def test_the_organizer_stays_from_the_first_request_to_the_cancel(bot, emu, smtp):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, email="anna@old.example")
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Budget")
    await invite(bot, anna.id, conference_id, "bob@example.com")
    # The owner confirms another address and a new name between the messages.
    await bot.update_profile(anna.id, email="anna@new.example", full_name="Anna Smith")
    await invite(bot, anna.id, conference_id, "carol@example.com")
    await bot.services.conferences.edit(anna.id, conference_id, topic="Budget 2027")
    card = await card_of(anna)
    await anna.press(card, NOTIFY)
    await anna.expect_message()
    await smtp.wait_for(4)
    await bot.services.invitations.cancel_and_delete(
        await bot.services.users.get(anna.id), conference_id
    )
    messages = await smtp.wait_for(6)

    methods, organizers = [], set()
    for message in messages:
        calendar, event = event_of(message)
        methods.append(str(calendar["method"]))
        organizers.add((str(event["organizer"]), str(event["organizer"].params["CN"])))
        # Replies reach the address the owner reads now.
        if message is not messages[0]:
            assert message["Reply-To"] == "anna@new.example"
    assert methods == ["REQUEST", "REQUEST", "REQUEST", "REQUEST", "CANCEL", "CANCEL"]
    assert organizers == {("mailto:anna@old.example", "Anna")}


async def test_the_bot_stays_the_organizer_when_it_was_the_first(bot, emu, smtp):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Budget")
    await invite(bot, anna.id, conference_id, "bob@example.com")  # no verified address yet
    await bot.update_profile(anna.id, email="anna@example.com")
    await bot.services.invitations.cancel_and_delete(
        await bot.services.users.get(anna.id), conference_id
    )
    first, cancel = await smtp.wait_for(2)
    organizers = {str(event_of(message)[1]["organizer"]) for message in (first, cancel)}
    assert organizers == {"mailto:bot@conference.test"}
    assert first["Reply-To"] is None and cancel["Reply-To"] == "anna@example.com"


async def test_delete_and_notify_answers_before_the_notices_go_out(bot, emu, smtp):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Offsite")
    boris = await join_by_link(bot, emu, anna.id, conference_id, "Boris")
    carl = await join_by_link(bot, emu, anna.id, conference_id, "Carl")
    await invite(bot, anna.id, conference_id, "bob@example.com")
    card = await card_of(anna)
    await anna.press(card, "🗑 Delete")
    question = await anna.expect_edit(card)
    emu.clear_calls()
    await anna.press(question, "OK and notify participants")
    deleted = await anna.expect_edit(question)
    assert "“Offsite” is deleted" in deleted.text
    assert "Telling 3 participants" in deleted.text
    summary = await anna.expect_message()
    assert "1 by e-mail" in summary.text and "2 of 2 in Telegram" in summary.text
    for guest in (boris, carl):
        assert "“Offsite”" in (await guest.expect_message()).text

    # In the order Telegram saw it: the press answered, the owner's screen edited, then
    # the participants' messages, then the summary.
    calls = [
        (call.method, str(call.params.get("chat_id")))
        for call in emu.calls
        if call.method in ("answerCallbackQuery", "editMessageText", "sendMessage")
    ]
    owner_edit = calls.index(("editMessageText", str(anna.id)))
    notices = [calls.index(("sendMessage", str(guest.id))) for guest in (boris, carl)]
    assert calls[0][0] == "answerCallbackQuery"
    assert owner_edit < min(notices)
    assert calls.index(("sendMessage", str(anna.id))) > max(notices)
    cancel = (await smtp.wait_for(2))[1]
    assert event_of(cancel)[0]["method"] == "CANCEL"

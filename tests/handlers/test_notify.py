""" "Notify participants" only when there is news, claimed once in the database, the
sending in the background: presses twice at once, replayed and forged send once; one
person's 70 presses do not hold up another person's /start."""

import pytest

from tests.e2e import smtp_settings
from tests.handlers.test_conference_log import add_conferences, person
from tests.handlers.test_sharing import card_of

UP_TO_DATE = "Everyone already knows"
FLOOD = "sending messages very fast"


@pytest.fixture
def bot_settings(smtp):
    return smtp_settings(smtp)


async def conference_with_participants(bot, emu, smtp, *, topic="Weekly sync"):
    """Anna's conference with Boris (by link), a group (by /invite) and bob@ by e-mail."""
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, email="anna@example.com")
    [conference_id] = await add_conferences(bot, anna.id, [3], topic=topic)
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    boris, _ = await person(emu, "Boris")
    await boris.send(f"/start {await bot.services.sharing.share_token(conference)}")
    await boris.expect_message()
    group = emu.group("Team", members=[anna, boris])
    await anna.send("/invite", chat=group)
    pick = await group.expect_message()
    await anna.press(pick, f"1. {topic}", chat=group)
    await group.expect_edit(pick)
    await bot.services.invitations.invite(
        await bot.services.users.get(anna.id), conference_id, ["bob@example.com"]
    )
    await smtp.wait_for(1)
    return anna, boris, group, conference_id


async def change(bot, owner_id, conference_id, **fields):
    await bot.services.conferences.edit(owner_id, conference_id, **fields)


def answers_to(emu, query_ids):
    return [emu.callback_answer(query_id) for query_id in query_ids]


async def test_notify_is_offered_only_when_something_changed(bot, emu, smtp):
    anna, boris, group, conference_id = await conference_with_participants(bot, emu, smtp)
    card = await card_of(anna)
    assert "📣 Notify participants" not in card.button_texts()
    assert "have not been told yet" not in card.text
    # A forged press with nothing new: nothing is sent to anybody.
    await anna.press_data(card, f"conf:notify:{conference_id}")
    assert UP_TO_DATE in (await anna.expect_callback_answer()).text

    await change(bot, anna.id, conference_id, password="newpass9")
    card = await card_of(anna)
    assert "The conference has changed, and the participants have not been told yet" in card.text
    await anna.press(card, "📣 Notify participants")
    assert "Sending the update to 3 participants…" in (await anna.expect_message()).text
    card = await anna.expect_edit(card)
    assert "📣 Notify participants" not in card.button_texts()
    assert "have not been told yet" not in card.text
    summary = await anna.expect_message()
    assert "1 by e-mail" in summary.text and "2 of 2 in Telegram" in summary.text
    assert "newpass9" in (await boris.expect_message()).text
    assert "newpass9" in (await group.expect_message()).text
    update = (await smtp.wait_for(2))[1]
    assert update["Subject"].startswith("Updated:")

    # Replayed: everyone already knows; nothing more goes out.
    await anna.press_data(card, f"conf:notify:{conference_id}")
    assert UP_TO_DATE in (await anna.expect_callback_answer()).text
    # The owner-absence toggle is not news for participants.
    await change(bot, anna.id, conference_id, allow_without_owner=False)
    assert "📣 Notify participants" not in (await card_of(anna)).button_texts()
    await boris.expect_no_message(within=0.5)
    await group.expect_no_message(within=0.1)
    await bot.services.mail_sender.send_due()
    assert len(smtp.messages) == 2
    await anna.expect_no_message(within=0.1)


async def test_two_presses_at_once_send_once(bot, emu, smtp):
    anna, boris, group, conference_id = await conference_with_participants(bot, emu, smtp)
    await change(bot, anna.id, conference_id, topic="Weekly sync (moved)")
    card = await card_of(anna)
    data = f"conf:notify:{conference_id}"
    presses = [await anna.press_data(card, data), await anna.press_data(card, data)]
    await anna.expect_message()  # "Sending the update…"
    assert "2 of 2 in Telegram" in (await anna.expect_message()).text
    assert await emu.wait_until(lambda: all(answers_to(emu, presses)) or None, timeout=5)
    texts = [answer.text or "" for answer in answers_to(emu, presses)]
    assert sum(UP_TO_DATE in text for text in texts) == 1
    assert "(moved)" in (await boris.expect_message()).text
    assert "(moved)" in (await group.expect_message()).text
    await boris.expect_no_message(within=0.5)
    await group.expect_no_message(within=0.1)
    await anna.expect_no_message(within=0.1)
    await bot.services.mail_sender.send_due()
    assert len(smtp.messages) == 2  # the invitation, and one update


async def test_the_owner_is_answered_while_the_notices_go_out(bot, emu, smtp):
    anna, _, _, conference_id = await conference_with_participants(bot, emu, smtp)
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    token = await bot.services.sharing.share_token(conference)
    guests = []
    for n in range(40):
        guest, _ = await person(emu, f"Guest {n}")
        await guest.send(f"/start {token}")
        await guest.expect_message()
        guests.append(guest)
    await change(bot, anna.id, conference_id, topic="All hands")
    card = await card_of(anna)
    await anna.press(card, "📣 Notify participants")
    assert "Sending the update" in (await anna.expect_message()).text
    card = await anna.expect_edit(card)
    # 42 notices paced below Telegram's 30 a second take more than a second; the owner's
    # next press is answered meanwhile, and the list shows before the summary arrives.
    await anna.press(card, "👥 Participants")
    listing = await anna.expect_edit(card)
    assert "Participants of “All hands”" in listing.text
    assert not any("in Telegram" in m.text for m in anna.messages() if m.from_bot)
    summary = await anna.expect_message(timeout=10)
    assert "42 of 42 in Telegram" in summary.text
    for guest in guests:
        assert "All hands" in (await guest.expect_message()).text


async def test_70_presses_of_one_person_do_not_slow_down_another(bot, emu, smtp):
    anna, boris, group, conference_id = await conference_with_participants(bot, emu, smtp)
    await change(bot, anna.id, conference_id, topic="Weekly sync (moved)")
    card = await card_of(anna)
    carl = emu.user("Carl")
    # Telegram answers each call in about 0.1 s from here on, as over a real network: a
    # press then costs a few tenths of a second, and 70 of them would take many seconds
    # if they held the slots others need.
    emu.config.latency = 0.1
    presses = [await anna.press_data(card, f"conf:notify:{conference_id}") for _ in range(70)]
    await carl.send("/start")
    greeting = await carl.expect_message(timeout=30)
    assert "Main menu" in greeting.text
    # Carl was not queued behind Anna: when his answer came, her waiting presses (each a
    # few tenths of a second) were not all answered yet. An order, not a time, so a busy
    # machine slows both sides alike.
    answered_before_carl = [
        answer
        for answer in answers_to(emu, presses)
        if answer is not None and UP_TO_DATE in (answer.text or "")
    ]
    assert len(answered_before_carl) < 20, "Carl waited behind all of Anna's presses"

    # One notice each, one summary; one running and 20 waiting presses were answered, the
    # other 49 dropped, the first of them answered with the flood notice.
    assert "Weekly sync (moved)" in (await group.expect_message()).text
    assert "Weekly sync (moved)" in (await boris.expect_message()).text
    assert "Sending the update" in (await anna.expect_message()).text
    assert "2 of 2 in Telegram" in (await anna.expect_message()).text

    def answered():
        answers = [answer for answer in answers_to(emu, presses) if answer is not None]
        return answers if len(answers) == 22 else None

    texts = [answer.text or "" for answer in await emu.wait_until(answered, timeout=30)]
    assert sum(FLOOD in text for text in texts) == 1
    assert sum(UP_TO_DATE in text for text in texts) == 20
    emu.config.latency = 0
    await group.expect_no_message(within=0.5)
    await boris.expect_no_message(within=0.1)
    await anna.expect_no_message(within=0.1)
    assert answers_to(emu, presses).count(None) == 48
    await bot.services.mail_sender.send_due()
    assert len(smtp.messages) == 2

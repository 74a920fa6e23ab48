"""Admin commands (F13) for ADMIN_IDS only, the audit log, blocked users, flood control."""

import asyncio

import pytest

from storage.admin import AdminRepository
from storage.outbox import OutboxRepository
from tests.handlers.test_conference_log import add_conferences, person

ADMIN_ID = 1001  # the first simulated user


@pytest.fixture
def bot_settings():
    return {"ADMIN_IDS": str(ADMIN_ID)}


async def admin_and_user(emu):
    admin, _ = await person(emu, "Admin")
    assert admin.id == ADMIN_ID
    user, menu = await person(emu, "Ursula")
    return admin, user, menu


async def audit(bot):
    return [
        (a, action, target)
        for a, action, target, _ in await AdminRepository(bot.services.database).audit_entries()
    ]


async def test_admin_commands_do_not_exist_for_others(bot, emu):
    admin, user, _ = await admin_and_user(emu)
    for command in ("/stats", "/find 1", "/block 1001", "/unblock 1", "/broadcast hi", "/outbox"):
        await user.send(command)
        assert "did not understand" in (await user.expect_message()).text
    await user.send("/help")
    assert "/stats" not in (await user.expect_message()).text
    assert await audit(bot) == []


async def test_stats(bot, emu):
    admin, user, _ = await admin_and_user(emu)
    await add_conferences(bot, user.id, [0, 5, -5])
    await admin.send("/stats")
    stats = await admin.expect_message()
    assert "Users: 2 (active in 7 days: 2, blocked by admins: 0" in stats.text
    assert "Conferences: 2 scheduled, 1 online now, 1 archived" in stats.text
    assert "E-mails: 0 pending, 0 sent, 0 failed" in stats.text
    assert "Last 24 hours: new users 2, conferences created 3" in stats.text


async def test_find_block_unblock_and_delete(bot, emu):
    admin, user, menu = await admin_and_user(emu)
    [conference_id] = await add_conferences(bot, user.id, [5], topic="Secret plans")
    conference = await bot.services.conferences.owned(user.id, conference_id)
    await admin.send(f"/find {conference.conference_code}")
    card = await admin.expect_message()
    assert "Secret plans" in card.text and conference.password in card.text
    await admin.send("/find @ursula")
    assert "nothing found" in (await admin.expect_message()).text.lower()
    await admin.send(f"/find {user.id}")
    profile = await admin.expect_message()
    assert "Ursula" in profile.text and "Scheduled conferences: 1" in profile.text
    await admin.send("/find")
    assert "Usage" in (await admin.expect_message()).text

    await admin.send(f"/block {user.id}")
    assert "is blocked" in (await admin.expect_message()).text
    await user.send("/start")
    assert "suspended" in (await user.expect_message()).text
    await user.send("/log")
    await user.expect_no_message(within=0.3)  # one refusal, then nothing
    await user.press(menu, "Conference log")
    assert "suspended" in (await user.expect_callback_answer()).text
    assert (await bot.services.users.get(user.id)).is_blocked
    assert await bot.services.conferences.owned(user.id, conference_id)  # data stays

    await admin.press(profile, "Block")  # the old button: blocking again is harmless
    await admin.expect_message()
    await admin.send(f"/unblock {user.id}")
    assert "is unblocked" in (await admin.expect_message()).text
    await user.send("/log")
    assert "17:00 Secret plans" in (await user.expect_message()).button_texts()

    await admin.press(card, "Delete (admin)")
    question = await admin.expect_edit(card)
    await admin.press(question, "OK")
    assert "Deleted" in (await admin.expect_edit(card)).text
    assert await bot.services.conferences.owned(user.id, conference_id) is None
    await admin.send("/block abc")
    assert "Usage" in (await admin.expect_message()).text
    await admin.send("/block 999999")
    assert "no user with id 999999" in (await admin.expect_message()).text
    actions = [action for _, action, _ in await audit(bot)]
    assert actions.count("block") == 2 and "unblock" in actions  # every action is audited
    assert "delete_conference" in actions


async def test_non_admin_cannot_press_admin_buttons(bot, emu):
    admin, user, menu = await admin_and_user(emu)
    [conference_id] = await add_conferences(bot, user.id, [5])
    for data in (f"adm:delok:{conference_id}", f"adm:block:{admin.id}", "adm:retryall"):
        await user.press_data(menu, data)
        assert "out of date" in (await user.expect_callback_answer()).text
    assert await bot.services.conferences.owned(user.id, conference_id)
    assert not (await bot.services.users.get(admin.id)).is_blocked


async def test_broadcast_with_confirmation_and_summary(bot, emu):
    admin, user, _ = await admin_and_user(emu)
    others = [await person(emu, f"User {n}") for n in range(3)]
    gone, _ = await person(emu, "Gone")
    # Gone blocked the bot without the bot hearing of it: the send is refused.
    emu.fail_next(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        chat_id=gone.id,
    )
    await admin.send("/broadcast")
    ask = await admin.expect_message()
    assert "all active users" in ask.text
    await admin.send("Maintenance <tonight> & tomorrow")
    confirm = await admin.expect_message()
    assert "Send this to 6 users?" in confirm.text
    await admin.press(confirm, "📢 Send")
    await admin.expect_edit(confirm)
    for member in [user, *(o for o, _ in others)]:
        assert "Maintenance <tonight> & tomorrow" == (await member.expect_message()).text
    admin_copy = await admin.expect_message()
    assert admin_copy.text == "Maintenance <tonight> & tomorrow"
    summary = await admin.expect_message()
    assert "5 delivered, 1 not delivered" in summary.text
    assert not (await bot.services.users.get(gone.id)).is_active


async def test_broadcast_resumes_after_a_restart_and_sends_nobody_twice(bot, emu):
    admin, user, _ = await admin_and_user(emu)
    others = [(await person(emu, f"User {n}"))[0] for n in range(4)]
    broadcast_id = await bot.services.admin.start_broadcast(admin.id, "Hello again")
    # Half-way: two users had been reached before the "crash".
    repository = AdminRepository(bot.services.database)
    for member in others[:2]:
        await repository.record_delivery(broadcast_id, member.id, ok=True)
    await bot.restart()  # start-up resumes the unfinished broadcast
    for member in [admin, user, *others[2:]]:
        assert (await member.expect_message()).text == "Hello again"
    assert "6 delivered, 0 not delivered" in (await admin.expect_message()).text
    for member in others[:2]:
        await member.expect_no_message(within=0.3)


async def test_outbox_lists_failed_mail_and_retries(bot, emu):
    admin, user, _ = await admin_and_user(emu)
    outbox = OutboxRepository(bot.services.database)
    ids = [
        await outbox.add(
            message_id=f"<m{n}@test>",
            kind="invitation",
            owner_id=user.id,
            conference_id=None,
            recipient=f"r{n}@example.com",
            sender="bot@example.com",
            raw=b"x",
            now=0,
        )
        for n in range(2)
    ]
    for outbox_id in ids:
        await outbox.mark_failed(outbox_id, "550 5.1.1 No such user")
    await admin.send("/outbox")
    listing = await admin.expect_message()
    assert "r0@example.com: 550 5.1.1 No such user" in listing.text
    await admin.press(listing, f"Retry #{ids[0]}")
    assert "1 e-mail is back" in (await admin.expect_message()).text
    await admin.press(listing, "Retry all")
    assert "1 e-mail is back" in (await admin.expect_message()).text
    assert [action for _, action, _ in await audit(bot)] == ["retry_mail", "retry_mail"]


class TestFloodControl:
    @pytest.fixture
    def bot_settings(self):
        return {"FLOOD_MAX_UPDATES": "5", "FLOOD_WINDOW_SECONDS": "60"}

    async def test_a_flooding_user_is_slowed_down_without_affecting_others(self, bot, emu):
        flooder, _ = await person(emu, "Flooder")  # one update used by /start
        calm, _ = await person(emu, "Calm")
        for n in range(8):
            await flooder.send(f"spam {n}")
        texts = []
        while True:
            try:
                texts.append((await flooder.expect_message(timeout=0.5)).text)
            except AssertionError:
                break
        assert (
            texts.count(
                "🐢 You are sending messages very fast. Please wait a few seconds; "
                "I will answer again then."
            )
            == 1
        )
        assert len(texts) == 5  # four answers, one notice; the rest dropped
        await calm.send("/help")
        assert "Help" in (await calm.expect_message()).text
        await asyncio.sleep(0)

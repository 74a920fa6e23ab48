"""Private things stay in private chats: every private screen and admin command in a
group gives only a hint to open the private chat; presses on private buttons in a group
(forged ones too) show nobody's profile, topics or passwords; an edited admin command
does nothing."""

import pytest

from storage.admin import AdminRepository
from tests.handlers.test_conference_log import add_conferences, person

ANNA = 1001  # the first simulated user: an admin, and the owner of the conference
BOT_CHAT = "https://t.me/ConferenceTestBot"
PRIVATE_COMMANDS = (
    "/start",
    "/start@ConferenceTestBot",
    "/help",
    "/schedule",
    "/now Quarterly numbers",
    "/log",
    "/profile",
    "/language",
    "/download",
)


@pytest.fixture
def bot_settings():
    return {"ADMIN_IDS": str(ANNA)}


async def setting(bot, emu):
    """Anna (admin) owns "Secret merger"; Boris (Russian) and she are in a group, where
    the conference was posted with /invite."""
    anna, _ = await person(emu)
    assert anna.id == ANNA
    await bot.update_profile(anna.id, email="anna@private.example")
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Secret merger")
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    boris, _ = await person(emu, "Борис", "ru")
    group = emu.group("Team", members=[anna, boris])
    await anna.send("/invite", chat=group)
    pick = await group.expect_message()
    await anna.press(pick, "1. Secret merger", chat=group)  # grp: still works in groups
    posted = await group.expect_edit(pick)
    return anna, boris, group, conference, posted


def hint_checks(message, language="en"):
    assert message.buttons[0][0].url == BOT_CHAT
    expected = "private chat with me" if language == "en" else "личном чате со мной"
    assert expected in message.text


def nothing_private_in(group, conference, *also):
    secrets = ("anna@private.example", conference.password, *also)
    for message in group.messages():
        if not message.from_bot or "Secret merger" in message.text:
            continue  # people's own messages, and the card the owner posted on purpose
        for secret in secrets:
            assert secret not in (message.text or ""), message.summary()


async def test_private_commands_in_a_group_only_point_to_the_private_chat(bot, emu):
    anna, boris, group, conference, _ = await setting(bot, emu)
    token = await bot.services.sharing.share_token(conference)
    for command in (*PRIVATE_COMMANDS, f"/start {token}"):
        await boris.send(command, chat=group)
        hint_checks(await group.expect_message(), "ru")
    # Admin commands: the admin is sent to the private chat, and nothing is done.
    for command in ("/stats", f"/find {conference.conference_code}", "/block 1002", "/outbox"):
        await anna.send(command, chat=group)
        hint_checks(await group.expect_message())
    await anna.send("/broadcast Hello everyone", chat=group)
    hint_checks(await group.expect_message())
    assert not (await bot.services.users.get(boris.id)).is_blocked
    assert await AdminRepository(bot.services.database).audit_entries() == []
    # For anyone else an admin command is unknown, and unknown commands get no answer in
    # groups; commands for another bot are not ours.
    await boris.send("/stats", chat=group)
    await anna.send("/start@OtherBot", chat=group)
    await group.expect_no_message(within=0.5)
    # /now in the group made no conference; the log has only the one.
    assert len(await bot.services.conferences.upcoming(anna.id, limit=10)) == 1
    nothing_private_in(group, conference, "Quarterly numbers")


async def test_private_buttons_pressed_in_a_group_show_nothing(bot, emu):
    anna, boris, group, conference, posted = await setting(bot, emu)
    cid = conference.id
    forged = (
        f"conf:view:{cid}",
        f"conf:share:{cid}",
        f"conf:people:{cid}:0",
        f"conf:ics:{cid}",
        f"conf:relinkok:{cid}",
        f"conf:notify:{cid}",
        "prof:email",
        "prof:save",
        "menu:profile",
        "menu:home",
        "menu:log",
        "menu:now",
        "log:s:0",
        f"part:ics:{cid}",
        f"part:join:{cid}",
        "form:save",
        "inv:send",
        "jn:remember",
        f"adm:del:{cid}",
        "lang:set:ru",
    )
    # Boris (a member) and the owner herself: each forged press gets only the hint.
    for presser, language in ((boris, "ru"), (anna, "en")):
        for data in forged:
            await presser.press_data(posted, data, chat=group)
            answer = await presser.expect_callback_answer()
            expected = "личном чате" if language == "ru" else "private chat"
            assert expected in answer.text and "@ConferenceTestBot" in answer.text, data
            assert "Secret merger" not in answer.text and conference.password not in answer.text
    await group.expect_no_activity(within=0.5)
    await anna.expect_no_message(within=0.1)  # nothing went to her private chat either
    assert (await bot.services.users.get(boris.id)).language == "ru"
    assert len(await bot.services.conferences.upcoming(anna.id, limit=10)) == 1
    assert await bot.services.sharing.inline_cards(cid) == []
    nothing_private_in(group, conference)


async def test_private_buttons_on_an_inline_card_show_nothing(bot, emu):
    anna, _ = await person(emu)
    [cid] = await add_conferences(bot, anna.id, [3], topic="Secret merger")
    await anna.inline_query("")
    friends = emu.group("Friends", members=[anna])
    card = await anna.choose_inline_result(str(cid), "", chat=friends)
    await anna.press_data(card, f"conf:view:{cid}")
    assert "private chat" in (await anna.expect_callback_answer()).text
    await friends.expect_no_activity(within=0.5)


async def test_an_edited_admin_command_does_nothing(bot, emu):
    anna, _ = await person(emu)
    boris, _ = await person(emu, "Boris")
    sent = await anna.send("/find nobody-at-all")
    assert "nothing found" in (await anna.expect_message()).text.lower()
    await anna.edit(sent, f"/block {boris.id}")
    await anna.expect_no_message(within=0.7)
    assert not (await bot.services.users.get(boris.id)).is_blocked
    assert await AdminRepository(bot.services.database).audit_entries() == []
    # The same command as a new message works: it was the edit that was ignored.
    await anna.send(f"/block {boris.id}")
    assert "blocked" in (await anna.expect_message()).text
    assert (await bot.services.users.get(boris.id)).is_blocked


async def test_an_edited_command_in_a_group_gets_no_hint(bot, emu):
    anna, _ = await person(emu)
    group = emu.group("Team", members=[anna])
    sent = await anna.send("hello", chat=group)
    await anna.edit(sent, "/profile", chat=group)
    await group.expect_no_message(within=0.5)

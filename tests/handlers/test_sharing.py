"""Sharing in Telegram (F4): the share text, the deep link opened by a second user,
inline mode with a posted card kept current, group invite cards and change notices,
and the owner's summary with a participant who blocked the bot."""

from icalendar import Calendar

from tests.e2e import eventually
from tests.handlers.test_conference_log import add_conferences, open_first, person


async def card_of(user):
    await user.send("/log")
    log = await user.expect_message()
    return await open_first(user, log)


async def move_start(bot, owner_id, conference_id, hours):
    conference = await bot.services.conferences.owned(owner_id, conference_id)
    await bot.services.conferences.edit(
        owner_id, conference_id, starts_at=conference.starts_at + hours * 3600
    )


async def test_share_text_and_deep_link_for_a_second_user(bot, emu):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, timezone="Europe/Moscow")
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Design review")
    card = await card_of(anna)
    await anna.press(card, "📤 Share")
    assert "Forward the message below" in (await anna.expect_message()).text
    shared = await anna.expect_message()
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    for part in (
        "Design review",
        conference.conference_code,
        conference.password,
        "https://meet.jit.si",
        "Moscow time (UTC+3)",
    ):
        assert part in shared.text
    link = next(line for line in shared.text.splitlines() if "t.me/" in line).split()[-1]
    assert link.startswith("https://t.me/ConferenceTestBot?start=")
    token = link.split("start=")[1]
    assert len(token) >= 16 and str(conference_id) != token
    assert shared.buttons[0][0].switch_inline_query == conference.conference_code

    boris, _ = await person(emu, "Борис", "ru")
    await bot.update_profile(boris.id, timezone="Asia/Yekaterinburg")
    await boris.send(f"/start {token}")
    visitor = await boris.expect_message()
    assert "Design review" in visitor.text and "Екатеринбург (UTC+5)" in visitor.text
    assert "Если что-то изменится" in visitor.text
    assert visitor.buttons[0][0].callback_data == f"part:join:{conference_id}"
    await boris.press(visitor, "📆 Добавить в календарь")
    ics = Calendar.from_ical((await boris.expect_message()).document.content)
    assert ics.walk("VEVENT")[0]["summary"] == "Design review"
    assert await bot.services.sharing.is_participant(conference_id, boris.id)

    # A wrong token, and a forged calendar press by a stranger.
    await boris.send("/start notatoken")
    assert "ссылка больше не действует" in (await boris.expect_message()).text
    stranger, stranger_menu = await person(emu, "Eve")
    await stranger.press_data(stranger_menu, f"part:ics:{conference_id}")
    assert (await stranger.expect_callback_answer()).text == "This conference no longer exists."


async def test_participants_and_groups_get_change_notices_with_a_summary(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Standup")
    token = await bot.services.sharing.share_token(
        await bot.services.conferences.owned(anna.id, conference_id)
    )
    boris, _ = await person(emu, "Boris")
    await boris.send(f"/start {token}")
    await boris.expect_message()
    blocker, _ = await person(emu, "Blocker")
    await blocker.send(f"/start {token}")
    await blocker.expect_message()

    group = emu.group("Team chat", members=[anna, boris])
    await anna.send("/invite", chat=group)
    pick = await group.expect_message()
    assert "which conference should I post here" in pick.text
    await boris.press(pick, "1. Standup", chat=group)
    assert "Only the person who asked" in (await boris.expect_callback_answer()).text
    await anna.press(pick, "1. Standup", chat=group)
    posted = await group.expect_edit(pick)
    assert "Standup" in posted.text and posted.buttons[0][0].url.startswith("https://t.me/")

    await move_start(bot, anna.id, conference_id, 2)
    card = await card_of(anna)
    assert "have not been told yet" in card.text and "Participants in Telegram: 3" in card.text
    # Blocker blocked the bot without the bot hearing of it: the notice is refused.
    emu.fail_next(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        chat_id=blocker.id,
    )
    await anna.press(card, "Notify participants")
    assert "Sending the update to 3 participants…" in (await anna.expect_message()).text
    summary = await anna.expect_message()
    assert "2 of 3 in Telegram" in summary.text
    assert "Blocker: blocked the bot" in summary.text
    notice = await boris.expect_message()
    assert "has changed" in notice.text and "Standup" in notice.text
    group_notice = await group.expect_message()
    assert "has changed" in group_notice.text
    # Next time the blocked participant is skipped.
    await move_start(bot, anna.id, conference_id, 1)
    card = await card_of(anna)
    await anna.press(card, "Notify participants")
    assert "Sending the update" in (await anna.expect_message()).text
    assert "2 of 2 in Telegram" in (await anna.expect_message()).text


async def test_inline_query_posts_a_card_that_is_kept_current(bot, emu):
    anna, _ = await person(emu)
    [first, second] = await add_conferences(bot, anna.id, [3, 5], topic="Call {n}")
    answer = await anna.inline_query("")
    assert answer.titles() == ["Call 1", "Call 2"] and answer.is_personal
    filtered = await anna.inline_query("call 2")
    assert filtered.ids() == [str(second)]
    chat = emu.group("Friends", members=[anna])
    posted = await anna.choose_inline_result(str(first), "", chat=chat)
    assert "Call 1" in posted.text and posted.via_bot
    # chosen_inline_result has no visible answer: wait until the bot has recorded the card.
    assert await eventually(lambda: bot.services.sharing.inline_cards(first))

    # A participant so that "Notify participants" has someone to tell; the card follows.
    boris, _ = await person(emu, "Boris")
    token = await bot.services.sharing.share_token(
        await bot.services.conferences.owned(anna.id, first)
    )
    await boris.send(f"/start {token}")
    await boris.expect_message()
    await bot.services.conferences.edit(anna.id, first, topic="Call 1 (moved)")
    card = await card_of(anna)
    await anna.press(card, "Notify participants")
    await anna.expect_message()
    edited = await chat.expect_edit(posted)
    assert "Call 1 (moved)" in edited.text


async def test_no_conferences_inline_and_in_groups(bot, emu):
    anna, _ = await person(emu)
    answer = await anna.inline_query("")
    assert answer.results == [] and answer.button["start_parameter"] == "schedule"
    group = emu.group("Empty", members=[anna])
    await anna.send("/invite", chat=group)
    assert "no scheduled conferences" in (await group.expect_message()).text
    await anna.send("/invite")
    assert "Use /invite in a group" in (await anna.expect_message()).text
    await anna.send("/start schedule")
    assert "Main menu" in (await anna.expect_message()).text


async def test_notify_without_participants_says_so(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3])
    await move_start(bot, anna.id, conference_id, 1)
    card = await card_of(anna)
    # Changed, but nobody to tell: no reminder on the card and no button.
    assert "Notify participants" not in card.button_texts()
    assert "have not been told yet" not in card.text
    await anna.press_data(card, f"conf:notify:{conference_id}")
    assert "no participants yet" in (await anna.expect_callback_answer()).text
    await anna.expect_no_message(within=0.3)


async def test_a_participant_who_blocks_the_bot_is_skipped(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3])
    token = await bot.services.sharing.share_token(
        await bot.services.conferences.owned(anna.id, conference_id)
    )
    boris, _ = await person(emu, "Boris")
    await boris.send(f"/start {token}")
    await boris.expect_message()
    emu.block_bot(boris)  # Telegram tells the bot (my_chat_member)
    assert await eventually(lambda: _inactive(bot, boris.id)), (
        "the blocked participant stays active"
    )
    assert await bot.services.sharing.participants(conference_id) == []


async def _inactive(bot, user_id):
    return not (await bot.services.users.get(user_id)).is_active

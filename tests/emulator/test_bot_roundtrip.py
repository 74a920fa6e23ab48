"""A real PTB Application talking to the emulator: conversations end to end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.ext import Application

from emulator import BotAPIEmulator

from .demo_bot import DOC_BYTES

pytestmark = pytest.mark.asyncio

App = Application[Any, Any, Any, Any, Any, Any]


async def test_start_message_round_trip(emu: BotAPIEmulator, bot_app: App) -> None:
    alice = emu.user("Alice", username="alice")
    sent = await alice.send("/start")
    msg = await alice.expect_message()
    assert msg.text == "Hello Alice!"
    assert msg.html == "Hello <b>Alice</b>!"
    assert msg.entities == ({"type": "bold", "offset": 6, "length": 5},)
    assert msg.button_texts() == ["Personal information", "Get document"]
    # reply_html() only quotes in groups by default (PTB's do_quote).
    assert msg.reply_to_message_id is None
    # Message ids are per chat and shared by user and bot.
    assert msg.message_id == sent.message_id + 1
    call = emu.calls_of("sendMessage")[0]
    assert call.params["chat_id"] == alice.id and call.params["parse_mode"] == "HTML"
    assert emu.unknown_calls == []


async def test_command_addressed_to_bot_and_args(emu: BotAPIEmulator, bot_app: App) -> None:
    bob = emu.user("Bob")
    await bob.send("/invite@ConferenceTestBot carol dave")
    assert (await bob.expect_message()).text == "Invite for private chat: carol dave"
    await bob.send("/invite@SomeOtherBot x")
    await bob.expect_no_message(within=0.2)


async def test_button_press_edit_and_callback_answer(emu: BotAPIEmulator, bot_app: App) -> None:
    alice = emu.user("Alice")
    await alice.send("/start")
    menu = await alice.expect_message()
    await alice.press(menu, "Personal")  # substring match
    answer = await alice.expect_callback_answer()
    assert answer.text == "Loading…" and not answer.show_alert
    edited = await alice.expect_edit(menu)
    assert edited.message_id == menu.message_id
    assert edited.text == f"Your id is {alice.id}"
    assert edited.button_texts() == ["« Back"]
    assert edited.edits == 1
    # The original snapshot is unchanged; pressing uses the current markup.
    assert menu.text == "Hello Alice!"
    await alice.press(menu, "« Back")
    back = await alice.expect_edit(menu)
    assert back.text == "Main menu" and back.edits == 2
    # Forged data reaches the bot and gets an alert.
    await alice.press_data(menu, "forged:data")
    assert (await alice.expect_callback_answer()).show_alert is True
    # The callback query carried the message as displayed.
    current = emu.chat_messages(alice)[-1]
    assert current.text == "Main menu"


async def test_document_upload_and_download(emu: BotAPIEmulator, bot_app: App) -> None:
    alice = emu.user("Alice")
    await alice.send("/start")
    menu = await alice.expect_message()
    await alice.press(menu, callback_data="doc")
    doc_msg = await alice.expect_message()
    assert doc_msg.document is not None
    assert doc_msg.document.filename == "agenda.txt"
    assert doc_msg.document.mime_type == "text/plain"
    assert doc_msg.document.content == DOC_BYTES
    assert doc_msg.text == "Your agenda" and doc_msg.caption == "Your agenda"
    # getFile + download through base_file_url, and re-sending by file_id.
    tg_file = await bot_app.bot.get_file(doc_msg.document.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == DOC_BYTES
    again = await bot_app.bot.send_document(alice.id, doc_msg.document.file_id)
    assert again.document and again.document.file_id == doc_msg.document.file_id
    assert (await alice.expect_message()).document == doc_msg.document


async def test_photo_upload(emu: BotAPIEmulator, bot_app: App) -> None:
    alice = emu.user("Alice")
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000002000000030806000000") + b"\x00" * 16
    sent = await bot_app.bot.send_photo(alice.id, png, filename="p.png")
    assert sent.photo[-1].width == 2 and sent.photo[-1].height == 3
    msg = await alice.expect_message()
    assert msg.photo is not None and msg.photo.content == png
    from telegram.error import BadRequest

    with pytest.raises(BadRequest, match="(?i)IMAGE_PROCESS_FAILED"):
        await bot_app.bot.send_photo(alice.id, b"not an image", filename="x.png")


async def test_sticker_reaches_sticker_handler(emu: BotAPIEmulator, bot_app: App) -> None:
    alice = emu.user("Alice")
    await alice.send_sticker("🎉")
    assert (await alice.expect_message()).text == "nice sticker 🎉"
    # Other non-text messages are ignored by this bot.
    await alice.send_voice()
    await alice.send_contact()
    await alice.send_photo()
    await alice.expect_no_message(within=0.2)


async def test_group_messages(emu: BotAPIEmulator, bot_app: App) -> None:
    alice, bob = emu.user("Alice"), emu.user("Bob")
    group = emu.group("Team chat", members=[bob])
    assert group.id < 0
    await alice.send("/invite now", chat=group)
    msg = await group.expect_message()
    assert msg.text == "Invite for Team chat: now"
    assert msg.chat_id == group.id
    # Each observer has its own cursor over the same chat.
    assert (await bob.expect_message(chat=group)).message_id == msg.message_id
    await alice.expect_no_message(within=0.05)  # nothing in Alice's private chat
    assert alice.id in group.member_ids


async def test_inline_query_and_chosen_result(emu: BotAPIEmulator, bot_app: App) -> None:
    alice = emu.user("Alice")
    group = emu.group("Team chat", members=[alice])
    answer = await alice.inline_query("AI")
    assert answer.ids() == ["talk-1"]
    assert answer[0]["title"] == "Talk about AI"
    posted = await alice.choose_inline_result("talk-1", chat=group)
    assert posted.via_bot and posted.text == "AI at 10:00" and posted.inline_message_id
    await alice.press(posted, "Join")  # query with inline_message_id, bot says "Unknown"
    assert (await alice.expect_callback_answer()).text == "Unknown button"
    # The bot can edit the inline message; the group sees the edit.
    assert posted.inline_message_id is not None
    assert await bot_app.bot.edit_message_text("edited", inline_message_id=posted.inline_message_id)
    edited = await group.expect_edit(posted.message_id)
    assert edited.text == "edited"


async def test_language_code_travels_with_updates(emu: BotAPIEmulator, bot_app: App) -> None:
    alice = emu.user("Alice", language_code="en")
    alice.language_code = "ru"
    await alice.send("hi")
    await alice.expect_message()
    update = emu.calls_of("getUpdates")
    delivered = [u for c in update if c.ok for u in c.result if "message" in u]
    assert delivered[-1]["message"]["from"]["language_code"] == "ru"


async def test_expect_message_timeout_shows_transcript(emu: BotAPIEmulator, bot_app: App) -> None:
    alice = emu.user("Alice")
    await alice.send_voice()
    with pytest.raises(AssertionError, match="transcript of chat"):
        await alice.expect_message(timeout=0.1)


async def test_events_are_not_lost_or_reordered(emu: BotAPIEmulator, bot_app: App) -> None:
    alice = emu.user("Alice")
    for i in range(5):
        await alice.send(f"m{i}")
    await emu.wait_for_delivery()
    texts = [m.text for m in await alice.expect_messages(5)]
    assert sorted(texts) == [f"echo: m{i}" for i in range(5)]
    await asyncio.sleep(0)
    assert alice.skip_pending() == 0


async def test_a_user_edits_a_message(emu: BotAPIEmulator, bot_app: App) -> None:
    alice = emu.user("Alice")
    sent = await alice.send("first")
    assert (await alice.expect_message()).text == "echo: first"
    edited = await alice.edit(sent, "second /start")
    assert edited.text == "second /start" and edited.message_id == sent.message_id
    # The demo bot echoes text, edited or not: it got an edited_message update.
    assert (await alice.expect_message()).text == "echo: second /start"
    delivered = [u for c in emu.calls_of("getUpdates") if c.ok for u in c.result]
    [update] = [u for u in delivered if "edited_message" in u]
    assert update["edited_message"]["edit_date"] >= update["edited_message"]["date"]
    assert update["edited_message"]["entities"][0]["type"] == "bot_command"
    with pytest.raises(AssertionError, match="own messages"):
        await emu.user("Bob").edit(sent, "not yours", chat=alice.chat_id)


async def test_a_user_shares_a_location_with_the_keyboard_button(
    emu: BotAPIEmulator, bot_app: App
) -> None:
    alice = emu.user("Alice")
    with pytest.raises(AssertionError, match="no 'send location' button"):
        await alice.share_location(55.75, 37.62)  # nothing offers one yet
    await alice.send("/where")
    asked = await alice.expect_message()
    assert asked.keyboard == (("📍 Send my location",),)
    assert alice.reply_keyboard() is not None
    await alice.share_location(55.75, 37.62)
    answer = await alice.expect_message()
    assert answer.text == "you are at 55.75, 37.62"
    # The bot removed the keyboard with its answer: the button is gone.
    assert alice.reply_keyboard() is None
    with pytest.raises(AssertionError, match="no 'send location' button"):
        await alice.share_location(55.75, 37.62)
    # A location from the attachment menu needs no keyboard.
    await alice.send_location(59.94, 30.31)
    assert (await alice.expect_message()).text == "you are at 59.94, 30.31"

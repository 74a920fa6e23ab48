"""Telegram-like validation, fault injection and lifecycle, via a real PTB Bot."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import BadRequest, EndPointNotFound, Forbidden, RetryAfter
from telegram.ext import Application

from emulator import BotAPIEmulator
from emulator.testing import application_builder

pytestmark = pytest.mark.asyncio

App = Application[Any, Any, Any, Any, Any, Any]


async def test_get_me(emu: BotAPIEmulator, api_bot: Any) -> None:
    assert api_bot.id == 100000
    assert api_bot.username == "ConferenceTestBot"
    assert api_bot.first_name == "Conference Bot"
    assert api_bot.supports_inline_queries and api_bot.can_join_groups


async def test_set_my_commands_per_language(emu: BotAPIEmulator, api_bot: Any) -> None:
    await api_bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await api_bot.set_my_commands([BotCommand("start", "Начать")], language_code="ru")
    await api_bot.set_my_commands(
        [BotCommand("lang", "Language")], scope=BotCommandScopeAllPrivateChats()
    )
    assert emu.commands() == [("start", "Start"), ("help", "Help")]
    assert emu.commands("ru") == [("start", "Начать")]
    assert emu.commands(scope_type="all_private_chats") == [("lang", "Language")]
    got = await api_bot.get_my_commands(language_code="ru")
    assert [(c.command, c.description) for c in got] == [("start", "Начать")]
    alice = emu.user("Alice", language_code="ru")
    assert emu.visible_commands(alice) == [("lang", "Language")]
    await api_bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert emu.visible_commands(alice) == [("start", "Начать")]
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await api_bot.set_my_commands([BotCommand("Bad-Name", "x")])


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<foo>bar</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("Tom & Jerry", "Unescaped '&' at byte offset 4"),
    ],
)
async def test_html_validation_errors(
    emu: BotAPIEmulator, api_bot: Any, text: str, error: str
) -> None:
    alice = emu.user("Alice")
    with pytest.raises(BadRequest) as info:
        await api_bot.send_message(alice.id, text, parse_mode="HTML")
    # PTB strips "Bad Request: " and capitalize()s the rest, so compare the
    # exact Telegram wording on the recorded call instead.
    recorded = emu.calls_of("sendMessage")[-1].error
    assert recorded is not None and recorded.error_code == 400
    assert recorded.description.startswith("Bad Request: can't parse entities: ")
    assert error in recorded.description
    assert info.value.message.lower() == recorded.description.removeprefix("Bad Request: ").lower()
    assert alice.messages() == []


async def test_text_limits(emu: BotAPIEmulator, api_bot: Any) -> None:
    alice = emu.user("Alice")
    with pytest.raises(BadRequest, match="(?i)too long"):
        await api_bot.send_message(alice.id, "x" * 4097)
    with pytest.raises(BadRequest, match="(?i)too long"):
        await api_bot.send_message(alice.id, "<b>" + "x" * 4097 + "</b>", parse_mode="HTML")
    ok = await api_bot.send_message(alice.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(ok.text) == 4096
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await api_bot.send_message(alice.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await api_bot.send_message(424242, "hi")


async def test_reply_markup_validation(emu: BotAPIEmulator, api_bot: Any) -> None:
    alice = emu.user("Alice")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await api_bot.send_message(alice.id, "hi", reply_markup=too_long)
    exactly_64 = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 32)]])
    await api_bot.send_message(alice.id, "hi", reply_markup=exactly_64)
    bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("x", url="javascript:alert(1)")]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_URL_INVALID"):
        await api_bot.send_message(alice.id, "hi", reply_markup=bad_url)
    with pytest.raises(BadRequest, match="(?i)Text buttons are unallowed"):
        await api_bot.send_message(
            alice.id, "hi", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x")]])
        )


async def test_edit_errors(emu: BotAPIEmulator, api_bot: Any) -> None:
    alice = emu.user("Alice")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    sent = await api_bot.send_message(
        alice.id, "<b>same</b>", parse_mode="HTML", reply_markup=markup
    )
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await api_bot.edit_message_text(
            "<b>same</b>", alice.id, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await api_bot.edit_message_text("x", alice.id, 9999)
    # Omitting reply_markup removes the keyboard, like Telegram.
    edited = await api_bot.edit_message_text(
        "<b>same</b>", alice.id, sent.message_id, parse_mode="HTML"
    )
    assert edited.reply_markup is None
    user_msg = await alice.send("mine")
    with pytest.raises(BadRequest, match="(?i)message can't be edited"):
        await api_bot.edit_message_text("x", alice.id, user_msg.message_id)
    assert await api_bot.delete_message(alice.id, sent.message_id)
    deleted = await alice.expect_deletion(sent.message_id)
    assert deleted.deleted
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await api_bot.delete_message(alice.id, sent.message_id)


async def test_callback_answer_twice_rejected(emu: BotAPIEmulator, api_bot: Any) -> None:
    alice = emu.user("Alice")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    sent = await api_bot.send_message(alice.id, "menu", reply_markup=markup)
    query_id = await alice.press(sent.message_id, "a")
    assert await api_bot.answer_callback_query(query_id, "ok")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await api_bot.answer_callback_query(query_id, "again")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await api_bot.answer_callback_query("123", "unknown")


async def test_fail_next_forbidden_and_retry_after(emu: BotAPIEmulator, api_bot: Any) -> None:
    alice, bob = emu.user("Alice"), emu.user("Bob")
    emu.fail_next("sendMessage", error_code=403, chat_id=alice.id)
    await api_bot.send_message(bob.id, "bob is fine")  # other chat unaffected
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await api_bot.send_message(alice.id, "hi")
    await api_bot.send_message(alice.id, "works again")

    emu.fail_next("sendmessage", error_code=429, retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter, match="(?i)Retry in 7"):
            await api_bot.send_message(alice.id, "hi")
    await api_bot.send_message(alice.id, "works again")
    rejected = [c for c in emu.calls if c.rejected_by == "fault"]
    assert [c.error_code for c in rejected] == [403, 429, 429]


async def test_block_bot(emu: BotAPIEmulator, api_bot: Any) -> None:
    alice = emu.user("Alice")
    emu.block_bot(alice)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await api_bot.send_message(alice.id, "hi")
    member = await api_bot.get_chat_member(alice.id, api_bot.id)
    assert member.status == "kicked"
    emu.unblock_bot(alice)
    await api_bot.send_message(alice.id, "hi")


async def test_unknown_method_is_recorded(emu: BotAPIEmulator, api_bot: Any) -> None:
    # PTB maps a 404 to InvalidToken, or EndPointNotFound once the bot is initialized.
    with pytest.raises(EndPointNotFound):
        await api_bot.do_api_request("sendDice", api_kwargs={"chat_id": 1})
    assert [c.method for c in emu.unknown_calls] == ["sendDice"]


async def test_rate_limit() -> None:
    async with BotAPIEmulator(rate_limit_per_second=5) as emu:
        app = application_builder(emu).build()
        await app.initialize()
        try:
            alice = emu.user("Alice")
            results = await asyncio.gather(
                *(app.bot.send_message(alice.id, f"m{i}") for i in range(8)),
                return_exceptions=True,
            )
            limited = [r for r in results if isinstance(r, RetryAfter)]
            assert len(limited) == 3
            assert len([c for c in emu.calls if c.rejected_by == "rate_limit"]) == 3
            assert len(alice.messages()) == 5
        finally:
            await app.shutdown()


async def test_stop_releases_long_poll_quickly() -> None:
    emu = BotAPIEmulator()
    await emu.start()
    app = application_builder(emu).build()
    await app.initialize()
    try:
        poll = asyncio.create_task(app.bot.get_updates(timeout=30))
        await emu.wait_for_call("getMe")
        await asyncio.sleep(0.1)  # let the request reach the server
        started = time.monotonic()
        await emu.stop()
        assert await asyncio.wait_for(poll, 1) == ()
        assert time.monotonic() - started < 0.5
    finally:
        await app.shutdown()


async def test_long_poll_wakes_on_injection(emu: BotAPIEmulator, api_bot: Any) -> None:
    alice = emu.user("Alice")
    poll = asyncio.create_task(api_bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await alice.send("wake up")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 0.5
    assert updates[0].message.text == "wake up"
    # Not confirmed yet: fetched again until the offset moves past it.
    again = await api_bot.get_updates(timeout=0)
    assert again[0].update_id == updates[0].update_id
    assert await api_bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_running_application_stops_fast(emu: BotAPIEmulator) -> None:
    from emulator.testing import running_application

    from .demo_bot import build_app

    started = time.monotonic()
    async with running_application(build_app(emu), emu):
        alice = emu.user("Alice")
        await alice.send("ping")
        await alice.expect_message()
        exit_started = time.monotonic()
    assert time.monotonic() - exit_started < 1.0
    assert time.monotonic() - started < 3.0

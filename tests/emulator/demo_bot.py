"""A tiny but real PTB bot used to exercise the emulator end to end."""

from __future__ import annotations

import html
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from emulator import BotAPIEmulator
from emulator.testing import application_builder

MAIN_MENU = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Personal information", callback_data="info")],
        [InlineKeyboardButton("Get document", callback_data="doc")],
    ]
)
BACK_MENU = InlineKeyboardMarkup([[InlineKeyboardButton("« Back", callback_data="back")]])
DOC_BYTES = b"Agenda: 10:00 keynote\n"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_user and update.effective_message
    name = html.escape(update.effective_user.first_name)
    await update.effective_message.reply_html(f"Hello <b>{name}</b>!", reply_markup=MAIN_MENU)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    if query.data == "info":
        await query.answer("Loading…")
        await query.edit_message_text(
            f"Your id is <code>{query.from_user.id}</code>",
            parse_mode=ParseMode.HTML,
            reply_markup=BACK_MENU,
        )
    elif query.data == "back":
        await query.answer()
        await query.edit_message_text("Main menu", reply_markup=MAIN_MENU)
    elif query.data == "doc":
        await query.answer()
        assert query.message is not None
        await context.bot.send_document(
            query.message.chat.id,
            DOC_BYTES,
            filename="agenda.txt",
            caption="Your <i>agenda</i>",
            parse_mode=ParseMode.HTML,
        )
    else:
        await query.answer("Unknown button", show_alert=True)


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat and update.effective_message
    where = update.effective_chat.title or "private chat"
    await update.effective_message.reply_text(f"Invite for {where}: {' '.join(context.args or [])}")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_message.text
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_message.sticker
    emoji = update.effective_message.sticker.emoji
    await update.effective_message.reply_text(f"nice sticker {emoji}")


async def where(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/where: a keyboard under the input field with a button that sends a location."""
    assert update.effective_message
    button = KeyboardButton("📍 Send my location", request_location=True)
    await update.effective_message.reply_text(
        "Where are you?", reply_markup=ReplyKeyboardMarkup([[button]], one_time_keyboard=True)
    )


async def location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_message.location
    place = update.effective_message.location
    await update.effective_message.reply_text(
        f"you are at {place.latitude:.2f}, {place.longitude:.2f}",
        reply_markup=ReplyKeyboardRemove(),
    )


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    assert query is not None
    await query.answer(
        [
            InlineQueryResultArticle(
                id="talk-1",
                title=f"Talk about {query.query}",
                input_message_content=InputTextMessageContent(
                    f"<b>{html.escape(query.query)}</b> at 10:00", parse_mode=ParseMode.HTML
                ),
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("Join", callback_data="join")]]
                ),
            )
        ],
        cache_time=0,
    )


def build_app(emu: BotAPIEmulator) -> Application[Any, Any, Any, Any, Any, Any]:
    app = application_builder(emu).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("invite", invite))
    app.add_handler(CommandHandler("where", where))
    app.add_handler(MessageHandler(filters.LOCATION, location))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.Sticker.ALL, sticker))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(InlineQueryHandler(inline))
    return app

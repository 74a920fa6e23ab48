"""The baseline bot: a bare python-telegram-bot echo bot (B1, B6).

Text is echoed back with one inline button; a press is answered and edits the message,
so it makes the same kinds of Bot API calls as the conference bot's navigation
(sendMessage after typed text; answerCallbackQuery + editMessageText after a press).
Reads TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL from the environment.
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="echo")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text, reply_markup=KEYBOARD)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    await query.edit_message_text(
        f"pressed {query.data} #{update.update_id}", reply_markup=KEYBOARD
    )


def main() -> None:
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_BASE_URL"])
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()

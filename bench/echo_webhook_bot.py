"""The baseline of B1 in webhook mode: the same bare echo bot as bench/echo_bot.py, served
by python-telegram-bot's own webhook server (`Application.run_webhook`, on tornado).

PTB's server answers Telegram as soon as an update is on its queue, before any handler
ran; the conference bot answers only once the update's dialog state is saved.
Reads TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL and WEBHOOK_PORT from the environment.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bench.echo_bot import echo, pressed

SECRET = "bench-webhook-secret"


def main() -> None:
    port = int(os.environ["WEBHOOK_PORT"])
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_BASE_URL"])
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token=SECRET,
        allowed_updates=Update.ALL_TYPES,
    )


if __name__ == "__main__":
    main()

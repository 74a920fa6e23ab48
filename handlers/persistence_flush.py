"""Group 99: write dialog states right after each update, not only on PTB's timer.

A conversation that was confirmed to the user must survive a crash (even SIGKILL); PTB
by itself writes its persistence every `update_interval` seconds and at shutdown.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.context import BotContext


async def flush(update: Update, context: BotContext) -> None:
    await context.application.update_persistence()


def handler() -> BaseHandler:
    return TypeHandler(Update, flush)

"""Group -1: every update from a person registers or refreshes them before features run."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.context import BotContext
from bot.users import TelegramIdentity


async def load_current_user(update: Update, context: BotContext) -> None:
    """Put the stored user (registered on first contact) on the context."""
    person = update.effective_user
    if person is None or person.is_bot:
        return
    identity = TelegramIdentity(
        id=person.id,
        full_name=person.full_name,
        username=person.username,
        language_code=person.language_code,
    )
    user, is_new = await context.services.users.register_or_touch(identity)
    context.current_user = user
    context.user_is_new = is_new


def handler() -> BaseHandler:
    return TypeHandler(Update, load_current_user)

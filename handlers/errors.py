"""The one error handler: log first (never secrets), then tell the user in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.context import BotContext
from bot.i18n import Translator, language_for
from bot.update_ledger import StateNotSaved

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    # Only the update id and the error: update contents may hold passwords people typed.
    update_id = update.update_id if isinstance(update, Update) else None
    if (
        isinstance(context.error, Forbidden)
        and isinstance(update, Update)
        and update.effective_chat is not None
    ):
        # The person blocked the bot (or the bot left the group): skip them from now on.
        log.info("Chat %s is unreachable: %s", update.effective_chat.id, context.error)
        await context.services.sharing.chat_unreachable(update.effective_chat.id)
        return
    log.error("Error while handling update %s", update_id, exc_info=context.error)
    if (
        isinstance(context.error, StateNotSaved)
        and context.services.settings.telegram_mode == "webhook"
    ):
        # Nothing was confirmed to the person, and Telegram delivers the update again
        # (answered 500, app/webhook.py): an apology now would ask them to repeat it.
        return
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = context.user_if_known
    language = (
        user.language
        if user
        else language_for(update.effective_user.language_code if update.effective_user else None)
    )
    t = Translator(language)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
    except TelegramError:
        pass  # already answered, or too old: the message below still explains
    try:
        await context.bot.send_message(update.effective_chat.id, t("common.error"))
    except TelegramError:
        log.warning("Could not tell chat %s about the error", update.effective_chat.id)

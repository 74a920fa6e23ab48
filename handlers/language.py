"""/language: switch between English and Russian at once, from anywhere."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import LANGUAGES, Translator
from handlers import callback_data as cb
from handlers import keyboards
from handlers.commands import publish_chat_commands
from handlers.common import Handler, answer_press, chat_id_of, pressed_data, send, show


async def choose_language(update: Update, context: BotContext) -> None:
    """/language: the two languages as buttons."""
    await send(
        update,
        context,
        context.t("language.choose"),
        keyboards.language_choice(cb.LANGUAGE, context.t),
    )


async def on_language_press(update: Update, context: BotContext) -> None:
    """A language button: store the choice, answer in the new language, move the menu."""
    data = pressed_data(update)
    if data is None or data.action not in ("set", "back"):
        await answer_press(update, context.t.plain("common.stale_button"))
        return
    if data.action == "back":
        await answer_press(update)
        await show(update, context, context.t("menu.title"), keyboards.main_menu(context.t))
        return
    language = data.args[0] if data.args else ""
    if language not in LANGUAGES:
        await answer_press(update, context.t.plain("common.stale_button"))
        return
    await answer_press(update)
    user = context.current_user
    await context.services.users.set_language(user.id, language)
    await publish_chat_commands(context.bot, chat_id_of(update), language)
    t = Translator(language)
    await show(
        update, context, f"{t('language.switched')}\n\n{t('menu.title')}", keyboards.main_menu(t)
    )


def handlers() -> list[Handler]:
    return [
        CommandHandler("language", choose_language),
        CallbackQueryHandler(on_language_press, pattern=cb.pattern(cb.LANGUAGE)),
    ]

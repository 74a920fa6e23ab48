"""/start, /help, the main menu, /cancel outside dialogs, and the catch-all answers."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.timezones import display_name
from handlers import callback_data as cb
from handlers import keyboards, sharing
from handlers.common import Handler, answer_press, pressed_data, send, show

SCHEDULE_START_PARAMETER = sharing.SCHEDULE_START_PARAMETER


async def start(update: Update, context: BotContext) -> None:
    """/start: greet (differently the first time) and show the main menu; /start <token>
    (a shared conference's deep link) opens that conference."""
    if context.args and context.args[0] != SCHEDULE_START_PARAMETER:
        await sharing.open_deep_link(update, context, context.args[0])
        return
    t = context.t
    user = context.current_user
    if context.user_is_new:
        now = context.services.clock.now()
        greeting = t(
            "start.greeting_new",
            name=user.full_name,
            timezone=display_name(user.timezone, t.language, now),
        )
    else:
        greeting = t("start.greeting_back", name=user.full_name)
    await send(update, context, f"{greeting}\n\n{t('menu.title')}", keyboards.main_menu(t))


async def help_command(update: Update, context: BotContext) -> None:
    """/help: every command, in the user's language."""
    await send(update, context, context.t("help.text"), keyboards.back_to_menu(context.t))


async def on_menu_press(update: Update, context: BotContext) -> None:
    """The main menu's own buttons: home and help (features register their own)."""
    data = pressed_data(update)
    t = context.t
    if data is None or data.action not in ("home", "help") or data.args:
        await answer_press(update, t.plain("common.stale_button"))
        return
    await answer_press(update)
    if data.action == "help":
        await show(update, context, t("help.text"), keyboards.back_to_menu(t))
    else:
        await show(update, context, t("menu.title"), keyboards.main_menu(t))


async def cancel_outside_dialog(update: Update, context: BotContext) -> None:
    """/cancel when no dialog is open."""
    await send(update, context, context.t("common.nothing_to_cancel"))


async def not_understood(update: Update, context: BotContext) -> None:
    """Text, stickers or commands that no feature took: point to the menu and /help."""
    await send(update, context, context.t("common.not_understood"))


async def stale_press(update: Update, context: BotContext) -> None:
    """A button no handler recognises: old keyboards, or forged data."""
    await answer_press(update, context.t.plain("common.stale_button"))


def handlers() -> list[Handler]:
    return [
        CommandHandler("start", start, filters=filters.ChatType.PRIVATE),
        CommandHandler("help", help_command),
        CallbackQueryHandler(on_menu_press, pattern=cb.pattern(cb.MENU)),
        CommandHandler("cancel", cancel_outside_dialog),
    ]


def fallback_handlers() -> list[Handler]:
    return [
        CallbackQueryHandler(stale_press),
        # New messages only: an edit (of an admin command, say) is not answered at all.
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL,
            not_understood,
        ),
    ]

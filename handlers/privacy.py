"""Private things stay in private chats (its own handler group, after the user layer).

In a group, everyone reads what the bot answers: a main menu, "Personal information",
the conference log or a conference card would show someone's e-mail, topics and
passwords to the whole group. So in a group (or on a card posted through inline mode)
the screens of the private chat do nothing but point to it:

- their commands get a short hint with a button that opens the private chat (an edited
  command gets nothing);
- their buttons, pressed or forged, get the hint as the press's answer, before any
  feature could look at the data.

What is made for groups stays: /invite and its pick list (`grp:`), /cancel, inline mode.
Admin commands are private as well; for anyone but an admin they are unknown commands,
which a group gets no answer to.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import BotContext
from handlers import admin
from handlers import callback_data as cb

# Commands of private screens: the menu and everything it opens.
PRIVATE_COMMANDS = frozenset(
    {"start", "help", "schedule", "now", "log", "profile", "language", "download"}
)
# Buttons of private screens; of all prefixes only the group pick list (grp:) is for groups.
PRIVATE_PREFIXES = frozenset(
    {
        cb.MENU,
        cb.PROFILE,
        cb.LOG,
        cb.CONFERENCE,
        cb.FORM,
        cb.INVITE,
        cb.PARTICIPANT,
        cb.JOIN,
        cb.ADMIN,
        cb.LANGUAGE,
        cb.ZONE,
    }
)


async def keep_private(update: Update, context: BotContext) -> None:
    """Stop a private screen's command or button outside the private chat, with a hint."""
    if update.callback_query is not None:
        await _guard_press(update, context)
    else:
        await _guard_command(update, context)


async def _guard_press(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    message = query.message
    if message is not None and message.chat.type == ChatType.PRIVATE:
        return
    prefix = (query.data or "").split(":", 1)[0]
    if prefix not in PRIVATE_PREFIXES:
        return
    try:
        await query.answer(
            context.t.plain("privacy.alert", bot=context.bot.username), show_alert=True
        )
    except TelegramError:
        pass  # a courtesy: what matters is that nothing else runs
    raise ApplicationHandlerStop


async def _guard_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.type == ChatType.PRIVATE:
        return
    command = _command_of(message, context.bot.username)
    if command is None or not _is_private(command, update, context):
        return
    if update.message is not None:  # a new message; an edited one gets nothing
        t = context.t
        button = InlineKeyboardButton(
            t.plain("privacy.button_open"), url=f"https://t.me/{context.bot.username}"
        )
        try:
            await context.bot.send_message(
                chat.id,
                t("privacy.hint"),
                parse_mode=ParseMode.HTML,
                reply_markup=InlineKeyboardMarkup([[button]]),
            )
        except TelegramError:
            pass
    raise ApplicationHandlerStop


def _is_private(command: str, update: Update, context: BotContext) -> bool:
    if command in PRIVATE_COMMANDS:
        return True
    person = update.effective_user
    return (
        command in admin.COMMANDS
        and person is not None
        and context.services.settings.is_admin(person.id)
    )


def _command_of(message: Message, bot_username: str) -> str | None:
    """The command a message starts with, if it is for this bot (`/cmd` or `/cmd@bot`)."""
    text = message.text or ""
    entity = message.entities[0] if message.entities else None
    if entity is None or entity.type != MessageEntityType.BOT_COMMAND or entity.offset != 0:
        return None
    name, _, target = text[1 : entity.length].partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return name.lower()


def handler() -> BaseHandler:
    return TypeHandler(Update, keep_private)

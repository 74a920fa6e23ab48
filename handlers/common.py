"""Small helpers every handler uses: answering presses, showing a screen."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Translator
from bot.validation import InvalidInput
from handlers import callback_data as cb

log = logging.getLogger(__name__)

# A feature's handler as ConversationHandler wants its parts typed (RT is invariant in
# PTB's generics, so a handler whose callback returns a state is stored as `object`).
Handler = BaseHandler[Update, BotContext, object]
# A handler callback: an update and our context in, a dialog state (or None) out.
Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]
# What a new message may carry under it: buttons, or the keyboard of the chat's input.
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
# The mark of an update handled again after a question put before it (handlers/zone_check.py).
REPLAY_MARK = "replayed_after_question"


def is_replay(update: Update) -> bool:
    """An update handled a second time, after the question that held it was answered: its
    press was answered the first time, and its screen comes as a new message below the
    answer rather than in place of the message pressed long ago."""
    return bool(update.api_kwargs.get(REPLAY_MARK))


def pressed_data(update: Update) -> cb.CallbackData | None:
    """The pressed button's data, decoded; None for forged or outdated data (or no press)."""
    query = update.callback_query
    return cb.decode(query.data if query is not None else None)


def typed_text(update: Update) -> str:
    """The text of the message this update brought ("" for anything else)."""
    message = update.effective_message
    return (message.text or "") if message is not None else ""


def chat_id_of(update: Update) -> int:
    """The chat of an update that came from a chat (every message and press does)."""
    chat = update.effective_chat
    if chat is None:
        raise LookupError(f"update {update.update_id} has no chat")
    return chat.id


async def answer_press(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the callback query at once (Telegram shows a spinner until we do).

    A replayed press (the zone question handles the held press again) was answered when
    it first came, and Telegram takes one answer per press. A press Telegram delivers
    again (webhook mode: the bot died before its answer) may be too old to answer:
    Telegram refuses then, and the press is still carried out."""
    if update.callback_query is not None and not is_replay(update):
        try:
            await update.callback_query.answer(text, show_alert=alert)
        except BadRequest as error:
            if "query is too old" not in str(error).lower():
                raise
            log.info("Update %s: the press could not be answered any more", update.update_id)


async def show(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Navigation: edit the pressed message in place, or send a new one after typed input.

    Like `send`, it is delivered after the update's dialog state is saved (see below)."""
    await _deliver(context, lambda: _show_now(update, context, text, markup))


async def _show_now(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None
) -> Message | None:
    query = update.callback_query
    if (
        query is not None
        and query.message is not None
        and query.message.is_accessible
        and not is_replay(update)
    ):
        try:
            result = await query.edit_message_text(
                text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
            return result if isinstance(result, Message) else None
        except BadRequest as error:
            # A second press on the same button asks for the screen already shown.
            if "not modified" in str(error).lower():
                return None
            raise
    return await _send_now(update, context, text, markup)


async def drop_buttons(update: Update, context: BotContext, *, all_of_them: bool = False) -> None:
    """Edit the pressed message so that the pressed button is gone and the rest stays: for
    a button that does its work once ("Remember this name"). `all_of_them`: the message
    keeps its text and loses every button (a question answered by a tap)."""
    await _deliver(context, lambda: _drop_buttons_now(update, all_of_them))


async def _drop_buttons_now(update: Update, all_of_them: bool) -> None:
    query = update.callback_query
    message = query.message if query is not None else None
    if query is None or message is None or not isinstance(message, Message):
        return
    markup = None if all_of_them else message.reply_markup
    rows = [
        [button for button in row if button.callback_data != query.data]
        for row in (markup.inline_keyboard if markup else ())
    ]
    rows = [row for row in rows if row]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
    except BadRequest as error:
        if "not modified" not in str(error).lower():  # pressed twice: already gone
            raise


async def send(
    update: Update,
    context: BotContext,
    text: str,
    markup: Markup | None = None,
) -> None:
    """A new message in the chat of this update, for results worth keeping."""
    await _deliver(context, lambda: _send_now(update, context, text, markup))


async def _send_now(
    update: Update, context: BotContext, text: str, markup: Markup | None
) -> Message | None:
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(
        chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def _deliver(context: BotContext, reply: Callable[[], Awaitable[object]]) -> None:
    """Replies wait until the dialog state they announce is on disk.

    PTB records a conversation's new state only after the callback returns, and writes it
    in the flush handler (handlers/persistence_flush.py); a reply sent from inside the
    callback could reach the person before that, and a crash in between would lose a step
    they had seen confirmed. So replies are queued on the context and sent by the flush
    handler right after it has written the state. Outside an update (no queue), at once.
    """
    if context.pending_replies is None:
        await reply()
    else:
        context.pending_replies.append(reply)


async def after_replies(context: BotContext, action: Callable[[], object]) -> None:
    """Run `action` once this update's replies have been sent (at once outside an
    update): background work started here cannot overtake the reply announcing it."""

    async def run() -> None:
        action()

    await _deliver(context, run)


def conference_press(action: str, callback: Callback) -> Handler:
    """The handler of a press on a conference's button `action` (conf:<action>:<id>...)."""
    return CallbackQueryHandler(callback, pattern=cb.pattern(cb.CONFERENCE, action))


def explain(t: Translator, error: InvalidInput) -> str:
    """The message for a rejected value, with nested catalog texts filled in."""
    nested = {name: t.plain(key) for name, key in error.nested.items()}
    return t(error.key, **error.values, **nested)


def not_text_handler(
    markup: Callable[[Translator], InlineKeyboardMarkup | None] | None = None,
) -> Handler:
    """For a dialog's question: a sticker, photo or voice where typed text is expected
    gets "please type", with the question's buttons (`markup`), and the dialog stays in
    the same state."""

    async def on_not_text(update: Update, context: BotContext) -> None:
        t = context.t
        await send(update, context, t("common.text_expected"), markup(t) if markup else None)

    return MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, on_not_text)


def dialog_fallbacks(cancel: Callback, *draft_keys: str) -> list[Handler]:
    """What ends any dialog: /cancel (the dialog's own answer), and any other command or
    another feature's button, which drop the drafts and are then handled as usual."""
    leave = handing_over(*draft_keys)
    return [
        CommandHandler("cancel", cancel),
        MessageHandler(filters.COMMAND, leave),
        CallbackQueryHandler(leave),
    ]


def handing_over(*draft_keys: str) -> Callback:
    """A dialog fallback: any command or button of another feature ends this dialog
    (dropping its draft) and the update is queued again, to be handled as if no dialog
    had been open. Each person's updates are processed in order (bot/updates.py), so it
    runs right after this one, before anything else the same person sent.
    """

    async def hand_over(update: Update, context: BotContext) -> int:
        for key in draft_keys:
            context.user_data.pop(key, None)
        context.services.updates.hand_over(update)  # its second pass is not a duplicate
        await context.update_queue.put(update)
        return ConversationHandler.END

    return hand_over

"""Join (F6): the owner's and participants' Join, the name to join with, the
owner-absence rule, and the message to waiting participants when the owner arrives.
Diagram: handlers/joining.mmd.

The name prompt offers the person's names as one-tap buttons (the name for joining, where
it differs, and the profile name); a tap joins at once. The buttons carry which name and
the conference (`jn:name:remembered:<id>`, `jn:name:telegram:<id>`), never the name
itself: it is looked up again, and the conference must be the one asked about.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Translator
from bot.joining import JoinOutcome, NameChoice, name_choices
from bot.profile import clean_name
from bot.text import shorten
from bot.validation import InvalidInput
from handlers import callback_data as cb
from handlers import keyboards
from handlers.common import (
    Handler,
    answer_press,
    dialog_fallbacks,
    drop_buttons,
    explain,
    not_text_handler,
    pressed_data,
    send,
    typed_text,
)
from handlers.conference_views import moment
from storage.conferences import ConferenceRecord

log = logging.getLogger(__name__)

ASK_NAME = 0
END = ConversationHandler.END
_DRAFT = "join"
_LAST_TYPED_NAME = "join_last_name"


async def _conference_for_press(update: Update, context: BotContext) -> ConferenceRecord | None:
    """The pressed conference if this person may join it: its owner, or a participant."""
    data = pressed_data(update)
    services = context.services
    conference = await services.sharing.visible_to(
        context.current_user.id, data.arg_int() if data else None
    )
    if conference is None or services.conferences.is_archived(conference):
        await answer_press(update, context.t.plain("conference.gone"), alert=True)
        return None
    return conference


async def on_join_press(update: Update, context: BotContext) -> int:
    """Join on a card, a reminder or a shared conference."""
    conference = await _conference_for_press(update, context)
    if conference is None:
        return END
    await answer_press(update)
    return await _decide(update, context, conference)


async def _asked_conference(context: BotContext) -> ConferenceRecord | None:
    """The conference the name is asked for, if this person may still join it."""
    draft = context.user_data.get(_DRAFT) or {}
    return await context.services.sharing.visible_to(
        context.current_user.id, draft.get("conference_id")
    )


async def on_name(update: Update, context: BotContext) -> int:
    """The typed name to join with."""
    conference = await _asked_conference(context)
    if conference is None:
        context.user_data.pop(_DRAFT, None)
        await send(update, context, context.t("conference.gone"))
        return END
    try:
        name = clean_name(typed_text(update))
    except InvalidInput as error:
        await send(update, context, explain(context.t, error), _cancel_markup(context.t))
        return ASK_NAME
    return await _join_as(update, context, conference, name)


async def on_name_press(update: Update, context: BotContext) -> int:
    """A one-tap name under the prompt: the name it stands for, looked up now."""
    data = pressed_data(update)
    t = context.t
    conference = await _asked_conference(context)
    if conference is None:
        context.user_data.pop(_DRAFT, None)
        await answer_press(update, t.plain("conference.gone"), alert=True)
        return END
    try:
        choice = NameChoice(data.args[0]) if data and len(data.args) == 2 else None
    except ValueError:
        choice = None
    asked_here = data is not None and data.arg_int(1) == conference.id
    name = name_choices(context.current_user).get(choice) if choice and asked_here else None
    if name is None:  # forged, an older prompt's, or a name no longer there: nothing changes
        await answer_press(update, t.plain("common.stale_button"))
        return ASK_NAME
    try:
        name = clean_name(name)
    except InvalidInput:  # a profile name from before the rules: type one instead
        await answer_press(update, t.plain("join.type_name"), alert=True)
        return ASK_NAME
    await answer_press(update)
    await drop_buttons(update, context, all_of_them=True)  # the question is answered
    return await _join_as(update, context, conference, name)


async def _join_as(
    update: Update, context: BotContext, conference: ConferenceRecord, name: str
) -> int:
    """The chosen name: join under it, and offer to remember it."""
    context.user_data.pop(_DRAFT, None)
    context.user_data[_LAST_TYPED_NAME] = name
    return await _decide(update, context, conference, typed_name=name)


async def _decide(
    update: Update, context: BotContext, conference: ConferenceRecord, typed_name: str | None = None
) -> int:
    services = context.services
    t = context.t
    user = context.current_user
    decision = await services.joining.decide(user, conference, typed_name)
    if decision.outcome is JoinOutcome.NEEDS_NAME:
        context.user_data[_DRAFT] = {"conference_id": conference.id}
        choices = name_choices(user)
        key = "join.ask_name_or_tap" if choices else "join.ask_name"
        await send(
            update, context, t(key, topic=conference.topic), _name_markup(t, conference.id, choices)
        )
        return ASK_NAME
    if decision.outcome is JoinOutcome.NOT_STARTED:
        await _tell_when(update, context, conference)
        return END
    if decision.outcome is JoinOutcome.WAIT_FOR_OWNER:
        await send(update, context, t("join.waiting", topic=conference.topic))
        return END
    if not await _prepared(update, context, conference):
        return END
    video = services.video
    url = video.join_url(
        conference, display_name=decision.display_name, moderator=decision.is_owner
    )
    # Say only what the link does: carry the name, make the owner moderator.
    if not video.link_carries_name():
        key = "join.link_unnamed"
    elif video.link_makes_moderator(decision.is_owner):
        key = "join.link_owner"
    else:
        key = "join.link"
    rows = [[Button(t.plain("conference.button_open"), url=url)]]
    if typed_name is not None:
        rows.append(
            [Button(t.plain("join.remember_offer"), callback_data=cb.encode(cb.JOIN, "remember"))]
        )
    await send(
        update,
        context,
        t(key, topic=conference.topic, name=decision.display_name),
        InlineKeyboardMarkup(rows),
    )
    if decision.is_owner:
        await _let_waiters_in(context, conference)
    return END


async def _prepared(update: Update, context: BotContext, conference: ConferenceRecord) -> bool:
    """Make sure the meeting exists on the video platform (BigBlueButton: create)."""
    try:
        await context.services.video.prepare(conference)
    except Exception:  # the platform's own error types vary; the person gets one message
        log.exception("The video platform could not prepare conference %s", conference.id)
        await send(update, context, context.t("join.platform_down"))
        return False
    return True


async def _tell_when(update: Update, context: BotContext, conference: ConferenceRecord) -> None:
    """Offline: when it starts, from when one can join, and the reminder."""
    t = context.t
    user = context.current_user
    services = context.services
    opens_at = conference.starts_at - services.conferences.join_early_minutes * 60
    local = datetime.fromtimestamp(opens_at, UTC).astimezone(ZoneInfo(user.timezone))
    text = t(
        "join.not_started",
        topic=conference.topic,
        start=moment(t, conference.starts_at, user.timezone),
        opens=format_datetime(local, t.plain("time.clock"), locale=t.language),
    )
    minutes = services.reminders.minutes_for(user.reminder_minutes)
    markup = None
    if minutes:
        text = f"{text}\n{t('join.reminder_promise', minutes=minutes)}"
    else:
        text = f"{text}\n{t('join.reminders_off')}"
        markup = InlineKeyboardMarkup(
            [
                [
                    Button(
                        t.plain("join.remind_me", minutes=services.reminders.default_minutes),
                        callback_data=cb.encode(cb.JOIN, "remind"),
                    )
                ]
            ]
        )
    await send(update, context, text, markup)


async def _let_waiters_in(context: BotContext, conference: ConferenceRecord) -> None:
    """The owner joined: everyone waiting gets their link now, in their language."""
    services = context.services
    for user_id, name in await services.joining.take_waiters(conference.id):
        person = await services.users.get(user_id)
        t = Translator(person.language if person else "en")
        url = services.video.join_url(conference, display_name=name)
        named = services.video.link_carries_name()
        key = "join.owner_arrived" if named else "join.owner_arrived_unnamed"
        try:
            await context.bot.send_message(
                user_id,
                t(key, topic=conference.topic, name=name),
                parse_mode=ParseMode.HTML,
                reply_markup=InlineKeyboardMarkup(
                    [[Button(t.plain("conference.button_open"), url=url)]]
                ),
            )
        except TelegramError as error:
            log.warning("Could not send the join link to waiting user %s: %s", user_id, error)


async def on_join_extra(update: Update, context: BotContext) -> None:
    """ "Remember this name" after a chosen name (once), "Remind me" when reminders were off,
    and a name button of a prompt whose question is over (out of date)."""
    data = pressed_data(update)
    t = context.t
    user = context.current_user
    services = context.services
    if data is not None and data.action == "remember":
        # One use: the button goes, whether it remembers now or was pressed before.
        name = context.user_data.pop(_LAST_TYPED_NAME, None)
        if name is None:
            await answer_press(update, t.plain("common.stale_button"))
            await drop_buttons(update, context)
            return
        await services.joining.remember_name(user, name)
        await answer_press(update, t.plain("join.remembered_short"))
        await drop_buttons(update, context)
        await send(update, context, t("join.remembered", name=name))
        return
    if data is not None and data.action == "remind":
        await services.users.set_reminder(user.id, None)
        await answer_press(update)
        await send(
            update, context, t("join.reminders_on", minutes=services.reminders.default_minutes)
        )
        return
    await answer_press(update, t.plain("common.stale_button"))


def _cancel_markup(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[Button(t.plain("common.cancel"), callback_data=cb.encode(cb.JOIN, "cancel"))]]
    )


_NAME_IN_BUTTON = 40


def _name_markup(
    t: Translator, conference_id: int, choices: dict[NameChoice, str]
) -> InlineKeyboardMarkup:
    """A button per name the person has (the name for joining first), then Cancel."""
    rows = [
        [
            Button(
                t.plain(f"join.name_{choice.value}", name=shorten(name, _NAME_IN_BUTTON)),
                callback_data=cb.encode(cb.JOIN, "name", choice.value, conference_id),
            )
        ]
        for choice, name in choices.items()
    ]
    return InlineKeyboardMarkup([*rows, *_cancel_markup(t).inline_keyboard])


async def cancel(update: Update, context: BotContext) -> int:
    """Cancel or /cancel while asked for a name."""
    context.user_data.pop(_DRAFT, None)
    await answer_press(update)
    await send(update, context, context.t("join.cancelled"), keyboards.main_menu(context.t))
    return END


def handlers() -> list[Handler]:
    joins: list[Handler] = [
        CallbackQueryHandler(on_join_press, pattern=cb.pattern(cb.CONFERENCE, "join")),
        CallbackQueryHandler(on_join_press, pattern=cb.pattern(cb.PARTICIPANT, "join")),
    ]
    return [
        ConversationHandler(
            name="join",
            persistent=True,
            allow_reentry=True,
            entry_points=joins,
            states={
                ASK_NAME: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, on_name),
                    CallbackQueryHandler(on_name_press, pattern=cb.pattern(cb.JOIN, "name")),
                    CallbackQueryHandler(cancel, pattern=cb.pattern(cb.JOIN, "cancel")),
                    not_text_handler(_cancel_markup),
                ]
            },
            fallbacks=dialog_fallbacks(cancel, _DRAFT),
        ),
        # Outside the dialog: "Remember this name", "Remind me", and a stale name button.
        CallbackQueryHandler(
            on_join_extra, pattern=cb.pattern(cb.JOIN, "remember", "remind", "name")
        ),
    ]

"""Personal information (F11): view, edit in a draft, Save. Diagram: handlers/profile.mmd.

The draft lives in user_data, which is persisted with the dialog state, so a restart in
the middle of editing continues where the person stopped. Nothing reaches the users
table until "Save".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import LANGUAGES, Translator, plain
from bot.profile import (
    clean_display_name,
    clean_email,
    clean_name,
    clean_timezone,
)
from bot.reminders import REMINDER_CHOICES
from bot.timezones import display_name
from bot.users import profile_of
from bot.validation import InvalidInput
from handlers import callback_data as cb
from handlers import keyboards
from handlers.commands import publish_chat_commands
from handlers.common import (
    Callback,
    Handler,
    answer_press,
    chat_id_of,
    dialog_fallbacks,
    explain,
    not_text_handler,
    pressed_data,
    send,
    show,
    typed_text,
)
from storage.users import ProfileFields

CARD, ASK_NAME, ASK_EMAIL, ASK_TIMEZONE, ASK_DISPLAY_NAME = range(5)
END = ConversationHandler.END

_DRAFT = "profile_draft"
# Which prompt each state shows, and how its answer is checked and stored in the draft.
_QUESTIONS: dict[int, tuple[str, Callable[[str], Any], str]] = {
    ASK_NAME: ("profile.ask_name", clean_name, "full_name"),
    ASK_EMAIL: ("profile.ask_email", clean_email, "email"),
    ASK_TIMEZONE: ("profile.ask_timezone", clean_timezone, "timezone"),
    ASK_DISPLAY_NAME: ("profile.ask_display_name", clean_display_name, "display_name"),
}
_STATE_OF_BUTTON = {
    "name": ASK_NAME,
    "email": ASK_EMAIL,
    "tz": ASK_TIMEZONE,
    "display": ASK_DISPLAY_NAME,
}


def _draft(context: BotContext) -> ProfileFields:
    stored = context.user_data.get(_DRAFT)
    if stored is None:
        return profile_of(context.current_user)
    return ProfileFields(**stored)


def _keep_draft(context: BotContext, draft: ProfileFields) -> None:
    context.user_data[_DRAFT] = asdict(draft)


def _drop_draft(context: BotContext) -> None:
    context.user_data.pop(_DRAFT, None)


def reminder_choice(t: Translator, minutes: int) -> str:
    if not minutes:
        return t.plain("reminder.choice_off")
    return t.plain("reminder.choice_minutes", minutes=minutes)


def render_card(
    t: Translator, draft: ProfileFields, saved: ProfileFields, default_reminder: int
) -> str:
    not_set = t.plain("common.not_set")
    card = t(
        "profile.card",
        name=draft.full_name or not_set,
        email=draft.email or not_set,
        timezone=display_name(draft.timezone),
        language=plain(draft.language, "language_name"),
        remember=t.plain("common.on" if draft.remember_name else "common.off"),
        display_name=draft.display_name or draft.full_name or not_set,
    )
    card += "\n" + t(
        "reminder.profile_line",
        choice=reminder_choice(t, _effective_reminder(draft, default_reminder)),
    )
    return card if draft == saved else f"{card}\n\n{t('profile.unsaved')}"


def _effective_reminder(draft: ProfileFields, default_minutes: int) -> int:
    return default_minutes if draft.reminder_minutes is None else draft.reminder_minutes


async def _show_card(update: Update, context: BotContext, *, note: str | None = None) -> int:
    draft = _draft(context)
    default_reminder = context.services.reminders.default_minutes
    text = render_card(context.t, draft, profile_of(context.current_user), default_reminder)
    if note:
        text = f"{note}\n\n{text}"
    markup = keyboards.profile_card(
        context.t,
        remember_name=draft.remember_name,
        reminder=reminder_choice(context.t, _effective_reminder(draft, default_reminder)),
    )
    if update.callback_query is not None:
        await show(update, context, text, markup)
    else:
        await send(update, context, text, markup)
    return CARD


async def open_profile(update: Update, context: BotContext) -> int:
    """/profile or the menu button: a fresh draft from what is stored."""
    await answer_press(update)
    _drop_draft(context)
    return await _show_card(update, context)


async def on_card_press(update: Update, context: BotContext) -> int:
    """A button on the card: ask for a field, toggle, pick a language, save or cancel."""
    data = pressed_data(update)
    t = context.t
    action = data.action if data else ""
    if action in _STATE_OF_BUTTON:
        await answer_press(update)
        state = _STATE_OF_BUTTON[action]
        await show(update, context, t(_QUESTIONS[state][0]), keyboards.profile_prompt(t))
        return state
    if action == "remember":
        await answer_press(update)
        draft = _draft(context)
        _keep_draft(context, replace(draft, remember_name=not draft.remember_name))
        return await _show_card(update, context)
    if action == "remind":
        await answer_press(update)
        draft = _draft(context)
        current = _effective_reminder(draft, context.services.reminders.default_minutes)
        choices = list(REMINDER_CHOICES)
        following = (
            choices[(choices.index(current) + 1) % len(choices)]
            if current in choices
            else choices[0]
        )
        _keep_draft(context, replace(draft, reminder_minutes=following))
        return await _show_card(update, context)
    if action == "lang":
        await answer_press(update)
        await show(
            update, context, t("profile.choose_language"), keyboards.language_choice(cb.PROFILE, t)
        )
        return CARD
    if action == "set" and data is not None and data.args and data.args[0] in LANGUAGES:
        await answer_press(update)
        _keep_draft(context, replace(_draft(context), language=data.args[0]))
        return await _show_card(update, context)
    if action == "back":
        await answer_press(update)
        return await _show_card(update, context)
    if action == "save":
        return await _save(update, context)
    if action == "cancel":
        return await _discard(update, context)
    await answer_press(update, t.plain("common.stale_button"))
    return CARD


async def _save(update: Update, context: BotContext) -> int:
    """Store the draft; the answer comes in the language just saved."""
    await answer_press(update)
    user = context.current_user
    draft = _draft(context)
    changed = await context.services.users.save_profile(user.id, draft)
    _drop_draft(context)
    if draft.language != user.language:
        await publish_chat_commands(context.bot, chat_id_of(update), draft.language)
    t = Translator(draft.language)
    note = t("profile.saved") if changed else t("profile.nothing_changed")
    await show(update, context, f"{note}\n\n{t('menu.title')}", keyboards.main_menu(t))
    return END


async def _discard(update: Update, context: BotContext) -> int:
    await answer_press(update)
    _drop_draft(context)
    t = context.t
    await show(
        update, context, f"{t('profile.discarded')}\n\n{t('menu.title')}", keyboards.main_menu(t)
    )
    return END


def _answer_for(state: int) -> Callback:
    prompt_key, clean, field = _QUESTIONS[state]

    async def on_answer(update: Update, context: BotContext) -> int:
        """A typed answer: into the draft if valid, else say what to type and ask again."""
        t = context.t
        try:
            value = clean(typed_text(update))
        except InvalidInput as error:
            await send(update, context, explain(t, error), keyboards.profile_prompt(t))
            return state
        _keep_draft(context, replace(_draft(context), **{field: value}))
        return await _show_card(update, context, note=t("profile.draft_updated"))

    on_answer.__name__ = f"on_{field}_answer"
    return on_answer


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel: forget the draft, nothing changes."""
    _drop_draft(context)
    t = context.t
    await send(update, context, t("common.cancelled"), keyboards.main_menu(t))
    return END


def handlers() -> list[Handler]:
    card_presses: Handler = CallbackQueryHandler(on_card_press, pattern=cb.pattern(cb.PROFILE))
    not_text = not_text_handler(keyboards.profile_prompt)
    text_answer = filters.TEXT & ~filters.COMMAND
    return [
        ConversationHandler(
            name="profile",
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CommandHandler("profile", open_profile, filters=filters.ChatType.PRIVATE),
                CallbackQueryHandler(open_profile, pattern=cb.pattern(cb.MENU, "profile")),
            ],
            states={
                CARD: [card_presses],
                **{
                    state: [MessageHandler(text_answer, _answer_for(state)), card_presses, not_text]
                    for state in _QUESTIONS
                },
            },
            fallbacks=dialog_fallbacks(cancel, _DRAFT),
        )
    ]

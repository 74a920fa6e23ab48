"""Personal information (F11): view, edit in a draft, Save. Diagram: handlers/profile.mmd.

The draft lives in user_data, which is persisted with the dialog state, so a restart in
the middle of editing continues where the person stopped. Nothing reaches the users
table until "Save". A new e-mail address is not used until confirmed: after Save the
dialog waits for the code sent there (WAIT_CODE), and six digits typed in the private
chat are taken as that code whenever an address waits, even outside the dialog
(`code_handlers`, registered after every dialog).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime
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
    joining_name_if_different,
)
from bot.reminders import REMINDER_CHOICES
from bot.timezones import display_name
from bot.validation import InvalidInput
from bot.verification import CODE_MINUTES
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
from handlers.email_code import Next, answer_code, drop_change, pending_note, send_code
from storage.users import ProfileFields
from storage.verifications import PendingEmail

CARD, ASK_NAME, ASK_EMAIL, ASK_TIMEZONE, ASK_DISPLAY_NAME, WAIT_CODE = range(6)
END = ConversationHandler.END
CODE_PATTERN = r"^\s*[0-9]{6}\s*$"

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


async def _draft(context: BotContext) -> ProfileFields:
    stored = context.user_data.get(_DRAFT)
    if stored is None:
        return await context.services.users.profile(context.current_user)
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
    t: Translator,
    draft: ProfileFields,
    saved: ProfileFields,
    default_reminder: int,
    *,
    pending: PendingEmail | None = None,
    verified: str | None = None,
    now: datetime | None = None,
) -> str:
    """The card of the draft; an address waiting for its code is marked unconfirmed and
    explained below, with the address in use meanwhile (`verified`). The zone's offset
    is the one at `now`."""
    not_set = t.plain("common.not_set")
    email = draft.email or t.plain("profile.email_not_set")
    if pending is not None and draft.email == pending.email:
        email = t.plain("verify.email_unconfirmed", email=draft.email)
    card = t(
        "profile.card",
        name=draft.full_name or not_set,
        email=email,
        timezone=display_name(draft.timezone, t.language, now),
        language=plain(draft.language, "language_name"),
        remember=t.plain("common.on" if draft.remember_name else "common.off"),
    )
    # One name for joining: the profile name, and another only where it differs.
    other = joining_name_if_different(draft.full_name, draft.display_name)
    if other is not None:
        card += "\n" + t("profile.display_name_line", display_name=other)
    card += "\n" + t(
        "reminder.profile_line",
        choice=reminder_choice(t, _effective_reminder(draft, default_reminder)),
    )
    if pending is not None:
        card += "\n\n" + pending_note(t, pending, verified)
    return card if draft == saved else f"{card}\n\n{t('profile.unsaved')}"


def _effective_reminder(draft: ProfileFields, default_minutes: int) -> int:
    return default_minutes if draft.reminder_minutes is None else draft.reminder_minutes


async def _show_card(update: Update, context: BotContext, *, note: str | None = None) -> int:
    services = context.services
    user = context.current_user
    draft = await _draft(context)
    pending = await services.verification.pending(user.id)
    default_reminder = services.reminders.default_minutes
    text = render_card(
        context.t,
        draft,
        await services.users.profile(user),
        default_reminder,
        pending=pending,
        verified=user.email,
        now=services.clock.now(),
    )
    if note:
        text = f"{note}\n\n{text}"
    markup = keyboards.profile_card(
        context.t,
        remember_name=draft.remember_name,
        reminder=reminder_choice(context.t, _effective_reminder(draft, default_reminder)),
        code_sent=None if pending is None else pending.code_hash is not None,
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


async def on_card_press(update: Update, context: BotContext) -> int | None:
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
        draft = await _draft(context)
        _keep_draft(context, replace(draft, remember_name=not draft.remember_name))
        return await _show_card(update, context)
    if action == "remind":
        await answer_press(update)
        draft = await _draft(context)
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
        _keep_draft(context, replace(await _draft(context), language=data.args[0]))
        return await _show_card(update, context)
    if action == "back":
        await answer_press(update)
        return await _show_card(update, context)
    if action == "save":
        return await _save(update, context)
    if action == "cancel":
        return await _discard(update, context)
    if action in ("resend", "dropmail"):
        return await on_code_press(update, context)  # None: the dialog stays where it is
    await answer_press(update, t.plain("common.stale_button"))
    return CARD


async def _save(update: Update, context: BotContext) -> int:
    """Store the draft; the answer comes in the language just saved. A new e-mail address
    waits for its code: then the dialog waits for it too."""
    await answer_press(update)
    user = context.current_user
    draft = await _draft(context)
    try:
        result = await context.services.users.save_profile(user.id, draft)
    except InvalidInput as error:  # no code may be sent now: nothing was saved
        return await _show_card(update, context, note=explain(context.t, error))
    _drop_draft(context)
    if draft.language != user.language:
        await publish_chat_commands(context.bot, chat_id_of(update), draft.language)
    t = Translator(draft.language)
    if result.code_sent_to:
        await show(
            update,
            context,
            t("verify.saved_code_sent", email=result.code_sent_to, minutes=CODE_MINUTES),
            keyboards.code_prompt(t, code_sent=True),
        )
        return WAIT_CODE
    note = t("profile.saved") if result.changed else t("profile.nothing_changed")
    await show(update, context, f"{note}\n\n{t('menu.title')}", keyboards.main_menu(t))
    return END


async def on_code_press(update: Update, context: BotContext) -> int | None:
    """ "Send the code (again)" or "Cancel the change", in the dialog or from an older
    message (then they open it); None: a stale press, nothing changes."""
    data = pressed_data(update)
    if data is not None and data.action == "resend":
        return WAIT_CODE if await send_code(update, context) is Next.WAIT else None
    if data is None or data.action != "dropmail":
        await answer_press(update, context.t.plain("common.stale_button"))
        return None
    dropped = await drop_change(update, context)
    if dropped is None:
        return None
    _forget_draft_email(context, dropped)
    return await _show_card(update, context, note=context.t("verify.dropped", email=dropped))


def _forget_draft_email(context: BotContext, dropped: str) -> None:
    """A draft that still asks for a dropped address goes back to the one in use, so a
    later Save does not start the same change again."""
    stored = context.user_data.get(_DRAFT)
    if stored is not None and stored.get("email") == dropped:
        stored["email"] = context.current_user.email


async def on_code_typed(update: Update, context: BotContext) -> int:
    """Text while the dialog waits for the code."""
    pending = await context.services.verification.pending(context.current_user.id)
    following = await answer_code(update, context, typed_text(update))
    if following is Next.WAIT:
        return WAIT_CODE
    if following is Next.GONE and pending is not None:
        _forget_draft_email(context, pending.email)
    if context.user_data.get(_DRAFT) is not None:
        return await _show_card(update, context)  # unsaved edits are still there
    return END


async def on_code_outside_dialog(update: Update, context: BotContext) -> None:
    """Six digits in the private chat, outside the dialog: the code, if an address waits
    for one; otherwise the usual answer to text nobody understood."""
    pending = await context.services.verification.pending(context.current_user.id)
    if pending is None:
        await send(update, context, context.t("common.not_understood"))
        return
    if await answer_code(update, context, typed_text(update)) is Next.GONE:
        _forget_draft_email(context, pending.email)


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
        draft = await _draft(context)
        if field == "display_name":  # the profile name again is no other name
            value = joining_name_if_different(draft.full_name, value)
        _keep_draft(context, replace(draft, **{field: value}))
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
                # The buttons under a code message, pressed after the dialog ended.
                CallbackQueryHandler(
                    on_code_press, pattern=cb.pattern(cb.PROFILE, "resend", "dropmail")
                ),
            ],
            states={
                CARD: [card_presses],
                **{
                    state: [MessageHandler(text_answer, _answer_for(state)), card_presses, not_text]
                    for state in _QUESTIONS
                },
                WAIT_CODE: [
                    MessageHandler(text_answer, on_code_typed),
                    card_presses,
                    not_text_handler(),
                ],
            },
            fallbacks=dialog_fallbacks(cancel, _DRAFT),
        )
    ]


def code_handlers() -> list[Handler]:
    """Six digits typed in the private chat outside any dialog: registered after every
    dialog, so a topic or a name of six digits typed into one stays theirs."""
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & filters.Regex(CODE_PATTERN),
            on_code_outside_dialog,
        )
    ]

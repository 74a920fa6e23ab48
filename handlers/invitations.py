""" "Send invitation e-mail" (F3): addresses, a confirmation, then the outbox.
Diagram: handlers/invitations.mmd.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.addresses import readable_address
from bot.context import BotContext
from bot.i18n import Translator
from bot.invitations import parse_addresses
from bot.text import shorten
from bot.validation import InvalidInput
from handlers import callback_data as cb
from handlers import keyboards
from handlers.common import (
    Handler,
    answer_press,
    dialog_fallbacks,
    explain,
    not_text_handler,
    pressed_data,
    send,
    show,
    typed_text,
)
from handlers.conference_log import refuse_press
from handlers.conference_views import card_screen

ASK_ADDRESSES, CONFIRM = range(2)
END = ConversationHandler.END
_DRAFT = "invitation"
_MAX_TYPED = 20_000  # characters; far more than any honest list of addresses


async def start_inviting(update: Update, context: BotContext) -> int:
    """ "Send invitation e-mail" on a scheduled conference: ask for addresses."""
    data = pressed_data(update)
    services = context.services
    conference_id = data.arg_int() if data else None
    conference = await services.conferences.owned(context.current_user.id, conference_id)
    if conference is None:
        await refuse_press(update, context, conference_id)
        return END
    if services.conferences.is_archived(conference):
        await answer_press(update, context.t.plain("conference.gone"), alert=True)
        return END
    await answer_press(update)
    context.user_data[_DRAFT] = {"conference_id": conference.id, "emails": []}
    t = context.t
    await show(
        update,
        context,
        t(
            "invite.ask_addresses",
            topic=conference.topic,
            limit=services.invitations.max_recipients,
        ),
        keyboards.invitation_prompt(t),
    )
    return ASK_ADDRESSES


async def on_addresses(update: Update, context: BotContext) -> int:
    """Typed addresses: the valid ones to confirm, the others named back."""
    t = context.t
    draft = context.user_data.get(_DRAFT)
    if draft is None:
        return END
    typed = typed_text(update)[:_MAX_TYPED]
    addresses = parse_addresses(typed)
    invalid = "\n\n".join(
        t(key, addresses=_listing(t, named))
        for key, named in (
            ("invite.invalid_named", addresses.invalid),
            ("invite.unsupported_named", addresses.unsupported),
        )
        if named
    )
    if not addresses.valid:
        await send(
            update,
            context,
            "\n\n".join(filter(None, [t("invite.none_valid"), invalid])),
            keyboards.invitation_prompt(t),
        )
        return ASK_ADDRESSES
    try:
        await context.services.invitations.check_limits(
            context.current_user.id, draft["conference_id"], addresses.valid
        )
    except InvalidInput as error:
        await send(update, context, explain(t, error), keyboards.invitation_prompt(t))
        return ASK_ADDRESSES
    conference = await context.services.conferences.owned(
        context.current_user.id, draft["conference_id"]
    )
    if conference is None:
        context.user_data.pop(_DRAFT, None)
        await send(update, context, t("conference.gone"))
        return END
    draft["emails"] = addresses.valid
    confirm = t(
        "invite.confirm",
        topic=conference.topic,
        count=len(addresses.valid),
        addresses=_listing(t, [readable_address(email) for email in addresses.valid]),
    )
    await send(
        update,
        context,
        "\n\n".join(filter(None, [confirm, invalid])),
        keyboards.invitation_confirm(t),
    )
    return CONFIRM


def _listing(t: Translator, items: list[str], shown: int = 10, width: int = 60) -> str:
    """A few of the addresses, each cut to a line, so the message stays within
    Telegram's 4096 characters however much was typed."""
    lines = [shorten(item, width) for item in items[:shown]]
    if len(items) > shown:
        lines.append(t.plain("invite.and_more", count=len(items) - shown))
    return "\n".join(lines)


async def on_press(update: Update, context: BotContext) -> int | None:
    """Send or Cancel."""
    data = pressed_data(update)
    draft = context.user_data.get(_DRAFT)
    t = context.t
    if data is None or draft is None:
        await answer_press(update, t.plain("common.stale_button"))
        return None
    if data.action == "cancel":
        return await _finish(update, context, t("invite.cancelled"))
    if data.action == "send" and draft["emails"]:
        try:
            count = await context.services.invitations.invite(
                context.current_user, draft["conference_id"], draft["emails"]
            )
        except InvalidInput as error:
            if error.key == "conference.gone":
                context.user_data.pop(_DRAFT, None)
                await answer_press(update)
                await show(update, context, t("conference.gone"), keyboards.back_to_menu(t))
                return END
            await answer_press(update)
            await send(update, context, explain(t, error), keyboards.invitation_prompt(t))
            return ASK_ADDRESSES
        return await _finish(update, context, t("invite.queued", count=count))
    await answer_press(update, t.plain("common.stale_button"))
    return None


async def _finish(update: Update, context: BotContext, note: str) -> int:
    """Back to the conference card, with the outcome on top."""
    await answer_press(update)
    draft = context.user_data.pop(_DRAFT, None) or {}
    conference = await context.services.conferences.owned(
        context.current_user.id, draft.get("conference_id")
    )
    if conference is None:
        await show(update, context, note, keyboards.back_to_menu(context.t))
    else:
        card, markup = await card_screen(context, conference)
        await show(update, context, f"{note}\n\n{card}", markup)
    return END


async def cancel_command(update: Update, context: BotContext) -> int:
    context.user_data.pop(_DRAFT, None)
    await send(update, context, context.t("invite.cancelled"), keyboards.main_menu(context.t))
    return END


def handlers() -> list[Handler]:
    presses: Handler = CallbackQueryHandler(on_press, pattern=cb.pattern(cb.INVITE))
    return [
        ConversationHandler(
            name="invitation",
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CallbackQueryHandler(start_inviting, pattern=cb.pattern(cb.CONFERENCE, "invite"))
            ],
            states={
                ASK_ADDRESSES: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, on_addresses),
                    presses,
                    not_text_handler(keyboards.invitation_prompt),
                ],
                CONFIRM: [presses, MessageHandler(filters.TEXT & ~filters.COMMAND, on_addresses)],
            },
            fallbacks=dialog_fallbacks(cancel_command, _DRAFT),
        )
    ]

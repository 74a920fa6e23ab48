"""Admin commands (F13): /stats, /find, /block, /unblock, /broadcast, /outbox.

They exist only for ADMIN_IDS, only in the private chat and only for new messages: for
anyone else the command filter does not match and the catch-all answers as for any
unknown command; in a group the privacy guard (handlers/privacy.py) sends an admin to
the private chat; an edited command does nothing (it would act a second time). Buttons
re-check the presser.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Translator
from bot.settings import Settings
from bot.timezones import display_name
from handlers import callback_data as cb
from handlers.common import (
    Handler,
    answer_press,
    dialog_fallbacks,
    pressed_data,
    send,
    show,
    typed_text,
)
from handlers.conference_views import conference_card

log = logging.getLogger(__name__)

ASK_TEXT, CONFIRM = range(2)
END = ConversationHandler.END
_DRAFT = "broadcast"
MAX_BROADCAST = 3500  # leaves room in Telegram's 4096 for the escaping
COMMANDS = ("stats", "find", "block", "unblock", "outbox", "broadcast")


def _is_admin(context: BotContext) -> bool:
    return context.services.settings.is_admin(context.current_user.id)


def _button(t: Translator, key: str, action: str, *args: int, **values: object) -> Button:
    return Button(t.plain(key, **values), callback_data=cb.encode(cb.ADMIN, action, *args))


# -- /stats /find /block /unblock /outbox ------------------------------------------------


async def stats(update: Update, context: BotContext) -> None:
    figures = await context.services.admin.stats()
    await send(update, context, context.t("admin.stats", **asdict(figures)))


async def find(update: Update, context: BotContext) -> None:
    t = context.t
    query = " ".join(context.args or []).strip()
    if not query or len(query) > 64:
        await send(update, context, t("admin.find_usage"))
        return
    services = context.services
    conferences, user = await services.admin.find(query)
    if not conferences and user is None:
        await send(update, context, t("admin.find_nothing", query=query))
        return
    for conference in conferences:
        text = conference_card(
            t,
            conference,
            timezone=context.current_user.timezone,
            online=services.conferences.is_online(conference),
            archived=services.conferences.is_archived(conference),
            facts=services.links.facts,
            join_url=await services.links.generic(conference),
        )
        await send(
            update,
            context,
            text,
            InlineKeyboardMarkup([[_button(t, "admin.button_delete", "del", conference.id)]]),
        )
    if user is not None:
        await _show_user(update, context, user.id)


async def _show_user(update: Update, context: BotContext, user_id: int) -> None:
    t = context.t
    services = context.services
    user = await services.users.get(user_id)
    if user is None:
        await send(update, context, t("admin.no_such_user", id=user_id))
        return
    count = await services.admin.scheduled_count(user.id)
    text = t(
        "admin.user_card",
        name=user.full_name,
        id=user.id,
        username=f", @{user.username}" if user.username else "",
        language=user.language,
        timezone=display_name(user.timezone, t.language, services.clock.now()),
        email=user.email or t.plain("profile.email_not_set"),
        blocked=t.plain("common.on" if user.is_blocked else "common.off"),
        active=t.plain("common.on" if user.is_active else "common.off"),
        count=count,
    )
    action = (
        ("admin.button_unblock", "unblock") if user.is_blocked else ("admin.button_block", "block")
    )
    await send(
        update, context, text, InlineKeyboardMarkup([[_button(t, action[0], action[1], user.id)]])
    )


async def block(update: Update, context: BotContext) -> None:
    await _set_blocked(update, context, True)


async def unblock(update: Update, context: BotContext) -> None:
    await _set_blocked(update, context, False)


async def _set_blocked(
    update: Update, context: BotContext, blocked: bool, user_id: int | None = None
) -> None:
    t = context.t
    if user_id is None:
        argument = (context.args or [""])[0]
        if not re.fullmatch(r"[0-9]{1,18}", argument):
            await send(
                update, context, t("admin.block_usage" if blocked else "admin.unblock_usage")
            )
            return
        user_id = int(argument)
    if await context.services.users.get(user_id) is None:
        await send(update, context, t("admin.no_such_user", id=user_id))
        return
    _, cancelled = await context.services.admin.set_blocked(
        context.current_user.id, user_id, blocked
    )
    await send(
        update,
        context,
        t("admin.blocked", id=user_id, cancelled=cancelled)
        if blocked
        else t("admin.unblocked", id=user_id),
    )


async def outbox(update: Update, context: BotContext) -> None:
    """Failed e-mails with their raw reasons (retry one or all), and the cancelled ones,
    which are listed only: nothing brings them back."""
    t = context.t
    admin = context.services.admin
    rows = await admin.failed_mail(limit=10)
    cancelled = await admin.cancelled_mail(limit=10)
    if not rows and not cancelled:
        await send(update, context, t("admin.outbox_empty"))
        return
    counts = await admin.mail_counts()
    sections = [t("outbox.summary", **counts)]
    if rows:
        lines = [t("admin.outbox_title")]
        lines += [
            t(
                "admin.outbox_row",
                number=n,
                id=row.id,
                recipient=row.recipient,
                reason=row.last_error or "?",
            )
            for n, row in enumerate(rows, start=1)
        ]
        sections.append("\n".join(lines))
    if cancelled:
        lines = [t("outbox.cancelled_title")]
        lines += [
            t("outbox.cancelled_row", number=n, id=row.id, recipient=row.recipient, kind=row.kind)
            for n, row in enumerate(cancelled, start=1)
        ]
        sections.append("\n".join(lines))
    buttons = [[_button(t, "admin.button_retry", "retry", row.id, id=row.id)] for row in rows]
    if rows:
        buttons.append([_button(t, "admin.button_retry_all", "retryall")])
    await send(
        update,
        context,
        "\n\n".join(sections),
        InlineKeyboardMarkup(buttons) if buttons else None,
    )


async def on_admin_press(update: Update, context: BotContext) -> None:
    """Buttons under admin messages; the presser must still be an admin."""
    t = context.t
    data = pressed_data(update)
    if data is None or not _is_admin(context):
        await answer_press(update, t.plain("common.stale_button"))
        return
    services = context.services
    admin_id = context.current_user.id
    target = data.arg_int()
    if data.action in ("block", "unblock") and target is not None:
        await answer_press(update)
        await _set_blocked(update, context, data.action == "block", target)
    elif data.action == "del" and target is not None:
        conference = await services.admin.conference(target)
        if conference is None:
            await answer_press(update, t.plain("conference.gone"), alert=True)
            return
        await answer_press(update)
        await show(
            update,
            context,
            t("admin.confirm_delete", topic=conference.topic, owner=conference.owner_id),
            InlineKeyboardMarkup(
                [
                    [
                        _button(t, "conference.button_ok", "delok", target),
                        _button(t, "common.cancel", "noop"),
                    ]
                ]
            ),
        )
    elif data.action == "delok" and target is not None:
        conference = await services.admin.delete_conference(admin_id, target)
        if conference is None:
            await answer_press(update, t.plain("conference.gone"), alert=True)
            return
        await answer_press(update)
        await show(update, context, t("admin.deleted", topic=conference.topic))
    elif data.action == "retry" and target is not None:
        await answer_press(update)
        count = await services.admin.retry_mail(admin_id, target)
        services.mail_sender.wake()
        await send(update, context, t("admin.retried", count=count))
    elif data.action == "retryall":
        await answer_press(update)
        count = await services.admin.retry_mail(admin_id, None)
        services.mail_sender.wake()
        await send(update, context, t("admin.retried", count=count))
    elif data.action == "noop":
        await answer_press(update)
        await show(update, context, t("common.cancelled"))
    else:
        await answer_press(update, t.plain("common.stale_button"))


# -- /broadcast ---------------------------------------------------------------------------


async def broadcast(update: Update, context: BotContext) -> int:
    """/broadcast [text]: ask for the text if none came with the command, then confirm."""
    text = typed_text(update).partition(" ")[2].strip() if typed_text(update) else ""
    if text:
        return await _confirm(update, context, text)
    count = await context.services.admin.recipients_count()
    await send(
        update, context, context.t("admin.broadcast_ask", count=count), _cancel_markup(context.t)
    )
    return ASK_TEXT


async def on_broadcast_text(update: Update, context: BotContext) -> int:
    return await _confirm(update, context, typed_text(update).strip())


async def _confirm(update: Update, context: BotContext, text: str) -> int:
    t = context.t
    if len(text) > MAX_BROADCAST:
        await send(
            update, context, t("admin.broadcast_too_long", limit=MAX_BROADCAST), _cancel_markup(t)
        )
        return ASK_TEXT
    context.user_data[_DRAFT] = text
    count = await context.services.admin.recipients_count()
    await send(
        update,
        context,
        t("admin.broadcast_confirm", count=count, text=text),
        InlineKeyboardMarkup(
            [[_button(t, "admin.button_send", "bsend"), _button(t, "common.cancel", "bcancel")]]
        ),
    )
    return CONFIRM


async def on_broadcast_press(update: Update, context: BotContext) -> int | None:
    t = context.t
    data = pressed_data(update)
    text = context.user_data.pop(_DRAFT, None)
    if data is None or text is None or not _is_admin(context):
        await answer_press(update, t.plain("common.stale_button"))
        return END
    await answer_press(update)
    if data.action != "bsend":
        await show(update, context, t("admin.broadcast_cancelled"))
        return END
    services = context.services
    broadcast_id = await services.admin.start_broadcast(context.current_user.id, text)
    await show(
        update, context, t("admin.broadcast_started", count=await services.admin.recipients_count())
    )
    context.application.create_task(
        services.admin.deliver_broadcast(context.bot, broadcast_id, context.current_user.id, text),
        name=f"broadcast-{broadcast_id}",
    )
    return END


def _cancel_markup(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t, "common.cancel", "bcancel")]])


async def cancel_broadcast(update: Update, context: BotContext) -> int:
    context.user_data.pop(_DRAFT, None)
    await send(update, context, context.t("admin.broadcast_cancelled"))
    return END


def handlers(settings: Settings) -> list[Handler]:
    # An admin, in the private chat, in a new message (never an edited one).
    admins = (
        filters.User(user_id=settings.admin_ids)
        & filters.ChatType.PRIVATE
        & filters.UpdateType.MESSAGE
    )
    broadcast_presses: Handler = CallbackQueryHandler(
        on_broadcast_press, pattern=cb.pattern(cb.ADMIN, "bsend", "bcancel")
    )
    return [
        CommandHandler("stats", stats, filters=admins),
        CommandHandler("find", find, filters=admins),
        CommandHandler("block", block, filters=admins),
        CommandHandler("unblock", unblock, filters=admins),
        CommandHandler("outbox", outbox, filters=admins),
        ConversationHandler(
            name="broadcast",
            persistent=True,
            allow_reentry=True,
            entry_points=[CommandHandler("broadcast", broadcast, filters=admins)],
            states={
                ASK_TEXT: [
                    MessageHandler(
                        filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE,
                        on_broadcast_text,
                    ),
                    broadcast_presses,
                ],
                CONFIRM: [broadcast_presses],
            },
            fallbacks=dialog_fallbacks(cancel_broadcast, _DRAFT),
        ),
        CallbackQueryHandler(on_admin_press, pattern=cb.pattern(cb.ADMIN)),
    ]

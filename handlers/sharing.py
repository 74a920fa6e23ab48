"""Sharing in Telegram (F4): the ready text, the deep link, "New link", inline mode, group
cards; and "Notify participants" (F8) and deleting with a cancellation notice (F10)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from telegram import (
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    InlineQueryHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Translator
from bot.invitations import CancelResult, NotifyResult
from bot.links import GenericLinkFacts
from bot.sharing import deep_link
from bot.validation import InvalidInput
from handlers import callback_data as cb
from handlers import keyboards
from handlers.access import code_label, with_link_notes
from handlers.common import (
    Handler,
    after_replies,
    answer_press,
    chat_id_of,
    conference_press,
    explain,
    pressed_data,
    send,
    show,
)
from handlers.conference_log import pressed_conference, refuse_press, send_calendar_file
from handlers.conference_views import card_screen, moment, row_label, with_series_line
from handlers.notices import (
    NoticeReport,
    change_notice,
    refresh_inline_cards,
    tell_participants,
)
from handlers.participation import show_participation
from storage.conferences import ConferenceRecord
from storage.participants import Participant
from storage.users import UserRecord

log = logging.getLogger(__name__)

INLINE_RESULTS = 20
SCHEDULE_START_PARAMETER = "schedule"  # /start schedule opens the menu (see handlers/menu.py)


# -- cards ----------------------------------------------------------------------------


def invite_card_text(
    t: Translator, facts: GenericLinkFacts, conference: ConferenceRecord, timezone: str
) -> str:
    """The invite card (Share, groups, inline mode); a series adds its rhythm in words."""
    text = t(
        "card.invite",
        topic=conference.topic,
        start=moment(t, conference.starts_at, timezone),
        end=moment(t, conference.ends_at, timezone),
        code_label=code_label(t, facts),
        code=conference.conference_code,
        password=conference.password,
    )
    return with_series_line(t, text, conference, timezone)


async def _links(context: BotContext, conference: ConferenceRecord) -> tuple[str, str | None]:
    """The deep link, and the generic join link for a card's Join button: None where it
    would not open the room (a Jitsi that admits only people with a token), so the card
    offers the bot, whose Join is the way in."""
    token = await context.services.sharing.share_token(conference)
    # The record with its token (made just now if it had none): the join page's link
    # follows from it without asking the database again.
    conference = replace(conference, share_token=token)
    links = context.services.links
    join_url = await links.generic(conference) if links.facts.generic_link_opens_room() else None
    return deep_link(context.bot.username, token), join_url


# -- Share ----------------------------------------------------------------------------


async def on_share(update: Update, context: BotContext) -> None:
    """ "Share": a ready text to forward or copy, and a button to post the card anywhere."""
    conference = await pressed_conference(update, context, scheduled_only=True)
    if conference is None:
        return
    await answer_press(update)
    t = context.t
    links = context.services.links
    token = await context.services.sharing.share_token(conference)
    conference = replace(conference, share_token=token)  # as in _links
    timezone = context.current_user.timezone
    text = t(
        "invite.share_text",
        topic=conference.topic,
        start=moment(t, conference.starts_at, timezone),
        end=moment(t, conference.ends_at, timezone),
        code_label=code_label(t, links.facts),
        code=conference.conference_code,
        password=conference.password,
        deep_link=deep_link(context.bot.username, token),
        join_url=await links.generic(conference),
    )
    text = with_link_notes(t, links.facts, text)
    await send(update, context, t("invite.share_intro"))
    await send(update, context, text, keyboards.share_actions(t, conference.conference_code))


# -- New link -------------------------------------------------------------------------


async def on_new_link(update: Update, context: BotContext) -> None:
    """ "New link": ask first, since the link shared so far will stop working."""
    conference = await pressed_conference(update, context, scheduled_only=True)
    if conference is None:
        return
    await answer_press(update)
    t = context.t
    await show(
        update,
        context,
        t("link.confirm", topic=conference.topic),
        keyboards.confirm_new_link(t, conference.id),
    )


async def on_new_link_confirmed(update: Update, context: BotContext) -> None:
    """The new link, as a message to keep or forward; the card again in place."""
    conference = await pressed_conference(update, context, scheduled_only=True)
    if conference is None:
        return
    services = context.services
    token = await services.sharing.new_share_token(context.current_user.id, conference.id)
    if token is None:
        await answer_press(update, context.t.plain("conference.gone"), alert=True)
        return
    await answer_press(update)
    t = context.t
    link = deep_link(context.bot.username, token)
    await send(update, context, t("link.made", topic=conference.topic, link=link))
    # Read again: the card's join page link is made from the new token.
    conference = await services.conferences.owned(context.current_user.id, conference.id)
    if conference is None:
        return
    card, markup = await card_screen(context, conference)
    await show(update, context, card, markup)


# -- the deep link ----------------------------------------------------------------------


async def open_deep_link(update: Update, context: BotContext, token: str) -> None:
    """/start <token>: the conference for whoever opened it, who becomes a participant."""
    t = context.t
    user = context.current_user
    services = context.services
    conference = await services.sharing.open_shared(token, user.id, user.full_name)
    if conference is None:  # unknown, replaced by a new link, over or deleted: all alike
        await send(update, context, t("card.visitor_gone"), keyboards.main_menu(t))
        return
    if conference.owner_id == user.id:
        card, markup = await card_screen(context, conference)
        await send(update, context, card, markup)
        return
    participation = await services.sharing.participation(user.id, conference.id)
    if participation is None:  # removed or gone in between
        await send(update, context, t("card.visitor_gone"), keyboards.main_menu(t))
        return
    await show_participation(update, context, participation)


async def on_participant_calendar(update: Update, context: BotContext) -> None:
    """ "Add to calendar" for a participant (checked: they opened this conference's link)."""
    data = pressed_data(update)
    conference = await context.services.sharing.visible_to(
        context.current_user.id, data.arg_int() if data else None
    )
    if conference is None:
        await answer_press(update, context.t.plain("conference.gone"), alert=True)
        return
    await answer_press(update)
    await send_calendar_file(update, context, conference)


# -- inline mode ------------------------------------------------------------------------


async def on_inline_query(update: Update, context: BotContext) -> None:
    """`@bot` in any chat: the user's upcoming conferences as invite cards to post."""
    query = update.inline_query
    if query is None:
        return
    t = context.t
    user = context.current_user
    services = context.services
    upcoming = await services.conferences.upcoming(user.id, limit=50)
    wanted = query.query.strip().lower()
    results = []
    for conference in upcoming:
        if (
            wanted
            and wanted not in conference.topic.lower()
            and wanted not in conference.conference_code
        ):
            continue
        link, join_url = await _links(context, conference)
        results.append(
            InlineQueryResultArticle(
                id=str(conference.id),
                title=conference.topic,
                description=t.plain(
                    "invite.inline_description",
                    start=moment(t, conference.starts_at, user.timezone),
                ),
                input_message_content=InputTextMessageContent(
                    invite_card_text(t, context.services.links.facts, conference, user.timezone),
                    parse_mode=ParseMode.HTML,
                ),
                reply_markup=keyboards.invite_card(t, link, join_url),
            )
        )
        if len(results) == INLINE_RESULTS:
            break
    button = None
    if not results:
        button = InlineQueryResultsButton(
            text=t.plain("invite.inline_open_bot"), start_parameter=SCHEDULE_START_PARAMETER
        )
    await query.answer(results, cache_time=0, is_personal=True, button=button)


async def on_inline_chosen(update: Update, context: BotContext) -> None:
    """A posted card: remember it, to edit it in place when the conference changes."""
    chosen = update.chosen_inline_result
    if (
        chosen is None
        or not chosen.inline_message_id
        or not re.fullmatch(r"[0-9]{1,18}", chosen.result_id)
    ):
        return
    conference = await context.services.conferences.owned(
        context.current_user.id, int(chosen.result_id)
    )
    if conference is not None:
        await context.services.sharing.record_inline_card(chosen.inline_message_id, conference.id)


# -- groups -----------------------------------------------------------------------------


async def group_invite(update: Update, context: BotContext) -> None:
    """/invite in a group: the asking owner's conferences as a pick list."""
    t = context.t
    user = context.current_user
    upcoming = await context.services.conferences.upcoming(user.id, limit=8)
    if not upcoming:
        await send(update, context, t("invite.group_none"))
        return
    choices = [(row_label(n, c), c.id) for n, c in enumerate(upcoming, start=1)]
    await send(
        update,
        context,
        t("invite.group_pick", name=user.full_name),
        keyboards.group_pick(t, user.id, choices),
    )


async def private_invite(update: Update, context: BotContext) -> None:
    await send(update, context, context.t("invite.group_only"))


async def on_group_pick(update: Update, context: BotContext) -> None:
    """A pick in a group: only the owner who asked; the card replaces the list."""
    data = pressed_data(update)
    t = context.t
    asker = data.arg_int(1) if data else None
    if asker != context.current_user.id:
        await answer_press(update, t.plain("invite.not_owner"), alert=True)
        return
    conference = await pressed_conference(update, context, scheduled_only=True)
    if conference is None:
        return
    await answer_press(update)
    chat = update.effective_chat
    if chat is None:
        return
    await context.services.sharing.add_group(conference, chat.id, chat.title or "")
    link, join_url = await _links(context, conference)
    await show(
        update,
        context,
        invite_card_text(
            t, context.services.links.facts, conference, context.current_user.timezone
        ),
        keyboards.invite_card(t, link, join_url),
    )


# -- Notify participants and delete with a notice ----------------------------------------------


async def on_notify(update: Update, context: BotContext) -> None:
    """ "Notify participants" (and "Send" under the question after Save): the change is
    claimed in the database (so only one press ever sends), updated invitations are
    queued by e-mail, and the owner is answered at once; the Telegram notices and the
    posted cards' edits go out in the background, paced by the rate limiter, and a
    summary follows when they are done."""
    conference = await pressed_conference(update, context, scheduled_only=True, series_news=True)
    if conference is None:
        return
    t = context.t
    owner = context.current_user
    services = context.services
    if not await services.invitations.has_participants(conference.id):
        await answer_press(update, t.plain("notify.nobody"), alert=True)
        return
    try:
        result = await services.invitations.notify_by_email(owner, conference.id)
    except InvalidInput as error:
        if error.key == "budget.notify":  # over the daily e-mail budget: nobody is told
            await answer_press(update)
            await send(update, context, explain(t, error))
            return
        if error.key != "notify.up_to_date":
            await answer_press(update, t.plain("conference.gone"), alert=True)
            return
        # Told already (a second press, a replay, a forged press): nothing is sent, and
        # the card loses its outdated Notify button.
        await answer_press(update, t.plain("notify.up_to_date"), alert=True)
        card, markup = await card_screen(context, conference)
        await show(update, context, card, markup)
        return
    await answer_press(update)
    claimed = result.conference
    participants = await services.sharing.participants(claimed.id)
    await send(update, context, t("notify.sending", count=result.emails + len(participants)))
    card, markup = await card_screen(context, claimed)
    await show(update, context, card, markup)
    chat_id = chat_id_of(update)
    await after_replies(
        context,
        lambda: context.application.create_task(
            _tell_in_background(context, owner, result, participants, chat_id),
            name=f"notify-{claimed.id}",
        ),
    )


async def _tell_in_background(
    context: BotContext,
    owner: UserRecord,
    result: NotifyResult,
    participants: list[Participant],
    chat_id: int,
) -> None:
    """The Telegram side of "Notify participants", then the summary for the owner."""
    t = Translator(owner.language)
    conference = result.conference
    try:
        link, join_url = await _links(context, conference)

        def render(tr: Translator, timezone: str) -> tuple[str, InlineKeyboardMarkup | None]:
            text = change_notice(tr, timezone, conference, result.changes)
            return text, keyboards.invite_card(tr, link, join_url)

        report = await tell_participants(context, owner, participants, render)
        await refresh_inline_cards(
            context,
            await context.services.sharing.inline_cards(conference.id),
            invite_card_text(t, context.services.links.facts, conference, owner.timezone),
            keyboards.invite_card(t, link, join_url),
        )
        summary = _summary(t, "notify.summary", report, emails=result.emails)
    except Exception:  # the claim is spent: the owner must hear that it went wrong
        log.exception("Notifying the participants of conference %s failed", conference.id)
        summary = t("notify.failed")
    await _send_summary(context, chat_id, summary)


async def _send_summary(context: BotContext, chat_id: int, summary: str) -> None:
    """The owner's summary after background notices, as a new message."""
    try:
        await context.bot.send_message(chat_id, summary, parse_mode=ParseMode.HTML)
    except TelegramError as error:
        log.warning("The notify summary for chat %s was not sent: %s", chat_id, error)


async def on_delete_and_notify(update: Update, context: BotContext) -> None:
    """ "OK and notify participants": METHOD:CANCEL by e-mail (queued with the deletion),
    and the owner answered at once; the Telegram messages go out in the background, like
    "Notify participants", and a summary follows when they are done."""
    data = pressed_data(update)
    conference_id = data.arg_int() if data else None
    owner = context.current_user
    t = context.t
    try:
        if conference_id is None:
            raise InvalidInput("conference.gone")
        result = await context.services.invitations.cancel_and_delete(owner, conference_id)
    except InvalidInput as error:
        if error.key != "budget.delete" or conference_id is None:
            await refuse_press(update, context, conference_id)
            return
        # Over the daily e-mail budget: nothing was deleted; the plain delete is offered.
        await answer_press(update)
        await show(update, context, explain(t, error), keyboards.confirm_delete(t, conference_id))
        return
    await answer_press(update)
    conference = result.conference
    kind = "a" if context.services.conferences.is_archived(conference) else "s"
    await show(
        update,
        context,
        t(
            "notify.deleted_sending",
            topic=conference.topic,
            count=result.emails + len(result.participants),
        ),
        keyboards.back_to_log(t, kind),
    )
    chat_id = chat_id_of(update)
    await after_replies(
        context,
        lambda: context.application.create_task(
            _tell_cancelled_in_background(context, owner, result, chat_id),
            name=f"cancel-{conference.id}",
        ),
    )


async def _tell_cancelled_in_background(
    context: BotContext, owner: UserRecord, result: CancelResult, chat_id: int
) -> None:
    """The Telegram side of "OK and notify participants", then the summary."""
    t = Translator(owner.language)
    conference = result.conference

    def render(tr: Translator, timezone: str) -> tuple[str, InlineKeyboardMarkup | None]:
        return tr(
            "notify.cancelled_notice",
            topic=conference.topic,
            start=moment(tr, conference.starts_at, timezone),
        ), None

    try:
        report = await tell_participants(context, owner, result.participants, render)
        summary = _summary(
            t, "notify.deleted_notified", report, emails=result.emails, topic=conference.topic
        )
    except Exception:  # the conference is gone: the owner must hear that telling failed
        log.exception("Telling the participants of deleted conference %s failed", conference.id)
        summary = t("notify.failed")
    await _send_summary(context, chat_id, summary)


def _summary(t: Translator, key: str, report: NoticeReport, **values: object) -> str:
    text = t(key, reached=report.reached, chats=report.chats, **values)
    if report.failures:
        lines = "\n".join(
            t("notify.failure_line", name=name, reason=t.plain(reason))
            for name, reason in report.failures
        )
        text = f"{text}\n\n{t('notify.summary_failed', failures=lines)}"
    return text


def handlers() -> list[Handler]:
    return [
        conference_press("share", on_share),
        conference_press("relink", on_new_link),
        conference_press("relinkok", on_new_link_confirmed),
        conference_press("notify", on_notify),
        conference_press("delnotify", on_delete_and_notify),
        CallbackQueryHandler(on_participant_calendar, pattern=cb.pattern(cb.PARTICIPANT, "ics")),
        CallbackQueryHandler(on_group_pick, pattern=cb.pattern(cb.GROUP, "post")),
        CommandHandler("invite", group_invite, filters=filters.ChatType.GROUPS),
        CommandHandler("invite", private_invite, filters=filters.ChatType.PRIVATE),
        InlineQueryHandler(on_inline_query),
        ChosenInlineResultHandler(on_inline_chosen),
    ]

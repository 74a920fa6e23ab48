"""Delete on a series: "this meeting only" or "all meetings from this one on", and
"Send" of the news of one meeting changed alone (its e-mails and Telegram words).

Buttons carry the conference id and the meeting's original start; both are looked up
again as the presser's own series and one of its meetings still ahead
(`SeriesService.meeting`), so a stale or forged press changes nothing.
Diagram: handlers/participants.mmd (screens, no dialog state).
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import Translator
from bot.invitations import MeetingNotice
from bot.series import Occurrence
from bot.validation import InvalidInput
from handlers import keyboards
from handlers.common import (
    Handler,
    after_replies,
    answer_press,
    conference_press,
    explain,
    pressed_data,
    send,
    show,
)
from handlers.conference_log import refuse_press
from handlers.conference_views import card_screen, moment
from handlers.notices import tell_participants
from storage.conferences import ConferenceRecord
from storage.users import UserRecord

log = logging.getLogger(__name__)


async def refuse_meeting(update: Update, context: BotContext, conference_id: int | None) -> None:
    """A meeting button that does not fit: the owner's own series with no such meeting
    ahead (an older message, a forged start) is a stale button; anything else is
    refused as any owner's button is."""
    owned = await context.services.conferences.owned(context.current_user.id, conference_id)
    if owned is not None:
        await answer_press(update, context.t.plain("common.stale_button"), alert=True)
        return
    await refuse_press(update, context, conference_id)


def _pressed(update: Update) -> tuple[int | None, int | None]:
    data = pressed_data(update)
    if data is None:
        return None, None
    return data.arg_int(0), data.arg_int(1)


async def _pressed_meeting(
    update: Update, context: BotContext
) -> tuple[ConferenceRecord, Occurrence, int] | None:
    """The owner's series and the meeting a button names (with its original start), or
    None once the press is refused."""
    conference_id, original_start = _pressed(update)
    found = await context.services.series.meeting(
        context.current_user.id, conference_id, original_start
    )
    if found is None or original_start is None:
        await refuse_meeting(update, context, conference_id)
        return None
    return found[0], found[1], original_start


async def on_delete_one(update: Update, context: BotContext) -> None:
    """ "This meeting only": the meeting is cancelled (an EXDATE); with participants,
    the card asks at once whether to tell them."""
    pressed = await _pressed_meeting(update, context)
    if pressed is None:
        return
    conference, meeting, original_start = pressed
    services = context.services
    t = context.t
    user = context.current_user
    try:
        change = await services.series.cancel_meeting(user.id, conference.id, original_start)
    except InvalidInput as error:
        await answer_press(update)
        await send(update, context, explain(t, error))
        return
    await answer_press(update)
    note = t("series.meeting_cancelled", start=moment(t, meeting.starts_at, user.timezone))
    await _card_with_question(update, context, change.conference, note, original_start)


async def on_delete_all(update: Update, context: BotContext) -> None:
    """ "All meetings from this one on": at the first meeting, the usual delete question
    (the whole series, with "OK and notify participants": a CANCEL of the series);
    mid-series, the series ends before this meeting (UNTIL) and moves to the archive,
    and the card asks at once whether to tell participants (a REQUEST of the series
    with a higher SEQUENCE)."""
    pressed = await _pressed_meeting(update, context)
    if pressed is None:
        return
    conference, meeting, original_start = pressed
    services = context.services
    t = context.t
    user = context.current_user
    await answer_press(update)
    if services.series.is_first(conference, meeting):
        can_notify = await services.invitations.has_participants(conference.id)
        start = moment(t, conference.starts_at, user.timezone)
        await show(
            update,
            context,
            t("conference.confirm_delete", topic=conference.topic, start=start),
            keyboards.confirm_delete(t, conference.id, can_notify=can_notify),
        )
        return
    await services.series.end_before(user.id, conference.id, original_start)
    ended = await services.conferences.owned(user.id, conference.id)
    if ended is None:
        await show(update, context, t("conference.gone"), keyboards.back_to_menu(t))
        return
    note = t("series.meetings_ended", start=moment(t, meeting.starts_at, user.timezone))
    await _card_with_question(update, context, ended, note, None)


async def _card_with_question(
    update: Update,
    context: BotContext,
    conference: ConferenceRecord,
    note: str,
    original_start: int | None,
) -> None:
    """The card after a change, asking at once whether to tell participants (one
    meeting: `original_start`; the series: None, the usual Notify)."""
    t = context.t
    card, markup = await card_screen(context, conference)
    audience = await context.services.invitations.audience_size(conference.id)
    if audience:
        card = card.replace(f"\n\n{t('conference.not_notified')}", "")
        question = t("notify.ask_send", count=audience)
        if original_start is None:
            markup = keyboards.send_update_question(t, conference.id)
        else:
            markup = keyboards.send_meeting_question(t, conference.id, original_start)
        await show(update, context, f"{note}\n\n{card}\n\n{question}", markup)
        return
    await show(update, context, f"{note}\n\n{card}", markup)


async def on_notify_meeting(update: Update, context: BotContext) -> None:
    """Send the news of one meeting: claimed once, e-mails queued with the claim, the
    Telegram participants told in the background, then a summary."""
    conference_id, original_start = _pressed(update)
    services = context.services
    owner = context.current_user
    t = context.t
    conference = await services.conferences.owned(owner.id, conference_id)
    if conference is None or original_start is None:
        await refuse_press(update, context, conference_id)
        return
    try:
        notice = await services.invitations.notify_meeting(owner, conference.id, original_start)
    except InvalidInput as error:
        if error.key == "budget.notify":
            await answer_press(update)
            await send(update, context, explain(t, error))
            return
        await answer_press(update, t.plain("notify.up_to_date"), alert=True)
        card, markup = await card_screen(context, conference)
        await show(update, context, card, markup)
        return
    await answer_press(update)
    await send(update, context, t("notify.sending", count=notice.emails + len(notice.participants)))
    card, markup = await card_screen(context, conference)
    await show(update, context, card, markup)
    chat_id = update.effective_chat.id if update.effective_chat else owner.id
    await after_replies(
        context,
        lambda: context.application.create_task(
            _tell_in_background(context, owner, notice, chat_id),
            name=f"notify-meeting-{conference.id}",
        ),
    )


def meeting_notice(t: Translator, timezone: str, notice: MeetingNotice) -> str:
    """The words for Telegram participants of one meeting moved or cancelled."""
    topic = notice.conference.topic
    old = moment(t, notice.before.starts_at, timezone)
    if notice.after is None:
        return t("series.notice_cancelled", topic=topic, old=old)
    return t(
        "series.notice_moved", topic=topic, old=old, new=moment(t, notice.after.starts_at, timezone)
    )


async def _tell_in_background(
    context: BotContext, owner: UserRecord, notice: MeetingNotice, chat_id: int
) -> None:
    t = Translator(owner.language)

    def render(tr: Translator, timezone: str) -> tuple[str, InlineKeyboardMarkup | None]:
        return meeting_notice(tr, timezone, notice), None

    try:
        report = await tell_participants(context, owner, notice.participants, render)
        summary = t(
            "notify.summary", reached=report.reached, chats=report.chats, emails=notice.emails
        )
    except Exception:  # the claim is spent: the owner must hear that it went wrong
        log.exception("Telling the participants of conference %s failed", notice.conference.id)
        summary = t("notify.failed")
    try:
        await context.bot.send_message(chat_id, summary, parse_mode="HTML")
    except Exception as error:  # noqa: BLE001 - a summary that cannot go is only logged
        log.warning("The meeting notice summary for chat %s was not sent: %s", chat_id, error)


async def on_meetings_page(update: Update, context: BotContext) -> None:
    """◀ / ▶ on a series' card: another page of its next meetings."""
    conference_id, page = _pressed(update)
    conference = await context.services.conferences.owned(context.current_user.id, conference_id)
    if conference is None or page is None:
        await refuse_press(update, context, conference_id)
        return
    await answer_press(update)
    text, markup = await card_screen(context, conference, meetings_page=page)
    await show(update, context, text, markup)


def handlers() -> list[Handler]:
    return [
        conference_press("d1", on_delete_one),
        conference_press("dall", on_delete_all),
        conference_press("nm", on_notify_meeting),
        conference_press("meet", on_meetings_page),
    ]

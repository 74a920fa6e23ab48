"""Conference log (F5), the conference card and view info (F7), join link, "Add to
calendar", delete (F10), "End now", "Refresh" and "Start conference now" (F2).

Every button carries a conference id only; the conference is looked up as the pressing
user's own on each press, so old, forged or foreign buttons change nothing. A
participant who presses one of the owner's buttons is told that they are the owner's;
anyone else gets the same "no longer exists" as for a deleted conference, which tells a
stranger nothing about which conferences exist.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.calendar import calendar_description, publish_ics, recurrence_of
from bot.conferences import ListKind, clean_topic
from bot.context import BotContext
from bot.delivery import Notice, send_to_many
from bot.i18n import Translator
from bot.validation import InvalidInput
from handlers import callback_data as cb
from handlers import keyboards
from handlers.access import started_text
from handlers.common import (
    Handler,
    answer_press,
    chat_id_of,
    conference_press,
    explain,
    pressed_data,
    send,
    show,
)
from handlers.conference_views import card_screen, log_buttons, log_page, moment
from storage.conferences import ConferenceRecord


async def open_log(update: Update, context: BotContext) -> None:
    """ "Conference log" or /log: the first page of scheduled conferences."""
    await answer_press(update)
    await _show_page(update, context, ListKind.SCHEDULED, 0)


async def on_log_press(update: Update, context: BotContext) -> None:
    """Page arrows and the Scheduled / Archive switch."""
    data = pressed_data(update)
    page = data.arg_int() if data else None
    if data is None or page is None or data.action not in ("s", "a"):
        await answer_press(update, context.t.plain("common.stale_button"))
        return
    await answer_press(update)
    await _show_page(update, context, ListKind(data.action), page)


async def _show_page(update: Update, context: BotContext, kind: ListKind, number: int) -> None:
    user = context.current_user
    services = context.services
    conferences = services.conferences
    page = await conferences.page(user.id, kind, number)
    online = {row.conference.id for row in page.items if conferences.is_online(row.conference)}
    text = log_page(context.t, page, timezone=user.timezone)
    lines = log_buttons(
        context.t, page, timezone=user.timezone, online=online, now=services.clock.now()
    )
    markup = keyboards.conference_log(context.t, kind.value, lines, page.number, page.total_pages)
    await show(update, context, text, markup)


async def pressed_conference(
    update: Update, context: BotContext, *, scheduled_only: bool = False, series_news: bool = False
) -> ConferenceRecord | None:
    """The user's own conference named by the pressed button (and, if asked, not yet
    over), or None after answering why not (`refuse_press`). `series_news`: a series cut
    short (its later meetings deleted, so now in the archive) whose participants were not
    told yet counts as not over."""
    data = pressed_data(update)
    user = context.current_user
    services = context.services
    conference_id = data.arg_int() if data else None
    conference = await services.conferences.owned(user.id, conference_id)
    untold_series = (
        series_news
        and conference is not None
        and conference.rrule is not None
        and conference.changed_since_notice
    )
    if (
        conference is not None
        and scheduled_only
        and not untold_series
        and services.conferences.is_archived(conference)
    ):
        await answer_press(update, context.t.plain("conference.gone"), alert=True)
        return None
    if conference is None:
        await refuse_press(update, context, conference_id)
    return conference


async def refuse_press(update: Update, context: BotContext, conference_id: int | None) -> None:
    """The answer to an owner's button pressed by someone who is not the owner: a
    participant learns that the buttons are the owner's; anyone else (or a conference
    that is gone) gets "no longer exists"."""
    visible = await context.services.sharing.visible_to(context.current_user.id, conference_id)
    key = "conference.owner_only" if visible is not None else "conference.gone"
    await answer_press(update, context.t.plain(key), alert=True)


async def on_view(update: Update, context: BotContext) -> None:
    """A log row or "Cancel" on a delete question: the conference card."""
    conference = await pressed_conference(update, context)
    if conference is None:
        return
    await answer_press(update)
    text, markup = await card_screen(context, conference)
    await show(update, context, text, markup)


async def on_refresh(update: Update, context: BotContext) -> None:
    """ "Refresh": the card drawn again with the invitations' delivery as it is now (a
    press that changes nothing leaves the message as it is)."""
    conference = await pressed_conference(update, context)
    if conference is None:
        return
    await answer_press(update, context.t.plain("conference.refreshed"))
    text, markup = await card_screen(context, conference)
    await show(update, context, text, markup)


async def on_end(update: Update, context: BotContext) -> None:
    """ "End now": ask first, with OK and Cancel."""
    conference = await pressed_conference(update, context, scheduled_only=True)
    if conference is None:
        return
    if not context.services.conferences.can_end_now(conference):
        await answer_press(update, context.t.plain("conference.not_running"), alert=True)
        return
    await answer_press(update)
    t = context.t
    await show(
        update,
        context,
        t("conference.confirm_end", topic=conference.topic),
        keyboards.confirm_end(t, conference.id),
    )


async def on_end_confirmed(update: Update, context: BotContext) -> None:
    """OK: the conference ends now and moves to the archive; whoever waits for the owner
    to join is told that it has ended. A second press finds it over already."""
    conference = await pressed_conference(update, context, scheduled_only=True)
    if conference is None:
        return
    services = context.services
    t = context.t
    try:
        ended = await services.conferences.end_now(context.current_user.id, conference.id)
    except InvalidInput as error:
        await answer_press(update, t.plain(error.key), alert=True)
        return
    await answer_press(update)
    card, markup = await card_screen(context, ended.conference)
    await show(
        update, context, f"{t('conference.ended', topic=conference.topic)}\n\n{card}", markup
    )
    if ended.waiters:
        await send_to_many(
            context.bot,
            [await _ended_notice(context, user_id, conference) for user_id in ended.waiters],
            on_unreachable=services.sharing.chat_unreachable,
            purpose="conference ended",
        )


async def _ended_notice(context: BotContext, user_id: int, conference: ConferenceRecord) -> Notice:
    """The message to someone who waited for the owner, in their language."""
    person = await context.services.users.get(user_id)
    t = Translator(person.language if person else context.t.language)
    return Notice(user_id, t("conference.ended_waiter", topic=conference.topic), None)


async def on_add_to_calendar(update: Update, context: BotContext) -> None:
    """ "Add to calendar": an .ics file (METHOD:PUBLISH) with the conference."""
    conference = await pressed_conference(update, context)
    if conference is None:
        return
    await answer_press(update)
    await send_calendar_file(update, context, conference)


async def send_calendar_file(
    update: Update, context: BotContext, conference: ConferenceRecord
) -> None:
    """The conference as an .ics file (METHOD:PUBLISH), in the chat of this update."""
    services = context.services
    t = context.t
    url = await services.links.generic(conference)
    description = calendar_description(
        t.language,
        code=conference.conference_code,
        password=conference.password,
        join_url=url,
        website=services.links.facts.website_for_id_and_password(),
        link_note=services.links.facts.describe_link(),
    )
    await context.bot.send_document(
        chat_id_of(update),
        document=publish_ics(
            conference,
            join_url=url,
            description=description,
            now=services.clock.now(),
            recurrence=await recurrence_of(services.database, conference),
        ),
        filename=f"conference-{conference.conference_code}.ics",
        caption=t("conference.ics_caption", topic=conference.topic),
        parse_mode="HTML",
    )


async def on_delete(update: Update, context: BotContext) -> None:
    """ "Delete": ask first, with OK and Cancel (a series: which meetings, first)."""
    conference = await pressed_conference(update, context)
    if conference is None:
        return
    if conference.rrule is not None and not context.services.conferences.is_archived(conference):
        await ask_series_delete(update, context, conference)
        return
    await answer_press(update)
    t = context.t
    start = moment(t, conference.starts_at, context.current_user.timezone)
    can_notify = await context.services.invitations.has_participants(conference.id)
    await show(
        update,
        context,
        t("conference.confirm_delete", topic=conference.topic, start=start),
        keyboards.confirm_delete(t, conference.id, can_notify=can_notify),
    )


async def ask_series_delete(
    update: Update, context: BotContext, conference: ConferenceRecord
) -> None:
    """Delete on a series: which meetings."""
    meeting = await context.services.series.current_meeting(conference)
    if meeting is None:
        await answer_press(update, context.t.plain("conference.gone"), alert=True)
        return
    await answer_press(update)
    t = context.t
    start = moment(t, meeting.starts_at, context.current_user.timezone)
    await show(
        update,
        context,
        t("series.ask_delete", topic=conference.topic, start=start),
        keyboards.series_choice(t, conference.id, meeting.original_start, delete=True),
    )


async def on_delete_confirmed(update: Update, context: BotContext) -> None:
    """ "OK": delete; a second press finds it gone."""
    conference = await pressed_conference(update, context)
    if conference is None:
        return
    deleted = await context.services.conferences.delete(context.current_user.id, conference.id)
    if not deleted:
        await answer_press(update, context.t.plain("conference.gone"), alert=True)
        return
    await answer_press(update)
    t = context.t
    kind = "a" if context.services.conferences.is_archived(conference) else "s"
    await show(
        update,
        context,
        t("conference.deleted", topic=conference.topic),
        keyboards.back_to_log(t, kind),
    )


async def start_now(update: Update, context: BotContext) -> None:
    """ "Start conference now" (one tap) or /now [topic]: 30 minutes from now, card at once."""
    await answer_press(update)
    t = context.t
    typed = " ".join(context.args) if context.args else ""
    try:
        topic = clean_topic(typed) if typed.strip() else t.plain("now.default_topic")
    except InvalidInput as error:
        await send(update, context, explain(t, error))
        return
    conference = await context.services.conferences.start_now(context.current_user.id, topic)
    text, markup = await card_screen(context, conference)
    await send(
        update, context, f"{started_text(t, context.services.links.facts)}\n\n{text}", markup
    )


def handlers() -> list[Handler]:
    return [
        CommandHandler("log", open_log, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(open_log, pattern=cb.pattern(cb.MENU, "log")),
        CallbackQueryHandler(on_log_press, pattern=cb.pattern(cb.LOG)),
        CommandHandler("now", start_now, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(start_now, pattern=cb.pattern(cb.MENU, "now")),
        conference_press("view", on_view),
        conference_press("ics", on_add_to_calendar),
        conference_press("del", on_delete),
        conference_press("delok", on_delete_confirmed),
        conference_press("refresh", on_refresh),
        conference_press("end", on_end),
        conference_press("endok", on_end_confirmed),
    ]

"""How conferences read in a chat: the owner's card, a participant's card, the review
card, the log page.

Mostly pure functions of a translator, a time zone and records, so they are easy to test
and the same card looks the same wherever it appears.

The log is one compact list: a button per conference ("15:00 Budget review 🟢"), under
a header button per day ("Today", "Tomorrow", "Mon 7 Dec"). Telegram shows a message's
text above all of its buttons, so day headers in the text could not sit next to the
rows of their day; a header is a button that shows the same page again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from telegram import InlineKeyboardMarkup

from bot import series_text
from bot.addresses import readable_address
from bot.conferences import Draft, ListKind, Page
from bot.context import BotContext
from bot.formatting import format_moment
from bot.i18n import Translator
from bot.links import GenericLinkFacts
from bot.mail.failures import ERROR, REASONS
from bot.series import Occurrence
from bot.sharing import Participation
from bot.text import shorten
from bot.timezones import display_name
from handlers import callback_data as cb
from handlers import keyboards
from handlers.access import code_label, with_link_notes
from storage.conferences import ConferenceRecord, LogRow

_TOPIC_IN_BUTTON = 40
# A log button: the whole label within what a phone shows on one line, the topic cut
# first; a participation's owner name is cut to leave the topic some room.
_LOG_LABEL = 42
_OWNER_IN_BUTTON = 18
_TOPIC_AT_LEAST = 12
# The card must fit Telegram's 4096 characters whatever was typed: so many invitees shown,
# each value cut to a line.
_INVITEES_ON_CARD = 10
_VALUE_ON_CARD = 60


def moment(t: Translator, timestamp: int | None, timezone: str) -> str:
    if timestamp is None:
        return t.plain("common.not_set")
    return format_moment(datetime.fromtimestamp(timestamp, UTC), timezone, t.language)


def _local(t: Translator, timestamp: int, timezone: str, key: str) -> str:
    at = datetime.fromtimestamp(timestamp, UTC).astimezone(ZoneInfo(timezone))
    return format_datetime(at, t.plain(key), locale=t.language)


def on_off(t: Translator, flag: bool) -> str:
    return t.plain("common.on" if flag else "common.off")


def conference_card(
    t: Translator,
    conference: ConferenceRecord,
    *,
    timezone: str,
    online: bool,
    archived: bool,
    facts: GenericLinkFacts,
    join_url: str,
    untold: bool = False,
) -> str:
    """The card's text; `untold`: it changed and there are participants not told yet.
    The way in is worded for the platform (handlers/access.py)."""
    card = t(
        "conference.card",
        topic=conference.topic,
        status=t.plain("conference.status_online" if online else "conference.status_offline"),
        start=moment(t, conference.starts_at, timezone),
        end=moment(t, conference.ends_at, timezone),
        code_label=code_label(t, facts),
        code=conference.conference_code,
        password=conference.password,
        allow=on_off(t, conference.allow_without_owner),
        join_url=join_url,
    )
    card = with_link_notes(t, facts, card)
    notes = []
    if archived:
        notes.append(t("conference.archived_note"))
    elif untold:
        notes.append(t("conference.not_notified"))
    return "\n\n".join([card, *notes])


MEETINGS_ON_CARD = 5


async def _meetings(context: BotContext, conference: ConferenceRecord) -> list[Occurrence]:
    return await context.services.conferences.meetings_ahead(conference)


def series_lines(
    t: Translator,
    conference: ConferenceRecord,
    meetings: list[Occurrence],
    timezone: str,
    page: int = 0,
) -> str:
    """A series' lines on its card: the rule in words with its times and end, and a page
    of the next meetings (the current one first)."""
    upcoming = [meeting for meeting in meetings if meeting.starts_at != conference.starts_at]
    summary, end = series_text.rhythm(
        t.language, conference, timezone, next_start=upcoming[0].starts_at if upcoming else None
    )
    lines = [t("series.card_line", summary=summary, end=end)]
    if meetings:
        lines.append(t("series.card_next_title"))
        first = page * MEETINGS_ON_CARD
        for meeting in meetings[first : first + MEETINGS_ON_CARD]:
            key = "series.card_next_moved" if meeting.moved else "series.card_next_line"
            lines.append(t(key, moment=moment(t, meeting.starts_at, timezone)))
    return "\n".join(lines)


def with_series_line(t: Translator, text: str, conference: ConferenceRecord, timezone: str) -> str:
    """`text` (a notice, an invite card), and for a series its rhythm in one line."""
    if conference.rrule is None:
        return text
    summary, end = series_text.rhythm(t.language, conference, timezone)
    return f"{text}\n{t('series.notice_line', summary=summary, end=end)}"


def _with_series_lines(
    text: str,
    t: Translator,
    conference: ConferenceRecord,
    meetings: list[Occurrence],
    timezone: str,
    page: int = 0,
) -> str:
    if conference.rrule is None:
        return text
    return f"{text}\n\n{series_lines(t, conference, meetings, timezone, page)}"


def reason_in_words(t: Translator, reason: str | None) -> str:
    """Why an e-mail failed, as the owner reads it: a category through the catalogs,
    never the server's reply (which can name hosts and paths; admins see it in /outbox)."""
    return t.plain(f"delivery.reason_{reason if reason in REASONS else ERROR}")


def draft_rhythm(t: Translator, draft: Draft, *, timezone: str) -> str | None:
    """The draft's rhythm in words ("every Monday"), None when it does not repeat."""
    rule = draft.rule(timezone)
    return None if rule is None else series_text.describe(t.language, rule)


def review_card(t: Translator, draft: Draft, *, timezone: str) -> str:
    key = "schedule.review_edit" if draft.editing_id is not None else "schedule.review"
    rule = draft.rule(timezone)
    repeats = (
        t.plain("series.never")
        if rule is None
        else t.plain(
            "series.repeats",
            rule=series_text.describe(t.language, rule),
            end=series_text.describe_end(t.language, rule, timezone),
        )
    )
    return t(
        key,
        repeats=repeats,
        topic=draft.topic,
        start=moment(t, draft.starts_at, timezone),
        end=moment(t, draft.ends_at, timezone),
        code=draft.code,
        password=draft.password,
        allow=on_off(t, draft.allow_without_owner),
    )


def log_page(t: Translator, page: Page, *, timezone: str, now: datetime | None = None) -> str:
    """The log's text: which list, how many, in which zone; the rows are its buttons."""
    scheduled = page.kind is ListKind.SCHEDULED
    title = t("log.title_scheduled" if scheduled else "log.title_archive", count=page.total_items)
    if not page.items:
        return f"{title}\n\n{t('log.empty_scheduled' if scheduled else 'log.empty_archive')}"
    footer = [
        t("log.times_in", timezone=display_name(timezone, t.language, now)),
        t("log.hint_scheduled" if scheduled else "log.hint_archive"),
    ]
    # Each series on the page, once, with its rule in words (its row shows the meeting).
    rhythms = [
        t(
            "series.log_line",
            topic=shorten(row.conference.topic, _TOPIC_IN_BUTTON),
            summary=series_text.rhythm(t.language, row.conference, timezone).summary,
        )
        for row in page.items
        if row.conference.rrule is not None
    ]
    if rhythms:
        return "\n\n".join([title, "\n".join(rhythms), "\n".join(footer)])
    return "\n\n".join([title, "\n".join(footer)])


def log_buttons(
    t: Translator, page: Page, *, timezone: str, online: set[int], now: datetime
) -> list[tuple[str, str]]:
    """(label, callback data) of the log's lines, in order: a header per day, then the
    day's conferences. A header shows the same page again; a conference opens the
    owner's card, or the participant's card for one they take part in."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    same_page = cb.encode(cb.LOG, page.kind.value, page.number)
    lines: list[tuple[str, str]] = []
    shown_day: date | None = None
    for row in page.items:
        conference = row.conference
        starts = datetime.fromtimestamp(conference.starts_at, UTC).astimezone(zone)
        if starts.date() != shown_day:
            shown_day = starts.date()
            lines.append((t.plain("log.day_header", day=day_name(t, shown_day, today)), same_page))
        if row.invited_by is None:
            data = cb.encode(cb.CONFERENCE, "view", conference.id)
        else:
            data = cb.encode(cb.PARTICIPANT, "view", conference.id)
        lines.append((log_label(t, row, starts, online=conference.id in online), data))
    return lines


def day_name(t: Translator, day: date, today: date) -> str:
    """ "Today", "Tomorrow", "Yesterday", else "Mon 7 Dec" (with the year if not this one)."""
    relative = {
        today: "log.day_today",
        today + timedelta(days=1): "log.day_tomorrow",
        today - timedelta(days=1): "log.day_yesterday",
    }
    if day in relative:
        return t.plain(relative[day])
    key = "log.day_format" if day.year == today.year else "log.day_format_year"
    return format_date(day, t.plain(key), locale=t.language)


def log_label(t: Translator, row: LogRow, starts: datetime, *, online: bool) -> str:
    """ "15:00 Budget review 🟢": the local start time, the topic cut to fit, 🟢 while
    online (nothing otherwise), and who invited the person to one they take part in."""
    clock = format_datetime(starts, t.plain("time.clock"), locale=t.language)
    if row.conference.rrule is not None:
        clock = f"{clock} 🔁"  # a series, shown once, at its current meeting
    status = " 🟢" if online else ""
    if row.invited_by is None:
        suffix = ""
    else:
        owner = shorten(row.invited_by or "—", _OWNER_IN_BUTTON)
        suffix = t.plain("log.button_invited", owner=owner)
    room = max(_TOPIC_AT_LEAST, _LOG_LABEL - len(clock) - 1 - len(status) - len(suffix))
    return f"{clock} {shorten(row.conference.topic, room)}{status}{suffix}"


def row_label(number: int, conference: ConferenceRecord) -> str:
    """A numbered pick-list button (a group's /invite): the number and the topic, cut."""
    return f"{number}. {shorten(conference.topic, _TOPIC_IN_BUTTON)}"


async def card_screen(
    context: BotContext, conference: ConferenceRecord, *, meetings_page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """The owner's conference card, with who was invited and how delivery went, and its
    buttons. While an invitation is still being sent the card says when it was drawn
    and offers "Refresh": nothing redraws it by itself when the e-mail leaves. A series
    lists its next meetings a page at a time (`meetings_page`, clamped)."""
    services = context.services
    t = context.t
    user = context.current_user
    archived = services.conferences.is_archived(conference)
    # "Notify participants" only when there is news and someone to tell.
    untold = (
        not archived
        and conference.changed_since_notice
        and await services.invitations.has_participants(conference.id)
    )
    text = conference_card(
        t,
        conference,
        timezone=user.timezone,
        online=services.conferences.is_online(conference),
        archived=archived,
        facts=services.links.facts,
        join_url=await services.links.generic(conference),
        untold=untold,
    )
    meetings = await _meetings(context, conference)
    pages = max(1, -(-len(meetings) // MEETINGS_ON_CARD))
    meetings_page = min(max(0, meetings_page), pages - 1)
    text = _with_series_lines(text, t, conference, meetings, user.timezone, meetings_page)
    lines, pending = await _deliveries(context, conference)
    if lines:
        text = f"{text}\n\n" + "\n".join(lines)
    participants = await services.sharing.participants(conference.id)
    if participants:
        text = f"{text}\n\n{t('invite.participants_line', count=len(participants))}"
    markup = keyboards.conference_actions(
        t,
        conference.id,
        archived=archived,
        can_notify=untold,
        can_end=services.conferences.can_end_now(conference),
        can_refresh=pending,
    )
    if conference.rrule is not None and pages > 1:
        markup = keyboards.with_meeting_pages(t, markup, conference.id, meetings_page, pages)
    return text, markup


async def _deliveries(context: BotContext, conference: ConferenceRecord) -> tuple[list[str], bool]:
    """The card's invitation lines, and whether one is still being sent."""
    services = context.services
    t = context.t
    # The outbox keeps the address as it went on the wire (an international domain in
    # its ASCII form), the invitations as they were typed: both are matched, and shown,
    # in their readable form. Invitees the owner removed got their cancellation; the
    # card lists those still in.
    states = {
        readable_address(email): state
        for email, state in (await services.invitations.delivery_state(conference.id)).items()
    }
    delivery = {}
    for invitee in await services.sharing.invitees(conference.id):
        shown = readable_address(invitee)
        if shown in states:
            delivery[shown] = states[shown]
    if not delivery:
        return [], False
    pending = any(status == "pending" for status, _reason in delivery.values())
    if pending:
        drawn = _local(t, services.clock.timestamp(), context.current_user.timezone, "time.clock")
        lines = [t("invite.delivery_title_updated", time=drawn)]
    else:
        lines = [t("invite.delivery_title")]
    for email, (status, reason) in list(delivery.items())[:_INVITEES_ON_CARD]:
        lines.append(
            t(
                f"invite.delivery_{status}",
                email=shorten(email, _VALUE_ON_CARD),
                reason=reason_in_words(t, reason),
            )
        )
    if len(delivery) > _INVITEES_ON_CARD:
        lines.append(t("invite.and_more", count=len(delivery) - _INVITEES_ON_CARD))
    return lines, pending


async def participant_screen(
    context: BotContext, participation: Participation
) -> tuple[str, InlineKeyboardMarkup]:
    """A conference as one of its participants sees it: who invited them, when, how to
    join; Join, Add to calendar and Leave (or, after leaving, "Take part again")."""
    services = context.services
    t = context.t
    conference = participation.conference
    timezone = context.current_user.timezone
    archived = services.conferences.is_archived(conference)
    online = services.conferences.is_online(conference)
    text = t(
        "card.participant",
        topic=conference.topic,
        owner=participation.owner_name or "—",
        status=t.plain("conference.status_online" if online else "conference.status_offline"),
        start=moment(t, conference.starts_at, timezone),
        end=moment(t, conference.ends_at, timezone),
        code_label=code_label(t, services.links.facts),
        code=conference.conference_code,
        password=conference.password,
    )
    text = _with_series_lines(text, t, conference, await _meetings(context, conference), timezone)
    if participation.left:
        note = t("card.left_note")
    elif archived:
        note = t("card.archived_note")
    else:
        note = t("card.will_hear")
    return f"{text}\n\n{note}", keyboards.participant_actions(
        t, conference.id, archived=archived, left=participation.left
    )

"""How conferences read in a chat: the card, the review card, the log page.

Pure functions of a translator, a time zone and records, so they are easy to test and
the same card looks the same wherever it appears.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from telegram import InlineKeyboardMarkup

from bot.conferences import PAGE_SIZE, Draft, Page
from bot.context import BotContext
from bot.formatting import format_moment
from bot.i18n import Translator
from bot.mail.failures import ERROR, REASONS
from bot.platforms import VideoPlatform
from bot.text import shorten
from bot.timezones import display_name
from handlers import keyboards
from handlers.access import code_label, with_link_notes
from storage.conferences import ConferenceRecord

_TOPIC_IN_BUTTON = 40
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
    video: VideoPlatform,
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
        code_label=code_label(t, video),
        code=conference.conference_code,
        password=conference.password,
        allow=on_off(t, conference.allow_without_owner),
        join_url=video.join_url(conference),
    )
    card = with_link_notes(t, video, card)
    notes = []
    if archived:
        notes.append(t("conference.archived_note"))
    elif untold:
        notes.append(t("conference.not_notified"))
    return "\n\n".join([card, *notes])


def reason_in_words(t: Translator, reason: str | None) -> str:
    """Why an e-mail failed, as the owner reads it: a category through the catalogs,
    never the server's reply (which can name hosts and paths; admins see it in /outbox)."""
    return t.plain(f"delivery.reason_{reason if reason in REASONS else ERROR}")


def review_card(t: Translator, draft: Draft, *, timezone: str) -> str:
    key = "schedule.review_edit" if draft.editing_id is not None else "schedule.review"
    return t(
        key,
        topic=draft.topic,
        start=moment(t, draft.starts_at, timezone),
        end=moment(t, draft.ends_at, timezone),
        code=draft.code,
        password=draft.password,
        allow=on_off(t, draft.allow_without_owner),
    )


def log_page(
    t: Translator, page: Page, *, timezone: str, online: set[int], now: datetime | None = None
) -> str:
    scheduled = page.kind.value == "s"
    title = t("log.title_scheduled" if scheduled else "log.title_archive", count=page.total_items)
    if not page.items:
        return f"{title}\n\n{t('log.empty_scheduled' if scheduled else 'log.empty_archive')}"
    rows = [
        t(
            "log.row",
            number=first_number(page) + index,
            date=_local(t, conference.starts_at, timezone, "time.date"),
            start=_local(t, conference.starts_at, timezone, "time.clock"),
            end=_local(t, conference.ends_at, timezone, "time.clock"),
            status=t.plain(
                "conference.status_online"
                if conference.id in online
                else "conference.status_offline"
            ),
            topic=conference.topic,
        )
        for index, conference in enumerate(page.items)
    ]
    footer = [t("log.times_in", timezone=display_name(timezone, t.language, now))]
    if page.total_pages > 1:
        footer.append(t("log.page", page=page.number + 1, pages=page.total_pages))
    footer.append(t("log.hint_scheduled" if scheduled else "log.hint_archive"))
    return "\n\n".join([title, *rows, "\n".join(footer)])


def first_number(page: Page) -> int:
    """Rows are numbered across pages: page 2 starts where page 1 ended."""
    return page.number * PAGE_SIZE + 1


def row_label(number: int, conference: ConferenceRecord) -> str:
    """A log row's button: its number and the topic, cut to fit a button."""
    return f"{number}. {shorten(conference.topic, _TOPIC_IN_BUTTON)}"


async def card_screen(
    context: BotContext, conference: ConferenceRecord
) -> tuple[str, InlineKeyboardMarkup]:
    """The conference card, with who was invited and how delivery went, and its buttons."""
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
        video=services.video,
        untold=untold,
    )
    delivery = await services.invitations.delivery_state(conference.id)
    # Invitees the owner removed got their cancellation; the card lists those still in.
    invitees = set(await services.sharing.invitees(conference.id))
    delivery = {email: state for email, state in delivery.items() if email in invitees}
    if delivery:
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
        text = f"{text}\n\n" + "\n".join(lines)
    participants = await services.sharing.participants(conference.id)
    if participants:
        text = f"{text}\n\n{t('invite.participants_line', count=len(participants))}"
    return text, keyboards.conference_actions(
        t, conference.id, archived=archived, can_notify=untold
    )


def conference_log_rows(page: Page) -> list[tuple[str, int]]:
    """(button label, conference id) for each row of a log page."""
    first = first_number(page)
    return [
        (row_label(first + index, conference), conference.id)
        for index, conference in enumerate(page.items)
    ]

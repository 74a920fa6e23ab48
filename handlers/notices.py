"""Telling Telegram participants and groups about a change or a cancellation.

Each chat gets the notice in its own language and time zone (groups get the owner's);
sending, pacing and blocked chats are bot/delivery.py's job. A change notice says what
changed since they were last told ("Start: 15:00 → 16:00"), then what stayed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.changes import Change, shown_values
from bot.context import BotContext
from bot.delivery import Delivery, Notice, send_to_many
from bot.i18n import Translator
from bot.ratelimit import BULK
from handlers.conference_views import moment, with_series_line
from storage.conferences import ConferenceRecord
from storage.participants import Participant
from storage.users import UserRecord

log = logging.getLogger(__name__)

# (translator, time zone) -> (text, buttons) of the notice for one chat
Render = Callable[[Translator, str], tuple[str, InlineKeyboardMarkup | None]]

_REASONS = {Delivery.BLOCKED: "notify.reason_blocked", Delivery.FAILED: "notify.reason_error"}


# The fields a change notice lists, in order, with their label; the ID and the password
# are set in <code>, as on every card.
_FIELDS = (
    ("topic", "notify.field_topic"),
    ("starts_at", "notify.field_start"),
    ("ends_at", "notify.field_end"),
    ("conference_code", "notify.field_code"),
    ("password", "notify.field_password"),
)
_AS_CODE = frozenset({"conference_code", "password"})


def change_notice(
    t: Translator, timezone: str, conference: ConferenceRecord, changes: tuple[Change, ...]
) -> str:
    """The notice of a change for one reader: each changed field as old -> new, then the
    details that stayed (start, end, ID, password). Without known changes (nobody had a
    snapshot yet), the details alone, as before snapshots were kept. A series adds its
    rhythm in words."""
    return with_series_line(
        t, _change_notice(t, timezone, conference, changes), conference, timezone
    )


def _change_notice(
    t: Translator, timezone: str, conference: ConferenceRecord, changes: tuple[Change, ...]
) -> str:
    if not changes:
        return t(
            "notify.changed",
            topic=conference.topic,
            start=moment(t, conference.starts_at, timezone),
            end=moment(t, conference.ends_at, timezone),
            code=conference.conference_code,
            password=conference.password,
        )
    changed = {change.field: change for change in changes}
    lines = [t("notify.changed_title", topic=conference.topic)]
    for name, label in _FIELDS:
        if name in changed:
            old, new = shown_values(changed[name], timezone, t.language)
            key = "notify.change_line_code" if name in _AS_CODE else "notify.change_line"
            lines.append(t(key, field=t.plain(label), old=old, new=new))
    stayed = []
    for name, label in _FIELDS[1:]:  # the topic is in the title
        if name not in changed:
            value = getattr(conference, name)
            if name in ("starts_at", "ends_at"):
                value = moment(t, value, timezone)
            key = "notify.detail_line_code" if name in _AS_CODE else "notify.detail_line"
            stayed.append(t(key, field=t.plain(label), value=value))
    if stayed:
        lines += ["", *stayed]
    return "\n".join(lines)


@dataclass
class NoticeReport:
    chats: int = 0
    reached: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (who, reason key)


async def tell_participants(
    context: BotContext, owner: UserRecord, participants: list[Participant], render: Render
) -> NoticeReport:
    """Send each participant the rendered notice, in their language and time zone
    (groups get the owner's)."""
    services = context.services
    notices = []
    for participant in participants:
        person = (
            await services.users.get(participant.chat_id) if participant.kind == "user" else None
        )
        language, timezone = (
            (person.language, person.timezone) if person else (owner.language, owner.timezone)
        )
        text, markup = render(Translator(language), timezone)
        notices.append(Notice(participant.chat_id, text, markup))
    outcomes = await send_to_many(
        context.bot, notices, on_unreachable=services.sharing.chat_unreachable, purpose="notice"
    )
    report = NoticeReport(chats=len(participants))
    for participant, outcome in zip(participants, outcomes, strict=True):
        if outcome.reached:
            report.reached += 1
        else:
            report.failures.append(
                (participant.title or str(participant.chat_id), _REASONS[outcome])
            )
    return report


async def refresh_inline_cards(
    context: BotContext, inline_message_ids: list[str], text: str, markup: InlineKeyboardMarkup
) -> None:
    """Cards posted through inline mode show the conference as it is now."""
    for inline_message_id in inline_message_ids:
        try:
            await context.bot.edit_message_text(
                text,
                inline_message_id=inline_message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                rate_limit_args=BULK,
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                log.info("Inline card %s could not be edited: %s", inline_message_id, error)
        except TelegramError as error:
            log.info("Inline card %s could not be edited: %s", inline_message_id, error)

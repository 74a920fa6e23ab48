"""Telling Telegram participants and groups about a change or a cancellation.

Each chat gets the notice in its own language and time zone (groups get the owner's);
sending, pacing and blocked chats are bot/delivery.py's job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext
from bot.delivery import Delivery, Notice, send_to_many
from bot.i18n import Translator
from bot.ratelimit import BULK
from storage.participants import Participant
from storage.users import UserRecord

log = logging.getLogger(__name__)

# (translator, time zone) -> (text, buttons) of the notice for one chat
Render = Callable[[Translator, str], tuple[str, InlineKeyboardMarkup | None]]

_REASONS = {Delivery.BLOCKED: "notify.reason_blocked", Delivery.FAILED: "notify.reason_error"}


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

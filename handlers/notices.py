"""Telling Telegram participants and groups about a change or a cancellation.

Messages go out concurrently, marked as bulk: the rate limiter (bot/ratelimit.py) paces
them evenly below Telegram's 30 a second (20 a minute per group) and retries a 429. A chat
that blocked the bot is marked inactive and skipped from then on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import BotContext
from bot.i18n import Translator
from bot.ratelimit import BULK
from storage.participants import Participant
from storage.users import UserRecord

log = logging.getLogger(__name__)

# (translator, time zone) -> (text, buttons) of the notice for one chat
Render = Callable[[Translator, str], tuple[str, InlineKeyboardMarkup | None]]


@dataclass
class NoticeReport:
    chats: int = 0
    reached: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (who, reason key)


async def tell_participants(context: BotContext, owner: UserRecord,
                            participants: list[Participant], render: Render) -> NoticeReport:
    """Send each participant the rendered notice, in their language and time zone
    (groups get the owner's)."""
    report = NoticeReport(chats=len(participants))
    results = await asyncio.gather(*(
        _tell_one(context, owner, participant, render) for participant in participants
    ))
    for participant, reason in zip(participants, results):
        if reason is None:
            report.reached += 1
        else:
            report.failures.append((participant.title or str(participant.chat_id), reason))
    return report


async def _tell_one(context: BotContext, owner: UserRecord, participant: Participant,
                    render: Render) -> str | None:
    services = context.services
    person = await services.users.get(participant.chat_id) if participant.kind == "user" else None
    language, timezone = ((person.language, person.timezone) if person
                          else (owner.language, owner.timezone))
    text, markup = render(Translator(language), timezone)
    try:
        await context.bot.send_message(participant.chat_id, text, parse_mode=ParseMode.HTML,
                                       reply_markup=markup, rate_limit_args=BULK)
    except Forbidden:
        await services.sharing.chat_unreachable(participant.chat_id)
        return "notify.reason_blocked"
    except TelegramError as error:
        log.warning("Notice to chat %s failed: %s", participant.chat_id, error)
        return "notify.reason_error"
    return None


async def refresh_inline_cards(context: BotContext, inline_message_ids: list[str], text: str,
                               markup: InlineKeyboardMarkup) -> None:
    """Cards posted through inline mode show the conference as it is now."""
    for inline_message_id in inline_message_ids:
        try:
            await context.bot.edit_message_text(text, inline_message_id=inline_message_id,
                                                parse_mode=ParseMode.HTML, reply_markup=markup,
                                                rate_limit_args=BULK)
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                log.info("Inline card %s could not be edited: %s", inline_message_id, error)
        except TelegramError as error:
            log.info("Inline card %s could not be edited: %s", inline_message_id, error)

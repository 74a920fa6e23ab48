"""Sending one message each to many chats: notices, reminders, broadcasts.

Written once because every bulk send has the same needs: the messages go out
concurrently but marked as bulk, so the rate limiter (bot/ratelimit.py) paces them
evenly below Telegram's limits; a chat that blocked the bot (403 Forbidden) is marked
unreachable and skipped from then on; a message whose answer was lost is not sent again
and counts as "maybe delivered"; any other refusal is logged, without the text (it may
hold a conference password), and reported to the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.ratelimit import BULK
from bot.transport import AnswerLost

log = logging.getLogger(__name__)

# Called with the id of a chat that blocked the bot (SharingService.chat_unreachable).
UnreachableHook = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Notice:
    """One message for one chat, in HTML parse mode."""

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None


class Delivery(Enum):
    SENT = "sent"
    MAYBE = "maybe"  # the answer was lost after the message left: probably delivered
    BLOCKED = "blocked"  # the chat blocked the bot or removed it: marked unreachable
    FAILED = "failed"  # any other refusal, logged

    @property
    def reached(self) -> bool:
        """Sent, or very probably: counted as delivered in summaries."""
        return self in (Delivery.SENT, Delivery.MAYBE)


async def send_to_many(
    bot: ExtBot[Any], notices: Sequence[Notice], *, on_unreachable: UnreachableHook, purpose: str
) -> list[Delivery]:
    """Send every notice; the outcomes come back in the order of `notices`.

    `purpose` names the kind of message in the log ("reminder", "notice", "broadcast 7").
    """
    return list(
        await asyncio.gather(
            *(_send_one(bot, notice, on_unreachable, purpose) for notice in notices)
        )
    )


async def _send_one(
    bot: ExtBot[Any], notice: Notice, on_unreachable: UnreachableHook, purpose: str
) -> Delivery:
    try:
        await bot.send_message(
            notice.chat_id,
            notice.text,
            parse_mode=ParseMode.HTML,
            reply_markup=notice.markup,
            rate_limit_args=BULK,
        )
    except Forbidden:
        await on_unreachable(notice.chat_id)
        return Delivery.BLOCKED
    except AnswerLost:
        # Not sent again (bot/ratelimit.py): a duplicate is worse than a rare gap.
        log.warning(
            "%s to chat %s: maybe delivered (no answer)", purpose.capitalize(), notice.chat_id
        )
        return Delivery.MAYBE
    except TelegramError as error:
        log.warning("%s to chat %s failed: %s", purpose.capitalize(), notice.chat_id, error)
        return Delivery.FAILED
    return Delivery.SENT

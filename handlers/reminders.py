"""The reminder job: every REMINDER_CHECK_SECONDS, send the reminders that are due.

One periodic job over the database rather than a timer per conference, so 100,000
future conferences cost nothing and a restart loses no reminder (bot/reminders.py).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.context import BotContext
from bot.i18n import Translator
from bot.ratelimit import BULK
from handlers import callback_data as cb
from handlers.conference_views import moment
from storage.reminders import DueReminder

log = logging.getLogger(__name__)

async def send_due_reminders(context: BotContext) -> int:
    """Send every due reminder (each claimed once in the database); returns how many."""
    services = context.services
    due = await services.reminders.claim_due()
    results = await asyncio.gather(*(_remind(context, reminder) for reminder in due))
    return sum(results)


async def _remind(context: BotContext, reminder: DueReminder) -> bool:
    conference = reminder.conference
    t = Translator(reminder.language)
    key = "reminder.owner" if reminder.is_owner else "reminder.participant"
    prefix = cb.CONFERENCE if reminder.is_owner else cb.PARTICIPANT
    markup = InlineKeyboardMarkup([[Button(
        t.plain("conference.button_join"), callback_data=cb.encode(prefix, "join", conference.id))]])
    try:
        await context.bot.send_message(
            reminder.recipient_id,
            t(key, topic=conference.topic, start=moment(t, conference.starts_at,
                                                        reminder.timezone)),
            parse_mode=ParseMode.HTML, reply_markup=markup, rate_limit_args=BULK)
    except Forbidden:
        await context.services.sharing.chat_unreachable(reminder.recipient_id)
        return False
    except TelegramError as error:
        log.warning("Reminder to %s failed: %s", reminder.recipient_id, error)
        return False
    return True


JOB_NAME = "reminders"


def schedule(application: Application, every_seconds: int) -> None:
    """Run the reminder check on PTB's job queue (0 seconds: not in this process)."""
    if every_seconds > 0:
        application.job_queue.run_repeating(send_due_reminders, interval=every_seconds,
                                            first=min(5, every_seconds), name=JOB_NAME)

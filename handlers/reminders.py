"""The reminder job: every REMINDER_CHECK_SECONDS, send the reminders that are due.

One periodic job over the database rather than a timer per conference, so 100,000
future conferences cost nothing and a restart loses no reminder (bot/reminders.py).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from bot.context import BotContext
from bot.delivery import Notice, send_to_many
from bot.i18n import Translator
from handlers import callback_data as cb
from handlers.conference_views import moment
from storage.reminders import DueReminder

JOB_NAME = "reminders"


async def send_due_reminders(context: BotContext) -> int:
    """Send every due reminder (each claimed once in the database); returns how many."""
    services = context.services
    due = await services.reminders.claim_due()
    outcomes = await send_to_many(
        context.bot,
        [_reminder(reminder) for reminder in due],
        on_unreachable=services.sharing.chat_unreachable,
        purpose="reminder",
    )
    reached = sum(outcome.reached for outcome in outcomes)
    services.metrics.reminders_sent.inc(reached)
    return reached


def _reminder(reminder: DueReminder) -> Notice:
    conference = reminder.conference
    t = Translator(reminder.language)
    key = "reminder.owner" if reminder.is_owner else "reminder.participant"
    prefix = cb.CONFERENCE if reminder.is_owner else cb.PARTICIPANT
    markup = InlineKeyboardMarkup(
        [
            [
                Button(
                    t.plain("conference.button_join"),
                    callback_data=cb.encode(prefix, "join", conference.id),
                )
            ]
        ]
    )
    text = t(key, topic=conference.topic, start=moment(t, conference.starts_at, reminder.timezone))
    return Notice(reminder.recipient_id, text, markup)


def schedule(application: Application, every_seconds: int) -> None:
    """Run the reminder check on PTB's job queue (0 seconds: not in this process)."""
    if every_seconds > 0:
        if application.job_queue is None:
            raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
        application.job_queue.run_repeating(
            send_due_reminders, interval=every_seconds, first=min(5, every_seconds), name=JOB_NAME
        )

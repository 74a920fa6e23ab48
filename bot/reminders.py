"""Reminders REMINDER_MINUTES (or each person's own choice) before a conference starts."""

from __future__ import annotations

from bot.clock import Clock
from bot.series_current import advance_series
from storage.db import Database
from storage.reminders import DueReminder, ReminderRepository

REMINDER_CHOICES = (0, 5, 10, 15, 30, 60)  # minutes; 0 turns reminders off
_WINDOW = max(REMINDER_CHOICES) * 60
_BATCH = 500


class ReminderService:
    def __init__(self, database: Database, clock: Clock, *, default_minutes: int) -> None:
        self._database = database
        self._clock = clock
        self.default_minutes = default_minutes

    async def claim_due(self) -> list[DueReminder]:
        """Reminders whose moment has come, each claimed (recorded as sent) before it is
        returned: a crash after the claim loses that one reminder rather than sending it
        twice."""
        now = self._clock.timestamp()
        # A series whose meeting ended moves on first, so the next meeting's start is the
        # one the due query sees (and each meeting's reminder is keyed by its own start).
        await advance_series(self._database, now)
        async with self._database.transaction() as tx:
            repository = ReminderRepository(tx)
            due = await repository.due(
                now=now, window=_WINDOW, default_minutes=self.default_minutes, limit=_BATCH
            )
            claimed = []
            for reminder in due:
                if await repository.claim(
                    reminder.conference.id,
                    reminder.recipient_id,
                    reminder.conference.starts_at,
                    now=now,
                ):
                    claimed.append(reminder)
        return claimed

    def minutes_for(self, chosen: int | None) -> int:
        return self.default_minutes if chosen is None else chosen

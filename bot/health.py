"""Is the bot well? What /healthz (web/health.py) reports to operators and load balancers.

The database must answer; the last update seen and the e-mail backlog tell an operator
whether Telegram still reaches the bot and whether mail is stuck.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.clock import Clock
from storage.db import Database
from storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0  # seconds: a health check must answer quickly, even when sick


@dataclass(frozen=True)
class HealthReport:
    database_ok: bool
    last_update_at: int | None  # UTC seconds of the last update the bot handled
    outbox_pending: int
    oldest_pending_age: int | None  # seconds the oldest waiting e-mail has waited

    @property
    def healthy(self) -> bool:
        return self.database_ok


class HealthService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        self.last_update_at: int | None = None

    def note_update(self) -> None:
        """Called for every update the bot receives (handlers/__init__.py)."""
        self.last_update_at = self._clock.timestamp()

    async def check(self) -> HealthReport:
        try:
            pending, oldest = await asyncio.wait_for(
                OutboxRepository(self._database).backlog(), DATABASE_TIMEOUT
            )
        except Exception as error:  # any failure to answer is "unreachable"
            log.warning("Health check: the database did not answer (%s)", type(error).__name__)
            return HealthReport(False, self.last_update_at, 0, None)
        age = None if oldest is None else max(0, self._clock.timestamp() - oldest)
        return HealthReport(True, self.last_update_at, pending, age)

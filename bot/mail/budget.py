"""One budget for every e-mail a person causes: invitations, updates, cancellations,
confirmation codes and notices about their address, MAIL_DAILY_LIMIT in 24 hours.

Counted from the outbox (every row an owner queued in the last 24 hours, whatever became
of it), inside the caller's transaction, so the check and the queuing it allows are one
step. An action that would go over is refused whole, before it changes anything.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.mail.outbox import DAY
from bot.settings import Settings
from bot.validation import InvalidInput
from storage.db import Queryable
from storage.outbox import OutboxRepository


class MailBudget:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock

    @property
    def daily_limit(self) -> int:
        return self._settings.mail_daily_limit

    async def left_today(self, db: Queryable, owner_id: int) -> int:
        """How many more e-mails the person may cause in the rolling 24 hours."""
        since = self._clock.timestamp() - DAY
        used = await OutboxRepository(db).count_recent(owner_id, since)
        return max(0, self.daily_limit - used)

    async def require(self, db: Queryable, owner_id: int, count: int, key: str) -> None:
        """Nothing, or InvalidInput(`key`) with {count}, {left} and {limit} when `count`
        more e-mails would go over the budget."""
        left = await self.left_today(db, owner_id)
        if count > left:
            raise InvalidInput(
                key, {"count": str(count), "left": str(left), "limit": str(self.daily_limit)}
            )

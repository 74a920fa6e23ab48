"""Long polling that loses nothing: an offset is confirmed only once its batch is saved.

Telegram forgets every update below the `offset` of a getUpdates call. PTB's Updater
asks for the next batch (confirming the last one) as soon as the last one is on the
update queue, before any of it is handled: a crash (SIGKILL, a failover) at that moment
loses those updates for good. This loop instead:

1. fetches a batch with `getUpdates(offset=<first update not yet confirmed>)`;
2. puts its updates on PTB's queue, each followed by the ledger (bot/update_ledger.py,
   `expect`), the same way as a webhook delivery;
3. waits until every update of the batch is over: handled with its dialog state and id
   saved in one transaction, skipped as a repeat, or dropped on purpose;
4. only then asks for the next batch, whose offset confirms this one.

An update whose state could not be saved is not confirmed: the offset stays at it, so
Telegram hands it (and the rest of the batch, which the ledger then skips as repeats)
over again after a pause, and the ledger retries its save. A crash anywhere before step
4 means the next process gets the same batch again; what was already saved is skipped.

Different people's updates of one batch are still handled at the same time (bot/
updates.py); a batch is whatever arrived while the previous one was being handled (up to
100), so under load the batches grow and the wait costs little (B1 in BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.update_ledger import Outcome, UpdateLedger

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0  # the pause after a batch with an unsaved update
MAX_BACKOFF_SECONDS = 10.0  # the longest pause between tries while Telegram is unreachable


class Poller:
    def __init__(
        self,
        application: Application,
        ledger: UpdateLedger,
        *,
        timeout: int = 30,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self._application = application
        self._ledger = ledger
        self._timeout = timeout
        self._retry_seconds = retry_seconds
        # The first update not yet confirmed; None: whatever Telegram still holds.
        self.offset: int | None = None
        self._batch: list[tuple[Update, asyncio.Future[Outcome]]] = []

    async def run(self) -> None:
        """Poll until cancelled."""
        backoff = 0.0
        while True:
            try:
                updates = await self._application.bot.get_updates(
                    offset=self.offset, timeout=self._timeout, allowed_updates=Update.ALL_TYPES
                )
            except InvalidToken:
                raise
            except TelegramError as error:
                backoff = min(MAX_BACKOFF_SECONDS, max(0.5, backoff * 2))
                log.warning("getUpdates failed (%s); trying again in %.1f s", error, backoff)
                await asyncio.sleep(backoff)
                continue
            backoff = 0.0
            if updates:
                await self._handle(list(updates))

    async def _handle(self, updates: list[Update]) -> None:
        self._batch = [(update, self._ledger.expect(update)) for update in updates]
        for update in updates:
            await self._application.update_queue.put(update)
        # wait(), not gather(): a cancelled poller must leave the outcomes to the ledger.
        await asyncio.wait([outcome for _, outcome in self._batch])
        failed = self._advance()
        if failed is not None:
            log.warning(
                "Update %d could not be saved; it is fetched again in %.0f s",
                failed,
                self._retry_seconds,
            )
            await asyncio.sleep(self._retry_seconds)

    def _advance(self) -> int | None:
        """Move the offset past the batch's finished updates, up to the first one that
        is not finished or was not saved (returned, if it failed)."""
        for update, outcome in self._batch:
            if not outcome.done() or outcome.cancelled():
                return None
            if not outcome.result().acknowledged:
                self.offset = update.update_id
                self._batch = []
                return update.update_id
            self.offset = update.update_id + 1
        self._batch = []
        return None

    async def confirm(self) -> None:
        """On a clean stop, after the Application handled what was queued: tell Telegram
        which updates are done, so the next start does not fetch them again (it would
        skip them anyway; this saves the round)."""
        self._advance()
        if self.offset is None:
            return
        try:
            # Short waits: a stop must not hang on an unreachable Telegram.
            await self._application.bot.get_updates(
                offset=self.offset, timeout=0, limit=1, read_timeout=2, connect_timeout=2
            )
        except TelegramError as error:
            log.info("Could not confirm the last updates on the way out (%s)", error)

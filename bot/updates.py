"""How updates are processed: one person's in order, different people's at the same time.

PTB's default handles one update at a time for the whole bot, so one person waiting on
the database or on Telegram holds everybody up. Running all updates concurrently would
let two presses of the same person overtake each other inside a dialog. This processor
keeps each person's (or, without a person, each chat's) updates in arrival order and
lets different people proceed concurrently.

A person's update first waits for their own turn (the person's lock) and only then takes
one of the shared slots (PTB's semaphore of `max_concurrent_updates`). PTB's own
`process_update` takes the slot first: then a burst of one person's updates would fill
every slot with updates that only wait for that person's lock, and everybody else would
wait behind them. Here a person holds at most one slot, whatever they send. And a person
with more than `max_waiting` updates already waiting has the rest dropped, with one
notice (`on_flood`), so a burst cannot grow a queue without end.

PTB's ConversationHandler needs the updates of one conversation processed one by one;
every conversation here is keyed by person (and chat), so the per-person order is
exactly that. A dialog that hands an update over (handlers/common.py) re-queues it, and
it waits behind the update that is finishing for the same person.

With a ledger (bot/update_ledger.py), an update Telegram delivered again after it was
handled is skipped in its turn (so a second copy that arrives while the first is still
being handled waits for it, then sees it done), and the ledger learns when each update
is over: the webhook answers Telegram only then.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.metrics import Metrics, kind_of
from bot.update_ledger import Outcome, UpdateLedger, Verdict

log = logging.getLogger(__name__)

MAX_WAITING = 20  # a person's updates waiting for their turn; more are dropped

# Called once per burst with the first update dropped, to tell the person (flood.notice).
FloodNotice = Callable[[object], Awaitable[None]]


async def _no_notice(update: object) -> None:
    return None


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        max_concurrent_updates: int = 64,
        *,
        max_waiting: int = MAX_WAITING,
        on_flood: FloodNotice = _no_notice,
        ledger: UpdateLedger | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.max_waiting = max_waiting
        self.on_flood = on_flood
        self.ledger = ledger
        self.metrics = metrics
        self._queues: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}  # per person: the one running and those waiting
        self._told: set[int] = set()  # people told about dropped updates in this burst
        self.dropped = 0

    # PTB marks process_update final because it holds the slot around do_process_update;
    # the order here (the person's turn first, then a slot) is the point of this class.
    async def process_update(  # type: ignore[misc]
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        if self.metrics is not None and not (self.ledger and self.ledger.is_handed_over(update)):
            self.metrics.updates.labels(kind_of(update)).inc()  # once, not again if handed over
        key = _key(update)
        if key is None:
            async with self._semaphore:
                await self._process_in_turn(update, coroutine)
            return
        in_flight = self._waiting.get(key, 0)
        if in_flight > self.max_waiting:  # one running and max_waiting waiting already
            await self._drop(key, update, coroutine)
            return
        lock = self._queues.setdefault(key, asyncio.Lock())
        self._waiting[key] = in_flight + 1
        try:
            async with lock, self._semaphore:
                await self._process_in_turn(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued: forget the person
                del self._waiting[key]
                del self._queues[key]
                self._told.discard(key)

    async def _process_in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        """The update's turn has come: skip it if it was handled before, else handle it."""
        ledger = self.ledger
        if ledger is None:
            await self.do_process_update(update, coroutine)
            return
        outcome: Outcome | None = None
        try:
            verdict = await ledger.begin(update)
            if verdict is Verdict.NEW:
                await self.do_process_update(update, coroutine)
                return
            _close(coroutine)
            if self.metrics is not None:
                self.metrics.skipped.labels(verdict.value).inc()
            if verdict is Verdict.RETRY and isinstance(update, Update):
                outcome = await ledger.retry(update)
            else:
                log.info("Update %s was handled before; skipped", _update_id(update))
                outcome = Outcome.DUPLICATE
        finally:
            await ledger.finish(update, outcome)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def _drop(self, key: int, update: object, coroutine: Awaitable[Any]) -> None:
        _close(coroutine)
        if self.ledger is not None:
            await self.ledger.finish(update, Outcome.DROPPED)
        if self.metrics is not None:
            self.metrics.skipped.labels("flood").inc()
        self.dropped += 1
        if key in self._told:
            return
        self._told.add(key)
        log.info("Dropping updates of %s: more than %d waiting", key, self.max_waiting)
        try:
            await self.on_flood(update)
        except Exception:  # the notice is a courtesy; dropping is what protects the others
            log.warning("The flood notice for %s could not be sent", key, exc_info=True)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _close(coroutine: Awaitable[Any]) -> None:
    # Never awaited: close it, or Python warns that a coroutine was never awaited.
    if inspect.iscoroutine(coroutine):
        coroutine.close()


def _update_id(update: object) -> int | None:
    return update.update_id if isinstance(update, Update) else None


def _key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None

"""Which updates the bot has handled: each update is handled once, and confirmed to
Telegram only once its dialog state is saved.

Telegram delivers an update again when it did not get the bot's acknowledgement: a
webhook answer that was not 2xx or never came (a crash, a timeout), or a getUpdates
offset that was never confirmed. So:

- The flush of an update (handlers/persistence_flush.py) writes the update's dialog
  state and its id in one transaction (`save`). Ids are kept in `handled_updates` for a
  day; an update whose id is there is skipped (`begin`), in both modes.
- Each received update is followed on its way (`Delivery`): the webhook (app/webhook.py)
  waits for its `Outcome` before it answers Telegram: 200 once it was handled, skipped as
  a duplicate or dropped on purpose, 500 when its state could not be saved.
- A state that could not be saved stays collected in the persistence, and the update's
  replies (never sent: the person saw nothing) are kept. When Telegram delivers that
  update again, it is not handled a second time over the state the bot already moved to
  in memory: the save is tried again, and on success the kept replies go out (`retry`).
- A dialog that hands its update over to be handled afresh (handlers/common.py) queues
  the same update again: that second pass is not a duplicate, and only it records the id.
  So is an update held behind a question and queued again once it is answered
  (handlers/zone_check.py, `replay`).
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application

from bot.clock import Clock
from bot.persistence import SQLitePersistence
from storage.db import Database, Queryable
from storage.handled_updates import HandledUpdateRepository

log = logging.getLogger(__name__)

KEEP_SECONDS = 24 * 3600  # Telegram gives up re-delivering long before a day
PRUNE_EVERY_SECONDS = 3600
MAX_UNSAVED = 1000  # updates whose save failed, kept for their re-delivery

Reply = Callable[[], Awaitable[object]]


class Outcome(enum.Enum):
    HANDLED = "handled"  # processed, and its state (if any) saved
    DUPLICATE = "duplicate"  # handled before: skipped
    DROPPED = "dropped"  # dropped on purpose (a flood): re-delivering would not help
    FAILED = "failed"  # its state could not be saved: Telegram should deliver it again

    @property
    def acknowledged(self) -> bool:
        return self is not Outcome.FAILED


class StateNotSaved(Exception):
    """The dialog state of an update could not be written (the cause is chained); its
    replies were held back. In webhook mode Telegram delivers the update again."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"the state of update {update_id} could not be saved")
        self.update_id = update_id


class Verdict(enum.Enum):
    NEW = "new"  # handle it
    DUPLICATE = "duplicate"  # skip it
    RETRY = "retry"  # handled, its save failed: save again, send the kept replies


@dataclass
class Delivery:
    """One received update on its way through the bot."""

    done: asyncio.Future[Outcome] | None = None
    handed_over: bool = False  # queued again by a dialog: one more pass follows
    saved: bool = False
    failed: bool = False


class UpdateLedger:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        persistence: SQLitePersistence,
        *,
        keep_seconds: int = KEEP_SECONDS,
    ) -> None:
        self._database = database
        self._clock = clock
        self._persistence = persistence
        self._keep_seconds = keep_seconds
        self._deliveries: dict[int, Delivery] = {}  # by id() of the Update object
        self._unsaved: OrderedDict[int, list[Reply]] = OrderedDict()  # by update id
        self._pruned_at = 0

    # -- the webhook's side ------------------------------------------------------------
    def expect(self, update: object) -> asyncio.Future[Outcome]:
        """A future that gets the update's outcome once it has gone through the bot."""
        done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._delivery(update).done = done
        return done

    # -- the update processor's side (bot/updates.py) -----------------------------------
    def is_handed_over(self, update: object) -> bool:
        """Is this the second pass of an update a dialog handed over?"""
        delivery = self._deliveries.get(id(update))
        return delivery is not None and delivery.handed_over

    async def begin(self, update: object) -> Verdict:
        """Called in the update's turn, before any handler: handle it, or not?"""
        delivery = self._delivery(update)
        if delivery.handed_over:  # the second pass of a handed-over update
            delivery.handed_over = False
            return Verdict.NEW
        if not isinstance(update, Update):
            return Verdict.NEW
        if update.update_id in self._unsaved:
            return Verdict.RETRY
        try:
            seen = await HandledUpdateRepository(self._database).contains(update.update_id)
        except Exception:  # the save will fail too, and say so
            log.warning("Could not look up update %d", update.update_id, exc_info=True)
            return Verdict.NEW
        return Verdict.DUPLICATE if seen else Verdict.NEW

    async def retry(self, update: Update) -> Outcome:
        """Save again what the first delivery of this update could not; then send the
        replies it held back."""
        replies = self._unsaved[update.update_id]
        try:
            await self._persistence.commit(also=self._remembering(update.update_id))
        except Exception:
            log.warning("Update %d: its state still cannot be saved", update.update_id)
            return Outcome.FAILED
        del self._unsaved[update.update_id]
        for reply in replies:
            try:
                await reply()
            except Exception:  # the step is saved; a lost reply must not undo that
                log.warning("A reply to update %d could not be sent", update.update_id)
        return Outcome.HANDLED

    async def finish(self, update: object, outcome: Outcome | None = None) -> None:
        """Called when a pass of the update is over (or it was skipped or dropped)."""
        delivery = self._deliveries.get(id(update))
        if delivery is None:
            return
        if delivery.handed_over and outcome is None:
            return  # queued again: the next pass finishes it
        del self._deliveries[id(update)]
        if outcome is None:
            outcome = Outcome.FAILED if delivery.failed else Outcome.HANDLED
            if not delivery.saved and not delivery.failed and isinstance(update, Update):
                # Stopped before the flush (a blocked person, a private screen in a
                # group...): nothing to save, but it was handled.
                await self._remember_alone(update.update_id)
        if delivery.done is not None and not delivery.done.done():
            delivery.done.set_result(outcome)

    # -- the dialogs' side (handlers/) --------------------------------------------------
    def hand_over(self, update: object) -> None:
        """The update is queued again, to be handled afresh after this pass."""
        self._delivery(update).handed_over = True

    def replay(self, update: object) -> None:
        """`update` is one the bot held (a question was put before it, handlers/
        zone_check.py) and now queues again, as a new object with the same id: it is
        handled although its id is recorded (recording it again changes nothing)."""
        self._delivery(update).handed_over = True

    async def save(self, application: Application, update: Update, replies: list[Reply]) -> None:
        """Write the dialog state this update changed, and its id, in one transaction.
        On failure the replies are kept for the update's re-delivery, and it raises
        StateNotSaved."""
        delivery = self._deliveries.get(id(update))
        handed_over = delivery is not None and delivery.handed_over
        # PTB marks the update's user and chat for saving only after every handler group;
        # the flush is the last group, so it marks them itself (drafts live there).
        application.mark_data_for_update_persistence(
            chat_ids=update.effective_chat.id if update.effective_chat else None,
            user_ids=update.effective_user.id if update.effective_user else None,
        )
        async with self._persistence.staging():
            await application.update_persistence()
        # A handed-over pass records no id: its second pass is the one that handles it.
        remember = None if handed_over else self._remembering(update.update_id)
        try:
            await self._persistence.commit(also=remember)
        except Exception as error:
            if delivery is not None:
                delivery.failed = True
            if remember is not None:
                self._unsaved[update.update_id] = replies
                while len(self._unsaved) > MAX_UNSAVED:
                    self._unsaved.popitem(last=False)
            raise StateNotSaved(update.update_id) from error
        if delivery is not None:
            delivery.failed = False
            delivery.saved = not handed_over

    # -- the table ----------------------------------------------------------------------
    def _remembering(self, update_id: int) -> Callable[[Queryable], Awaitable[None]]:
        async def remember(tx: Queryable) -> None:
            now = self._clock.timestamp()
            handled = HandledUpdateRepository(tx)
            await handled.remember(update_id, now=now)
            if now - self._pruned_at >= PRUNE_EVERY_SECONDS:
                self._pruned_at = now
                await handled.forget_before(now - self._keep_seconds)

        return remember

    async def _remember_alone(self, update_id: int) -> None:
        try:
            async with self._database.transaction() as tx:
                await self._remembering(update_id)(tx)
        except Exception:
            log.warning("Could not record update %d as handled", update_id, exc_info=True)

    def _delivery(self, update: object) -> Delivery:
        return self._deliveries.setdefault(id(update), Delivery())

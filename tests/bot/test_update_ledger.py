"""The persistence's one-transaction commit and the ledger of handled updates, against a
real SQLite file: what a failed save leaves, what a later one writes, and how long ids
are remembered."""

import asyncio
from datetime import timedelta

import pytest
from telegram import Chat, Message, Update, User

from bot.clock import FixedClock
from bot.persistence import SQLitePersistence
from bot.update_ledger import Outcome, UpdateLedger, Verdict
from storage.bot_state import BotStateRepository
from storage.handled_updates import HandledUpdateRepository
from tests.e2e import TEST_NOW


def update(update_id: int, user_id: int = 7) -> Update:
    user = User(user_id, "U", False)
    message = Message(update_id, None, Chat(user_id, "private"), from_user=user, text="x")
    return Update(update_id, message=message)


async def test_inside_staging_changes_wait_for_the_commit_and_go_in_one_transaction(db):
    persistence = SQLitePersistence(db)
    state = BotStateRepository(db)
    async with persistence.staging():
        await persistence.update_conversation("form", (7, 7), "ASK_START")
        await persistence.update_user_data(7, {"draft": "Weekly"})
    assert await state.load_conversations("form") == {}  # nothing written yet

    async def fail(tx) -> None:
        await tx.execute("INSERT INTO handled_updates (update_id, handled_at) VALUES (1, 1)")
        raise OSError("disk I/O error")

    with pytest.raises(OSError):
        await persistence.commit(also=fail)
    # Rolled back whole: neither the state nor the id; the changes wait for the next try.
    assert await state.load_conversations("form") == {}
    assert not await HandledUpdateRepository(db).contains(1)
    assert persistence.has_staged

    # A newer change of the same key meanwhile wins over the one kept from the failure.
    async with persistence.staging():
        await persistence.update_conversation("form", (7, 7), "ASK_LENGTH")
    await persistence.commit()
    assert await state.load_conversations("form") == {(7, 7): "ASK_LENGTH"}
    assert await state.load_all("user_data") == {7: {"draft": "Weekly"}}
    assert not persistence.has_staged


async def test_concurrent_commits_touching_the_same_rows_do_not_deadlock(db):
    """Each commit takes every change collected so far, so concurrent updates' commits
    write the same rows; collected in opposite orders, they must still lock them in one
    (on PostgreSQL, the other way round deadlocked and one commit failed after 1 s)."""
    persistence = SQLitePersistence(db)
    people = range(1, 21)
    async with persistence.staging():
        for user_id in people:
            await persistence.update_user_data(user_id, {"draft": "first"})
    first = asyncio.ensure_future(persistence.commit())
    await asyncio.sleep(0)  # the first commit has taken its changes
    async with persistence.staging():
        for user_id in reversed(people):
            await persistence.update_user_data(user_id, {"draft": "second"})
    await asyncio.wait_for(asyncio.gather(first, persistence.commit()), timeout=30)
    stored = await BotStateRepository(db).load_all("user_data")
    assert stored == {user_id: {"draft": "second"} for user_id in people}


async def test_outside_staging_changes_are_written_at_once(db):
    persistence = SQLitePersistence(db)
    await persistence.update_user_data(7, {"block_notice_sent": True})
    assert await BotStateRepository(db).load_all("user_data") == {7: {"block_notice_sent": True}}


async def test_handled_ids_are_skipped_for_a_day_then_forgotten(db):
    clock = FixedClock(TEST_NOW)
    ledger = UpdateLedger(db, clock, SQLitePersistence(db))
    first = update(1)
    assert await ledger.begin(first) is Verdict.NEW
    await ledger.finish(first)  # stopped before any flush (nothing to save): still handled
    again = update(1)
    assert await ledger.begin(again) is Verdict.DUPLICATE
    await ledger.finish(again, Outcome.DUPLICATE)

    clock.advance(timedelta(hours=25))
    later = update(2)
    await ledger.begin(later)
    await ledger.finish(later)  # recording it prunes what is older than a day
    handled = HandledUpdateRepository(db)
    assert not await handled.contains(1) and await handled.contains(2)


async def test_the_webhook_learns_each_outcome(db):
    ledger = UpdateLedger(db, FixedClock(TEST_NOW), SQLitePersistence(db))
    handled, dropped = update(5), update(6, user_id=8)
    done = ledger.expect(handled)
    also_done = ledger.expect(dropped)
    await ledger.begin(handled)
    await ledger.finish(handled)
    await ledger.finish(dropped, Outcome.DROPPED)
    assert done.result() is Outcome.HANDLED and done.result().acknowledged
    assert also_done.result() is Outcome.DROPPED and also_done.result().acknowledged
    assert not Outcome.FAILED.acknowledged


async def test_a_handed_over_update_is_not_a_duplicate_of_itself(db):
    ledger = UpdateLedger(db, FixedClock(TEST_NOW), SQLitePersistence(db))
    handed = update(9)
    done = ledger.expect(handed)
    assert await ledger.begin(handed) is Verdict.NEW
    ledger.hand_over(handed)
    await ledger.finish(handed)
    assert not done.done()  # its second pass decides
    assert await ledger.begin(handed) is Verdict.NEW
    await ledger.finish(handed)
    assert done.result() is Outcome.HANDLED
    assert await HandledUpdateRepository(db).contains(9)

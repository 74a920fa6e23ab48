"""The outbox repository: queueing, due rows, status changes and the admin's views."""

import pytest

from storage.db import IntegrityError
from storage.outbox import OutboxRepository

NOW = 1_750_000_000


async def add(
    outbox, n, *, recipient=None, kind="invitation", owner_id=7, conference_id=1, now=NOW
):
    return await outbox.add(
        message_id=f"<m{n}@example.org>",
        kind=kind,
        owner_id=owner_id,
        conference_id=conference_id,
        recipient=recipient or f"user{n}@example.com",
        sender="bot@example.org",
        raw=b"Subject: x\r\n\r\nbody " + str(n).encode() + b"\r\n",
        now=now,
    )


async def test_add_and_get_round_trip(db):
    outbox = OutboxRepository(db)
    row_id = await add(outbox, 1)
    row = await outbox.get(row_id)
    assert row.id == row_id and row.message_id == "<m1@example.org>"
    assert (row.kind, row.owner_id, row.conference_id) == ("invitation", 7, 1)
    assert (row.recipient, row.sender) == ("user1@example.com", "bot@example.org")
    assert row.raw == b"Subject: x\r\n\r\nbody 1\r\n" and isinstance(row.raw, bytes)
    assert (row.status, row.attempts, row.next_attempt_at, row.created_at) == (
        "pending",
        0,
        NOW,
        NOW,
    )
    assert row.last_error is None and row.sent_at is None
    assert "body" not in repr(row)  # the raw message stays out of reprs and logs
    assert await outbox.get(999) is None


async def test_message_id_is_unique(db):
    outbox = OutboxRepository(db)
    await add(outbox, 1)
    with pytest.raises(IntegrityError):
        await add(outbox, 1)


async def test_due_returns_pending_rows_in_time_order_up_to_the_limit(db):
    outbox = OutboxRepository(db)
    first = await add(outbox, 1)
    second = await add(outbox, 2)
    later = await add(outbox, 3, now=NOW + 100)
    sent = await add(outbox, 4)
    await outbox.mark_sent(sent, NOW)
    retried = await add(outbox, 5)
    await outbox.mark_retry(retried, "451 later", NOW + 50)

    assert [r.id for r in await outbox.due(NOW, 10)] == [first, second]
    assert [r.id for r in await outbox.due(NOW, 1)] == [first]
    assert [r.id for r in await outbox.due(NOW + 100, 10)] == [first, second, retried, later]


async def test_mark_sent_retry_and_failed(db):
    outbox = OutboxRepository(db)
    a, b, c = [await add(outbox, n) for n in (1, 2, 3)]

    await outbox.mark_retry(a, "451 4.3.0 try later", NOW + 30)
    await outbox.mark_retry(a, "connection refused", NOW + 60)
    row = await outbox.get(a)
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == (
        "pending",
        2,
        NOW + 60,
        "connection refused",
    )
    await outbox.mark_sent(a, NOW + 61)
    row = await outbox.get(a)
    assert (row.status, row.sent_at, row.attempts) == ("sent", NOW + 61, 3)

    await outbox.mark_failed(b, "550 5.1.1 no such user")
    row = await outbox.get(b)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "550 5.1.1 no such user")

    # Retry/failed marks only touch pending rows: a sent message stays sent.
    await outbox.mark_failed(a, "late error")
    await outbox.mark_retry(a, "late error", NOW + 999)
    assert (await outbox.get(a)).status == "sent"
    assert (await outbox.get(c)).status == "pending"


async def test_delivery_state_is_the_latest_row_per_recipient(db):
    outbox = OutboxRepository(db)
    old = await add(outbox, 1, recipient="alice@example.com", conference_id=5)
    await outbox.mark_sent(old, NOW)
    newer = await add(outbox, 2, recipient="alice@example.com", conference_id=5, kind="update")
    bob = await add(outbox, 3, recipient="bob@example.com", conference_id=5)
    await outbox.mark_failed(bob, "550 no such user")
    await add(outbox, 4, recipient="carol@example.com", conference_id=6)

    state = await outbox.delivery_state(5)
    assert set(state) == {"alice@example.com", "bob@example.com"}
    assert (state["alice@example.com"].id, state["alice@example.com"].status) == (newer, "pending")
    assert (state["bob@example.com"].status, state["bob@example.com"].last_error) == (
        "failed",
        "550 no such user",
    )
    assert await outbox.delivery_state(99) == {}


async def test_count_recent_counts_an_owners_kinds_since_a_time(db):
    outbox = OutboxRepository(db)
    await add(outbox, 1, now=NOW - 86_401)  # too old
    await add(outbox, 2, now=NOW - 100)
    failed = await add(outbox, 3, now=NOW - 50)
    await outbox.mark_failed(failed, "550")  # still counts against the limit
    await add(outbox, 4, now=NOW, kind="update")
    await add(outbox, 5, now=NOW, kind="profile")  # another kind
    await add(outbox, 6, now=NOW, owner_id=8)  # another owner

    since = NOW - 86_400
    assert await outbox.count_recent(7, since, kinds=["invitation"]) == 2
    assert await outbox.count_recent(7, since, kinds=("invitation", "update")) == 3
    assert await outbox.count_recent(7, since, kinds=[]) == 0
    assert await outbox.count_recent(7, since) == 4  # every kind: the one daily budget
    assert await outbox.count_recent(8, since, kinds=["invitation"]) == 1
    assert await outbox.first_since(7, "invitation", since) == NOW - 100
    assert await outbox.first_since(7, "cancellation", since) is None


async def test_counts_failed_list_and_retries(db):
    outbox = OutboxRepository(db)
    assert await outbox.counts() == {"pending": 0, "sent": 0, "failed": 0, "cancelled": 0}
    ids = [await add(outbox, n) for n in range(1, 6)]
    await outbox.mark_sent(ids[0], NOW)
    for row_id in ids[1:4]:
        await outbox.mark_retry(row_id, "451", NOW + 30)
        await outbox.mark_failed(row_id, "550 refused")
    assert await outbox.counts() == {"pending": 1, "sent": 1, "failed": 3, "cancelled": 0}

    assert [r.id for r in await outbox.failed(10, 0)] == [ids[3], ids[2], ids[1]]
    assert [r.id for r in await outbox.failed(2, 1)] == [ids[2], ids[1]]

    assert await outbox.retry(ids[1], NOW + 500) is True
    row = await outbox.get(ids[1])
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == (
        "pending",
        2,
        NOW + 500,
        "550 refused",
    )
    assert await outbox.retry(ids[1], NOW + 500) is False  # no longer failed
    assert await outbox.retry(ids[0], NOW + 500) is False  # sent stays sent
    assert await outbox.retry(999, NOW) is False

    assert await outbox.retry_all_failed(NOW + 600) == 2
    assert await outbox.counts() == {"pending": 4, "sent": 1, "failed": 0, "cancelled": 0}
    assert len(await outbox.due(NOW + 600, 10)) == 4


async def test_repository_works_inside_a_transaction(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await add(OutboxRepository(tx), 1)
            raise RuntimeError("the change failed")
    assert sum((await OutboxRepository(db).counts()).values()) == 0


async def test_cancelling_an_owners_pending_mail_never_touches_what_left(db):
    outbox = OutboxRepository(db)
    sent = await add(outbox, 1)
    await outbox.mark_sent(sent, NOW)
    failed = await add(outbox, 2)
    await outbox.mark_failed(failed, "550 x", reason="mailbox")
    waiting = [await add(outbox, 3), await add(outbox, 4, kind="verification")]
    others = await add(outbox, 5, owner_id=8)

    assert await outbox.cancel_pending(7, NOW, kind="verification") == 1
    assert (await outbox.get(waiting[1])).status == "cancelled"
    assert await outbox.cancel_pending(7, NOW) == 1
    assert [(await outbox.get(i)).status for i in (sent, failed, *waiting, others)] == [
        "sent",
        "failed",
        "cancelled",
        "cancelled",
        "pending",
    ]
    assert (await outbox.get(failed)).reason == "mailbox"
    assert [row.id for row in await outbox.with_status("cancelled", 10)] == waiting[::-1]
    assert await outbox.due(NOW + 10, 10) == [await outbox.get(others)]
    # An admin's "Retry all" concerns failed rows only: a cancelled one never goes out.
    assert await outbox.retry_all_failed(NOW) == 1
    assert (await outbox.get(waiting[0])).status == "cancelled"


async def test_sent_since_counts_the_rolling_window(db):
    outbox = OutboxRepository(db)
    assert await outbox.sent_since(0) == (0, None)
    for n, at in enumerate((NOW - 4000, NOW - 3000, NOW - 10), start=1):
        await outbox.mark_sent(await add(outbox, n), at)
    await add(outbox, 9)  # pending: not sent
    assert await outbox.sent_since(NOW - 3599) == (2, NOW - 3000)


async def test_old_bodies_are_forgotten_and_the_state_stays(db):
    outbox = OutboxRepository(db)
    old = await add(outbox, 1)
    await outbox.mark_sent(old, NOW - 40 * 86_400)
    recent = await add(outbox, 2)
    await outbox.mark_sent(recent, NOW)
    failed = await add(outbox, 3)
    await outbox.mark_failed(failed, "550")
    cancelled = await add(outbox, 4)
    await outbox.cancel_pending(7, NOW - 40 * 86_400)
    secret = await add(outbox, 5, kind="verification")
    await outbox.mark_sent(secret, NOW, forget_body=True)

    assert await outbox.forget_bodies(NOW - 30 * 86_400) == 2
    assert await outbox.forget_bodies(NOW - 30 * 86_400) == 0  # nothing left to read
    bodies = {row[0] for row in await db.fetch_all("SELECT outbox_id FROM outbox_bodies")}
    assert bodies == {recent, failed}  # a failed one may still be retried
    row = await outbox.get(old)
    assert (row.status, row.raw) == ("sent", b"")
    assert (await outbox.get(cancelled)).status == "cancelled"
    if db.dialect != "sqlite":
        return  # the plan below is SQLite's
    plan = " ".join(
        str(step[-1])
        for step in await db.fetch_all(
            "EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE body_kept_since IS NOT NULL"
            " AND body_kept_since < :now ORDER BY body_kept_since LIMIT 5",
            {"now": NOW},
        )
    )
    assert "outbox_body_kept" in plan

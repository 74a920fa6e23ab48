"""The connection module: pragmas, migrations recorded once, transactions."""

import asyncio

import pytest

from storage.db import Database
from storage.migrations import MIGRATIONS
from storage.schema import head_revision, open_legacy


async def test_pragmas_and_migrations(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        assert await db.fetch_value("PRAGMA journal_mode") == "wal"
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        assert await db.fetch_value("PRAGMA busy_timeout") == 5000
        assert await db.fetch_value("SELECT version_num FROM alembic_version") == head_revision()
        await db.migrate()  # idempotent: nothing left to apply
        assert await db.fetch_value("SELECT COUNT(*) FROM alembic_version") == 1
    finally:
        await db.close()


async def test_reopening_keeps_data_and_applies_nothing_twice(tmp_path):
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    await db.execute("INSERT INTO bot_data (id, data) VALUES (1, '{}')")
    await db.close()
    db = await Database.open(path)
    try:
        assert await db.fetch_value("SELECT version_num FROM alembic_version") == head_revision()
        assert await db.fetch_value("SELECT data FROM bot_data") == "{}"
    finally:
        await db.close()


async def test_migration_numbers_are_unique_and_ascending():
    versions = [m.version for m in MIGRATIONS]
    assert versions == sorted(set(versions)) and versions[0] == 1


async def test_transaction_rolls_back_on_error(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO bot_data (id, data) VALUES (1, 'x')")
                raise RuntimeError("boom")
        assert await db.fetch_value("SELECT COUNT(*) FROM bot_data") == 0
    finally:
        await db.close()


async def test_concurrent_statements_never_join_another_transaction(tmp_path):
    """A plain write from another coroutine waits for the open transaction to finish,
    so rolling that transaction back cannot take the other write with it."""
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        inside = asyncio.Event()

        async def failing_transaction():
            with pytest.raises(RuntimeError):
                async with db.transaction() as tx:
                    await tx.execute("INSERT INTO chat_data (chat_id, data) VALUES (1, 'a')")
                    inside.set()
                    await asyncio.sleep(0.05)
                    raise RuntimeError("rollback")

        async def other_writer():
            await inside.wait()
            await db.execute("INSERT INTO chat_data (chat_id, data) VALUES (2, 'b')")

        await asyncio.gather(failing_transaction(), other_writer())
        rows = await db.fetch_all("SELECT chat_id FROM chat_data")
        assert [row[0] for row in rows] == [2]
    finally:
        await db.close()


async def test_migration_6_moves_queued_mail_bodies_out_of_the_outbox(tmp_path, monkeypatch):
    """A database queued under migration 5 keeps every message when upgraded."""

    path = tmp_path / "old.sqlite3"
    old = await open_legacy(path, MIGRATIONS[:5])
    await old.execute(
        "INSERT INTO outbox (message_id, kind, recipient, sender, raw, next_attempt_at,"
        " created_at) VALUES ('<a@b>', 'invitation', 'r@example.com', 's@example.com',"
        " x'48656c6c6f', 0, 0)"
    )
    await old.close()
    upgraded = await Database.open(path)
    try:
        from storage.outbox import OutboxRepository

        [row] = await OutboxRepository(upgraded).due(now=1, limit=5)
        assert row.raw == b"Hello" and row.recipient == "r@example.com"
    finally:
        await upgraded.close()


async def test_migration_7_rebuilds_the_outbox_keeping_every_message(tmp_path, monkeypatch):
    """A database written by the earlier migrations: its queued, sent and failed mail is
    kept whole with its bodies, ids are not handed out again, and 'cancelled' is allowed."""
    from storage.outbox import OutboxRepository

    path = tmp_path / "old.sqlite3"
    old = await open_legacy(path, MIGRATIONS[:6])
    ids = []
    for n in range(3):
        ids.append(
            await old.insert(
                "INSERT INTO outbox (message_id, kind, owner_id, recipient, sender,"
                " next_attempt_at, created_at) VALUES (:value, 'invitation', 1, :value2,"
                " 's@example.com',"
                " 0, 0)",
                {"value": f"<m{n}@b>", "value2": f"r{n}@example.com"},
            )
        )
        await old.execute(
            "INSERT INTO outbox_bodies (outbox_id, raw) VALUES (:ids, :value)",
            {"ids": ids[-1], "value": b"body%d" % n},
        )
    await old.execute(
        "UPDATE outbox SET status = 'sent', sent_at = 100 WHERE id = :ids", {"ids": ids[1]}
    )
    await old.execute(
        "UPDATE outbox SET status = 'failed', last_error = '550 x' WHERE id = :ids", {"ids": ids[2]}
    )
    # The last id was handed out and deleted: it must never come back.
    gone = await old.insert(
        "INSERT INTO outbox (message_id, kind, recipient, sender, next_attempt_at, created_at)"
        " VALUES ('<gone@b>', 'invitation', 'g@example.com', 's@example.com', 0, 0)"
    )
    await old.execute("DELETE FROM outbox WHERE id = :gone", {"gone": gone})
    await old.close()

    upgraded = await open_legacy(path, MIGRATIONS[:7])
    try:
        assert await upgraded.fetch_value("PRAGMA foreign_keys") == 1
        assert await upgraded.fetch_all("PRAGMA foreign_key_check") == []
        outbox = OutboxRepository(upgraded)
        rows = [await outbox.get(row_id) for row_id in ids]
        assert [(r.status, r.raw) for r in rows] == [
            ("pending", b"body0"),
            ("sent", b"body1"),
            ("failed", b"body2"),
        ]
        assert rows[2].last_error == "550 x" and rows[2].reason is None
        assert await outbox.cancel_pending(1, 200) == 1  # the new status is allowed
        # The bodies still belong to their rows: deleting a row takes its body along.
        await upgraded.execute("DELETE FROM outbox WHERE id = :ids", {"ids": ids[0]})
        assert (
            await upgraded.fetch_value(
                "SELECT COUNT(*) FROM outbox_bodies WHERE outbox_id = :ids", {"ids": ids[0]}
            )
            == 0
        )
        fresh = await outbox.add(
            message_id="<new@b>",
            kind="invitation",
            owner_id=1,
            conference_id=None,
            recipient="n@example.com",
            sender="s@example.com",
            raw=b"x",
            now=300,
        )
        assert fresh > gone
        indexes = {
            row[0]
            for row in await upgraded.fetch_all(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'"
            )
        }
        assert {
            "outbox_due",
            "outbox_owner_created",
            "outbox_conference",
            "outbox_sent",
            "outbox_body_kept",
        } <= indexes
        # The sent row's body counts its MAIL_KEEP_DAYS from its sending.
        assert await outbox.forget_bodies(101) == 1
    finally:
        await upgraded.close()


async def test_a_rebuild_that_breaks_a_foreign_key_is_rolled_back(tmp_path, monkeypatch):
    import sqlite3

    from storage.migrations import Migration

    broken = Migration(
        99,
        "a rebuild that leaves a dangling reference",
        (
            "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))",
            "INSERT INTO child (parent_id) VALUES (42)",
        ),
        rebuilds_tables=True,
    )
    with pytest.raises(sqlite3.IntegrityError):
        await open_legacy(tmp_path / "bot.sqlite3", (*MIGRATIONS, broken))
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        assert await db.fetch_value("SELECT COUNT(*) FROM sqlite_master WHERE name = 'child'") == 0
        assert await db.fetch_value("SELECT MAX(version) FROM schema_migrations") == (
            MIGRATIONS[-1].version
        )
    finally:
        await db.close()


async def test_migration_8_makes_addresses_of_earlier_versions_wait_for_a_code(
    tmp_path, monkeypatch
):
    """An address typed before verification existed is not used until confirmed: it
    becomes a pending change without a code, and the verified address is empty."""
    from storage.users import UserRepository
    from storage.verifications import VerificationRepository

    path = tmp_path / "old.sqlite3"
    old = await open_legacy(path, MIGRATIONS[:7])
    for user_id, email in ((1, "anna@example.com"), (2, None)):
        await old.execute(
            "INSERT INTO users (id, full_name, email, language, timezone, created_at,"
            " updated_at, last_seen_at) VALUES (:user_id, 'U', :email, 'en', 'UTC', 5, 7, 9)",
            {"user_id": user_id, "email": email},
        )
    await old.close()
    upgraded = await Database.open(path)
    try:
        users = UserRepository(upgraded)
        assert (await users.get(1)).email is None and (await users.get(2)).email is None
        pending = await VerificationRepository(upgraded).get(1)
        assert (pending.email, pending.code_hash, pending.wrong_tries, pending.created_at) == (
            "anna@example.com",
            None,
            0,
            7,
        )
        assert await VerificationRepository(upgraded).get(2) is None
    finally:
        await upgraded.close()


async def test_migration_11_marks_conferences_whose_participants_hold_old_room_links(
    tmp_path, monkeypatch
):

    path = tmp_path / "bot.sqlite3"
    old = await open_legacy(path, MIGRATIONS[:10])
    await old.execute(
        "INSERT INTO users (id, full_name, language, timezone, created_at, updated_at,"
        " last_seen_at) VALUES (1, 'Anna', 'en', 'UTC', 0, 0, 0)"
    )
    far = 4_000_000_000  # in 2096: scheduled whatever the machine's clock says
    for row_id, ends_at in ((1, far), (2, far), (3, 1_000)):
        await old.execute(
            "INSERT INTO conferences (id, owner_id, topic, starts_at, ends_at, conference_code,"
            " password, created_at, updated_at) VALUES (:row_id, 1, 't', :value, :ends_at,"
            " :value2, 'pw12', 0, 0)",
            {
                "row_id": row_id,
                "value": ends_at - 60,
                "ends_at": ends_at,
                "value2": f"code{row_id:05d}",
            },
        )
    for conference_id in (1, 3):  # 2 has nobody to tell; 3 is over
        await old.execute(
            "INSERT INTO participants (conference_id, chat_id, kind, created_at)"
            " VALUES (:conference_id, 9, 'user', 0)",
            {"conference_id": conference_id},
        )
    await old.close()
    upgraded = await open_legacy(path, MIGRATIONS[:11])
    try:
        marked = await upgraded.fetch_all(
            "SELECT id FROM conferences WHERE changed_since_notice = 1 ORDER BY id"
        )
        assert [row[0] for row in marked] == [1]
    finally:
        await upgraded.close()


async def test_migration_12_copies_the_times_of_existing_participations(tmp_path, monkeypatch):
    """A database from before migration 12: its participant rows get their conference's
    start and end, so the participants' logs list them at once after the upgrade."""

    path = tmp_path / "bot.sqlite3"
    db = await open_legacy(path, MIGRATIONS[:11])
    await db.execute(
        "INSERT INTO users (id, full_name, language, timezone, created_at, updated_at,"
        " last_seen_at) VALUES (1, 'Anna', 'en', 'UTC', 0, 0, 0),"
        " (2, 'Boris', 'en', 'UTC', 0, 0, 0)"
    )
    await db.execute(
        "INSERT INTO conferences (id, owner_id, topic, starts_at, ends_at, conference_code,"
        " password, created_at, updated_at) VALUES (7, 1, 'T', 1000, 2000, 'c7', 'pw', 0, 0)"
    )
    await db.execute(
        "INSERT INTO participants (conference_id, chat_id, kind, created_at)"
        " VALUES (7, 2, 'user', 0)"
    )
    await db.close()
    db = await Database.open(path)
    try:
        row = await db.fetch_one("SELECT starts_at, ends_at, left_at FROM participants")
        assert (row[0], row[1], row[2]) == (1000, 2000, None)
    finally:
        await db.close()


async def test_migration_13_keeps_what_people_were_told_the_organizer_and_languages(
    tmp_path, monkeypatch
):
    """Conferences someone heard of get the snapshot of what they were told (the
    conference as it is); those with invitations their organizer (the owner's verified
    address and name now); each invitation its owner's language. Others stay untold."""
    from storage.conferences import ConferenceRepository
    from storage.participants import InvitationRepository

    path = tmp_path / "bot.sqlite3"
    old = await open_legacy(path, tuple(m for m in MIGRATIONS if m.version < 13))
    await old.execute(
        "INSERT INTO users (id, full_name, email, language, timezone, created_at, updated_at,"
        " last_seen_at) VALUES (1, 'Anna', 'anna@example.com', 'ru', 'UTC', 0, 0, 0)"
    )
    for row_id in (1, 2, 3):
        await old.execute(
            "INSERT INTO conferences (id, owner_id, topic, starts_at, ends_at, conference_code,"
            " password, created_at, updated_at) VALUES (:row_id, 1, :value, 600, 1200, :value2,"
            " 'pw12', 0, 0)",
            {"row_id": row_id, "value": f"Topic {row_id}", "value2": f"code{row_id:05d}"},
        )
    await old.execute(
        "INSERT INTO invitations (conference_id, email, created_at) VALUES (1, 'b@example.org', 0)"
    )
    await old.execute(
        "INSERT INTO participants (conference_id, chat_id, kind, created_at)"
        " VALUES (2, 9, 'user', 0)"
    )
    await old.close()
    upgraded = await Database.open(path)
    try:
        conferences = ConferenceRepository(upgraded)
        invited, shared, untold = [await conferences.get(n) for n in (1, 2, 3)]
        assert (invited.told_topic, invited.told_starts_at, invited.told_code) == (
            "Topic 1",
            600,
            "code00001",
        )
        assert (invited.organizer_email, invited.organizer_name) == ("anna@example.com", "Anna")
        assert shared.told_password == "pw12" and shared.organizer_name is None
        assert untold.told_topic is None and untold.organizer_name is None
        [invitee] = await InvitationRepository(upgraded).invitees(1)
        assert (invitee.email, invitee.language) == ("b@example.org", "ru")
    finally:
        await upgraded.close()


async def test_migration_14_leaves_earlier_people_undecided_and_new_ones_unconfirmed(
    tmp_path, monkeypatch
):
    from storage.users import UserRepository

    path = tmp_path / "bot.sqlite3"
    old = await open_legacy(path, MIGRATIONS[:11])
    await old.execute(
        "INSERT INTO users (id, full_name, language, timezone, created_at, updated_at,"
        " last_seen_at) VALUES (1, 'Anna', 'en', 'Europe/Berlin', 0, 0, 0)"
    )
    await old.close()
    upgraded = await Database.open(path)
    try:
        users = UserRepository(upgraded)
        # Registered before the question existed: bot/users.py decides by their zone.
        assert (await users.get(1)).timezone_confirmed is None
        newcomer, _ = await users.record_seen(
            2, username=None, full_name="Boris", language="ru", timezone="UTC", now=0
        )
        assert newcomer.timezone_confirmed is False
        await users.confirm_timezone(2, "Asia/Yekaterinburg", now=1)
        confirmed = await users.get(2)
        assert (confirmed.timezone, confirmed.timezone_confirmed) == ("Asia/Yekaterinburg", True)
    finally:
        await upgraded.close()

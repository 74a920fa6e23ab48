"""The connection module: pragmas, migrations recorded once, transactions."""

import asyncio

import pytest

from storage.db import Database
from storage.migrations import MIGRATIONS


async def test_pragmas_and_migrations(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        assert await db.fetch_value("PRAGMA journal_mode") == "wal"
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        assert await db.fetch_value("PRAGMA busy_timeout") == 5000
        versions = [
            row[0]
            for row in await db.fetch_all("SELECT version FROM schema_migrations ORDER BY version")
        ]
        assert versions == [m.version for m in MIGRATIONS]
        assert await db.migrate() == []  # idempotent: nothing left to apply
    finally:
        await db.close()


async def test_reopening_keeps_data_and_applies_nothing_twice(tmp_path):
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    await db.execute("INSERT INTO bot_data (id, data) VALUES (1, '{}')")
    await db.close()
    db = await Database.open(path)
    try:
        assert await db.fetch_value("SELECT COUNT(*) FROM schema_migrations") == len(MIGRATIONS)
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
    import storage.db as db_module

    path = tmp_path / "old.sqlite3"
    monkeypatch.setattr(db_module, "MIGRATIONS", MIGRATIONS[:5])
    old = await Database.open(path)
    await old.execute(
        "INSERT INTO outbox (message_id, kind, recipient, sender, raw, next_attempt_at,"
        " created_at) VALUES ('<a@b>', 'invitation', 'r@example.com', 's@example.com',"
        " x'48656c6c6f', 0, 0)"
    )
    await old.close()
    monkeypatch.setattr(db_module, "MIGRATIONS", MIGRATIONS)
    upgraded = await Database.open(path)
    try:
        from storage.outbox import OutboxRepository

        [row] = await OutboxRepository(upgraded).due(now=1, limit=5)
        assert row.raw == b"Hello" and row.recipient == "r@example.com"
    finally:
        await upgraded.close()


async def test_a_rebuild_that_breaks_a_foreign_key_is_rolled_back(tmp_path, monkeypatch):
    import sqlite3

    import storage.db as db_module
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
    monkeypatch.setattr(db_module, "MIGRATIONS", (*MIGRATIONS, broken))
    with pytest.raises(sqlite3.IntegrityError):
        await Database.open(tmp_path / "bot.sqlite3")
    monkeypatch.setattr(db_module, "MIGRATIONS", MIGRATIONS)
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        assert await db.fetch_value("SELECT COUNT(*) FROM sqlite_master WHERE name = 'child'") == 0
        assert await db.fetch_value("SELECT MAX(version) FROM schema_migrations") == (
            MIGRATIONS[-1].version
        )
    finally:
        await db.close()

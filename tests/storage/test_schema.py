"""The schema under Alembic: a new SQLite file, an upgraded legacy file and a new
PostgreSQL database end with the same tables, columns, indexes and triggers; claims of
once-only work never hand a row to two takers."""

import asyncio

import pytest
from alembic import command

from bot.clock import FixedClock
from storage.db import Database
from storage.migrations import MIGRATIONS
from storage.outbox import OutboxRepository
from storage.schema import alembic_config, head_revision, open_legacy
from tests.e2e import TEST_NOW

NOW = 1_750_000_000


async def sqlite_schema(db: Database) -> dict:
    tables = [
        row[0]
        for row in await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN"
            " ('sqlite_sequence', 'schema_migrations', 'alembic_version') ORDER BY name"
        )
    ]
    shape = {}
    for table in tables:
        columns = [
            (r["name"], r["type"], r["notnull"], r["dflt_value"], r["pk"])
            for r in await db.fetch_all(f"PRAGMA table_info({table})")
        ]
        indexes = {}
        for index in await db.fetch_all(f"PRAGMA index_list({table})"):
            info = await db.fetch_all(f"PRAGMA index_info({index['name']})")
            indexes[index["name"]] = (index["unique"], index["partial"], [r["name"] for r in info])
        keys = sorted(
            (r["table"], r["from"], r["to"], r["on_delete"])
            for r in await db.fetch_all(f"PRAGMA foreign_key_list({table})")
        )
        shape[table] = (columns, indexes, keys)
    triggers = sorted(
        row[0]
        for row in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    )
    return {"tables": shape, "triggers": triggers}


async def test_a_legacy_file_upgraded_equals_a_new_one(tmp_path):
    """A file of the last version before Alembic (legacy migration 17) is stamped 0001
    and then has exactly the schema a new file gets from revision 0001."""
    legacy = await open_legacy(tmp_path / "legacy.sqlite3", MIGRATIONS)
    await legacy.execute(
        "INSERT INTO users (id, full_name, language, timezone, created_at, updated_at,"
        " last_seen_at) VALUES (1, 'Anna', 'en', 'UTC', 0, 0, 0)"
    )
    await legacy.close()
    upgraded = await Database.open(tmp_path / "legacy.sqlite3")
    fresh = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        assert await upgraded.fetch_value("SELECT version_num FROM alembic_version") == (
            head_revision()
        )
        assert await upgraded.fetch_value("SELECT full_name FROM users") == "Anna"
        assert await sqlite_schema(upgraded) == await sqlite_schema(fresh)
    finally:
        await upgraded.close()
        await fresh.close()


async def test_postgresql_has_the_same_tables_and_columns(tmp_path, pg_url):
    fresh = await Database.open(tmp_path / "fresh.sqlite3")
    pg = await Database.open(pg_url)
    try:
        sqlite_tables = {
            table: [column[0] for column in shape[0]]
            for table, shape in (await sqlite_schema(fresh))["tables"].items()
        }
        rows = await pg.fetch_all(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name <> 'alembic_version'"
            " ORDER BY table_name, ordinal_position"
        )
        pg_tables: dict[str, list[str]] = {}
        for row in rows:
            pg_tables.setdefault(row[0], []).append(row[1])
        assert pg_tables == sqlite_tables
        indexes = {
            row[0]
            for row in await pg.fetch_all(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            )
        }
        sqlite_indexes = {
            name
            for shape in (await sqlite_schema(fresh))["tables"].values()
            for name in shape[1]
            if not name.startswith("sqlite_autoindex")
        }
        assert sqlite_indexes <= indexes
        # Telegram ids exceed 32 bits: the chat id of a supergroup.
        await pg.execute(
            "INSERT INTO chat_data (chat_id, data) VALUES (:chat, '{}')", {"chat": -1001234567890}
        )
        assert await pg.fetch_value("SELECT chat_id FROM chat_data") == -1001234567890
    finally:
        await fresh.close()
        await pg.close()


async def test_the_triggers_keep_participant_times_on_postgresql(pg_url):
    """The plpgsql triggers do what SQLite's do: a participant row gets its conference's
    start and end, and a moved conference moves them."""
    db = await Database.open(pg_url)
    try:
        await db.execute(
            "INSERT INTO users (id, full_name, language, timezone, created_at, updated_at,"
            " last_seen_at) VALUES (1, 'Anna', 'en', 'UTC', 0, 0, 0)"
        )
        conference = await db.insert(
            "INSERT INTO conferences (owner_id, topic, starts_at, ends_at, conference_code,"
            " password, created_at, updated_at) VALUES (1, 'T', 1000, 2000, 'c1', 'pw', 0, 0)"
        )
        await db.execute(
            "INSERT INTO participants (conference_id, chat_id, kind, created_at)"
            " VALUES (:id, 2, 'user', 0)",
            {"id": conference},
        )
        assert tuple(await db.fetch_one("SELECT starts_at, ends_at FROM participants")) == (
            1000,
            2000,
        )
        await db.execute(
            "UPDATE conferences SET starts_at = 1500, ends_at = 2500 WHERE id = :id",
            {"id": conference},
        )
        assert tuple(await db.fetch_one("SELECT starts_at, ends_at FROM participants")) == (
            1500,
            2500,
        )
    finally:
        await db.close()


async def queue(db: Database, count: int) -> list[int]:
    outbox = OutboxRepository(db)
    return [
        await outbox.add(
            message_id=f"<m{n}@example.com>",
            kind="invitation",
            owner_id=1,
            conference_id=None,
            recipient=f"r{n}@example.com",
            sender="bot@example.com",
            raw=b"x",
            now=NOW,
        )
        for n in range(count)
    ]


async def test_a_claimed_mail_is_not_claimed_again_until_its_lease_ends(db):
    ids = await queue(db, 3)
    outbox = OutboxRepository(db)
    first = await outbox.claim_due(NOW, 2, lease_until=NOW + 120)
    assert [row.id for row in first] == ids[:2] and first[0].raw == b"x"
    second = await outbox.claim_due(NOW, 10, lease_until=NOW + 120)
    assert [row.id for row in second] == ids[2:]  # only what nobody holds
    assert await outbox.claim_due(NOW + 60, 10, lease_until=NOW + 180) == []
    # The taker died without marking them: after the lease they are due again.
    again = await outbox.claim_due(NOW + 120, 10, lease_until=NOW + 240)
    assert [row.id for row in again] == ids


async def test_two_processes_claiming_at_once_on_postgresql_never_share_a_row(pg_url):
    """Two bot processes on one database (a failover's overlap): while one claim's
    transaction holds its rows, the other's skips them instead of waiting or taking
    them too."""
    first, second = await Database.open(pg_url), await Database.open(pg_url)
    try:
        ids = await queue(first, 6)
        async with first.transaction() as tx:
            mine = await OutboxRepository(tx).claim_due(NOW, 3, lease_until=NOW + 120)
            # Not committed yet: the rows are locked, and the other taker must not wait.
            theirs = await asyncio.wait_for(
                OutboxRepository(second).claim_due(NOW, 10, lease_until=NOW + 120), 5
            )
        assert [row.id for row in mine] == ids[:3]
        assert [row.id for row in theirs] == ids[3:]
    finally:
        await first.close()
        await second.close()


async def test_broadcast_recipients_are_claimed_once_by_concurrent_senders(db):
    """Two senders of one broadcast (two processes after a failover) split the
    recipients: nobody is handed to both."""
    from bot.admin import AdminService

    for user in range(1, 41):
        await db.execute(
            "INSERT INTO users (id, full_name, language, timezone, created_at, updated_at,"
            " last_seen_at) VALUES (:id, 'U', 'en', 'UTC', 0, 0, 0)",
            {"id": user},
        )
    broadcast = await db.insert(
        "INSERT INTO broadcasts (admin_id, text, created_at) VALUES (1, 'hi', 0)"
    )

    async def unreachable(chat_id: int) -> None:  # pragma: no cover - nothing is sent
        raise AssertionError(chat_id)

    service = AdminService(
        db, FixedClock(TEST_NOW), join_early_minutes=10, on_unreachable=unreachable
    )

    async def sender() -> list[int]:
        taken = []
        while batch := await service.next_recipients(broadcast, 7):
            taken += batch
        return taken

    results = await asyncio.gather(*(sender() for _ in range(2)))
    everyone = [user for taken in results for user in taken]
    assert sorted(everyone) == list(range(1, 41))  # each exactly once


@pytest.mark.postgresql_only
async def test_revision_0004_goes_down_to_0003s_indexes_and_up_again(db):
    """PostgreSQL's log indexes (revision 0004) have a way back: its downgrade restores
    the definitions of revision 0001, and upgrading again brings its own back."""

    async def definitions() -> dict[str, str]:
        rows = await db.fetch_all(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND indexname IN ('conferences_owner_start', 'conferences_owner_end',"
            " 'participants_person_start', 'participants_person_end')"
        )
        return {row[0]: row[1] for row in rows}

    async def move(action: str, revision: str) -> None:
        def run(sync_conn: object) -> None:
            getattr(command, action)(alembic_config(sync_conn), revision)

        async with db.engine.begin() as conn:
            await conn.run_sync(run)

    at_head = await definitions()
    assert "(owner_id, starts_at, id) INCLUDE (ends_at)" in at_head["conferences_owner_start"]
    assert "WHERE" in at_head["participants_person_end"]
    await move("downgrade", "0003")
    down = await definitions()
    assert down["conferences_owner_start"].endswith("(owner_id, starts_at)")
    assert down["conferences_owner_end"].endswith("(owner_id, ends_at)")
    assert down["participants_person_end"].endswith(
        "(chat_id, kind, is_active, removed_at, ends_at)"
    )
    assert "WHERE" not in down["participants_person_start"]
    assert await db.fetch_value("SELECT version_num FROM alembic_version") == "0003"
    await move("upgrade", "head")
    assert await definitions() == at_head
    assert await db.fetch_value("SELECT version_num FROM alembic_version") == head_revision()

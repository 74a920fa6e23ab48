"""Bringing a database's schema up to date, at every open.

Alembic keeps the schema from now on (storage/alembic/versions, revision 0001 is the
whole schema of legacy migration 17). A SQLite file of an earlier version (it has the
`schema_migrations` table and no `alembic_version`) first runs the legacy migrations it
lacks (storage/migrations.py, as before) and is then stamped 0001, so it goes on from
there like a new one. On PostgreSQL the upgrade holds an advisory lock for its
transaction: two processes starting at once do not both create the tables.

Alembic runs programmatically on the bot's own connection; no alembic.ini is needed.
"""

from __future__ import annotations

import logging
import sqlite3
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.migrations import MIGRATIONS, Migration

if TYPE_CHECKING:
    from storage.db import Database

log = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).with_name("alembic")
# The revision a legacy SQLite file (after legacy migration 17) is stamped with.
LEGACY_REVISION = "0001"
# pg_advisory_xact_lock key of schema upgrades ("conf-bot" in ASCII, as an int64).
_UPGRADE_LOCK = 0x636F6E662D626F74


def alembic_config(connection: Any = None) -> Config:
    """An Alembic Config for our scripts; `connection` (a sync SQLAlchemy Connection)
    is the one env.py migrates."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    """The newest revision in storage/alembic/versions."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(conn: AsyncConnection) -> None:
    """Bring the schema on `conn` up to date. On SQLite `conn` is in autocommit (each
    step takes its own BEGIN IMMEDIATE); on PostgreSQL the caller commits."""
    if conn.dialect.name == "sqlite":
        await _upgrade_sqlite(conn)
    else:
        await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_UPGRADE_LOCK})")
        if await _current_revision(conn) != head_revision():
            await conn.run_sync(_alembic, "upgrade", "head")


async def _current_revision(conn: AsyncConnection) -> str | None:
    if not await _has_table(conn, "alembic_version"):
        return None
    result = await conn.exec_driver_sql("SELECT version_num FROM alembic_version")
    row = result.first()
    return None if row is None else str(row[0])


async def _has_table(conn: AsyncConnection, name: str) -> bool:
    if conn.dialect.name == "sqlite":
        sql = f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{name}'"
    else:
        sql = (
            f"SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = '{name}'"
        )
    return (await conn.exec_driver_sql(sql)).first() is not None


def _alembic(sync_conn: Any, action: str, revision: str) -> None:
    config = alembic_config(sync_conn)
    if action == "stamp":
        command.stamp(config, revision)
    else:
        command.upgrade(config, revision)


async def _upgrade_sqlite(conn: AsyncConnection) -> None:
    current = await _current_revision(conn)
    if current == head_revision():
        return
    if current is None and await _has_table(conn, "schema_migrations"):
        await _legacy_migrate(conn)
        await _in_transaction(conn, "stamp", LEGACY_REVISION)
        log.info("Legacy database stamped with schema revision %s", LEGACY_REVISION)
    await _in_transaction(conn, "upgrade", "head")


async def _in_transaction(conn: AsyncConnection, action: str, revision: str) -> None:
    """An Alembic step inside BEGIN IMMEDIATE ... COMMIT on the autocommit connection:
    SQLite's DDL is transactional, so a failed step leaves nothing half made."""
    await conn.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        await conn.run_sync(_alembic, action, revision)
    except BaseException:
        if await _driver_in_transaction(conn):
            await conn.exec_driver_sql("ROLLBACK")
        raise
    if await _driver_in_transaction(conn):
        await conn.exec_driver_sql("COMMIT")


async def _driver_in_transaction(conn: AsyncConnection) -> bool:
    raw = await conn.get_raw_connection()
    return bool(raw.driver_connection.in_transaction)  # type: ignore[union-attr]


# -- legacy SQLite migrations (files of versions before Alembic) ------------------------


async def open_legacy(path: Path, migrations: tuple[Migration, ...]) -> Database:
    """A SQLite file as a version before Alembic left it: these legacy migrations only
    (for tests of the upgrade path)."""
    from storage.db import Database

    database = await Database.open(path, migrate=False)
    assert database._conn is not None
    try:
        await _legacy_migrate(database._conn, migrations)
    except BaseException:
        await database.close()
        raise
    return database


async def _legacy_migrate(
    conn: AsyncConnection, migrations: tuple[Migration, ...] | None = None
) -> list[int]:
    """Apply the legacy migrations a SQLite file has not recorded; returns their numbers."""
    await conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )
    result = await conn.exec_driver_sql("SELECT version FROM schema_migrations")
    done = {row[0] for row in result.fetchall()}
    applied = []
    for migration in MIGRATIONS if migrations is None else migrations:
        if migration.version in done:
            continue
        if migration.rebuilds_tables:
            # A no-op inside a transaction, so before BEGIN.
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            await _apply_legacy(conn, migration)
        finally:
            if migration.rebuilds_tables:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        log.info("Applied database migration %d: %s", migration.version, migration.name)
        applied.append(migration.version)
    return applied


async def _apply_legacy(conn: AsyncConnection, migration: Migration) -> None:
    """One migration in its own transaction; a rebuild is checked before it commits."""
    await conn.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        for statement in migration.statements:
            await conn.exec_driver_sql(statement)
        if migration.rebuilds_tables:
            # With foreign keys off nothing stopped a broken reference: look for one
            # now, while a ROLLBACK can still undo the rebuild.
            broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
            if broken:
                raise sqlite3.IntegrityError(
                    f"migration {migration.version} broke {len(broken)} foreign key(s),"
                    f" e.g. in table {broken[0][0]}"
                )
        await conn.exec_driver_sql(
            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
            (migration.version, migration.name),
        )
    except BaseException:
        await conn.exec_driver_sql("ROLLBACK")
        raise
    await conn.exec_driver_sql("COMMIT")

"""The one database connection, its transactions and the migrations.

All SQL runs on a single aiosqlite connection (one writer, as SQLite wants). Statements
from concurrent coroutines are serialised by a lock so that one coroutine's statement can
never slip into another coroutine's open transaction. Read-then-write work runs inside
`transaction()`, which starts with BEGIN IMMEDIATE so the write lock is taken up front.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from storage.migrations import MIGRATIONS, Migration

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]
Row = sqlite3.Row


class Queryable(Protocol):
    """What repositories need: a Database, or a Transaction inside one."""

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def fetch_value(self, sql: str, params: Params = ()) -> Any: ...
    async def execute(self, sql: str, params: Params = ()) -> int: ...
    async def insert(self, sql: str, params: Params = ()) -> int: ...
    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None: ...


class _Statements:
    """Statement helpers shared by Database and Transaction; subclasses provide `_run`."""

    async def _run(self, call: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _may_write(self) -> None:
        """Called before a statement that may change data (Database counts them)."""

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        if not _reads_only(sql):
            self._may_write()  # UPDATE ... RETURNING
        return await self._run(lambda conn: _fetch_one(conn, sql, params))

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        if not _reads_only(sql):
            self._may_write()
        return await self._run(lambda conn: conn.execute_fetchall(sql, params))

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the number of rows it changed."""
        self._may_write()
        return await self._run(lambda conn: _execute(conn, sql, params, "rowcount"))

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; returns the new row id."""
        self._may_write()
        return await self._run(lambda conn: _execute(conn, sql, params, "lastrowid"))

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        self._may_write()
        await self._run(lambda conn: conn.executemany(sql, rows))


def _reads_only(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"


async def _fetch_one(conn: aiosqlite.Connection, sql: str, params: Params) -> Row | None:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _execute(conn: aiosqlite.Connection, sql: str, params: Params, attribute: str) -> int:
    async with conn.execute(sql, params) as cursor:
        return getattr(cursor, attribute)


class Database(_Statements):
    """The application's connection. Open with `await Database.open(path)`."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._conn = connection
        self._lock = asyncio.Lock()
        self._transaction_task: asyncio.Task[Any] | None = None
        self._changes = 0

    @property
    def changes(self) -> int:
        """Rises before every statement that may change data and at every transaction's
        end: a cache of what was read (bot/join_page.py) is current while this has not
        moved. This process only: writes by another process are not seen here."""
        return self._changes

    def _may_write(self) -> None:
        self._changes += 1

    @classmethod
    async def open(cls, path: Path | str, *, busy_timeout_ms: int = 5000) -> Database:
        if str(path) != ":memory:":
            _create_private_file(Path(path))
        # isolation_level=None: autocommit, transactions only where we BEGIN them explicitly.
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # NORMAL is durable across application crashes in WAL mode (only an OS crash can
        # lose the last commits), and much faster than FULL.
        await conn.execute("PRAGMA synchronous=NORMAL")
        if str(path) != ":memory:":
            _make_private(Path(path))
        database = cls(conn)
        try:
            await database.migrate()
        except BaseException:
            await conn.close()  # a failed migration must not leave the connection open
            raise
        return database

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    async def _run(self, call: Any) -> Any:
        if self._transaction_task is not None and self._transaction_task is asyncio.current_task():
            # The coroutine that holds the transaction may use the plain database too;
            # its statements belong to that transaction.
            return await call(self._conn)
        async with self._lock:
            return await call(self._conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""
        async with self._lock:
            self._transaction_task = asyncio.current_task()
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield Transaction(self._conn)
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                await self._conn.execute("COMMIT")
            finally:
                self._transaction_task = None
                # Still under the lock: nobody reads between the commit and this.
                self._changes += 1

    async def migrate(self) -> list[int]:
        """Apply the migrations not yet recorded; returns the numbers applied now."""
        async with self._lock:
            await self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            done = {
                row[0]
                for row in await self._conn.execute_fetchall(
                    "SELECT version FROM schema_migrations"
                )
            }
            applied = []
            for migration in MIGRATIONS:
                if migration.version in done:
                    continue
                if migration.rebuilds_tables:
                    # A no-op inside a transaction, so before BEGIN.
                    await self._conn.execute("PRAGMA foreign_keys=OFF")
                try:
                    await self._apply(migration)
                finally:
                    if migration.rebuilds_tables:
                        await self._conn.execute("PRAGMA foreign_keys=ON")
                log.info("Applied database migration %d: %s", migration.version, migration.name)
                applied.append(migration.version)
            return applied

    async def _apply(self, migration: Migration) -> None:
        """One migration in its own transaction; a rebuild is checked before it commits."""
        await self._conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in migration.statements:
                await self._conn.execute(statement)
            if migration.rebuilds_tables:
                # With foreign keys off nothing stopped a broken reference: look for one
                # now, while a ROLLBACK can still undo the rebuild.
                broken = list(await self._conn.execute_fetchall("PRAGMA foreign_key_check"))
                if broken:
                    raise sqlite3.IntegrityError(
                        f"migration {migration.version} broke {len(broken)} foreign key(s),"
                        f" e.g. in table {broken[0][0]}"
                    )
            await self._conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                (migration.version, migration.name),
            )
        except BaseException:
            await self._conn.execute("ROLLBACK")
            raise
        await self._conn.execute("COMMIT")


def _create_private_file(path: Path) -> None:
    """The database holds e-mail addresses and conference passwords: its folder is created
    0700 and the file 0600 before SQLite opens it (SQLite gives its -wal and -shm files
    the database file's mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _make_private(path: Path) -> None:
    """A database made by an earlier version may be readable by others: not any more."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            file.chmod(0o600)


class Transaction(_Statements):
    """Statements inside an open transaction; the Database lock is already held."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._conn = connection

    async def _run(self, call: Any) -> Any:
        return await call(self._conn)

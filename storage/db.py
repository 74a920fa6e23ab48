"""The database: SQLite (the embedded default) or PostgreSQL, behind one small API.

Both run on SQLAlchemy 2 Core in async mode (aiosqlite, asyncpg). Repositories write
plain SQL once, with named binds (`:conference_id`), which SQLAlchemy renders for each
driver; a list or tuple value is expanded (`id IN :ids`). Rows read as `row["name"]`
and `row[0]` (select a name once: sqlite3 reads a repeated name's first column, asyncpg
its last).

SQLite keeps one writer: all SQL runs on one connection, statements from concurrent
coroutines are serialised by a lock so that one coroutine's statement can never slip
into another coroutine's open transaction, and `transaction()` starts with BEGIN
IMMEDIATE so the write lock is taken up front. There a statement goes straight to the
aiosqlite connection (sqlite3 binds `:name` itself; see `_on_sqlite` for why).

PostgreSQL gets a small pool: a statement outside a transaction runs on its own
(autocommit), `transaction()` is a real READ COMMITTED transaction on a connection of its
own, and many run at once. A few connections stay checked out between statements
(`_lease`), and a statement goes straight to the asyncpg connection, rendered once by
SQLAlchemy (see `_on_asyncpg` for why).

The schema is kept by Alembic (storage/schema.py); a SQLite file of an earlier version
first runs its legacy migrations (storage/migrations.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import bindparam, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.util import greenlet_spawn

log = logging.getLogger(__name__)

Params = Mapping[str, Any]
NO_PARAMS: Params = {}

__all__ = ["NO_PARAMS", "Database", "IntegrityError", "Params", "Queryable", "Row", "Transaction"]

# PostgreSQL: connections in the pool (a bot needs few: one active process, short
# statements) and how many more may be opened under a burst.
PG_POOL_SIZE = 5
PG_MAX_OVERFLOW = 5


class Row:
    """A result row: `row["column"]` or `row[0]`, like sqlite3.Row and asyncpg.Record
    (which the fast paths, `_on_sqlite` and `_on_asyncpg`, return as they are)."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Any, index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Row({tuple(self._values)!r})"


class Queryable(Protocol):
    """What repositories need: a Database, or a Transaction inside one."""

    @property
    def dialect(self) -> str: ...
    async def fetch_one(self, sql: str, params: Params = NO_PARAMS) -> Row | None: ...
    async def fetch_all(self, sql: str, params: Params = NO_PARAMS) -> list[Row]: ...
    async def fetch_value(self, sql: str, params: Params = NO_PARAMS) -> Any: ...
    async def execute(self, sql: str, params: Params = NO_PARAMS) -> int: ...
    async def insert(self, sql: str, params: Params = NO_PARAMS) -> int: ...
    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None: ...


@lru_cache(maxsize=2048)
def _statement(sql: str, expanding: tuple[str, ...]) -> TextClause:
    """The compiled-once text() of a statement (SQLAlchemy caches its rendering per
    dialect on the object)."""
    statement = text(sql)
    if expanding:
        statement = statement.bindparams(*(bindparam(name, expanding=True) for name in expanding))
    return statement


def _prepare(sql: str, params: Params) -> TextClause:
    expanding = tuple(sorted(k for k, v in params.items() if isinstance(v, list | tuple)))
    return _statement(sql, expanding)


def _rows(result: Any) -> list[Row]:
    index: dict[str, int] = {}
    for position, name in enumerate(result.keys()):
        index.setdefault(name, position)  # a repeated name reads the first, as sqlite3 does
    return [Row(values, index) for values in result.fetchall()]


def _reads_only(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"


class _Statements:
    """Statement helpers shared by Database and Transaction; subclasses provide `_run`."""

    dialect: str

    async def _run(self, sql: str, params: Any, how: str) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _may_write(self) -> None:
        """Called before a statement that may change data (Database counts them)."""

    async def fetch_one(self, sql: str, params: Params = NO_PARAMS) -> Row | None:
        if not _reads_only(sql):
            self._may_write()  # UPDATE ... RETURNING
        rows = await self._run(sql, params, "rows")
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Params = NO_PARAMS) -> list[Row]:
        if not _reads_only(sql):
            self._may_write()
        return list(await self._run(sql, params, "rows"))

    async def fetch_value(self, sql: str, params: Params = NO_PARAMS) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = NO_PARAMS) -> int:
        """Run a statement; returns the number of rows it changed."""
        self._may_write()
        return int(await self._run(sql, params, "rowcount"))

    async def insert(self, sql: str, params: Params = NO_PARAMS) -> int:
        """Run an INSERT into a table with an `id` key; returns the new row's id."""
        self._may_write()
        rows = await self._run(f"{sql} RETURNING id", params, "rows")
        return int(rows[0][0])

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        self._may_write()
        batch = list(rows)
        if batch:
            await self._run(sql, batch, "none")


async def _on(conn: AsyncConnection, sql: str, params: Any, how: str) -> Any:
    """One statement on a connection; `how` says what to return."""
    first = params[0] if isinstance(params, list) else params
    if not any(isinstance(value, list | tuple) for value in first.values()):
        if conn.dialect.name == "sqlite":
            return await _on_sqlite(conn, sql, params, how)
        return await _on_asyncpg(conn, sql, params, how)
    result = await conn.execute(_prepare(sql, first), params)
    if how == "rows":
        return _rows(result) if result.returns_rows else []
    if how == "rowcount":
        return result.rowcount
    return None


async def _on_sqlite(conn: AsyncConnection, sql: str, params: Any, how: str) -> Any:
    """SQLite's fast path: the statement as written (sqlite3 binds `:name` itself) straight
    on the aiosqlite connection, one trip to its thread. Through SQLAlchemy's execution
    layer a statement took four (cursor, execute, fetchall, close): measured, about
    0.5 ms more per statement on this machine (docs/BENCHMARKS.md, B2). Lists (`IN
    :ids`) still go through SQLAlchemy, which expands them."""
    driver: Any = conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    try:
        if isinstance(params, list):
            await driver.executemany(sql, params)
            return None
        if how == "rows":
            return list(await driver.execute_fetchall(sql, params))
        async with driver.execute(sql, params) as cursor:
            return cursor.rowcount
    except sqlite3.IntegrityError as error:
        # The same exception as through SQLAlchemy (and on PostgreSQL).
        raise IntegrityError(sql, params, error) from error


# What asyncpg says a statement did ("UPDATE 3"): the count SQLAlchemy reads as rowcount.
_STATUS_COUNT = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+|MERGE) (\d+)")


@lru_cache(maxsize=2048)
def _asyncpg_sql(sql: str) -> tuple[str, tuple[str, ...]]:
    """A statement as asyncpg takes it, compiled once: SQLAlchemy's own rendering of the
    `:name` binds as `$1..$n`, and the names in that order."""
    # Imported here: a SQLite bot does not load the PostgreSQL dialect.
    from sqlalchemy.dialects.postgresql.asyncpg import dialect

    compiled = text(sql).compile(dialect=dialect())
    return compiled.string, tuple(compiled.positiontup or ())


async def _on_asyncpg(conn: AsyncConnection, sql: str, params: Any, how: str) -> Any:
    """PostgreSQL's fast path: the statement, rendered once by SQLAlchemy, straight on the
    connection's asyncpg connection (whose prepared-statement cache keeps it parsed), one
    round trip. Through SQLAlchemy's execution layer and greenlet bridge a statement took
    about 0.45 ms more (docs/BENCHMARKS.md, B1PG). The caller has the connection to
    itself (a lease of Database, or a transaction under its lock); a transaction is
    begun by PgTransaction, not here. Failures raise what SQLAlchemy raises (_fail)."""
    rendered, names = _asyncpg_sql(sql)
    driver: Any = _driver(conn)
    if isinstance(params, list):
        args: Any = [[row[name] for name in names] for row in params]
    else:
        args = [params[name] for name in names]
    try:
        if isinstance(params, list):
            await driver.executemany(rendered, args)
            return None
        if how == "rows":
            return await driver.fetch(rendered, *args)
        status = await driver.execute(rendered, *args)
    except BaseException as error:
        await _fail(conn, error, rendered, args)
        raise  # pragma: no cover (_fail raises)
    found = _STATUS_COUNT.match(status or "")
    return int(found.group(1)) if found else -1


def _driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under a SQLAlchemy connection."""
    return conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]


async def _fail(conn: AsyncConnection, error: BaseException, sql: str, args: Any) -> None:
    """Raise what SQLAlchemy raises when a statement fails (IntegrityError and the rest of
    sqlalchemy.exc, wrapping the DB-API error its asyncpg adapter makes of asyncpg's), and
    handle it as SQLAlchemy does: a lost connection is invalidated with the pool's others,
    a cancelled statement's connection is dropped. Private SQLAlchemy API, pinned by
    tests/storage/test_pg_fast_path.py; it runs in SQLAlchemy's greenlet, as its own callers do."""
    sync = conn.sync_connection
    assert sync is not None

    def handle() -> None:
        try:
            dbapi_error = sync.dialect.loaded_dbapi.Error
            if isinstance(error, Exception) and not isinstance(error, dbapi_error):
                sync.connection.dbapi_connection._handle_exception(error)  # type: ignore[union-attr]
            raise error
        except BaseException as translated:
            sync._handle_dbapi_exception(translated, sql, args, None, None)

    await greenlet_spawn(handle)


# The transaction the current task holds (a statement it runs through the plain Database
# belongs to that transaction).
_holder: ContextVar[tuple[Database, asyncio.Task[Any] | None, Transaction] | None] = ContextVar(
    "storage_transaction", default=None
)


class Database(_Statements):
    """The application's database. Open with `await Database.open(path_or_url)`."""

    def __init__(self, engine: AsyncEngine, url: URL, connection: AsyncConnection | None) -> None:
        self._engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.url = url
        self.dialect = url.get_backend_name()  # "sqlite" or "postgresql"
        # SQLite: the one connection, and the lock that serialises its users.
        self._conn = connection
        self._lock = asyncio.Lock()
        self._changes = 0
        # PostgreSQL: pool connections kept checked out between statements (_lease).
        self._idle: list[AsyncConnection] = []
        self._closed = False

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def changes(self) -> int:
        """Rises before every statement that may change data and at every transaction's
        end: a cache of what was read (bot/join_page.py) is current while this has not
        moved. This process only: writes by another process are not seen here."""
        return self._changes

    def _may_write(self) -> None:
        self._changes += 1

    @classmethod
    async def open(
        cls, target: Path | str | URL, *, busy_timeout_ms: int = 5000, migrate: bool = True
    ) -> Database:
        """Open (and bring up to date) the database at a SQLite path or a URL
        (`sqlite:///file`, `postgresql://user:pass@host/db`)."""
        url = database_url(target)
        if url.get_backend_name() == "sqlite":
            database = await cls._open_sqlite(url, busy_timeout_ms)
        else:
            engine = create_async_engine(
                url,
                pool_size=PG_POOL_SIZE,
                max_overflow=PG_MAX_OVERFLOW,
                isolation_level="READ COMMITTED",
                pool_pre_ping=False,
            )
            database = cls(engine, url, None)
        if migrate:
            try:
                await database.migrate()
            except BaseException:
                await database.close()  # a failed migration must not leave connections open
                raise
        return database

    @classmethod
    async def _open_sqlite(cls, url: URL, busy_timeout_ms: int) -> Database:
        path = url.database or ":memory:"
        if path != ":memory:":
            _create_private_file(Path(path))
        engine = create_async_engine(url, poolclass=StaticPool)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            # NORMAL is durable across application crashes in WAL mode (only an OS crash
            # can lose the last commits), and much faster than FULL.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        # Autocommit at the driver: transactions only where we BEGIN them explicitly.
        conn = await engine.connect()
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        # Rows of the fast path (_on_sqlite) read as row["name"] and row[0].
        raw = await conn.get_raw_connection()
        raw.driver_connection.row_factory = sqlite3.Row  # type: ignore[union-attr]
        if path != ":memory:":
            _make_private(Path(path))
        return cls(engine, url, conn)

    async def close(self) -> None:
        if self._conn is not None:
            async with self._lock:
                await self._conn.close()
        self._closed = True
        await self._drop_idle()
        await self._engine.dispose()

    @asynccontextmanager
    async def _lease(self) -> AsyncIterator[AsyncConnection]:
        """A PostgreSQL connection of the pool (autocommit) for this caller alone. Up to
        PG_POOL_SIZE stay checked out between uses: a checkout and return through
        SQLAlchemy's pool cost about 0.25 ms, a statement on the fast path about as
        much. A connection that failed (invalidated) goes back to the pool, which drops
        it; a lost server (the pool invalidated) drops the kept ones too."""
        conn = self._idle.pop() if self._idle else await self._autocommit.connect()
        try:
            yield conn
        except BaseException as error:
            if getattr(error, "connection_invalidated", False):
                await self._drop_idle()  # the others were the same server's
            await self._give_back(conn)
            raise
        await self._give_back(conn)

    async def _give_back(self, conn: AsyncConnection) -> None:
        if conn.invalidated or conn.closed:
            await conn.close()
        elif _driver(conn).is_in_transaction():
            # Never hand on an open transaction (the pool's reset does not know of ours).
            await conn.invalidate()
            await conn.close()
        elif len(self._idle) < PG_POOL_SIZE and not self._closed:
            self._idle.append(conn)
        else:
            await conn.close()

    async def _drop_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()

    async def _run(self, sql: str, params: Any, how: str) -> Any:
        held = _holder.get()
        if held is not None and held[0] is self and held[1] is asyncio.current_task():
            # The coroutine that holds a transaction may use the plain database too; its
            # statements belong to that transaction.
            return await held[2]._run(sql, params, how)
        if self._conn is not None:
            async with self._lock:
                return await _on(self._conn, sql, params, how)
        async with self._lease() as conn:
            return await _on(conn, sql, params, how)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A transaction: COMMIT at the end of the block, ROLLBACK when it raises."""
        if self._conn is None:
            async with self._transaction_pg() as tx:
                yield tx
            return
        async with self._lock:
            tx = Transaction(self._conn, self.dialect)
            token = _holder.set((self, asyncio.current_task(), tx))
            try:
                await self._conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield tx
                except BaseException:
                    await self._conn.exec_driver_sql("ROLLBACK")
                    raise
                await self._conn.exec_driver_sql("COMMIT")
            finally:
                _holder.reset(token)
                # Still under the lock: nobody reads between the commit and this.
                self._changes += 1

    @asynccontextmanager
    async def _transaction_pg(self) -> AsyncIterator[Transaction]:
        try:
            async with self._lease() as conn:
                tx = PgTransaction(conn, self.dialect)
                token = _holder.set((self, asyncio.current_task(), tx))
                try:
                    yield tx
                except BaseException:
                    await tx.rollback()
                    raise
                finally:
                    _holder.reset(token)
                await tx.commit()
        finally:
            self._changes += 1

    async def migrate(self) -> None:
        """Bring the schema up to date (legacy SQLite migrations, then Alembic)."""
        from storage.schema import upgrade  # Alembic is imported only when needed

        if self._conn is not None:
            async with self._lock:
                await upgrade(self._conn)
        else:
            async with self._engine.connect() as conn:
                await upgrade(conn)
                await conn.commit()


class Transaction(_Statements):
    """Statements inside an open transaction."""

    def __init__(self, connection: AsyncConnection, dialect: str) -> None:
        self._conn = connection
        self.dialect = dialect

    async def _run(self, sql: str, params: Any, how: str) -> Any:
        return await _on(self._conn, sql, params, how)


class PgTransaction(Transaction):
    """A PostgreSQL transaction on a leased autocommit connection: BEGIN (READ COMMITTED)
    is sent with its first statement, as SQLAlchemy's asyncpg adapter does, and it is
    asyncpg's own transaction. Its statements run one at a time (a lock, in case two
    coroutines share it): asyncpg refuses two at once on a connection."""

    def __init__(self, connection: AsyncConnection, dialect: str) -> None:
        super().__init__(connection, dialect)
        self._guard = asyncio.Lock()
        self._begun: Any = None  # asyncpg's Transaction, once BEGIN was sent

    async def _run(self, sql: str, params: Any, how: str) -> Any:
        async with self._guard:
            if self._begun is None:
                begun = _driver(self._conn).transaction(isolation="read_committed")
                await self._call(begun.start, "BEGIN")
                self._begun = begun
            return await _on(self._conn, sql, params, how)

    async def commit(self) -> None:
        async with self._guard:
            if self._begun is not None:
                await self._call(self._begun.commit, "COMMIT")

    async def rollback(self) -> None:
        """Undo it; the error that led here is what the caller raises, so a failed
        rollback only drops the connection (the server rolls back a lost session)."""
        async with self._guard:
            if self._begun is None or self._conn.invalidated:
                return
            try:
                await self._call(self._begun.rollback, "ROLLBACK")
            except Exception:
                log.warning("ROLLBACK failed; the connection is dropped", exc_info=True)
                if not self._conn.invalidated:
                    await self._conn.invalidate()

    async def _call(self, step: Any, sql: str) -> None:
        try:
            await step()
        except BaseException as error:
            await _fail(self._conn, error, sql, None)


def skip_locked(db: Queryable) -> str:
    """The clause that lets a claim pass over rows another transaction is claiming:
    FOR UPDATE SKIP LOCKED on PostgreSQL; nothing on SQLite, which has one writer."""
    return " FOR UPDATE SKIP LOCKED" if db.dialect == "postgresql" else ""


def database_url(target: Path | str | URL) -> URL:
    """The SQLAlchemy URL of a SQLite path, a `sqlite:///` URL or a `postgresql://` one
    (given the async driver)."""
    if isinstance(target, URL):
        url = target
    elif isinstance(target, Path) or "://" not in target:
        return URL.create("sqlite+aiosqlite", database=str(target))
    else:
        url = make_url(target)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def asyncpg_connect_args(url: URL) -> dict[str, Any]:
    """asyncpg.connect() keywords for a PostgreSQL URL: a connection outside the pool
    (such as the one that holds the leadership lock)."""
    query = dict(url.query)
    args: dict[str, Any] = {
        "host": url.host or query.get("host"),
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "database": url.database,
    }
    return {key: value for key, value in args.items() if value is not None}


def shown_url(url: URL | str) -> str:
    """The URL with its password hidden, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True) if url else ""


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

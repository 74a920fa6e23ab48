"""PostgreSQL's fast path (storage/db.py, `_on_asyncpg`): a statement goes straight to the
pooled asyncpg connection, and must behave as it did through SQLAlchemy: counts, new ids,
rows by name and index, the same exceptions, transactions that undo all of it, and a
lost connection that is replaced. Each test gets a PostgreSQL database of its own
(`pg_url`), whatever TEST_BACKEND says; skipped without PostgreSQL."""

import asyncio
import inspect

import asyncpg
import pytest
from sqlalchemy import exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.engine import Connection

from storage import db as storage_db
from storage.db import Database, IntegrityError

TABLE = "CREATE TABLE fast (id SERIAL PRIMARY KEY, name TEXT UNIQUE NOT NULL, n INTEGER)"


@pytest.fixture
async def pg(pg_url):
    database = await Database.open(pg_url)
    await database.execute(TABLE)
    yield database
    await database.close()


def test_the_sqlalchemy_internals_the_fast_path_uses_are_still_there():
    """The fast path hands failures to SQLAlchemy's own handling (storage/db.py, `_fail`);
    an upgrade that renames it must fail here, not in production."""
    assert callable(AsyncAdapt_asyncpg_connection._handle_exception)
    parameters = list(inspect.signature(Connection._handle_dbapi_exception).parameters)
    assert parameters[:6] == ["self", "e", "statement", "parameters", "cursor", "context"]


def test_binds_are_rendered_once_by_sqlalchemy_as_asyncpg_numbers():
    sql, names = storage_db._asyncpg_sql(
        "SELECT :a, :b, :a, '%', x::text FROM t WHERE y = :b AND z = 'a:b'"
    )
    assert sql == "SELECT $1, $2, $1, '%', x::text FROM t WHERE y = $2 AND z = 'a:b'"
    assert names == ("a", "b")


async def test_insert_returns_the_new_id_and_execute_the_rows_it_changed(pg):
    first = await pg.insert("INSERT INTO fast (name, n) VALUES (:name, :n)", {"name": "a", "n": 1})
    second = await pg.insert("INSERT INTO fast (name, n) VALUES (:name, :n)", {"name": "b", "n": 1})
    assert second == first + 1
    assert await pg.execute("UPDATE fast SET n = n + 1 WHERE n = :n", {"n": 1}) == 2
    assert await pg.execute("UPDATE fast SET n = 0 WHERE name = :name", {"name": "none"}) == 0
    assert await pg.execute("DELETE FROM fast WHERE name = :name", {"name": "a"}) == 1
    assert await pg.execute("INSERT INTO fast (name) VALUES ('c'), ('d')") == 2


async def test_rows_read_by_name_index_keys_and_as_a_dict(pg):
    await pg.execute_many(
        "INSERT INTO fast (name, n) VALUES (:name, :n)",
        [{"name": "a", "n": 1}, {"name": "b", "n": 2}],
    )
    rows = await pg.fetch_all("SELECT name, n FROM fast WHERE n >= :n ORDER BY n", {"n": 1})
    assert [(row["name"], row[1]) for row in rows] == [("a", 1), ("b", 2)]
    row = await pg.fetch_one("SELECT name, n FROM fast WHERE name = :name", {"name": "b"})
    assert row is not None and list(row.keys()) == ["name", "n"] and len(row) == 2
    assert dict(row) == {"name": "b", "n": 2} and tuple(row) == ("b", 2)
    assert await pg.fetch_one("SELECT name FROM fast WHERE name = :name", {"name": "x"}) is None
    assert await pg.fetch_value("SELECT COUNT(*) FROM fast") == 2


async def test_a_list_value_is_expanded_by_sqlalchemy_and_belongs_to_the_transaction(pg):
    for name in ("a", "b", "c"):
        await pg.execute("INSERT INTO fast (name, n) VALUES (:name, 0)", {"name": name})
    rows = await pg.fetch_all(
        "SELECT name FROM fast WHERE name IN :names ORDER BY name", {"names": ["a", "c"]}
    )
    assert [row["name"] for row in rows] == ["a", "c"]
    with pytest.raises(RuntimeError):
        async with pg.transaction() as tx:
            changed = await tx.execute(
                "UPDATE fast SET n = 1 WHERE name IN :names", {"names": ("a", "b")}
            )
            assert changed == 2
            raise RuntimeError("undo")
    assert await pg.fetch_value("SELECT SUM(n) FROM fast") == 0


async def test_a_transaction_that_raises_leaves_nothing_of_what_it_wrote(pg):
    with pytest.raises(RuntimeError):
        async with pg.transaction() as tx:
            await tx.insert("INSERT INTO fast (name) VALUES (:name)", {"name": "a"})
            await tx.execute_many(
                "INSERT INTO fast (name) VALUES (:name)", [{"name": "b"}, {"name": "c"}]
            )
            # The plain Database, used by the task that holds the transaction, is inside it.
            await pg.execute("INSERT INTO fast (name) VALUES (:name)", {"name": "d"})
            assert await tx.fetch_value("SELECT COUNT(*) FROM fast") == 4
            raise RuntimeError("boom")
    assert await pg.fetch_value("SELECT COUNT(*) FROM fast") == 0


async def test_what_a_transaction_wrote_is_seen_by_others_only_once_committed(pg):
    """Proof that BEGIN was sent: on the pool's autocommit connections each statement
    would otherwise be visible at once."""
    inside, checked = asyncio.Event(), asyncio.Event()
    seen: list[int] = []

    async def writer() -> None:
        async with pg.transaction() as tx:
            await tx.execute("INSERT INTO fast (name) VALUES ('a')")
            inside.set()
            await checked.wait()

    async def reader() -> None:
        await inside.wait()
        seen.append(await pg.fetch_value("SELECT COUNT(*) FROM fast"))
        checked.set()

    await asyncio.gather(writer(), reader())
    assert seen == [0]
    assert await pg.fetch_value("SELECT COUNT(*) FROM fast") == 1


async def test_two_coroutines_sharing_a_transaction_take_turns(pg):
    async with pg.transaction() as tx:
        await asyncio.gather(
            *(
                tx.execute("INSERT INTO fast (name) VALUES (:name)", {"name": str(i)})
                for i in range(10)
            )
        )
    assert await pg.fetch_value("SELECT COUNT(*) FROM fast") == 10


async def test_a_duplicate_raises_sqlalchemys_integrity_error_and_the_connection_goes_on(pg):
    await pg.execute("INSERT INTO fast (name) VALUES ('a')")
    with pytest.raises(IntegrityError) as raised:
        await pg.execute("INSERT INTO fast (name) VALUES (:name)", {"name": "a"})
    assert isinstance(raised.value.orig.__cause__, asyncpg.UniqueViolationError)
    with pytest.raises(IntegrityError):
        async with pg.transaction() as tx:
            await tx.execute("INSERT INTO fast (name) VALUES ('b')")
            await tx.insert("INSERT INTO fast (name) VALUES (:name)", {"name": "a"})
    with pytest.raises(exc.ProgrammingError):
        await pg.fetch_all("SELECT nothing FROM fast")
    with pytest.raises(exc.IntegrityError):
        await pg.execute("INSERT INTO fast (name) VALUES (NULL)")
    assert [row[0] for row in await pg.fetch_all("SELECT name FROM fast")] == ["a"]


async def test_a_lost_server_fails_one_statement_and_the_next_ones_reconnect(pg, pg_url):
    """As SQLAlchemy's pool does on a lost connection: the one statement fails, and the
    connections kept open beside it are dropped too (they were the same server's)."""
    await pg.execute("INSERT INTO fast (name) VALUES ('a')")
    # Three statements at once: three connections are kept open afterwards.
    await asyncio.gather(*(pg.fetch_value("SELECT pg_sleep(0.05)") for _ in range(3)))
    admin = await asyncpg.connect(pg_url)
    try:
        await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    with pytest.raises(exc.DBAPIError) as raised:
        await pg.fetch_value("SELECT COUNT(*) FROM fast")
    assert raised.value.connection_invalidated
    for _ in range(3):
        assert await pg.fetch_value("SELECT COUNT(*) FROM fast") == 1
    async with pg.transaction() as tx:
        await tx.execute("INSERT INTO fast (name) VALUES ('b')")
    assert await pg.fetch_value("SELECT COUNT(*) FROM fast") == 2


async def test_a_cancelled_statement_leaves_no_busy_connection_behind(pg):
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(pg.fetch_value("SELECT pg_sleep(10)"), timeout=0.2)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            async with pg.transaction() as tx:
                await tx.execute("INSERT INTO fast (name) VALUES ('a')")
                await tx.fetch_value("SELECT pg_sleep(10)")
    assert await pg.fetch_value("SELECT COUNT(*) FROM fast") == 0
    assert await pg.fetch_value("SELECT 1") == 1

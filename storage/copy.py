"""Copying a SQLite database into an empty PostgreSQL one (`python -m bot copy-db`).

Every table of the source is copied, parents before children (its foreign keys decide
the order), in batches, inside one transaction on the target: a failure leaves the
target as empty as it was. Then each generated id's sequence continues after the
highest id the source ever handed out (SQLite's sqlite_sequence remembers deleted ones),
and the row counts of every table are compared. The target is VACUUM ANALYZEd last.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database, Queryable

# Bookkeeping of the schema itself, not data: each side keeps its own.
_NOT_DATA = {"schema_migrations", "alembic_version", "sqlite_sequence"}
BATCH = 2000


class TargetNotEmpty(Exception):
    """The target already holds data: nothing was copied."""


class CopyFailed(Exception):
    """The copy cannot be made, or its row counts differ."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int


async def source_tables(source: Database) -> list[str]:
    """The SQLite source's tables, each after the tables its foreign keys point to."""
    rows = await source.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )
    tables = [row[0] for row in rows if row[0] not in _NOT_DATA]
    parents = {}
    for table in tables:
        keys = await source.fetch_all(f"PRAGMA foreign_key_list({_quoted(table)})")
        parents[table] = {row["table"] for row in keys} - {table}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered)]
        if not ready:
            raise CopyFailed("the foreign keys of the source form a cycle")
        ordered.extend(ready)
    return ordered


async def target_tables(target: Queryable) -> set[str]:
    rows = await target.fetch_all(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    return {row[0] for row in rows} - _NOT_DATA


async def count(db: Queryable, table: str) -> int:
    return int(await db.fetch_value(f"SELECT COUNT(*) FROM {_quoted(table)}"))


async def copy_database(source: Database, target: Database) -> list[TableCount]:
    """Copy every table of `source` (SQLite) into `target` (PostgreSQL, migrated, empty);
    returns the row counts of both sides per table. Raises TargetNotEmpty, CopyFailed."""
    if source.dialect != "sqlite" or target.dialect != "postgresql":
        raise CopyFailed("copy-db copies a SQLite database into a PostgreSQL one")
    tables = await source_tables(source)
    present = await target_tables(target)
    missing = [table for table in tables if table not in present]
    if missing:
        raise CopyFailed(f"the target has no table {missing[0]} (is it the same version?)")
    for table in sorted(present):
        rows = await count(target, table)
        if rows:
            raise TargetNotEmpty(f"table {table} already has {rows} row(s)")
    sequences = {
        row[0]: int(row[1])
        for row in await source.fetch_all("SELECT name, seq FROM sqlite_sequence")
    }
    async with target.transaction() as tx:
        for table in tables:
            await _copy_table(source, tx, table)
            await _continue_sequence(tx, table, sequences.get(table, 0))
    # Statistics for the planner, and the visibility map that lets an index answer alone
    # (a count or a page of the conference log): autovacuum would get there later.
    await target.execute("VACUUM ANALYZE")
    return [
        TableCount(table, await count(source, table), await count(target, table))
        for table in tables
    ]


async def _copy_table(source: Database, target: Queryable, table: str) -> None:
    columns = [
        row["name"] for row in await source.fetch_all(f"PRAGMA table_info({_quoted(table)})")
    ]
    names = ", ".join(_quoted(column) for column in columns)
    binds = ", ".join(f":c{index}" for index in range(len(columns)))
    insert = f"INSERT INTO {_quoted(table)} ({names}) VALUES ({binds})"
    last = None
    while True:
        # rowid order, in batches that resume after the last rowid read: no OFFSET.
        where = "" if last is None else " WHERE rowid > :last"
        rows = await source.fetch_all(
            f"SELECT rowid, {names} FROM {_quoted(table)}{where} ORDER BY rowid LIMIT :batch",
            {"last": last, "batch": BATCH} if last is not None else {"batch": BATCH},
        )
        if not rows:
            return
        await target.execute_many(
            insert, [{f"c{index}": row[index + 1] for index in range(len(columns))} for row in rows]
        )
        last = rows[-1][0]


async def _continue_sequence(target: Queryable, table: str, handed_out: int) -> None:
    """A table with a generated id goes on after the highest id ever used."""
    sequence = await target.fetch_value(
        "SELECT pg_get_serial_sequence(:table, 'id')"
        " WHERE EXISTS (SELECT 1 FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = :table AND column_name = 'id')",
        {"table": table},
    )
    if sequence is None:
        return
    highest = await target.fetch_value(f"SELECT MAX(id) FROM {_quoted(table)}")
    value = max(int(highest or 0), handed_out)
    if value > 0:
        await target.fetch_value(
            "SELECT setval(CAST(:sequence AS regclass), :value)",
            {"sequence": sequence, "value": value},
        )


def _quoted(name: str) -> str:
    """A table or column name from the schema, quoted (never user input)."""
    return '"' + name.replace('"', '""') + '"'

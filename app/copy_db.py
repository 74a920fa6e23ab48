"""`python -m bot copy-db --to postgresql://...`: the configured SQLite database copied
into an empty PostgreSQL one (storage/copy.py), with the row counts of every table.

The target is migrated first (Alembic), must hold no rows, and is filled in one
transaction. Exit codes: 0 copied and counted equal, 1 failed, 2 refused (bad
arguments, or a target that is not empty). The target's password is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.settings import SettingsError, load_settings
from storage.copy import CopyFailed, TargetNotEmpty, copy_database
from storage.db import Database, database_url, shown_url


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot copy-db",
        description="Copy the bot's SQLite database into an empty PostgreSQL database.",
    )
    parser.add_argument(
        "--to", required=True, metavar="URL", help="postgresql://user:password@host:5432/db"
    )
    parser.add_argument(
        "--from",
        dest="source",
        metavar="PATH_OR_URL",
        help="the SQLite database (default: DATABASE_URL or DATABASE_PATH from the settings)",
    )
    options = parser.parse_args(argv)
    try:
        target = database_url(options.to)
    except Exception:  # noqa: BLE001 - the URL may hold a password: not shown
        print("copy-db: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    if target.get_backend_name() != "postgresql":
        print("copy-db: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    source = options.source
    if source is None:
        try:
            source = load_settings(require_token=False).database
        except SettingsError as error:
            print(f"Configuration error: {error}", file=sys.stderr)
            return 2
    if database_url(source).get_backend_name() != "sqlite":
        print("copy-db: the source must be a SQLite database", file=sys.stderr)
        return 2
    return asyncio.run(_copy(source, options.to))


async def _copy(source_target: str, target_url: str) -> int:
    source = await Database.open(source_target)
    try:
        target = await Database.open(target_url)
    except Exception as error:  # noqa: BLE001 - one clear line, no traceback
        await source.close()
        print(
            f"copy-db: cannot open {shown_url(database_url(target_url))}: {type(error).__name__}",
            file=sys.stderr,
        )
        return 1
    try:
        counts = await copy_database(source, target)
    except TargetNotEmpty as error:
        print(
            f"copy-db: the target database is not empty ({error}); nothing was copied",
            file=sys.stderr,
        )
        return 2
    except CopyFailed as error:
        print(f"copy-db: {error}", file=sys.stderr)
        return 1
    finally:
        await target.close()
        await source.close()
    width = max(len(row.table) for row in counts)
    print(f"{'table':<{width}}  {'sqlite':>9}  {'postgresql':>10}")
    for row in counts:
        mark = "" if row.source == row.target else "  MISMATCH"
        print(f"{row.table:<{width}}  {row.source:>9}  {row.target:>10}{mark}")
    if any(row.source != row.target for row in counts):
        print("copy-db: the row counts differ", file=sys.stderr)
        return 1
    total = sum(row.source for row in counts)
    print(f"Copied {total} rows in {len(counts)} tables to {shown_url(database_url(target_url))}.")
    return 0

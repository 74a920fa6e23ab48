"""The database and its WAL files are readable by the bot's user only."""

import stat
from pathlib import Path

from storage.db import Database


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_database_and_its_folder_are_private(tmp_path):
    path = tmp_path / "data" / "bot.sqlite3"
    database = await Database.open(path)
    try:
        await database.execute("CREATE TABLE probe (x INTEGER)")  # makes the WAL files
        assert mode(path.parent) == 0o700
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert file.exists() and mode(file) == 0o600, file
    finally:
        await database.close()


async def test_an_earlier_versions_readable_database_is_made_private(tmp_path):
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path)
    await database.close()
    path.chmod(0o644)
    database = await Database.open(path)
    try:
        assert mode(path) == 0o600
    finally:
        await database.close()

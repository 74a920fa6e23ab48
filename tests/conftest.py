"""Shared fixtures. End-to-end fixtures live in tests/e2e.py and are loaded here."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database

pytest_plugins = ["tests.e2e", "tests.pg_server"]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated database of its own for a storage or service test."""
    database = await Database.open(tmp_path / "bot.sqlite3")
    yield database
    await database.close()

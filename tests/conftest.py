"""Shared fixtures. End-to-end fixtures live in tests/e2e.py and are loaded here."""

from collections.abc import AsyncIterator

import pytest

from storage.db import Database

pytest_plugins = ["tests.e2e", "tests.postgres"]


@pytest.fixture
async def db(database_target: str) -> AsyncIterator[Database]:
    """A fresh, migrated database of its own for a storage or service test (SQLite, or
    PostgreSQL with TEST_BACKEND=postgresql: tests/postgres.py)."""
    database = await Database.open(database_target)
    yield database
    await database.close()

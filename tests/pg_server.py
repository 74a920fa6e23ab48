"""A throwaway PostgreSQL for the leadership and failover tests: started once per test
session from Debian's binaries (or TEST_DATABASE_URL's server), one fresh database per
test (advisory locks belong to a database, so tests cannot see each other's)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg
import pytest

from tests.e2e import free_port

BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else list(command)


@pytest.fixture(scope="session")
def postgres_root_url() -> Iterator[str]:
    """The server's URL (its `postgres` database)."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    if not (BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL is not installed ({BIN} is missing); see README")
    folder = Path(tempfile.mkdtemp(prefix="bot-pg-"))
    if os.getuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(
        _as_postgres(str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"),
        check=True,
        capture_output=True,
    )
    options = (
        f"-k {folder} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off"
    )
    subprocess.run(
        _as_postgres(
            str(BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w"
        )
        + ["start"],
        check=True,
        # Not captured: the server would inherit the pipe and run() would wait for it.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def postgres_server(postgres_root_url: str) -> AsyncIterator[str]:
    """A URL to a fresh, empty database of this test's own."""
    name = "t_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(postgres_root_url)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    yield urlunparse(urlparse(postgres_root_url)._replace(path="/" + name))
    admin = await asyncpg.connect(postgres_root_url)
    try:
        await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    finally:
        await admin.close()

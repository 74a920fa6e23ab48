"""A throwaway PostgreSQL for the tests, and the fixtures that pick the backend.

`TEST_BACKEND=postgresql` runs the `db` fixture (storage and service tests) and the
`bot` fixture (end-to-end tests) on PostgreSQL instead of SQLite; `make test` does so for
the storage suite and a subset of the end-to-end suite after the SQLite pass (README).

The server: TEST_DATABASE_URL when set (a role that may CREATE DATABASE, e.g.
postgresql://postgres@127.0.0.1:5432/postgres), otherwise one started here from the
Debian binaries (/usr/lib/postgresql/<version>/bin): initdb into a temporary folder,
trust authentication on 127.0.0.1 and a Unix socket in that folder, no fsync (it is
thrown away), stopped at the end of the session. As root, the server runs as the
`postgres` user. Each test gets a database of its own, copied from a template that was
migrated once (CREATE DATABASE ... TEMPLATE: a few milliseconds), dropped afterwards.
Without binaries or TEST_DATABASE_URL the PostgreSQL tests are skipped, with that reason.
"""

from __future__ import annotations

import asyncio
import atexit
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

BACKEND = os.environ.get("TEST_BACKEND", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"TEST_BACKEND must be sqlite or postgresql, not {BACKEND!r}")
TEMPLATE = "conference_bot_template"


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl (the newest installed version), if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except ValueError:
        return 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """A PostgreSQL server for this test session: `url(name)` addresses a database."""

    def __init__(self, admin_url: str, folder: Path | None = None) -> None:
        self.admin_url = admin_url  # a database to connect to for CREATE/DROP DATABASE
        self._folder = folder  # ours to stop and delete; None: an outside server
        self._names = itertools.count(1)

    @classmethod
    def start(cls, bin_dir: Path) -> PostgresServer:
        _stop_orphans(bin_dir)
        folder = Path(tempfile.mkdtemp(prefix="test-pg-"))
        (folder / "owner.pid").write_text(str(os.getpid()))
        data, sockets = folder / "data", folder / "run"
        sockets.mkdir()
        as_postgres: list[str] = []
        if os.geteuid() == 0:
            # initdb refuses to run as root: the server runs as `postgres`, which must
            # own its folders.
            entry = pwd.getpwnam("postgres")
            for path in (folder, sockets):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            as_postgres = ["runuser", "-u", "postgres", "--"]
        port = _free_port()
        subprocess.run(
            [*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust"]
            + ["-U", "postgres", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
        )
        options = (
            f"-k {sockets} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options]
            + ["-l", str(folder / "server.log"), "-w", "start"],
            check=True,
            capture_output=True,
        )
        server = cls(f"postgresql://postgres@127.0.0.1:{port}/postgres", folder)
        atexit.register(server.stop)  # an interrupted session does not leave it running
        return server

    def stop(self) -> None:
        if self._folder is None or not self._folder.exists():
            return
        bin_dir = binaries()
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if bin_dir is not None:
            subprocess.run(
                [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(self._folder / "data")]
                + ["-m", "immediate", "-w", "stop"],
                check=False,
                capture_output=True,
            )
        shutil.rmtree(self._folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(False)

    async def _admin(self, *statements: str) -> None:
        import asyncpg

        url = make_url(self.admin_url)
        conn = await asyncpg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            database=url.database,
        )
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def make_template(self) -> None:
        """The migrated database every test's database is copied from."""
        from storage.db import Database

        await self._admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        await self._admin(f"CREATE DATABASE {TEMPLATE}")
        database = await Database.open(self.url(TEMPLATE))
        await database.close()

    async def create(self, *, migrated: bool = True) -> str:
        """A new database of its own (migrated, or empty); returns its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        template = f" TEMPLATE {TEMPLATE}" if migrated else ""
        await self._admin(f"CREATE DATABASE {name}{template}")
        return self.url(name)

    async def drop(self, url: str) -> None:
        name = make_url(url).database
        await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _stop_orphans(bin_dir: Path) -> None:
    """Servers of earlier sessions whose process is gone (killed before it could stop
    them) are stopped and deleted."""
    for owner in Path(tempfile.gettempdir()).glob("test-pg-*/owner.pid"):
        try:
            os.kill(int(owner.read_text()), 0)
            continue  # its session still runs
        except ProcessLookupError:
            pass
        except (ValueError, PermissionError, OSError):
            continue
        folder = owner.parent
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(folder / "data")]
            + ["-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


_server: PostgresServer | None = None
_missing: str | None = None


def server() -> PostgresServer:
    """The session's server, started (and its template made) on first use; skips the
    calling test when there is no PostgreSQL to use."""
    global _server, _missing
    if _missing is not None:
        pytest.skip(_missing)
    if _server is None:
        outside = os.environ.get("TEST_DATABASE_URL")
        bin_dir = binaries()
        if outside:
            candidate = PostgresServer(outside)
        elif bin_dir is not None:
            candidate = PostgresServer.start(bin_dir)
        else:
            _missing = "no PostgreSQL: set TEST_DATABASE_URL or install Debian's postgresql"
            pytest.skip(_missing)
        try:
            _run_outside_loop(candidate.make_template())
        except BaseException:
            candidate.stop()
            raise
        _server = candidate
    return _server


def _run_outside_loop(coroutine: object) -> None:
    """Run a coroutine to the end from sync code, even under a running loop."""
    import threading

    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)  # type: ignore[arg-type]
        except BaseException as error:  # noqa: BLE001 - re-raised below
            failure.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def stop_server() -> None:
    global _server
    if _server is not None:
        _server.stop()
        _server = None


@pytest.fixture(scope="session", autouse=True)
def _postgres_session() -> Iterator[None]:
    """Stops the throwaway server (if one was started) at the end of the session."""
    yield
    stop_server()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of a fresh, migrated PostgreSQL database for this test (whatever the
    backend); skipped without PostgreSQL."""
    pg = server()
    url = await pg.create()
    yield url
    await pg.drop(url)


@pytest.fixture
async def pg_empty_url() -> AsyncIterator[str]:
    """The URL of a fresh, empty PostgreSQL database (no tables) for this test."""
    pg = server()
    url = await pg.create(migrated=False)
    yield url
    await pg.drop(url)


@pytest.fixture
async def database_target(tmp_path: Path) -> AsyncIterator[str]:
    """What the `db` and `bot` fixtures open: a fresh SQLite file, or with
    TEST_BACKEND=postgresql a fresh PostgreSQL database."""
    if BACKEND == "sqlite":
        yield str(tmp_path / "bot.sqlite3")
        return
    pg = server()
    url = await pg.create()
    yield url
    await pg.drop(url)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: SQLite's own behaviour (query plans, pragmas, legacy files)"
    )
    config.addinivalue_line(
        "markers", "postgresql_only: PostgreSQL's own behaviour (query plans), in the PG pass"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if BACKEND == "sqlite":
        marker, skip = "postgresql_only", pytest.mark.skip(reason="PostgreSQL only (make test-pg)")
    else:
        marker, skip = (
            "sqlite_only",
            pytest.mark.skip(reason="SQLite only (TEST_BACKEND=postgresql)"),
        )
    for item in items:
        if item.get_closest_marker(marker):
            item.add_marker(skip)

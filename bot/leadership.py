"""Who serves: one active process; the others stand by, or refuse to start.

PostgreSQL: any number of `python -m bot` processes may share one database. The active
one holds a session-level advisory lock (`pg_try_advisory_lock(LOCK_KEY)`) on a
connection of its own, outside the pool, so that nothing else the process does can
release it or be held up by it. The lock lives as long as that server session:

- a standby tries the lock every `retry_seconds` (~1 s), and logs "standby" once;
- an active process that dies (even SIGKILL) closes its socket, the server ends the
  session at once and the lock is free for the next try of a standby;
- an active process that stops hearing from the server (network, a server restart)
  cannot know whether the lock is still its own, so it stops serving at once
  (`hold` calls `on_lost`): better no one serves for a few seconds than two. It asks the
  server every `check_seconds` (1 s) and waits at most (FAILOVER_SECONDS - 1) / 2 s
  (2 s by default) for the answer;
- and the other way round, a process that froze or lost its network while holding the
  lock is cut off by the server: the lock session is ended after FAILOVER_SECONDS without
  a question from its holder (`idle_session_timeout`). That is after the holder's own
  check gave up (one pause and one wait, 3 s by default, less than FAILOVER_SECONDS),
  so the holder fences itself before anyone else may take over. The holder is watched
  from the moment it takes the lock, through the opening of the database.

SQLite: one file wants one process. `ProcessLock` takes an OS lock (`fcntl.flock`) on
`<database>.lock` for the life of the process, and a second process on the same file is
refused (`AlreadyRunning`) before it opens the database. The OS drops the lock when the
process ends, however it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from storage.db import asyncpg_connect_args, database_url

log = logging.getLogger(__name__)

# The advisory lock's key, one number for every conference bot on a database: "ConfBot".
LOCK_KEY = 0x436F6E66426F74
RETRY_SECONDS = 1.0
CHECK_SECONDS = 1.0


class LockConnection(Protocol):
    """What the leadership needs of its connection (an asyncpg Connection)."""

    async def fetchval(self, query: str, *args: Any, timeout: float | None = None) -> Any: ...
    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str: ...
    async def close(self, *, timeout: float | None = None) -> None: ...
    def is_closed(self) -> bool: ...


Connect = Callable[[str], Awaitable[LockConnection]]


async def _asyncpg_connect(url: str) -> LockConnection:
    import asyncpg  # only PostgreSQL deployments need it loaded

    connection: LockConnection = await asyncpg.connect(
        **asyncpg_connect_args(database_url(url)),
        server_settings={"application_name": "conference-bot leadership"},
    )
    return connection


class Leadership:
    """The advisory lock that makes one process active. `acquire` waits for it; `hold`
    watches it while the process serves; `release` gives it up on a clean stop."""

    def __init__(
        self,
        url: str,
        *,
        failover_seconds: int = 5,
        retry_seconds: float = RETRY_SECONDS,
        check_seconds: float = CHECK_SECONDS,
        connect: Connect = _asyncpg_connect,
    ) -> None:
        self._url = url
        self._failover_seconds = failover_seconds
        self._retry_seconds = retry_seconds
        self._check_seconds = check_seconds
        self._connect = connect
        self._connection: LockConnection | None = None
        self.active = False
        # How long a check may wait for its answer: long enough not to take a busy
        # moment for a loss, short enough that the holder gives up (after its last good
        # answer: one pause and one wait) before the server ends its silent session.
        self._answer_within = max(check_seconds, (failover_seconds - check_seconds) / 2)

    async def acquire(self) -> None:
        """Wait until this process holds the lock. Logs "standby" once while another
        process holds it, and keeps trying through database outages."""
        told_standby = False
        told_unreachable = False
        while True:
            try:
                if await self._try_lock():
                    self.active = True
                    log.info("Active: this process holds the leadership lock and serves")
                    return
                if not told_standby:
                    told_standby = True
                    log.info(
                        "Standby: another process is active; this one waits as a standby "
                        "and takes over when the lock is free (tried every %.0f s)",
                        self._retry_seconds,
                    )
            except Exception as error:  # the server is down or refused us: try again
                await self._drop_connection()
                if not told_unreachable:
                    told_unreachable = True
                    log.warning(
                        "Standby: the database cannot be reached for the leadership lock "
                        "(%s); trying again every %.0f s",
                        type(error).__name__,
                        self._retry_seconds,
                    )
            await asyncio.sleep(self._retry_seconds)

    async def hold(self, on_lost: Callable[[str], None]) -> None:
        """While active: ask the server every second whether the lock session is alive;
        if it does not answer in time, or the connection is gone, call `on_lost` with
        the reason (the caller stops serving at once) and return."""
        while True:
            await asyncio.sleep(self._check_seconds)
            connection = self._connection
            reason: str | None = None
            if connection is None or connection.is_closed():
                reason = "the lock's connection is closed"
            else:
                try:
                    await asyncio.wait_for(connection.fetchval("SELECT 1"), self._answer_within)
                except Exception as error:
                    reason = f"the lock's connection failed ({type(error).__name__})"
            if reason is not None:
                self.active = False
                await self._drop_connection()
                on_lost(reason)
                return

    async def release(self) -> None:
        """A clean stop: closing the session frees the lock for a standby at once."""
        self.active = False
        await self._drop_connection()

    async def _try_lock(self) -> bool:
        if self._connection is None or self._connection.is_closed():
            self._connection = await self._connect(self._url)
            await self._bound_session(self._connection)
        locked = await asyncio.wait_for(
            self._connection.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY),
            max(self._retry_seconds, 1.0) * 5,
        )
        return bool(locked)

    async def _bound_session(self, connection: LockConnection) -> None:
        """Let the server end this session when its process goes silent (frozen, cut
        off) for FAILOVER_SECONDS, so that a lock holder that cannot be heard from cannot
        hold the lock for ever (PostgreSQL 14 and later)."""
        try:
            await connection.execute(
                f"SET idle_session_timeout = {int(self._failover_seconds * 1000)}"
            )
        except Exception as error:  # an older server: TCP keepalives are what is left
            log.warning(
                "The database does not end silent sessions (%s): a frozen active process "
                "keeps the lock until its connection breaks",
                type(error).__name__,
            )

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.close(timeout=1), 2)


class AlreadyRunning(Exception):
    """Another process serves this SQLite file; `pid` is the one it wrote, if any."""

    def __init__(self, path: Path, pid: int | None) -> None:
        holder = f"pid {pid}" if pid is not None else "pid unknown"
        super().__init__(f"the database file is already in use by a running bot ({holder})")
        self.path = path
        self.pid = pid


class ProcessLock:
    """An OS lock on `<database>.lock`, held while this process runs."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, database_path: Path) -> ProcessLock:
        """Take the lock, or raise AlreadyRunning when another process has it."""
        path = Path(f"{database_path}.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(descriptor)
            os.close(descriptor)
            raise AlreadyRunning(database_path, pid) from None
        # The holder's pid, for the refusal's message (the lock itself is what counts).
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        return cls(path, descriptor)

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing drops the lock
            self._descriptor = None


def _read_pid(descriptor: int) -> int | None:
    try:
        text = os.pread(descriptor, 32, 0).decode("ascii").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None

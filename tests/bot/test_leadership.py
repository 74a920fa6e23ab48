"""The leadership lock against a real PostgreSQL (a throwaway server), and the SQLite
file lock against a second process: who is active, who waits, who must stop."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from bot.leadership import LOCK_KEY, AlreadyRunning, Leadership, ProcessLock


def fast(url: str, **options: float) -> Leadership:
    return Leadership(url, failover_seconds=3, retry_seconds=0.1, check_seconds=0.2, **options)


async def lock_holder_pid(url: str) -> int | None:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND (classid::bigint << 32) + objid::bigint = $1",
            LOCK_KEY,
        )
    finally:
        await connection.close()


async def test_one_is_active_the_other_waits_and_takes_over_when_it_goes(pg_empty_url, caplog):
    url = pg_empty_url
    caplog.set_level(logging.INFO, logger="bot.leadership")
    first, second = fast(url), fast(url)
    await asyncio.wait_for(first.acquire(), 5)
    assert first.active
    waiting = asyncio.create_task(second.acquire())
    await asyncio.sleep(0.5)  # five tries, all refused
    assert not waiting.done() and not second.active
    standby_lines = [r for r in caplog.records if "Standby" in r.getMessage()]
    assert len(standby_lines) == 1  # said once, not at every try
    await first.release()
    await asyncio.wait_for(waiting, 2)
    assert second.active
    await second.release()


async def test_the_holder_that_loses_its_session_is_told_at_once(pg_empty_url):
    """The server ends the holder's session (as when the network or the server goes):
    the holder must stop serving within about a second, and the standby takes over."""
    url = pg_empty_url
    holder, standby = fast(url), fast(url)
    await holder.acquire()
    lost: list[str] = []
    watching = asyncio.create_task(holder.hold(lost.append))
    waiting = asyncio.create_task(standby.acquire())
    pid = await lock_holder_pid(url)
    assert pid is not None
    admin = await asyncpg.connect(url)
    try:
        await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    await asyncio.wait_for(watching, 2)  # hold() returns once it has said so
    assert lost and "connection" in lost[0]
    assert not holder.active
    await asyncio.wait_for(waiting, 2)
    assert standby.active
    await standby.release()


async def test_a_silent_holder_is_cut_off_by_the_server_after_failover_seconds(
    pg_empty_url,
):
    """A holder that stops asking (frozen, cut off) loses the lock on the server's side
    after FAILOVER_SECONDS, so a standby is not kept waiting for ever."""
    url = pg_empty_url
    silent, standby = fast(url), fast(url)
    await silent.acquire()  # and never holds: no checks, like a frozen process
    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(standby.acquire(), 6)
    waited = asyncio.get_running_loop().time() - started
    assert 2.5 <= waited <= 4.5  # failover_seconds=3, plus a try
    await standby.release()
    await silent.release()


async def test_a_standby_waits_through_a_database_it_cannot_reach(caplog):
    caplog.set_level(logging.WARNING, logger="bot.leadership")
    leadership = Leadership(
        "postgresql://bot:Secret-Pa55@127.0.0.1:1/conference", retry_seconds=0.05
    )
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(leadership.acquire(), 0.5)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "cannot be reached" in warnings[0]
    assert "Secret-Pa55" not in caplog.text


def test_a_second_process_on_the_same_sqlite_file_is_refused(tmp_path: Path):
    database = tmp_path / "bot.sqlite3"
    held = ProcessLock.acquire(database)
    try:
        # Another process, as a second `python -m bot` would be.
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from bot.leadership import ProcessLock;"
                "ProcessLock.acquire(Path(sys.argv[1]))",
                str(database),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert probe.returncode != 0
        assert "AlreadyRunning" in probe.stderr
        assert f"in use by a running bot (pid {__import__('os').getpid()})" in probe.stderr
    finally:
        held.release()
    ProcessLock.acquire(database).release()  # free again once the holder let go


def test_the_lock_is_free_again_when_its_holder_dies(tmp_path: Path):
    database = tmp_path / "bot.sqlite3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from bot.leadership import ProcessLock;"
            "ProcessLock.acquire(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)",
            str(database),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning) as refused:
            ProcessLock.acquire(database)
        assert refused.value.pid == holder.pid
    finally:
        holder.kill()
        holder.wait()
    ProcessLock.acquire(database).release()  # SIGKILL left no stale lock behind

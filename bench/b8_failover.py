"""B8: failover, from SIGKILL of the active process to the first answer of the standby.

Two `python -m bot` processes share one throwaway PostgreSQL (Debian's binaries, as in
the tests, or BENCH_DATABASE_URL's server, whose database must be empty) and the Bot API
emulator in this process. One is active, the other logs "Standby". Each round: a person's
/start is answered (the active one serves), the active process is killed with SIGKILL
and the same person sends /start at once; the time until that answer arrives is the
figure. The killed process is started again and waits as the new standby. Median of 5
kills; budget <= 5 s (FAILOVER_SECONDS, its default).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import Result, TempDir, bot_env, free_port, spawn, stop
from emulator import BotAPIEmulator

KILLS = 5
BUDGET_SECONDS = 5.0
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else list(command)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL server in a temp folder for this run; yields its URL."""
    given = os.environ.get("BENCH_DATABASE_URL")
    if given:
        yield given
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-b8-pg-"))
    if os.getuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    initdb = [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
    subprocess.run(_as_postgres(*initdb), check=True, capture_output=True)
    options = f"-k {folder} -c listen_addresses=127.0.0.1 -p {port}"
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "log")]
    subprocess.run(
        _as_postgres(*pg_ctl, "-o", options, "-w", "start"),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres(*pg_ctl, "-m", "immediate", "stop"), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _log_of(process: subprocess.Popen) -> str:
    log = process.stderr_log  # type: ignore[attr-defined]
    log.flush()
    with open(log.name, encoding="utf-8", errors="replace") as reader:
        return reader.read()


async def _logged(process: subprocess.Popen, text: str, timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while text not in _log_of(process):
        if process.poll() is not None or time.perf_counter() > deadline:
            raise RuntimeError(f"the bot never logged {text!r}:\n{_log_of(process)[-3000:]}")
        await asyncio.sleep(0.05)


async def measure(result: Result, database_url: str) -> None:
    emu = BotAPIEmulator(default_timeout=60)
    await emu.start()
    with TempDir("b8") as folder:
        env = {
            **bot_env(emu.base_url, folder / "unused.sqlite3", DATABASE_URL=database_url),
            "LOG_LEVEL": "INFO",  # "Active:" and "Standby:" are what this waits for
        }
        active = spawn(["-m", "bot"], env=env, cwd=folder)
        standby: subprocess.Popen | None = None
        times: list[float] = []
        try:
            await _logged(active, "Active:")
            standby = spawn(["-m", "bot"], env=env, cwd=folder)
            await _logged(standby, "Standby:")
            person = emu.user("Failover")
            for _ in range(KILLS):
                await person.send("/start")
                await person.expect_message(timeout=60)  # the active one serves
                start = time.perf_counter()
                active.send_signal(signal.SIGKILL)
                await person.send("/start")
                await person.expect_message(timeout=60)  # the standby's first answer
                times.append(time.perf_counter() - start)
                active.wait()
                stop(active)
                active, standby = standby, spawn(["-m", "bot"], env=env, cwd=folder)
                await _logged(standby, "Standby:")
        finally:
            for process in (active, standby):
                if process is not None:
                    stop(process)
            await emu.stop()
    median = statistics.median(times)
    result.note(f"kill to first answer: {[round(t, 2) for t in times]} s")
    result.add(
        f"SIGKILL to the standby's first answer (median of {KILLS})",
        f"{median:.2f} s",
        budget=f"<= {BUDGET_SECONDS:.0f} s",
        ok=median <= BUDGET_SECONDS,
    )


def run(result: Result) -> None:
    with throwaway_postgres() as database_url:
        asyncio.run(measure(result, database_url))

"""B8: failover, from SIGKILL of the active process to the first answer of the standby.

Two `python -m bot` processes share one PostgreSQL database (on the server of B1PG and
B2PG, bench/b_postgres.py: BENCH_DATABASE_URL's or a throwaway one) and the Bot API
emulator in this process. One is active, the other logs "Standby". Each round: a person's
/start is answered (the active one serves), the active process is killed with SIGKILL
and the same person sends /start at once; the time until that answer arrives is the
figure. The killed process is started again and waits as the new standby. Median of 5
kills; budget <= 5 s (FAILOVER_SECONDS, its default).
"""

from __future__ import annotations

import asyncio
import signal
import statistics
import subprocess
import time

from bench.b_postgres import _Server
from bench.common import Result, TempDir, bot_env, spawn, stop
from emulator import BotAPIEmulator

KILLS = 5
BUDGET_SECONDS = 5.0


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
    server = _Server()  # the same server as B1PG and B2PG
    try:
        asyncio.run(_measure_on(server, result))
    finally:
        server.stop()


async def _measure_on(server: _Server, result: Result) -> None:
    await measure(result, await server.database())  # an empty database: migrated by the bot

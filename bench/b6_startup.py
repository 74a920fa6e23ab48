"""B6: start-up to the first answered update, and memory (RSS).

Start-up: from starting the process (`python -m bot`, production settings, TELEGRAM_BASE_URL
pointing at the emulator in this process) until the answer to a /start that was already
waiting; baseline: bench/echo_bot.py doing the same. Median of 3 starts each.
RSS (VmRSS from /proc/<pid>/status) 2 s after that answer (idle), and with B2's data set
(100k users, 1M conferences; bench/bigdata.py) as DATABASE_PATH, after the busiest owner
opened "Conference log" and its archive, and after the first reminder check (5 s after
start) has run over that data. VmHWM (peak) is reported too.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from bench import bigdata
from bench.common import TOKEN, Result, TempDir, bot_env, child_env, rss_kib, spawn, stop
from emulator import BotAPIEmulator

RUNS = 3
RSS_BUDGET_MB = 150


async def start_once(
    kind: str,
    folder: Path,
    database: Path | None = None,
    user_id: int = 90_001,
    browse: bool = False,
) -> tuple[float, int, int]:
    """(seconds to first answer, idle VmRSS KiB, VmHWM KiB)."""
    emu = BotAPIEmulator(default_timeout=60)
    await emu.start()
    try:
        if kind == "bot":
            env = bot_env(emu.base_url, database or folder / f"bot-{time.monotonic_ns()}.sqlite3")
            command = ["-m", "bot"]
        else:
            env = child_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=emu.base_url)
            command = ["-m", "bench.echo_bot"]
        person = emu.user("Starter", user_id=user_id)
        await person.send("/start")
        t0 = time.perf_counter()
        process = spawn(command, env=env, cwd=folder)
        try:
            menu = await person.expect_message(timeout=60)
            elapsed = time.perf_counter() - t0
            if browse:
                await person.press_data(menu, "menu:log")
                await person.expect_edit(menu, timeout=60)
                await person.press_data(menu, "log:a:0")
                await person.expect_edit(menu, timeout=60)
                await person.press_data(menu, "log:a:10000")
                await person.expect_edit(menu, timeout=60)
                await asyncio.sleep(max(0.0, 7 - (time.perf_counter() - t0)))  # reminder check
            await asyncio.sleep(2)
            rss, hwm = rss_kib(process.pid)
        finally:
            tail = stop(process, timeout=2)
            if process.returncode not in (0, -15) and "Traceback" in tail:
                print(tail)
        return elapsed, rss, hwm
    finally:
        await emu.stop()


async def measure(result: Result, data: bigdata.BigData) -> None:
    with TempDir("b6") as folder:
        echo = [await start_once("echo", folder) for _ in range(RUNS)]
        mine = [await start_once("bot", folder) for _ in range(RUNS)]
        big = await start_once(
            "bot", folder, database=data.path, user_id=data.heaviest_owner, browse=True
        )
    echo_s = statistics.median(e[0] for e in echo)
    mine_s = statistics.median(m[0] for m in mine)
    echo_rss = statistics.median(e[1] for e in echo) / 1024
    mine_rss = statistics.median(m[1] for m in mine) / 1024
    big_rss, big_hwm = big[1] / 1024, big[2] / 1024
    result.note(
        f"start-up to first answer: conference bot {[round(m[0], 2) for m in mine]} s, "
        f"echo bot {[round(e[0], 2) for e in echo]} s"
    )
    result.note(
        f"RSS idle: conference bot {mine_rss:.0f} MB, echo bot {echo_rss:.0f} MB; "
        f"with B2's data: {big_rss:.0f} MB (peak {big_hwm:.0f} MB), start-up {big[0]:.2f} s"
    )
    over = mine_s - echo_s
    result.add(
        "start-up to first answer",
        f"{mine_s:.2f} s",
        f"{echo_s:.2f} s (echo bot)",
        f"+{over:.2f} s",
        "<= +2 s",
        over <= 2,
    )
    result.add(
        "start-up with B2's data",
        f"{big[0]:.2f} s",
        f"{echo_s:.2f} s (echo bot)",
        f"+{big[0] - echo_s:.2f} s",
        "<= +2 s",
        big[0] - echo_s <= 2,
    )
    result.add(
        "RSS idle",
        f"{mine_rss:.0f} MB",
        f"{echo_rss:.0f} MB (echo bot)",
        f"{mine_rss / echo_rss:.2f}",
        f"<= {RSS_BUDGET_MB} MB",
        mine_rss <= RSS_BUDGET_MB,
    )
    result.add(
        "RSS with B2's data (peak)",
        f"{big_rss:.0f} MB ({big_hwm:.0f} MB)",
        f"{echo_rss:.0f} MB (echo bot)",
        f"{big_rss / echo_rss:.2f}",
        f"<= {RSS_BUDGET_MB} MB",
        big_hwm <= RSS_BUDGET_MB,
    )


def run(result: Result) -> None:
    data = bigdata.get()  # shared with B2 when both run
    asyncio.run(measure(result, data))

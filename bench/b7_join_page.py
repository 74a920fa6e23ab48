"""B7: the join page under a loopback load, against a bare aiohttp handler in the same run.

`wrk` (Debian's package) sends GET /j/<token> over 50 connections, from one thread, to:
- the bot (`python -m bot` in a child process, with PUBLIC_URL and WEB_PORT set): an open
  conference's join page, as a first visit sees it (no cookies: the name form with a new
  CSRF cookie and token, a nonce, the conference looked up, the page rendered);
- a bare aiohttp handler (bench/bare_web.py) that sends the same page's bytes from memory.
Both run side by side and take turns (5 rounds of 4 s each, after a warm-up), so a busy
moment of the machine hits both; the ratio is the median of the rounds' ratios.
Requests/s and the latency p99 come from wrk's own report (--latency).

The per-IP limit (60 requests per minute by default) would answer nearly all of this
load with 429 from 127.0.0.1: the bench sets WEB_RATE_LIMIT to its maximum, 1,000,000 a
minute, so the limiter still runs on every request but never refuses one here.
Without `wrk` (apt-get install wrk), B7 is skipped with a message.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import time
from pathlib import Path

import aiohttp

from bench.common import Result, TempDir, bot_env, child_env, free_port, spawn, stop
from emulator import BotAPIEmulator

CONNECTIONS = 50
SECONDS = 4
ROUNDS = 5  # each side, taking turns; the medians are reported
WARMUP_SECONDS = 2
RPS_BUDGET = 0.5  # of the bare handler's
P99_BUDGET_MS = 20.0
TOKEN = "bench-join-page-token-0001"


async def seed(database: Path) -> None:
    """One owner and one conference, online now, with its share token."""
    from storage.conferences import ConferenceRepository, NewConference
    from storage.db import Database
    from storage.users import UserRepository

    db = await Database.open(database)
    try:
        now = int(time.time())
        await UserRepository(db).record_seen(
            42, username=None, full_name="Owner", language="en", timezone="UTC", now=now
        )
        repository = ConferenceRepository(db)
        conference_id = await repository.create(
            NewConference(42, "Quarterly review", now - 60, now + 7200, "quarterly-7", "pw12"),
            now=now,
        )
        await repository.set_share_token(conference_id, TOKEN)
    finally:
        await db.close()


async def wait_until_up(url: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as answer:
                    return await answer.read()
            except aiohttp.ClientError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)


Load = tuple[float, float, int]  # requests/s, p99 ms, answers not 2xx/3xx


async def wrk(url: str, seconds: int) -> Load:
    """(requests/s, p99 in ms, non-2xx/3xx answers) from wrk's report."""
    process = await asyncio.create_subprocess_exec(
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        url,
        stdout=asyncio.subprocess.PIPE,
    )
    out = (await process.communicate())[0].decode()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"\n\s+99%\s+([\d.]+)(us|ms|s)\b", out).groups()
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, p99_ms, int(errors.group(1)) if errors else 0


async def measure(folder: Path) -> tuple[list[Load], list[Load]]:
    """wrk's figures of each round: (the join page's, the bare handler's). Both servers
    run side by side and take turns, so a busy moment of the machine hits both."""
    database = folder / "bot.sqlite3"
    await seed(database)
    bot_port, bare_port = free_port(), free_port()
    emu = BotAPIEmulator()  # the bot needs a Bot API to start; it stays idle
    await emu.start()
    try:
        env = bot_env(
            emu.base_url,
            database,
            PUBLIC_URL=f"http://127.0.0.1:{bot_port}",
            WEB_PORT=str(bot_port),
            WEB_RATE_LIMIT="1000000",
            VIDEO_PLATFORM="template",
            VIDEO_BASE_URL="https://video.example/{id}?name={name}",
            REMINDER_CHECK_SECONDS="0",
        )
        bot = spawn(["-m", "bot"], env=env, cwd=folder)
        bare = None
        try:
            url = f"http://127.0.0.1:{bot_port}/j/{TOKEN}"
            page = await wait_until_up(url)
            assert b"Quarterly review" in page and b'name="csrf"' in page
            (folder / "page.html").write_bytes(page)
            bare = spawn(
                ["-m", "bench.bare_web", str(bare_port), str(folder / "page.html")],
                env=child_env(),
                cwd=folder,
            )
            bare_url = f"http://127.0.0.1:{bare_port}/j/{TOKEN}"
            await wait_until_up(bare_url)
            await wrk(url, WARMUP_SECONDS)
            await wrk(bare_url, WARMUP_SECONDS)
            mine, baseline = [], []
            for _ in range(ROUNDS):
                mine.append(await wrk(url, SECONDS))
                baseline.append(await wrk(bare_url, SECONDS))
        finally:
            if bare is not None:
                stop(bare, timeout=5)
            tail = stop(bot, timeout=5)
            if bot.returncode not in (0, -15):
                print(tail)
    finally:
        await emu.stop()
    return mine, baseline


def run(result: Result) -> None:
    if shutil.which("wrk") is None:
        result.note("wrk is not installed (apt-get install wrk): B7 skipped")
        result.add("join page under load", "skipped: no wrk", ok=None)
        return
    with TempDir("b7") as folder:
        mine, baseline = asyncio.run(measure(folder))
    bot_rate = statistics.median(m[0] for m in mine)
    bot_p99 = statistics.median(m[1] for m in mine)
    bot_errors = sum(m[2] for m in mine)
    bare_rate = statistics.median(b[0] for b in baseline)
    bare_p99 = statistics.median(b[1] for b in baseline)
    for name, rounds in (("join page", mine), ("bare aiohttp handler", baseline)):
        figures = ", ".join(f"{rate:.0f}/s p99 {p99:.1f} ms" for rate, p99, _ in rounds)
        result.note(f"{name}: {figures}")
    result.note(
        f"medians of {ROUNDS} rounds of {SECONDS} s, {CONNECTIONS} connections; "
        f"{bot_errors} answers of the join page not 2xx/3xx"
    )
    # Each round's pair saw the same moment of the machine: the median of their ratios.
    ratio = statistics.median(m[0] / b[0] for m, b in zip(mine, baseline, strict=True))
    result.add(
        f"join page requests/s, {CONNECTIONS} connections",
        f"{bot_rate:.0f}/s",
        f"{bare_rate:.0f}/s (bare aiohttp)",
        f"{ratio:.2f} (median of rounds)",
        f">= {RPS_BUDGET:.1f}",
        ratio >= RPS_BUDGET and bot_errors == 0,
    )
    result.add(
        f"join page latency p99, {CONNECTIONS} connections",
        f"{bot_p99:.1f} ms",
        f"{bare_p99:.1f} ms (bare aiohttp)",
        f"{bot_p99 / bare_p99:.1f}x" if bare_p99 else "",
        f"<= {P99_BUDGET_MS:.0f} ms",
        bot_p99 <= P99_BUDGET_MS,
    )

"""B1 in webhook mode: the same 50 users x 10 updates as B1 (bench/b1_throughput.py), but
the emulator delivers them by webhook, as Telegram does in production.

The conference bot runs as `python -m bot` with TELEGRAM_MODE=webhook (its web server,
POST /telegram/<path>, answered once each update's state is saved). The baseline is the
bare echo bot served by PTB's own webhook server (bench/echo_webhook_bot.py, tornado),
in the same run, against the same emulator settings. The emulator sends one update at a
time per user and up to 40 at once, as Telegram; every user waits for each reply, so
the rate is updates / wall time until every reply arrived.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.b1_throughput import (
    CPU,
    FIRST_ID,
    UPDATES_PER_USER,
    USERS,
    WARMUP_USERS,
    Launched,
    echo_env,
    echo_script,
    product_env,
    product_script,
    seed,
    timed_run,
)
from bench.common import Result, free_port, spawn
from emulator import BotAPIEmulator


async def run_one(kind: str) -> tuple[float, int]:
    ids = list(range(FIRST_ID, FIRST_ID + USERS + WARMUP_USERS))
    port = free_port()

    # (Deliveries before the bot listens fail and come again: the warm-up.)
    async def launch(emu: BotAPIEmulator, folder: Path) -> Launched:
        if kind == "product":
            conference_ids = await seed(folder / "bot.sqlite3", ids)
            env = product_env(
                emu,
                folder,
                TELEGRAM_MODE="webhook",
                PUBLIC_URL=f"http://127.0.0.1:{port}",
                WEB_PORT=str(port),
            )
            return spawn(["-m", "bot"], env=env, cwd=folder), product_script, conference_ids
        env = echo_env(emu, WEBHOOK_PORT=str(port))
        process = spawn(["-m", "bench.echo_webhook_bot"], env=env, cwd=folder)
        return process, echo_script, dict.fromkeys(ids, 0)

    emu = BotAPIEmulator(default_timeout=120, allow_http_webhook=True)
    return await timed_run("b1w", emu, launch)


def run(result: Result) -> None:
    echo_s, echo_n = asyncio.run(run_one("echo"))
    echo_rate = echo_n / echo_s
    result.note(
        f"PTB webhook echo bot: {echo_n} updates from {USERS} users in {echo_s:.2f} s "
        f"= {echo_rate:.1f} updates/s"
    )
    bot_s, bot_n = asyncio.run(run_one("product"))
    bot_rate = bot_n / bot_s
    result.note(
        f"conference bot (webhook): {bot_n} updates from {USERS} users in {bot_s:.2f} s "
        f"= {bot_rate:.1f} updates/s"
    )
    ratio = bot_rate / echo_rate
    result.add(
        f"webhook updates/s, {USERS} users x {UPDATES_PER_USER} updates",
        f"{bot_rate:.1f}/s",
        f"{echo_rate:.1f}/s (PTB webhook echo bot)",
        f"{ratio:.2f}",
        ">= 0.80",
        ratio >= 0.8,
    )
    result.note(
        "CPU use during the timed part (bot process / emulator process): "
        + "; ".join(
            f"{label} {bot:.0%} / {emu:.0%}"
            for label, (bot, emu) in zip(["echo", "conference bot"], CPU[-2:], strict=True)
        )
    )

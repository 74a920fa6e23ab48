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

from bench.b1_throughput import (
    CPU,
    FIRST_ID,
    UPDATES_PER_USER,
    USERS,
    WARMUP_USERS,
    drive,
    echo_script,
    product_script,
    seed,
)
from bench.common import Result, TempDir, bot_env, child_env, free_port, spawn, stop
from emulator import BotAPIEmulator


async def run_one(kind: str) -> tuple[float, int]:
    ids = list(range(FIRST_ID, FIRST_ID + USERS + WARMUP_USERS))
    port = free_port()
    with TempDir("b1w") as folder:
        emu = BotAPIEmulator(default_timeout=120, allow_http_webhook=True)
        await emu.start()
        try:
            if kind == "product":
                conference_ids = await seed(folder / "bot.sqlite3", ids)
                env = bot_env(
                    emu.base_url,
                    folder / "bot.sqlite3",
                    FLOOD_MAX_UPDATES="100000",
                    REMINDER_CHECK_SECONDS="0",
                    TELEGRAM_MODE="webhook",
                    PUBLIC_URL=f"http://127.0.0.1:{port}",
                    WEB_PORT=str(port),
                )
                process = spawn(["-m", "bot"], env=env, cwd=folder)
                script = product_script
            else:
                conference_ids = dict.fromkeys(ids, 0)
                env = child_env(
                    TELEGRAM_BOT_TOKEN="100000:EMULATOR-test-token_abcdefghijklmnopqrstu",
                    TELEGRAM_BASE_URL=emu.base_url,
                    WEBHOOK_PORT=str(port),
                )
                process = spawn(["-m", "bench.echo_webhook_bot"], env=env, cwd=folder)
                script = echo_script
            try:
                # (Deliveries before the bot listens fail and come again: the warm-up.)
                return await drive(emu, process, script, conference_ids)
            except BaseException:
                print(stop(process, timeout=3))
                raise
            finally:
                stop(process, timeout=3)
        finally:
            await emu.stop()


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

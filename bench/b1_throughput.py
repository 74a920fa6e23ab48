"""B1: updates handled per second, a realistic mix from many users, through the emulator.

The emulator and the simulated users run in this process; the bot runs in a child process
(`python -m bot`, i.e. app.factory.build_application + app.runner.BotRunner, with the settings
of tests/e2e.py's test_settings: FLOOD_MAX_UPDATES high, REMINDER_CHECK_SECONDS=0), so the
two cores are split between "Telegram" and the bot. The baseline is bench/echo_bot.py on the
same emulator with the same number of concurrent users, each sending the same number of
messages and button presses.

Each user's script (10 updates: 5 typed, 5 presses):
  /start -> menu; "Conference log"; page 2; "Conference archive"; a conference's info;
  /schedule; topic; "tomorrow 15:00"; "90 min"; "Schedule".
Every step waits for its reply, like a person would. Rate = updates / wall time until
every reply arrived.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.common import TOKEN, Result, TempDir, bot_env, child_env, cpu_seconds, spawn, stop
from emulator import BotAPIEmulator, SimulatedUser

USERS = 50
WARMUP_USERS = 3
FIRST_ID = 50_001
SCHEDULED, ARCHIVED = 14, 14  # per user: three pages of scheduled, some archive
UPDATES_PER_USER = 10
CPU: list[tuple[float, float]] = []  # (bot process, emulator process) CPU use during a run
# What one user does, given their conference's id and their number.
Script = Callable[[SimulatedUser, int, int], Awaitable[None]]


async def seed(database_path, user_ids: list[int]) -> dict[int, int]:
    """Users and their conferences straight into storage; returns a conference id per user."""
    from storage.conferences import ConferenceRepository, NewConference
    from storage.db import Database
    from storage.users import UserRepository

    db = await Database.open(database_path)
    now = int(time.time())
    first: dict[int, int] = {}
    try:
        async with db.transaction() as tx:
            users, conferences = UserRepository(tx), ConferenceRepository(tx)
            for uid in user_ids:
                await users.record_seen(
                    uid,
                    username=None,
                    full_name=f"User {uid}",
                    language="en",
                    timezone="Europe/Moscow",
                    now=now,
                )
                for n in range(SCHEDULED + ARCHIVED):
                    offset = (n + 1) * 3600 if n < SCHEDULED else -(n + 1) * 86_400
                    cid = await conferences.create(
                        NewConference(
                            uid,
                            f"Meeting {n}",
                            now + offset,
                            now + offset + 3600,
                            f"c{uid}x{n}",
                            "pw1234",
                        ),
                        now=now,
                    )
                    first.setdefault(uid, cid)
    finally:
        await db.close()
    return first


async def product_script(user, conference_id: int, n: int) -> None:
    await user.send("/start")
    menu = await user.expect_message()
    await user.press_data(menu, "menu:log")
    await user.expect_edit(menu)
    await user.press_data(menu, "log:s:1")
    await user.expect_edit(menu)
    await user.press_data(menu, "log:a:0")
    await user.expect_edit(menu)
    await user.press_data(menu, f"conf:view:{conference_id}")
    await user.expect_edit(menu)
    await user.send("/schedule")
    await user.expect_message()
    await user.send(f"Weekly sync {n}")
    await user.expect_message()
    await user.send("tomorrow 15:00")
    await user.expect_message()
    await user.send("90 min")
    review = await user.expect_message()
    await user.press_data(review, "form:save")
    card = await user.expect_edit(review)
    assert "scheduled" in card.text.lower(), card.text


async def echo_script(user, _conference_id: int, n: int) -> None:
    texts = ["/start", "/schedule", f"Weekly sync {n}", "tomorrow 15:00", "90 min"]
    for text in texts:
        await user.send(text)
        message = await user.expect_message()
        await user.press_data(message, "echo")
        await user.expect_edit(message)


async def drive(
    emu: BotAPIEmulator, process, script, conference_ids: dict[int, int]
) -> tuple[float, int]:
    # The warm-up users also wait for the bot to come up (their first reply is the sign).
    ids = sorted(conference_ids)
    people = {uid: emu.user(f"U{uid}", user_id=uid, language_code="en") for uid in ids}
    warm, timed = ids[:WARMUP_USERS], ids[WARMUP_USERS:]
    await asyncio.gather(*(script(people[u], conference_ids[u], u) for u in warm))
    started = time.perf_counter()
    cpu_bot, cpu_emu = cpu_seconds(process.pid), time.process_time()
    await asyncio.gather(*(script(people[u], conference_ids[u], u) for u in timed))
    elapsed = time.perf_counter() - started
    cpu_bot, cpu_emu = cpu_seconds(process.pid) - cpu_bot, time.process_time() - cpu_emu
    CPU.append((cpu_bot / elapsed, cpu_emu / elapsed))
    if process.poll() is not None:
        raise RuntimeError("the bot process died")
    return elapsed, len(timed) * UPDATES_PER_USER


DIAGNOSTICS = {
    "diagnostic": ["no-overall-limit"],
}


async def run_one(kind: str, database_url: str | None = None) -> tuple[float, int]:
    """One timed run; `database_url`: the bot's database (default: a SQLite file)."""
    ids = list(range(FIRST_ID, FIRST_ID + USERS + WARMUP_USERS))

    async def launch(emu: BotAPIEmulator, folder: Path) -> Launched:
        if kind == "product" or kind in DIAGNOSTICS:
            conference_ids = await seed(database_url or folder / "bot.sqlite3", ids)
            env = product_env(
                emu, folder, **({"DATABASE_URL": database_url} if database_url else {})
            )
            command = (
                ["-m", "bot"] if kind == "product" else ["-m", "bench.diag_bot", *DIAGNOSTICS[kind]]
            )
            return spawn(command, env=env, cwd=folder), product_script, conference_ids
        process = spawn(["-m", "bench.echo_bot"], env=echo_env(emu), cwd=folder)
        return process, echo_script, dict.fromkeys(ids, 0)

    return await timed_run("b1", BotAPIEmulator(default_timeout=120), launch)


def product_env(emu: BotAPIEmulator, folder: Path, **extra: str) -> dict[str, str]:
    """The conference bot's settings for B1's runs (B1W's too): a SQLite file in `folder`,
    no flood limit to get in the way, no reminder job; then what a run adds."""
    return bot_env(
        emu.base_url,
        folder / "bot.sqlite3",
        FLOOD_MAX_UPDATES="100000",
        REMINDER_CHECK_SECONDS="0",
        # As in the tests: the scripts start at the menu, not at the time-zone question
        # (which a seeded user would be asked first).
        ASK_TIMEZONE="off",
        **extra,
    )


def echo_env(emu: BotAPIEmulator, **extra: str) -> dict[str, str]:
    """The baseline echo bot's settings: the emulator's token and address."""
    return child_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=emu.base_url, **extra)


# A started bot process, the script its users follow, and a conference id per user.
Launched = tuple[subprocess.Popen, Script, dict[int, int]]


async def timed_run(
    prefix: str,
    emu: BotAPIEmulator,
    launch: Callable[[BotAPIEmulator, Path], Awaitable[Launched]],
) -> tuple[float, int]:
    """In a fresh folder, with `emu` started: `launch` seeds and starts a bot, whose users
    are then driven and timed (`drive`). The bot (its log printed if the run failed) and
    the emulator are stopped whatever happens."""
    with TempDir(prefix) as folder:
        await emu.start()
        try:
            process, script, conference_ids = await launch(emu, folder)
            try:
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
        f"echo bot: {echo_n} updates from {USERS} users in {echo_s:.2f} s "
        f"= {echo_rate:.1f} updates/s"
    )
    bot_s, bot_n = asyncio.run(run_one("product"))
    bot_rate = bot_n / bot_s
    result.note(
        f"conference bot: {bot_n} updates from {USERS} users in {bot_s:.2f} s "
        f"= {bot_rate:.1f} updates/s"
    )
    ratio = bot_rate / echo_rate
    result.add(
        f"updates/s, {USERS} users x {UPDATES_PER_USER} updates",
        f"{bot_rate:.1f}/s",
        f"{echo_rate:.1f}/s (echo bot)",
        f"{ratio:.2f}",
        ">= 0.80",
        ratio >= 0.8,
    )
    # Diagnostic: the same bot with PTB's overall 30 requests/s limiter switched off
    # (bench/diag_bot.py), to show how much of a gap that limiter explains.
    diag_s, diag_n = asyncio.run(run_one("diagnostic"))
    diag_rate = diag_n / diag_s
    result.note(
        f"diagnostic, conference bot without the overall 30/s limiter: "
        f"{diag_n} updates in {diag_s:.2f} s = {diag_rate:.1f} updates/s"
    )
    result.add(
        "diagnostic: same, overall 30/s limiter off",
        f"{diag_rate:.1f}/s",
        f"{echo_rate:.1f}/s (echo bot)",
        f"{diag_rate / echo_rate:.2f}",
        "(info)",
    )
    labels = ["echo", "conference bot", "limiter off"]
    result.note(
        "CPU use during the timed part (bot process / emulator process): "
        + "; ".join(
            f"{label} {bot:.0%} / {emu:.0%}"
            for label, (bot, emu) in zip(labels, CPU[-3:], strict=True)
        )
    )

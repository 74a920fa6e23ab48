"""B3: "Notify participants" to 1,000 Telegram participants under Telegram's flood limit.

The emulator enforces 30 sending calls a second (sliding window; beyond it: 429 with
retry_after=1). 1,000 users are registered as participants of one conference through the
storage repositories; the bot (`python -m bot`, child process) runs as in production; the
owner presses "Notify participants" on the conference. Timed from the press until the
emulator has accepted the 1,000th notice; then each participant must have exactly one.
Baseline: the least time the limit allows, 1000 / 30 s.
"""

from __future__ import annotations

import asyncio
import collections
import time

from bench.common import Result, TempDir, bot_env, spawn, stop
from emulator import BotAPIEmulator

PARTICIPANTS = 1000
RATE = 30
OWNER = 70_000
FIRST = 70_001
TIMEOUT = 150


async def seed(path) -> int:
    from storage.conferences import ConferenceRepository, NewConference
    from storage.db import Database
    from storage.participants import ParticipantRepository
    from storage.users import UserRepository

    db = await Database.open(path)
    now = int(time.time())
    try:
        async with db.transaction() as tx:
            users = UserRepository(tx)
            await users.record_seen(
                OWNER,
                username="owner",
                full_name="Owner",
                language="en",
                timezone="Europe/Moscow",
                now=now,
            )
            cid = await ConferenceRepository(tx).create(
                NewConference(
                    OWNER, "All hands", now + 86_400, now + 90_000, "allhands01", "pw1234"
                ),
                now=now,
            )
            # Changed since the last notice: "Notify participants" has news to send.
            await ConferenceRepository(tx).update(
                cid, {"topic": "All hands (moved)"}, now=now, mark_changed=True
            )
            participants = ParticipantRepository(tx)
            for n in range(PARTICIPANTS):
                uid = FIRST + n
                await users.record_seen(
                    uid,
                    username=None,
                    full_name=f"P {n}",
                    language="ru" if n % 2 else "en",
                    timezone="Asia/Tokyo" if n % 3 else "UTC",
                    now=now,
                )
                await participants.add(cid, uid, kind="user", title=f"P {n}", now=now)
    finally:
        await db.close()
    return cid


async def measure(result: Result, command: list[str], label: str) -> None:
    with TempDir("b3") as folder:
        cid = await seed(folder / "bot.sqlite3")
        emu = BotAPIEmulator(rate_limit_per_second=RATE, default_timeout=TIMEOUT)
        await emu.start()
        process = spawn(
            command,
            cwd=folder,
            env=bot_env(
                emu.base_url,
                folder / "bot.sqlite3",
                FLOOD_MAX_UPDATES="100000",
                REMINDER_CHECK_SECONDS="0",
            ),
        )
        try:
            owner = emu.user("Owner", user_id=OWNER)
            wanted = set(range(FIRST, FIRST + PARTICIPANTS))
            for uid in sorted(wanted):
                emu.user(f"P{uid}", user_id=uid)
            await owner.send("/start")
            menu = await owner.expect_message(timeout=60)
            await asyncio.sleep(1.2)  # let the emulator's one-second window empty
            first_call = len(emu.calls)
            pressed = time.monotonic()
            await owner.press_data(menu, f"conf:notify:{cid}")

            def accepted() -> list:
                return [
                    c
                    for c in emu.calls[first_call:]
                    if c.method == "sendMessage"
                    and c.ok
                    and int(c.params.get("chat_id", 0)) in wanted
                ]

            # "Sending the update…" at once; the summary when the bot has finished (sent or
            # given up).
            await owner.expect_message(timeout=TIMEOUT)
            summary = await owner.expect_message(timeout=TIMEOUT)
            await asyncio.sleep(0.5)
            done = accepted()
            elapsed = done[-1].time - pressed if done else float("inf")
            per_chat = collections.Counter(int(c.params["chat_id"]) for c in done)
            exactly_one = sum(1 for uid in wanted if per_chat.get(uid) == 1)
            duplicates = sum(1 for uid in wanted if per_chat.get(uid, 0) > 1)
            missing = sum(1 for uid in wanted if uid not in per_chat)
            limited = sum(1 for c in emu.calls[first_call:] if c.rejected_by == "rate_limit")
            attempts = sum(1 for c in emu.calls[first_call:] if c.method == "sendMessage")
        finally:
            tail = stop(process, timeout=5)
            await emu.stop()
    minimum = PARTICIPANTS / RATE
    ratio = elapsed / minimum
    result.note(
        f"{label}: {len(done)} of {PARTICIPANTS} notices accepted in {elapsed:.2f} s "
        f"(minimum {minimum:.2f} s); {attempts} sendMessage attempts, {limited} answered "
        f"429; exactly one: {exactly_one}, missing: {missing}, duplicates: {duplicates}"
    )
    result.note("owner's summary: " + " ".join(summary.text.split())[:200])
    if "Rate limit hit after maximum" in tail or "RetryAfter" in tail:
        result.note("bot log: gave up on some notices after its retries (RetryAfter)")
    if label != "conference bot":
        result.add(
            f"{label}: time / delivered",
            f"{elapsed:.2f} s, {exactly_one}/{PARTICIPANTS}",
            f"{minimum:.2f} s",
            f"{ratio:.2f}",
            "(info)",
        )
        return
    result.add(
        f"time to notify {PARTICIPANTS} at {RATE}/s",
        f"{elapsed:.2f} s",
        f"{minimum:.2f} s (1000/30)",
        f"{ratio:.2f}",
        "<= 1.10",
        ratio <= 1.10,
    )
    result.add(
        "notices: exactly one each",
        f"{exactly_one}/{PARTICIPANTS}",
        f"429 answers: {limited}",
        "",
        "nothing lost",
        exactly_one == PARTICIPANTS and missing == 0 and duplicates == 0,
    )


def run(result: Result, diagnostics: bool = True) -> None:
    asyncio.run(measure(result, ["-m", "bot"], "conference bot"))
    if diagnostics and not all(row.ok for row in result.rows):
        # Diagnostic (bench/diag_bot.py): the same bot with the overall limit as an even
        # 29/s pace instead of PTB's 30-burst bucket, to show what explains a miss.
        asyncio.run(
            measure(
                result, ["-m", "bench.diag_bot", "smooth-limit"], "diagnostic, smooth 29/s pace"
            )
        )

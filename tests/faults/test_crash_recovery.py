"""The real process killed with SIGKILL mid-dialog and mid-outbox, then started again
on the same database; and a scan of everything it logged, at DEBUG, for secrets."""

import asyncio
import os
import signal
import sys
from pathlib import Path

from emulator.testing import DEFAULT_TOKEN
from storage.conferences import ConferenceRepository
from storage.db import Database
from tests.e2e import free_port

ROOT = Path(__file__).resolve().parents[2]
SMTP_PASSWORD = "smtp-Pa55word-never-logged"
CONFERENCE_PASSWORD = "Conf-Pa55-Secret"


class BotProcess:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.process: asyncio.subprocess.Process | None = None
        self.log = b""

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    async def stop(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        out, err = await asyncio.wait_for(self.process.communicate(), 30)
        self.log += out + err


def environment(tmp_path: Path, emu, smtp_port: int) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_BASE_URL": emu.base_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "MAIL_DIR": str(tmp_path / "mail"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_TLS": "none",
        "SMTP_PASSWORD": SMTP_PASSWORD,
        "MAIL_RETRY_SECONDS": "1",
        "LOG_LEVEL": "DEBUG",
        "REMINDER_CHECK_SECONDS": "0",
        # This story starts at a schedule; the time-zone question has tests of its own.
        "ASK_TIMEZONE": "off",
    }


async def test_sigkill_loses_nothing_confirmed_and_logs_hold_no_secrets(tmp_path, emu, smtp):
    first = BotProcess(environment(tmp_path, emu, free_port()), tmp_path)  # SMTP down
    await first.start()
    anna = emu.user("Anna")
    await anna.send("/schedule")
    await anna.expect_message(timeout=30)
    await anna.send("Crash-proof meeting")
    await anna.expect_message()
    await anna.send("tomorrow 15:00")
    await anna.expect_message()
    await anna.send("1h")
    review = await anna.expect_message()
    await anna.press(review, "Password")
    await anna.expect_edit(review)
    await anna.send(CONFERENCE_PASSWORD)
    review = await anna.expect_message()
    await anna.press(review, "✅ Schedule")
    card = await anna.expect_edit(review)
    await anna.press(card, "Send invitation e-mail")
    await anna.expect_edit(card)
    await anna.send("bob@example.com")
    confirm = await anna.expect_message()
    await anna.press(confirm, "✉️ Send")
    assert "1 invitation e-mail is on its way" in (await anna.expect_edit(confirm)).text
    # Now into a dialog, and killed in the middle of it.
    await anna.send("/profile")
    profile = await anna.expect_message()
    await anna.press(profile, "Name")
    await anna.expect_edit(profile)
    await first.stop(signal.SIGKILL)  # right after the prompt arrived

    second = BotProcess(environment(tmp_path, emu, smtp.port), tmp_path)  # SMTP back
    await second.start()
    try:
        await anna.send("Anna After Crash")
        card = await anna.expect_message(timeout=30)
        assert "Name: Anna After Crash" in card.text  # the dialog resumed at its step
        [invitation] = await smtp.wait_for(1, timeout=30)  # the queued mail went out
        assert invitation["To"] == "bob@example.com"
        await anna.send("/help")  # the bot keeps serving
        await anna.expect_message()
    finally:
        await second.stop(signal.SIGTERM)
    await asyncio.sleep(0.2)
    assert len(smtp.messages) == 1  # and only once

    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        [conference] = await ConferenceRepository(database).list_scheduled(anna.id, now=0, limit=5)
        assert conference.password == CONFERENCE_PASSWORD
    finally:
        await database.close()

    log = (first.log + second.log).decode(errors="replace")
    assert "DEBUG" in log  # the scan is of a verbose log
    for secret in (
        DEFAULT_TOKEN,
        DEFAULT_TOKEN.split(":")[1],
        SMTP_PASSWORD,
        CONFERENCE_PASSWORD,
        "bob@example.com",
    ):
        assert secret not in log, f"{secret!r} reached the log"

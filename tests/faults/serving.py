"""Real `python -m bot` processes whose log is read as it is written, so a test can wait
for "Active" or "Standby", time a failover, or kill one in the middle of an update
(crash, restart and failover tests), their settings, and the stories they share."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from emulator import BotAPIEmulator, SimulatedUser
from emulator.faults import HeldCall
from emulator.testing import DEFAULT_TOKEN
from emulator.views import SentMessage

ROOT = Path(__file__).resolve().parents[2]
FAILOVER_SECONDS = 5  # the default
SERVED_WITHIN = FAILOVER_SECONDS + 2  # what a failover may take, from the kill to an answer


class ServingProcess:
    def __init__(self, name: str, env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.env, self.cwd = env, cwd
        self.process: asyncio.subprocess.Process | None = None
        self.log = ""  # what it wrote, to stderr and stdout alike
        self._grew = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.log += line.decode(errors="replace")
            self._grew.set()

    async def wait_for_log(self, text: str, timeout: float = 30, *, times: int = 1) -> None:
        """Until `text` is in the log (`times` times)."""

        async def seen() -> None:
            while self.log.count(text) < times:
                self._grew.clear()
                await self._grew.wait()

        try:
            await asyncio.wait_for(seen(), timeout)
        except TimeoutError:
            raise AssertionError(f"{self.name} never logged {text!r}:\n{self.log}") from None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def exited(self, timeout: float) -> int:
        """Wait for the process to end by itself; its exit code."""
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a crash."""
        await self.stop(signal.SIGKILL)

    async def stop(self, sig: int = signal.SIGTERM) -> int | None:
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(sig)
        code = await asyncio.wait_for(self.process.wait(), 30)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 5)
        return code


async def stop_all(processes: list[ServingProcess]) -> None:
    """SIGTERM to those still running; every log printed (pytest shows it on failure)."""
    for process in processes:
        await process.stop()
        print(f"--- log of the {process.name} process ---\n{process.log}")


def since(start: float) -> float:
    """Seconds since `start` (time.monotonic)."""
    return time.monotonic() - start


def bot_environment(tmp_path: Path, emu: BotAPIEmulator, **values: str) -> dict[str, str]:
    """A bot process's settings: this checkout, the emulator, mail into a folder, no
    reminder job and no time-zone question (these stories start at a schedule or a
    dialog; the question has tests of its own); then what a test adds or overrides."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_BASE_URL": emu.base_url,
        "MAIL_DIR": str(tmp_path / "mail"),
        "LOG_LEVEL": "INFO",
        "REMINDER_CHECK_SECONDS": "0",
        "ASK_TIMEZONE": "off",
        **values,
    }


def serving_environment(
    tmp_path: Path, emu: BotAPIEmulator, database_url: str, **values: str
) -> dict[str, str]:
    """One of several bots on PostgreSQL: the emulator, the database, and what a test adds."""
    return bot_environment(
        tmp_path, emu, **{"DATABASE_URL": database_url, "FLOOD_MAX_UPDATES": "10000", **values}
    )


async def killed_at(process: ServingProcess, hold: HeldCall) -> None:
    """SIGKILL the bot while it waits for the held Bot API call."""
    await asyncio.wait_for(hold.reached.wait(), 30)
    await process.kill()
    hold.release()


async def answer_after_kill(
    process: ServingProcess, person: SimulatedUser, text: str, *, within: float
) -> tuple[SentMessage, float]:
    """SIGKILL `process` (the active one), then `person` sends `text`: the answer that
    comes (from whichever process serves by then) and the seconds from the kill to it."""
    killed = time.monotonic()
    await process.kill()
    await person.send(text)
    answer = await person.expect_message(timeout=within)
    return answer, since(killed)


async def the_step_happens_once_through_two_kills(
    emu: BotAPIEmulator, env: dict[str, str], cwd: Path
) -> str:
    """A bot killed with SIGKILL in the middle of an update, twice, and started again each
    time on the same database: before the state was saved, the update comes again and is
    handled then; after, it comes again and is not handled twice. Either way the step
    happens once. How it comes again is the mode's (env): polling fetches what it did not
    confirm, Telegram delivers again a webhook that got no answer. Returns the log of the
    three processes."""
    first = ServingProcess("first", env, cwd)
    await first.start()
    anna = emu.user("Anna")
    await anna.send("/start")
    menu = await anna.expect_message(timeout=30)
    await emu.wait_for_delivery(timeout=10)

    # 1. Killed before the state was saved: the press is answered at once, inside the
    # handler, long before the flush; the bot dies while Telegram has not answered that.
    # (PTB's own updater would have confirmed the update with its next getUpdates
    # already; ours waits for the save.)
    hold = emu.hold_next("answerCallbackQuery")
    await anna.press(menu, "📅 Schedule conference")
    await killed_at(first, hold)
    assert emu.pending_update_count == 1  # never acknowledged

    second = ServingProcess("second", env, cwd)
    await second.start()
    # Delivered again to the new process, which starts the dialog (nothing was saved).
    ask_topic = await anna.expect_edit(menu, timeout=30)
    assert "Step 1 of 3" in ask_topic.text
    await emu.wait_for_delivery(timeout=10)

    # 2. Killed after the state was saved, while the reply was on its way: the step is on
    # disk, so the update that comes again is recognised and not handled a second time.
    hold = emu.hold_next("sendMessage")
    await anna.send("Weekly sync")
    await killed_at(second, hold)
    assert emu.pending_update_count == 1

    third = ServingProcess("third", env, cwd)
    await third.start()
    try:
        await emu.wait_for_delivery(timeout=30)
        # Handled again, "Weekly sync" would have been read as the start time and
        # answered with an error. The dialog is at step 2, as saved.
        await anna.expect_no_message(within=0.5)
        await anna.send("tomorrow 15:00")
        assert "Step 3 of 3" in (await anna.expect_message(timeout=30)).text
    finally:
        await third.stop()
    return first.log + second.log + third.log

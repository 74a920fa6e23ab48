"""Real `python -m bot` processes whose log is read as it is written, so a test can wait
for "Active" or "Standby" and time a failover (tests/faults/test_failover.py, bench B8)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from emulator.testing import DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parents[2]


class ServingProcess:
    def __init__(self, name: str, env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.env, self.cwd = env, cwd
        self.process: asyncio.subprocess.Process | None = None
        self.log = ""
        self._grew = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while line := await self.process.stderr.readline():
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


def serving_environment(tmp_path: Path, emu, database_url: str, **values: str) -> dict[str, str]:
    """One bot's settings: the emulator, PostgreSQL, and what a test adds."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_BASE_URL": emu.base_url,
        "DATABASE_URL": database_url,
        "MAIL_DIR": str(tmp_path / "mail"),
        "LOG_LEVEL": "INFO",
        "REMINDER_CHECK_SECONDS": "0",
        "ASK_TIMEZONE": "off",
        "FLOOD_MAX_UPDATES": "10000",
        **values,
    }

"""End-to-end fixtures: the real Application, polling a Bot API emulator on 127.0.0.1.

`bot` starts the whole bot (database, persistence, every handler) exactly as
`python -m bot` does, through BotRunner, against a fresh SQLite file; `bot.restart()`
stops it and starts a new Application on the same database, as a process restart would.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import build_application
from bot.clock import FixedClock
from bot.runner import BotRunner
from bot.settings import Settings, load_settings
from bot.users import profile_of
from emulator import BotAPIEmulator
from emulator.testing import DEFAULT_TOKEN

# Wed 25 Nov 2026, 12:00 UTC: tests that depend on "now" hold the clock here.
TEST_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_settings(emu: BotAPIEmulator, database_path: Path, **overrides: str) -> Settings:
    env = {
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_BASE_URL": emu.base_url,
        "DATABASE_PATH": str(database_path),
        "MAIL_DIR": str(database_path.parent / "mail"),
        **overrides,
    }
    return load_settings(env, env_file=None)


test_settings.__test__ = False  # a helper, not a test


class RunningBot:
    """The bot under test; `settings`, `clock` and `application` are the live ones."""

    def __init__(self, emu: BotAPIEmulator, settings: Settings, clock: FixedClock) -> None:
        self.emu = emu
        self.settings = settings
        self.clock = clock
        self.runner: BotRunner | None = None

    @property
    def application(self):
        assert self.runner is not None
        return self.runner.application

    @property
    def services(self):
        return self.application.bot_data["services"]

    async def start(self) -> None:
        application = await build_application(self.settings, clock=self.clock)
        self.runner = BotRunner(application, poll_timeout=10)
        await self.runner.start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
            self.runner = None

    async def update_profile(self, user_id: int, **changes) -> None:
        """Set profile fields directly (the profile dialog has its own tests)."""
        user = await self.services.users.get(user_id)
        await self.services.users.save_profile(user_id, replace(profile_of(user), **changes))

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
async def emu():
    emulator = BotAPIEmulator(bot_username="ConferenceTestBot")
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TEST_NOW)


@pytest.fixture
async def bot(emu, database_path, clock):
    running = RunningBot(emu, test_settings(emu, database_path), clock)
    await running.start()
    yield running
    await running.stop()

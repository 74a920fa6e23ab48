"""End-to-end fixtures: the real Application, polling a Bot API emulator on 127.0.0.1.

`bot` starts the whole bot (database, persistence, every handler) exactly as
`python -m bot` does, through BotRunner, against a fresh SQLite file; `bot.restart()`
stops it and starts a new Application on the same database, as a process restart would.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app.factory import build_application
from app.runner import BotRunner
from bot.clock import FixedClock
from bot.settings import Settings, load_settings
from bot.users import profile_of
from emulator import BotAPIEmulator
from emulator.testing import DEFAULT_TOKEN
from storage.users import UserRepository

# Wed 25 Nov 2026, 12:00 UTC: tests that depend on "now" hold the clock here.
TEST_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_settings(emu: BotAPIEmulator, database_path: Path, **overrides: str) -> Settings:
    """Settings for the bot under test: the emulator, a fresh database, mail to a folder."""
    env = {
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_BASE_URL": emu.base_url,
        "DATABASE_PATH": str(database_path),
        "MAIL_DIR": str(database_path.parent / "mail"),
        # Reminder tests run the job themselves, at a clock they control.
        "REMINDER_CHECK_SECONDS": "0",
        # Tests click much faster than people; the flood test sets its own limit.
        "FLOOD_MAX_UPDATES": "10000",
        # Tests start at a schedule or a card; the time-zone question has tests of its own
        # (tests/handlers/test_zone_check.py), which turn it on.
        "ASK_TIMEZONE": "off",
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
        """Set profile fields straight in storage, without the profile dialog or its side
        effects; an `email` given here is stored as already verified (the confirmation
        code has tests of its own)."""
        user = await self.services.users.get(user_id)
        users = UserRepository(self.services.database)
        now = self.clock.timestamp()
        await users.save_profile(user_id, replace(profile_of(user), **changes), now=now)
        if "email" in changes:
            await users.set_email(user_id, changes["email"], now=now)

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
def bot_settings() -> dict[str, str]:
    """Extra settings for the `bot` fixture; override this fixture in a test module."""
    return {}


@pytest.fixture
async def bot(emu, database_path, database_target, clock, bot_settings):
    # database_target: this file, or a PostgreSQL database (TEST_BACKEND, tests/postgres.py)
    url = {} if database_target == str(database_path) else {"DATABASE_URL": database_target}
    settings = test_settings(emu, database_path, **url, **bot_settings)
    running = RunningBot(emu, settings, clock)
    await running.start()
    yield running
    await running.stop()


class RecordingSMTPHandler:
    """aiosmtpd handler that keeps every accepted message and can refuse on demand."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_with: str | None = None  # e.g. "451 4.3.0 Try later", at DATA
        self.refuse_recipient_with: str | None = None  # e.g. "550 5.1.1 No such user"
        self.arrived = asyncio.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_recipient_with:
            return self.refuse_recipient_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        )
        self.arrived.set()
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        async def enough() -> None:
            while len(self.messages) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), timeout)
        return self.messages


async def eventually(check, timeout: float = 5.0):
    """For effects with no message to wait for: poll an async check until it is truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.02)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    """A real SMTP server on loopback (aiosmtpd), recording what it accepts."""
    handler = RecordingSMTPHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


def smtp_settings(server: RecordingSMTPHandler) -> dict[str, str]:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(server.port),
        "SMTP_TLS": "none",
        "MAIL_FROM": "Conference Bot <bot@conference.test>",
    }

"""Webhook mode, the real process killed with SIGKILL in the middle of an update: before
its state was saved, the update comes again and is handled then; after, it comes again
and is not handled twice. Either way the step happens once."""

import pytest

from emulator import BotAPIEmulator
from tests.e2e import free_port
from tests.faults.serving import bot_environment, the_step_happens_once_through_two_kills


@pytest.fixture
async def emu():
    emulator = BotAPIEmulator(bot_username="ConferenceTestBot", allow_http_webhook=True)
    await emulator.start()
    yield emulator
    await emulator.stop()


async def test_killed_mid_update_the_step_happens_once(tmp_path, emu):
    port = free_port()
    env = bot_environment(
        tmp_path,
        emu,
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        TELEGRAM_MODE="webhook",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        WEB_PORT=str(port),
    )
    log = await the_step_happens_once_through_two_kills(emu, env, tmp_path)
    statuses = [attempt.status for attempt in emu.webhook_attempts]
    assert statuses.count(None) >= 2  # the two deliveries the killed processes never answered
    assert "was handled before; skipped" in log

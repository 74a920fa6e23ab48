"""Webhook mode, the real process killed with SIGKILL in the middle of an update: before
its state was saved, the update comes again and is handled then; after, it comes again
and is not handled twice. Either way the step happens once."""

import asyncio
import signal

import pytest

from emulator import BotAPIEmulator
from tests.e2e import free_port
from tests.faults.test_crash_recovery import BotProcess, environment


@pytest.fixture
async def emu():
    emulator = BotAPIEmulator(bot_username="ConferenceTestBot", allow_http_webhook=True)
    await emulator.start()
    yield emulator
    await emulator.stop()


def webhook_environment(tmp_path, emu) -> dict[str, str]:
    port = free_port()
    return {
        **environment(tmp_path, emu, free_port()),
        "TELEGRAM_MODE": "webhook",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WEB_PORT": str(port),
        "LOG_LEVEL": "INFO",
    }


async def killed_at(process: BotProcess, hold) -> None:
    """SIGKILL the bot while it waits for the held Bot API call."""
    await asyncio.wait_for(hold.reached.wait(), 30)
    await process.stop(signal.SIGKILL)
    hold.release()


async def test_killed_mid_update_the_step_happens_once(tmp_path, emu):
    env = webhook_environment(tmp_path, emu)
    first = BotProcess(env, tmp_path)
    await first.start()
    anna = emu.user("Anna")
    await anna.send("/start")
    menu = await anna.expect_message(timeout=30)
    await emu.wait_for_delivery(timeout=10)

    # 1. Killed before the state was saved: the press is answered at once, inside the
    # handler, long before the flush; the bot dies while Telegram has not answered that.
    hold = emu.hold_next("answerCallbackQuery")
    await anna.press(menu, "📅 Schedule conference")
    await killed_at(first, hold)
    assert emu.pending_update_count == 1  # never acknowledged

    second = BotProcess(env, tmp_path)
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

    third = BotProcess(env, tmp_path)
    await third.start()
    try:
        await emu.wait_for_delivery(timeout=30)
        # Handled again, "Weekly sync" would have been read as the start time and
        # answered with an error. The dialog is at step 2, as saved.
        await anna.expect_no_message(within=0.5)
        await anna.send("tomorrow 15:00")
        assert "Step 3 of 3" in (await anna.expect_message(timeout=30)).text
    finally:
        await third.stop(signal.SIGTERM)
    statuses = [attempt.status for attempt in emu.webhook_attempts]
    assert statuses.count(None) >= 2  # the two deliveries the killed processes never answered
    log = (first.log + second.log + third.log).decode(errors="replace")
    assert "was handled before; skipped" in log

"""Long polling, the real process killed with SIGKILL in the middle of an update: the
update's offset was not confirmed, so the next process fetches it again. Before its state
was saved it is handled then; after, it is recognised and not handled twice."""

import signal

from tests.e2e import free_port
from tests.faults.test_crash_recovery import BotProcess, environment
from tests.faults.test_webhook_crash import killed_at


async def test_killed_mid_update_the_update_is_fetched_again_and_the_step_happens_once(
    tmp_path, emu
):
    env = {**environment(tmp_path, emu, free_port()), "LOG_LEVEL": "INFO"}
    first = BotProcess(env, tmp_path)
    await first.start()
    anna = emu.user("Anna")
    await anna.send("/start")
    menu = await anna.expect_message(timeout=30)
    await emu.wait_for_delivery(timeout=10)

    # 1. Killed inside the handler, before the flush: PTB's own updater would have
    # confirmed the update with its next getUpdates already; ours waits for the save.
    hold = emu.hold_next("answerCallbackQuery")
    await anna.press(menu, "📅 Schedule conference")
    await killed_at(first, hold)
    assert emu.pending_update_count == 1  # fetched, never confirmed

    second = BotProcess(env, tmp_path)
    await second.start()
    ask_topic = await anna.expect_edit(menu, timeout=30)
    assert "Step 1 of 3" in ask_topic.text
    await emu.wait_for_delivery(timeout=10)

    # 2. Killed after the save, while the reply was on its way: fetched again, skipped.
    hold = emu.hold_next("sendMessage")
    await anna.send("Weekly sync")
    await killed_at(second, hold)
    assert emu.pending_update_count == 1

    third = BotProcess(env, tmp_path)
    await third.start()
    try:
        await emu.wait_for_delivery(timeout=30)
        await anna.expect_no_message(within=0.5)
        await anna.send("tomorrow 15:00")
        assert "Step 3 of 3" in (await anna.expect_message(timeout=30)).text
    finally:
        await third.stop(signal.SIGTERM)
    log = (first.log + second.log + third.log).decode(errors="replace")
    assert "was handled before; skipped" in log

"""Long polling, the real process killed with SIGKILL in the middle of an update: the
update's offset was not confirmed, so the next process fetches it again. Before its state
was saved it is handled then; after, it is recognised and not handled twice."""

from tests.faults.serving import bot_environment, the_step_happens_once_through_two_kills


async def test_killed_mid_update_the_update_is_fetched_again_and_the_step_happens_once(
    tmp_path, emu
):
    env = bot_environment(tmp_path, emu, DATABASE_PATH=str(tmp_path / "bot.sqlite3"))
    log = await the_step_happens_once_through_two_kills(emu, env, tmp_path)
    assert "was handled before; skipped" in log

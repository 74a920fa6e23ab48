"""The real process killed with SIGKILL mid-dialog and mid-outbox, then started again
on the same database; and a scan of everything it logged, at DEBUG, for secrets."""

import asyncio

from emulator.testing import DEFAULT_TOKEN
from storage.conferences import ConferenceRepository
from storage.db import Database
from tests.e2e import free_port
from tests.faults.serving import ServingProcess, bot_environment
from tests.stories import at_the_name_step, schedule_and_invite

SMTP_PASSWORD = "smtp-Pa55word-never-logged"
CONFERENCE_PASSWORD = "Conf-Pa55-Secret"


def environment(tmp_path, emu, smtp_port: int) -> dict[str, str]:
    return bot_environment(
        tmp_path,
        emu,
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_TLS="none",
        SMTP_PASSWORD=SMTP_PASSWORD,
        MAIL_RETRY_SECONDS="1",
        LOG_LEVEL="DEBUG",
    )


async def test_sigkill_loses_nothing_confirmed_and_logs_hold_no_secrets(tmp_path, emu, smtp):
    first = ServingProcess("first", environment(tmp_path, emu, free_port()), tmp_path)
    await first.start()  # SMTP down
    anna = emu.user("Anna")
    await schedule_and_invite(
        anna, "Crash-proof meeting", CONFERENCE_PASSWORD, first_reply_within=30
    )
    # Now into a dialog, and killed in the middle of it.
    await at_the_name_step(anna)
    await first.kill()  # right after the prompt arrived

    second = ServingProcess("second", environment(tmp_path, emu, smtp.port), tmp_path)
    await second.start()  # SMTP back
    try:
        await anna.send("Anna After Crash")
        card = await anna.expect_message(timeout=30)
        assert "Name: Anna After Crash" in card.text  # the dialog resumed at its step
        [invitation] = await smtp.wait_for(1, timeout=30)  # the queued mail went out
        assert invitation["To"] == "bob@example.com"
        await anna.send("/help")  # the bot keeps serving
        await anna.expect_message()
    finally:
        await second.stop()
    await asyncio.sleep(0.2)
    assert len(smtp.messages) == 1  # and only once

    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        [conference] = await ConferenceRepository(database).list_scheduled(anna.id, now=0, limit=5)
        assert conference.password == CONFERENCE_PASSWORD
    finally:
        await database.close()

    log = first.log + second.log
    assert "DEBUG" in log  # the scan is of a verbose log
    for secret in (
        DEFAULT_TOKEN,
        DEFAULT_TOKEN.split(":")[1],
        SMTP_PASSWORD,
        CONFERENCE_PASSWORD,
        "bob@example.com",
    ):
        assert secret not in log, f"{secret!r} reached the log"

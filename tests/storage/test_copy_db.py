"""`python -m bot copy-db`: a bot used on SQLite is copied into PostgreSQL and goes on
there as if nothing happened: same conference, same dialog step, ids that continue; a
target that is not empty is refused and left alone."""

import asyncio

from app.copy_db import main as copy_db
from storage.conferences import ConferenceRepository
from storage.db import Database
from tests.e2e import RunningBot, test_settings
from tests.stories import at_the_name_step, schedule_and_invite

PASSWORD = "Copy-Pa55-Secret"


async def checks(bot: RunningBot, anna) -> int:
    """What both databases must show: Anna's conference with its password, her
    conference log listing it, the invitation queued. Returns the conference's id."""
    database = bot.services.database
    [conference] = await ConferenceRepository(database).list_scheduled(anna.id, now=0, limit=5)
    assert (conference.topic, conference.password) == ("Copied meeting", PASSWORD)
    assert await database.fetch_value(
        "SELECT recipient FROM outbox WHERE conference_id = :id", {"id": conference.id}
    ) == ("bob@example.com")
    await anna.send("/log")
    log = await anna.expect_message()
    assert "Scheduled conferences: 1" in log.text
    assert any("Copied meeting" in button.text for row in log.buttons for button in row)
    return conference.id


async def test_a_bot_copied_to_postgresql_goes_on_where_it_was(
    tmp_path, emu, clock, pg_empty_url, capsys
):
    sqlite_path = tmp_path / "bot.sqlite3"
    anna = emu.user("Anna")
    on_sqlite = RunningBot(emu, test_settings(emu, sqlite_path), clock)
    await on_sqlite.start()
    try:
        await schedule_and_invite(anna, "Copied meeting", PASSWORD)
        conference_id = await checks(on_sqlite, anna)
        # Into a dialog, and the bot stops in the middle of it.
        await at_the_name_step(anna)
    finally:
        await on_sqlite.stop()

    code = await asyncio.to_thread(copy_db, ["--from", str(sqlite_path), "--to", pg_empty_url])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "conferences" in out.out and "Copied" in out.out

    on_pg = RunningBot(emu, test_settings(emu, sqlite_path, DATABASE_URL=pg_empty_url), clock)
    await on_pg.start()
    try:
        assert on_pg.services.database.dialect == "postgresql"
        await anna.send("Anna After Copy")  # the dialog goes on at the step it was
        assert "Name: Anna After Copy" in (await anna.expect_message()).text
        assert await checks(on_pg, anna) == conference_id
        # New rows take ids after the copied ones.
        later = await on_pg.services.database.insert(
            "INSERT INTO audit_log (admin_id, action, created_at) VALUES (1, 'probe', 0)"
        )
        assert later >= 1
        await schedule_another(on_pg, anna, conference_id)
    finally:
        await on_pg.stop()

    # Again into the same, now full, database: refused, nothing touched.
    code = await asyncio.to_thread(copy_db, ["--from", str(sqlite_path), "--to", pg_empty_url])
    out = capsys.readouterr()
    assert code == 2
    assert out.err.strip().startswith("copy-db: the target database is not empty")
    assert len(out.err.strip().splitlines()) == 1
    database = await Database.open(pg_empty_url)
    try:
        assert await database.fetch_value("SELECT COUNT(*) FROM conferences") == 2
    finally:
        await database.close()


async def schedule_another(bot: RunningBot, anna, copied_id: int) -> None:
    await anna.send("/schedule")
    await anna.expect_message()
    await anna.send("After the move")
    await anna.expect_message()
    await anna.send("tomorrow 17:00")
    await anna.expect_message()
    await anna.send("1h")
    review = await anna.expect_message()
    await anna.press(review, "✅ Schedule")
    await anna.expect_edit(review)
    conferences = await ConferenceRepository(bot.services.database).list_scheduled(
        anna.id, now=0, limit=5
    )
    assert sorted(c.id for c in conferences)[-1] > copied_id


async def test_copy_db_refuses_what_is_not_postgresql(tmp_path, capsys):
    code = await asyncio.to_thread(
        copy_db, ["--from", str(tmp_path / "a.sqlite3"), "--to", "mysql://u:secret@h/db"]
    )
    out = capsys.readouterr()
    assert code == 2 and "postgresql://" in out.err and "secret" not in out.err

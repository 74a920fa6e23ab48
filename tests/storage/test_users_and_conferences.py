"""Repositories for users and conferences against a real SQLite file."""

import sqlite3

import pytest

from storage.conferences import ConferenceRepository, NewConference
from storage.users import ProfileFields, UserRepository

NOW = 1_795_000_000


async def test_first_contact_registers_then_refreshes(db):
    users = UserRepository(db)
    user, is_new = await users.record_seen(
        7, username="anna", full_name="Anna", language="ru", timezone="Europe/Moscow", now=NOW
    )
    assert is_new and user.language == "ru" and user.timezone == "Europe/Moscow"
    await users.save_profile(
        7, ProfileFields("Anna P", "a@example.com", "en", "UTC", True, "AP"), now=NOW + 1
    )
    again, is_new = await users.record_seen(
        7, username="anna2", full_name="Other", language="ru", timezone="Asia/Tokyo", now=NOW + 2
    )
    assert not is_new
    # What the user chose stays; only Telegram-owned fields and activity change.
    assert (again.full_name, again.language, again.timezone) == ("Anna P", "en", "UTC")
    assert again.username == "anna2" and again.last_seen_at == NOW + 2
    assert again.remember_name and again.display_name == "AP"


async def _owner(db, user_id=1):
    await UserRepository(db).record_seen(
        user_id, username=None, full_name="O", language="en", timezone="UTC", now=NOW
    )


async def test_scheduled_and_archive_split_by_end_and_page(db):
    await _owner(db)
    conferences = ConferenceRepository(db)
    for index in range(7):
        start = NOW + (index - 3) * 3600
        await conferences.create(
            NewConference(1, f"T{index}", start, start + 1800, f"C{index}", "pw"), now=NOW
        )
    scheduled = await conferences.list_scheduled(1, now=NOW, limit=2)
    assert [c.topic for c in scheduled] == ["T3", "T4"]
    assert [c.topic for c in await conferences.list_scheduled(1, now=NOW, limit=2, offset=2)] == [
        "T5",
        "T6",
    ]
    assert await conferences.count_scheduled(1, now=NOW) == 4
    assert [c.topic for c in await conferences.list_archive(1, now=NOW, limit=10)] == [
        "T2",
        "T1",
        "T0",
    ]
    assert await conferences.count_archive(1, now=NOW) == 3


async def test_conference_codes_are_unique_and_end_after_start(db):
    await _owner(db)
    conferences = ConferenceRepository(db)
    conference_id = await conferences.create(
        NewConference(1, "T", NOW, NOW + 60, "X1", "pw"), now=NOW
    )
    assert await conferences.code_taken("X1")
    assert not await conferences.code_taken("X1", except_id=conference_id)
    with pytest.raises(sqlite3.IntegrityError):
        await conferences.create(NewConference(1, "T", NOW, NOW + 60, "X1", "pw"), now=NOW)
    with pytest.raises(sqlite3.IntegrityError):
        await conferences.create(NewConference(1, "T", NOW, NOW, "X2", "pw"), now=NOW)
    assert (await conferences.get_by_code("X1")).id == conference_id
    assert await conferences.delete(conference_id)
    assert await conferences.get(conference_id) is None


async def test_page_queries_use_the_owner_indexes(db):
    plans = []
    for sql in (
        "SELECT * FROM conferences WHERE owner_id = 1 AND ends_at > 5 ORDER BY starts_at LIMIT 5",
        "SELECT * FROM conferences WHERE owner_id = 1 AND ends_at <= 5"
        " ORDER BY starts_at DESC LIMIT 5",
    ):
        rows = await db.fetch_all("EXPLAIN QUERY PLAN " + sql)
        plans.append(" ".join(row["detail"] for row in rows))
    for plan in plans:
        assert "USING INDEX conferences_owner" in plan, plan
        assert "SCAN conferences" not in plan.replace("USING INDEX", ""), plan

"""Conference rules without Telegram: values, status, scheduling, editing, repeat."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.conferences import (
    ConferenceService,
    ListKind,
    clean_code,
    clean_password,
    clean_topic,
    is_online,
    new_password,
)
from bot.validation import InvalidInput
from storage.conferences import ConferenceRepository
from storage.db import Database
from storage.users import UserRepository

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
async def service(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3")
    for user_id in (1, 2):
        await UserRepository(database).record_seen(
            user_id, username=None, full_name="U", language="en", timezone="UTC", now=0
        )
    yield ConferenceService(database, FixedClock(NOW), join_early_minutes=10)
    await database.close()


def test_topic_code_password_rules():
    assert clean_topic("  Team   sync ") == "Team sync"
    for bad in ["", "  ", "x" * 201]:
        with pytest.raises(InvalidInput):
            clean_topic(bad)
    assert clean_code(" Team-Sync-2026 ") == "team-sync-2026"
    for bad in ["12345", "x" * 21, "with space", "-leading", "кириллица", "a/b/c/d"]:
        with pytest.raises(InvalidInput):
            clean_code(bad)
    assert clean_password("s3cret!") == "s3cret!"
    for bad in ["abc", "a b c d", "x" * 33, "пароль123"]:
        with pytest.raises(InvalidInput):
            clean_password(bad)
    assert len({new_password() for _ in range(50)}) == 50


async def test_online_window(service):
    start = int(NOW.timestamp())
    conference = await service.start_now(1, "T")
    assert is_online(conference, start - 10 * 60, 10)
    assert not is_online(conference, start - 10 * 60 - 1, 10)
    assert is_online(conference, start + 30 * 60, 10)
    assert not is_online(conference, start + 30 * 60 + 1, 10)


async def test_generated_codes_are_unique_nine_digits(service):
    codes = {(await service.start_now(1, "T")).conference_code for _ in range(40)}
    assert len(codes) == 40 and all(len(c) == 9 and c.isdigit() for c in codes)


async def test_start_in_the_past_is_refused_beyond_grace(service):
    service.check_start(NOW - timedelta(minutes=4))
    with pytest.raises(InvalidInput) as error:
        service.check_start(NOW - timedelta(minutes=6))
    assert error.value.key == "schedule.bad_start_past"


async def test_end_rules(service):
    start = int(NOW.timestamp())
    with pytest.raises(InvalidInput):
        service.check_end(start, NOW)
    with pytest.raises(InvalidInput):
        service.check_end(start, NOW + timedelta(hours=25))
    assert service.check_end(start, NOW + timedelta(hours=1)) == start + 3600


async def test_owned_hides_other_peoples_conferences(service):
    conference = await service.start_now(1, "Mine")
    assert await service.owned(1, conference.id) == conference
    assert await service.owned(2, conference.id) is None
    assert await service.owned(2, None) is None
    assert not await service.delete(2, conference.id)
    with pytest.raises(InvalidInput):
        await service.edit(2, conference.id, topic="Hijacked")
    assert (await service.owned(1, conference.id)).topic == "Mine"


async def test_edit_keeps_length_and_marks_a_moved_start(service):
    conference = await service.start_now(1, "T")
    moved = await service.edit(1, conference.id, starts_at=conference.starts_at + 3600)
    assert moved.ends_at - moved.starts_at == 30 * 60
    assert moved.changed_since_notice
    renamed = await service.edit(1, conference.id, topic="New")
    assert renamed.topic == "New"


@pytest.mark.parametrize(
    "change",
    [
        {"topic": "New topic"},
        {"starts_at": int(NOW.timestamp()) + 7200},
        {"ends_at": int(NOW.timestamp()) + 7200},
        {"password": "another1"},
        {"conference_code": "another-code"},
    ],
)
async def test_every_change_participants_must_know_marks_the_conference(service, change):
    conference = await service.start_now(1, "T")
    assert not conference.changed_since_notice
    changed = await service.edit(1, conference.id, **change)
    assert changed.changed_since_notice


async def test_the_owner_absence_toggle_and_a_same_value_are_no_news(service):
    conference = await service.start_now(1, "T")
    for change in (
        {"allow_without_owner": False},
        {"topic": "T"},
        {"password": conference.password},
    ):
        assert not (await service.edit(1, conference.id, **change)).changed_since_notice


async def test_a_change_is_claimed_once_however_many_press_at_once(service):
    conference = await service.start_now(1, "T")
    await service.edit(1, conference.id, topic="Moved")
    repository = ConferenceRepository(service._database)
    claims = await asyncio.gather(
        *(repository.claim_change(conference.id, 1, now=0) for _ in range(10))
    )
    won = [claim for claim in claims if claim is not None]
    assert len(won) == 1 and won[0].sequence == 1 and not won[0].changed_since_notice
    assert await repository.claim_change(conference.id, 1, now=0) is None  # a replay
    await service.edit(1, conference.id, topic="Moved again")
    assert await repository.claim_change(conference.id, 2, now=0) is None  # not the owner's
    assert (await repository.claim_change(conference.id, 1, now=0)).sequence == 2


async def test_repeat_moves_the_conference_back(service):
    conference = await service.start_now(1, "Old")
    service._clock.advance(timedelta(hours=2))
    assert service.is_archived(await service.owned(1, conference.id))
    draft = service.repeat_draft(await service.owned(1, conference.id))
    start = int(service._clock.timestamp()) + 3600
    from dataclasses import replace

    repeated = await service.schedule(
        1, replace(draft, starts_at=start, ends_at=start + draft.repeat_length)
    )
    assert repeated.id == conference.id and repeated.conference_code == conference.conference_code
    assert repeated.changed_since_notice  # its participants have a new time to hear of
    assert (await service.page(1, ListKind.SCHEDULED, 0)).total_items == 1
    assert (await service.page(1, ListKind.ARCHIVE, 0)).total_items == 0


async def test_taken_code_is_refused_at_save(service):
    first = await service.start_now(1, "First")
    draft = await service.new_draft("Second")
    from dataclasses import replace

    start = int(NOW.timestamp()) + 3600
    with pytest.raises(InvalidInput) as error:
        await service.schedule(
            2, replace(draft, code=first.conference_code, starts_at=start, ends_at=start + 60)
        )
    assert error.value.key == "schedule.bad_code_taken"

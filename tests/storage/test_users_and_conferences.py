"""Repositories for users and conferences against a real SQLite file."""

import pytest

from storage.conferences import ConferenceRepository, NewConference
from storage.db import IntegrityError
from storage.participants import InvitationRepository, ParticipantRepository
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
    with pytest.raises(IntegrityError):
        await conferences.create(NewConference(1, "T", NOW, NOW + 60, "X1", "pw"), now=NOW)
    with pytest.raises(IntegrityError):
        await conferences.create(NewConference(1, "T", NOW, NOW, "X2", "pw"), now=NOW)
    assert (await conferences.get_by_code("X1")).id == conference_id
    assert await conferences.delete(conference_id)
    assert await conferences.get(conference_id) is None


@pytest.mark.sqlite_only
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


async def test_the_log_merges_owned_and_participated_in_start_order(db):
    for user_id, name in ((1, "Anna"), (2, "Boris"), (3, "Cara")):
        await UserRepository(db).record_seen(
            user_id, username=None, full_name=name, language="en", timezone="UTC", now=NOW
        )
    conferences = ConferenceRepository(db)
    participants = ParticipantRepository(db)
    ids = {}
    for topic, owner, offset in [
        ("B-own-1", 2, 1),
        ("A-1", 1, 2),
        ("B-own-2", 2, 3),
        ("A-left", 1, 4),
        ("A-removed", 1, 5),
        ("C-inactive", 3, 6),
        ("C-group", 3, 7),
        ("A-past", 1, -5),
        ("B-own-past", 2, -3),
    ]:
        start = NOW + offset * 3600
        ids[topic] = await conferences.create(
            NewConference(owner, topic, start, start + 1800, topic.lower(), "pw"), now=NOW
        )
    for topic in ("A-1", "A-left", "A-removed", "C-inactive", "A-past"):
        await participants.add(ids[topic], 2, kind="user", title="Boris", now=NOW)
    await participants.add(ids["C-group"], -100, kind="group", title="Team", now=NOW)
    assert await participants.leave(ids["A-left"], 2, now=NOW)
    assert not await participants.leave(ids["A-left"], 2, now=NOW)  # left already
    assert await participants.remove(ids["A-removed"], 2, now=NOW)
    await participants.deactivate_chat(2)
    await participants.add(ids["A-1"], 2, kind="user", title="Boris", now=NOW)  # back again

    def shown(rows):
        return [(row.conference.topic, row.invited_by) for row in rows]

    page = await conferences.list_log(2, now=NOW, archive=False, limit=10)
    assert shown(page) == [("B-own-1", None), ("A-1", "Anna"), ("B-own-2", None)]
    assert await conferences.count_log(2, now=NOW, archive=False) == 3
    assert shown(await conferences.list_log(2, now=NOW, archive=False, limit=2, offset=1)) == [
        ("A-1", "Anna"),
        ("B-own-2", None),
    ]
    archive = await conferences.list_log(2, now=NOW, archive=True, limit=10)
    assert shown(archive) == [("B-own-past", None)]  # A-past: deactivated with the chat
    assert await conferences.count_log(2, now=NOW, archive=True) == 1
    # A removed person cannot come back through rejoin; one who left can.
    assert not await participants.rejoin(ids["A-removed"], 2)
    assert await participants.rejoin(ids["A-left"], 2)
    assert ("A-left", "Anna") in shown(
        await conferences.list_log(2, now=NOW, archive=False, limit=10)
    )


async def test_participant_rows_follow_their_conferences_times(db):
    """The log orders and splits participations by copies of the conference's start and
    end in the participant rows (migration 12); triggers keep them equal."""
    for user_id in (1, 2):
        await UserRepository(db).record_seen(
            user_id, username=None, full_name="P", language="en", timezone="UTC", now=NOW
        )
    conferences = ConferenceRepository(db)
    participants = ParticipantRepository(db)
    first = await conferences.create(
        NewConference(1, "First", NOW + 100, NOW + 200, "c1", "pw"), now=NOW
    )
    second = await conferences.create(
        NewConference(1, "Second", NOW + 300, NOW + 400, "c2", "pw"), now=NOW
    )
    for conference_id in (first, second):
        await participants.add(conference_id, 2, kind="user", title="B", now=NOW)

    async def log(archive=False):
        rows = await conferences.list_log(2, now=NOW, archive=archive, limit=10)
        return [(row.conference.topic, row.conference.starts_at) for row in rows]

    assert await log() == [("First", NOW + 100), ("Second", NOW + 300)]
    # Moved after the second: the order follows.
    await conferences.update(first, {"starts_at": NOW + 500, "ends_at": NOW + 600}, now=NOW)
    assert await log() == [("Second", NOW + 300), ("First", NOW + 500)]
    # Ended (the end in the past): into the archive, counted there.
    await conferences.update(second, {"starts_at": NOW - 200, "ends_at": NOW - 100}, now=NOW)
    assert await log() == [("First", NOW + 500)]
    assert await log(archive=True) == [("Second", NOW - 200)]
    assert await conferences.count_log(2, now=NOW, archive=True) == 1
    rows = await db.fetch_all(
        "SELECT p.starts_at = c.starts_at AND p.ends_at = c.ends_at FROM participants AS p"
        " JOIN conferences AS c ON c.id = p.conference_id"
    )
    assert [row[0] for row in rows] == [1, 1]


@pytest.mark.parametrize("archive", [False, True])
async def test_a_page_read_from_the_end_is_the_same_page(db, archive):
    """Pages nearer the end are read backwards (OFFSET is paid per row skipped): every
    page, full or short, holds the same rows in the same order either way."""
    for user_id in (1, 2):
        await UserRepository(db).record_seen(
            user_id, username=None, full_name="P", language="en", timezone="UTC", now=NOW
        )
    conferences = ConferenceRepository(db)
    participants = ParticipantRepository(db)
    sign = -1 if archive else 1
    for index in range(13):
        # Equal starts in pairs: the id breaks the tie, the same way in both directions.
        start = NOW + sign * (3600 + (index // 2) * 600) - (7200 if archive else 0)
        owner = 2 if index % 3 else 1
        conference_id = await conferences.create(
            NewConference(owner, f"T{index}", start, start + 300, f"c{index}", "pw"), now=NOW
        )
        if owner == 1:
            await participants.add(conference_id, 2, kind="user", title="B", now=NOW)
    # The other list's rows lie in the way of a walk in start order: none may show.
    for index, owner in enumerate((1, 2, 1, 2)):
        start = NOW - sign * 3600 * (index + 1) - (0 if archive else 7200)
        conference_id = await conferences.create(
            NewConference(owner, "other", start, start + 300, f"o{index}", "pw"), now=NOW
        )
        if owner == 1:
            await participants.add(conference_id, 2, kind="user", title="B", now=NOW)
    total = await conferences.count_log(2, now=NOW, archive=archive)
    assert total == 13
    everything = await conferences.list_log(2, now=NOW, archive=archive, limit=100)
    for offset in range(0, 14):
        for limit in (1, 6):
            page = await conferences.list_log(
                2, now=NOW, archive=archive, limit=limit, offset=offset, total=total
            )
            expected = everything[offset : offset + limit]
            assert [r.conference.id for r in page] == [r.conference.id for r in expected]
            assert [r.invited_by for r in page] == [r.invited_by for r in expected]


@pytest.mark.postgresql_only
async def test_log_pages_on_postgresql_read_indexes_in_page_order(db):
    """PostgreSQL's page statements (storage/conferences.py, revision 0004): the ids come
    from index-only scans, in page order where a walk stops early (a merge, no sort), and
    from the scheduled rows alone for the scheduled list soonest first; the table is
    read for the page's rows only, never scanned."""
    from storage.conferences import LOG_COUNT_SQL, LOG_PAGE_SQL_PG

    for user_id in (1, 2):
        await UserRepository(db).record_seen(
            user_id, username=None, full_name="P", language="en", timezone="UTC", now=NOW
        )
    conferences = ConferenceRepository(db)
    participants = ParticipantRepository(db)
    for index in range(60):
        start = NOW + (index - 45) * 3600
        conference_id = await conferences.create(
            NewConference(1 + index % 2, f"T{index}", start, start + 1800, f"c{index}", "pw"),
            now=NOW,
        )
        if index % 2 == 0:
            await participants.add(conference_id, 2, kind="user", title="B", now=NOW)
    await db.execute("VACUUM ANALYZE")
    params = {"person": 2, "now": NOW, "limit": 5, "offset": 0, "reach": 5}
    async with db.transaction() as tx:  # one connection: the settings hold for the plans
        await tx.execute("SET LOCAL enable_seqscan = off")
        await tx.execute("SET LOCAL enable_sort = off")  # a sort the indexes could spare shows
        for (archive, backwards), sql in LOG_PAGE_SQL_PG.items():
            plan = "\n".join(row[0] for row in await tx.fetch_all("EXPLAIN " + sql, params))
            assert "Seq Scan" not in plan, plan
            if not archive and not backwards:  # soonest first: the few scheduled, sorted
                assert "Index Only Scan using conferences_owner_end" in plan, plan
                assert "Index Only Scan using participants_person_end" in plan, plan
            else:
                assert "Merge Append" in plan and "Sort  " not in plan, plan
                assert "Index Only Scan Backward using conferences_owner_start" in plan or (
                    "Index Only Scan using conferences_owner_start" in plan
                ), plan
                assert "using participants_person_start" in plan, plan
        for sql in LOG_COUNT_SQL.values():
            plan = "\n".join(row[0] for row in await tx.fetch_all("EXPLAIN " + sql, params))
            assert "Seq Scan" not in plan, plan
            assert "Index Only Scan using conferences_owner_end" in plan, plan
            assert "Index Only Scan using participants_person_end" in plan, plan


async def test_a_split_series_takes_its_invitees_join_pages_with_it(db):
    """The later part of a split series is the live one: each invitee's own join page
    (and a removed invitee's revocation) goes with it, so their link keeps working."""
    await _owner(db)
    conferences = ConferenceRepository(db)
    earlier = await conferences.create(NewConference(1, "T", NOW, NOW + 60, "S1", "pw"), now=NOW)
    later = await conferences.create(NewConference(1, "T", NOW, NOW + 60, "S2", "pw"), now=NOW)
    invitations = InvitationRepository(db)
    await invitations.add(earlier, "bob@example.com", join_token="tok-bob", now=NOW)
    await invitations.add(earlier, "eve@example.com", join_token="tok-eve", now=NOW)
    eve = await db.fetch_value("SELECT id FROM invitations WHERE email = 'eve@example.com'")
    await invitations.remove(earlier, eve, now=NOW)

    await conferences.copy_audience(earlier, later)

    assert await invitations.conference_of_token("tok-bob") == later
    assert await invitations.conference_of_token("tok-eve") is None
    assert [i.email for i in await invitations.invitees(later)] == ["bob@example.com"]

"""Recurring conferences per meeting: the current meeting moves on when one ends, Join
joins today's meeting (the owner-absence rule starts afresh each time), and a reminder
goes out for each of two consecutive meetings exactly once, across a restart.

The clock stands at Wed 25 Nov 2026, 12:00 UTC (tests/e2e.py).
"""

import asyncio
from datetime import timedelta

import pytest

from bot.conferences import Draft
from tests.handlers.test_conference_log import person
from tests.handlers.test_joining import card_of, participant

HOUR = 3600
DAY = 24 * HOUR


async def schedule_series(bot, owner_id, *, repeat, in_hours=1, allow=True, topic="Stand-up"):
    conferences = bot.services.conferences
    start = bot.clock.timestamp() + in_hours * HOUR
    draft = Draft(
        topic=topic,
        starts_at=start,
        ends_at=start + HOUR // 2,
        code=f"series-{owner_id}",
        password="pw12",
        allow_without_owner=allow,
        repeat=repeat,
    )
    return await conferences.schedule(owner_id, draft, timezone="Europe/Berlin")


async def test_joining_the_second_meeting_joins_it_and_the_owner_rule_starts_afresh(bot, emu):
    anna, _ = await person(emu)
    series = await schedule_series(bot, anna.id, repeat="weekly", allow=False)
    first = series.starts_at
    boris, _ = await participant(emu, bot, anna.id, series.id, "Boris")
    for user in (anna, boris):
        await bot.update_profile(user.id, remember_name=True, display_name=user.first_name)
    # The first meeting: Anna joins it.
    bot.clock.advance(timedelta(hours=1, minutes=5))
    card = await card_of(anna)
    await anna.press(card, "▶️ Join")
    assert "Join “Stand-up” as Anna" in (await anna.expect_message()).text
    joined = await bot.services.conferences.owned(anna.id, series.id)
    assert joined.owner_joined_at is not None and joined.starts_at == first
    # A week later, at the second meeting: it is the current one, and nobody has joined
    # it yet, so Boris waits for Anna although she joined last week's.
    bot.clock.advance(timedelta(days=7))
    await boris.send("/log")
    log = await boris.expect_message()
    await boris.press(log, "Stand-up")
    boris_card = await boris.expect_edit(log)
    assert "🟢 online" in boris_card.text and "Wed 9 Dec 2026" in boris_card.text
    assert "🔁 Repeats: every Wednesday" in boris_card.text  # his card names the rhythm
    await boris.press(boris_card, "▶️ Join")
    assert "has not joined yet" in (await boris.expect_message()).text
    second = await bot.services.conferences.owned(anna.id, series.id)
    assert second.starts_at == first + 7 * DAY and second.owner_joined_at is None
    # Anna joins the second meeting: Boris gets its link.
    await anna.press(card, "▶️ Join")
    assert "Join “Stand-up” as Anna" in (await anna.expect_message()).text
    assert "Stand-up" in (await boris.expect_message()).text


class TestRemindersPerMeeting:
    @pytest.fixture
    def bot_settings(self):
        return {"REMINDER_CHECK_SECONDS": "1"}

    async def test_a_reminder_for_each_of_two_meetings_once_across_a_restart(self, bot, emu):
        anna, _ = await person(emu)
        series = await schedule_series(bot, anna.id, repeat="daily", topic="Retro")
        await anna.expect_no_message(within=1.5)
        bot.clock.advance(timedelta(minutes=51))  # 12:51: ten minutes before the first
        first = await anna.expect_message(timeout=5)
        assert "Your conference “Retro” starts" in first.text
        await bot.restart()
        await asyncio.sleep(1.5)
        await anna.expect_no_message(within=0.2)
        # After the first meeting and up to ten minutes before the second: nothing new.
        bot.clock.advance(timedelta(hours=23))  # 11:51 the next day
        await asyncio.sleep(1.5)
        await anna.expect_no_message(within=0.2)
        bot.clock.advance(timedelta(hours=1))  # 12:51: ten minutes before the second
        second = await anna.expect_message(timeout=5)
        assert "Your conference “Retro” starts" in second.text
        await bot.restart()
        await asyncio.sleep(1.5)
        await anna.expect_no_message(within=0.5)
        rows = await bot.services.database.fetch_all(
            "SELECT starts_at FROM reminders_sent WHERE conference_id = :id ORDER BY starts_at",
            {"id": series.id},
        )
        assert [row[0] for row in rows] == [series.starts_at, series.starts_at + DAY]


async def test_end_now_ends_one_meeting_and_the_next_keeps_its_length(bot, emu):
    anna, _ = await person(emu)
    series = await schedule_series(bot, anna.id, repeat="daily")
    bot.clock.advance(timedelta(hours=1, minutes=10))
    ended = await bot.services.conferences.end_now(anna.id, series.id)
    # The meeting ended, the series did not: its next meeting is current, as long as ever.
    current = ended.conference
    assert current.starts_at == series.starts_at + DAY
    assert current.ends_at - current.starts_at == HOUR // 2
    assert not bot.services.conferences.is_archived(current)

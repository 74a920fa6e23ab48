"""Recurring conferences, scheduling: typed rules in both languages, the "Repeats"
presets and ends on the review card, refusals that change nothing, the card and the log.

The clock stands at Wed 25 Nov 2026, 12:00 UTC (tests/e2e.py).
"""

from datetime import UTC, datetime, timedelta

from bot.conferences import Draft
from storage.conferences import ConferenceRepository
from tests.handlers.test_conference_log import person
from tests.handlers.test_edit_and_repeat import open_card
from tests.handlers.test_schedule import answer, begin


async def stored(bot, owner_id):
    return await ConferenceRepository(bot.services.database).list_scheduled(
        owner_id, now=0, limit=100
    )


async def test_weekly_series_typed_in_english(bot, emu):
    anna, _prompt = await begin(emu, bot)
    await answer(anna, "Stand-up")
    end_prompt = await answer(anna, "every Monday 10:00")
    assert "Repeats: every Monday" in end_prompt.text
    assert "Start: Mon 30 Nov 2026, 10:00 Moscow time (UTC+3)" in end_prompt.text
    review = await answer(anna, "30 min")
    assert "Repeats: every Monday; no end" in review.text
    assert "🔁 Repeats: every Monday" in review.button_texts()
    await anna.press(review, "🔁 Repeats: every Monday")
    presets = await anna.expect_edit(review)
    assert "How often does it repeat?" in presets.text
    await anna.press(presets, "Weekly on Monday")
    ends = await anna.expect_edit(presets)
    await anna.press(ends, "After a number of meetings")
    count_prompt = await anna.expect_edit(ends)
    assert "How many meetings" in count_prompt.text
    refused = await answer(anna, "501")
    assert "more than the allowed number of meetings (500)" in refused.text
    refused = await answer(anna, "no")
    assert "whole number of meetings" in refused.text
    review = await answer(anna, "10")
    assert "Repeats: every Monday; 10 meetings" in review.text
    await anna.press(review, "✅ Schedule")
    card = await anna.expect_edit(review)
    assert "Conference scheduled" in card.text
    assert "🔁 Repeats: every Monday, 10:00–10:30, next: Mon 7 Dec (10 meetings)" in card.text
    assert "Mon 14 Dec 2026, 10:00 Moscow time (UTC+3)" in card.text
    assert "Mon 1 Feb 2027" not in card.text
    # The next meetings, a page at a time.
    await anna.press(card, "Later meetings ▶")
    later = await anna.expect_edit(card)
    assert "Mon 1 Feb 2027, 10:00" in later.text and "Mon 14 Dec 2026" not in later.text
    assert "◀ Earlier meetings" in later.button_texts()
    [series] = await stored(bot, anna.id)
    assert series.rrule == "FREQ=WEEKLY;BYDAY=MO;COUNT=10"
    assert series.rrule_timezone == "Europe/Moscow"
    assert series.series_start == series.starts_at
    first = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert datetime.fromtimestamp(series.starts_at, UTC) == first
    last_end = datetime(2027, 2, 1, 7, 30, tzinfo=UTC)
    assert datetime.fromtimestamp(series.active_until, UTC) == last_end
    # The log shows the series once, at its current meeting.
    await anna.send("/log")
    log = await anna.expect_message()
    rows = [label for label in log.button_texts() if "Stand-up" in label]
    assert rows == ["10:00 🔁 Stand-up"]
    assert "🔁 Stand-up: every Monday, 10:00–10:30" in log.text


async def test_series_typed_in_russian(bot, emu):
    ivan, _prompt = await begin(emu, bot, name="Иван", language="ru")
    await answer(ivan, "Планёрка")
    end_prompt = await answer(ivan, "каждый вторник в 15:00")
    assert "Повтор: каждый вторник" in end_prompt.text
    assert "Начало: вт, 1 дек. 2026 г., 15:00" in end_prompt.text
    review = await answer(ivan, "1 ч")
    assert "Повтор: каждый вторник; без окончания" in review.text
    await ivan.press(review, "✅ Запланировать")
    card = await ivan.expect_edit(review)
    assert "🔁 Повтор: каждый вторник, 15:00–16:00, следующая: вт, 8 декабря" in card.text
    [series] = await stored(bot, ivan.id)
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU"
    assert series.active_until == 2**62


async def test_weekdays_at_a_time_and_every_two_weeks(bot, emu):
    anna, _prompt = await begin(emu, bot)
    await answer(anna, "Daily sync")
    asked_again = await answer(anna, "every 2 weeks")
    assert "Repeats: every 2 weeks" in asked_again.text and "Step 2 of 3" in asked_again.text
    end_prompt = await answer(anna, "weekdays at 9:30")
    # Today (Wed 25 Nov) 9:30 Moscow has passed: the first meeting is tomorrow.
    assert "Start: Thu 26 Nov 2026, 09:30" in end_prompt.text
    review = await answer(anna, "15 min")
    assert "Repeats: every weekday (Mon–Fri); no end" in review.text


async def test_refusals_change_nothing(bot, emu):
    anna, _prompt = await begin(emu, bot)
    await answer(anna, "Review")
    await answer(anna, "tomorrow 15:00")
    review = await answer(anna, "1 h")
    await anna.press(review, "🔁 Repeats: never")
    presets = await anna.expect_edit(review)
    await anna.press(presets, "Custom: chosen weekdays")
    days = await anna.expect_edit(presets)
    await anna.press(days, "✅ Thu")  # the start's weekday, chosen at first: off now
    days = await anna.expect_edit(days)
    await anna.press(days, "✅ Done")
    refused = await anna.expect_message()
    assert "names no weekday" in refused.text
    await anna.press(days, "Mon")
    days = await anna.expect_edit(days)
    await anna.press(days, "Wed")
    days = await anna.expect_edit(days)
    await anna.press(days, "✅ Done")
    ends = await anna.expect_edit(days)
    assert "every week on Mon, Wed" in ends.text
    await anna.press(ends, "On a date")
    until_prompt = await anna.expect_edit(ends)
    assert "Until which date" in until_prompt.text
    refused = await answer(anna, "20.11.2026")
    assert "cannot end before its first meeting" in refused.text
    refused = await answer(anna, "someday")
    assert "could not understand that date" in refused.text
    review = await answer(anna, "16.12.2026")
    assert "Repeats: every week on Mon, Wed; until 16 Dec 2026" in review.text
    await anna.press(review, "✅ Schedule")
    card = await anna.expect_edit(review)
    assert "Conference scheduled" in card.text
    [series] = await stored(bot, anna.id)
    assert series.rrule.startswith("FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261216T")
    # The first meeting is the first day the rule takes: Mon 30 Nov, not Thu 26 Nov.
    assert datetime.fromtimestamp(series.starts_at, UTC) == datetime(
        2026, 11, 30, 12, 0, tzinfo=UTC
    )
    assert datetime.fromtimestamp(series.active_until, UTC) == datetime(
        2026, 12, 16, 13, 0, tzinfo=UTC
    )


async def test_repeat_of_an_archived_series_asks_the_first_date_and_keeps_the_rule(bot, emu):
    anna, menu = await person(emu)
    start = bot.clock.timestamp() + 3600
    draft = Draft(
        topic="Sprint review",
        starts_at=start,
        ends_at=start + 3600,
        code="sprint-review",
        password="pw12",
        repeat="daily",
        repeat_count=3,
    )
    series = await bot.services.conferences.schedule(anna.id, draft, timezone="UTC")
    bot.clock.advance(timedelta(days=2, hours=1))  # during the last meeting: still scheduled
    assert not bot.services.conferences.is_archived(
        await bot.services.conferences.owned(anna.id, series.id)
    )
    bot.clock.advance(timedelta(hours=2))  # after the last meeting: archived, one row
    repository = ConferenceRepository(bot.services.database)
    now = bot.clock.timestamp()
    assert await repository.count_archive(anna.id, now=now) == 1
    card = await open_card(anna, menu, row="Sprint review", archive=True)
    assert "3 meetings" in card.text
    await anna.press(card, "🔁 Repeat")
    prompt = await anna.expect_edit(card)
    assert "Repeat “Sprint review”" in prompt.text
    review = await answer(anna, "1.12 09:00")
    assert "Repeats: every day; 3 meetings" in review.text
    await anna.press(review, "✅ Schedule")
    await anna.expect_edit(review)
    repeated = await repository.get(series.id)
    assert repeated.rrule == "FREQ=DAILY;COUNT=3"
    assert repeated.series_start == repeated.starts_at != series.series_start
    assert datetime.fromtimestamp(repeated.starts_at, UTC) == datetime(
        2026, 12, 1, 9, 0, tzinfo=UTC
    )

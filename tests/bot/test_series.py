"""bot/series.py and bot/series_text.py: expansion across DST, exceptions, limits, the
rule in words and typed rules."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.series import (
    MAX_MEETINGS,
    NO_END,
    Series,
    active_until,
    check,
    current,
    occurrences,
    preset_rule,
    with_end,
)
from bot.series_text import describe, describe_end, understand_rule
from bot.validation import InvalidInput
from storage.conferences import SeriesException

BERLIN = ZoneInfo("Europe/Berlin")


def _at(zone: str, *args: int) -> int:
    return int(datetime(*args, tzinfo=ZoneInfo(zone)).timestamp())


def _local(timestamp: int, zone: str) -> tuple[int, int, int, int, int]:
    at = datetime.fromtimestamp(timestamp, ZoneInfo(zone))
    return at.year, at.month, at.day, at.hour, at.minute


def test_weekly_berlin_keeps_ten_o_clock_across_both_changes() -> None:
    first = _at("Europe/Berlin", 2027, 3, 15, 10, 0)  # Monday, winter time
    series = Series("FREQ=WEEKLY;BYDAY=MO;COUNT=34", "Europe/Berlin", first, 1800)
    meetings = occurrences(series, now=first)
    assert len(meetings) == 34
    assert all(_local(m.starts_at, "Europe/Berlin")[3:] == (10, 0) for m in meetings)
    # UTC moves: 09:00Z before 28 March, 08:00Z after, 09:00Z again after 31 October.
    assert datetime.fromtimestamp(meetings[1].starts_at, ZoneInfo("UTC")).hour == 9
    assert datetime.fromtimestamp(meetings[2].starts_at, ZoneInfo("UTC")).hour == 8
    assert datetime.fromtimestamp(meetings[-1].starts_at, ZoneInfo("UTC")).hour == 9
    assert meetings[2].starts_at - meetings[1].starts_at == 7 * 86400 - 3600


def test_moscow_has_no_change_and_stays_at_ten() -> None:
    first = _at("Europe/Moscow", 2027, 3, 15, 10, 0)
    series = Series("FREQ=WEEKLY;BYDAY=MO;COUNT=40", "Europe/Moscow", first, 1800)
    starts = [m.starts_at for m in occurrences(series, now=first)]
    assert {b - a for a, b in zip(starts, starts[1:], strict=False)} == {7 * 86400}


def test_exceptions_move_and_cancel_meetings() -> None:
    first = _at("Europe/Berlin", 2027, 1, 4, 10, 0)
    week = 7 * 86400
    moved_to = first + week + 3 * 3600
    series = Series(
        "FREQ=WEEKLY;BYDAY=MO;COUNT=4",
        "Europe/Berlin",
        first,
        1800,
        (
            SeriesException(first + week, False, moved_to, moved_to + 3600),
            SeriesException(first + 2 * week, True),
        ),
    )
    meetings = occurrences(series, now=first)
    assert [(m.starts_at, m.ends_at) for m in meetings] == [
        (first, first + 1800),
        (moved_to, moved_to + 3600),
        (first + 3 * week, first + 3 * week + 1800),
    ]
    assert meetings[1].moved and meetings[1].original_start == first + week
    assert active_until(series, now=first) == first + 3 * week + 1800
    # The current meeting: the earliest whose end is ahead; the last once all are past.
    now = first + 1800
    current_meeting = current(series, now=now)
    assert current_meeting is not None and current_meeting.starts_at == moved_to
    last = current(series, now=first + 10 * week)
    assert last is not None and last.starts_at == first + 3 * week


def test_series_without_end_is_expanded_two_years_ahead() -> None:
    first = _at("Europe/Berlin", 2027, 1, 4, 10, 0)
    series = Series("FREQ=WEEKLY;BYDAY=MO", "Europe/Berlin", first, 1800)
    meetings = occurrences(series, now=first)
    assert 104 <= len(meetings) <= 106
    assert active_until(series, now=first) == NO_END


def test_bad_rules_are_refused() -> None:
    first = _at("Europe/Berlin", 2027, 1, 4, 10, 0)
    too_many = Series(f"FREQ=DAILY;COUNT={MAX_MEETINGS + 1}", "Europe/Berlin", first, 1800)
    with pytest.raises(InvalidInput) as error:
        check(too_many, now=first)
    assert error.value.key == "series.bad_too_many"
    until_far = Series(with_end("FREQ=DAILY", until=first + 600 * 86400), "UTC", first, 60)
    with pytest.raises(InvalidInput) as error:
        check(until_far, now=first)
    assert error.value.key == "series.bad_too_many"
    before = Series(with_end("FREQ=DAILY", until=first - 86400), "Europe/Berlin", first, 60)
    with pytest.raises(InvalidInput) as error:
        check(before, now=first)
    assert error.value.key == "series.bad_until_before_start"
    assert len(check(Series("FREQ=DAILY;COUNT=3", "UTC", first, 60), now=first)) == 3


def test_presets_follow_the_first_meeting() -> None:
    first = _at("Europe/Berlin", 2027, 1, 12, 10, 0)  # the 2nd Tuesday of January
    kwargs = {"first_start": first, "timezone": "Europe/Berlin"}
    assert preset_rule("weekly", **kwargs) == "FREQ=WEEKLY;BYDAY=TU"
    assert preset_rule("biweekly", **kwargs) == "FREQ=WEEKLY;BYDAY=TU;INTERVAL=2"
    assert preset_rule("monthly_day", **kwargs) == "FREQ=MONTHLY;BYDAY=2TU"
    assert preset_rule("monthly_date", **kwargs) == "FREQ=MONTHLY;BYMONTHDAY=12"
    assert preset_rule("custom", days=("WE", "MO"), **kwargs) == "FREQ=WEEKLY;BYDAY=MO,WE"
    assert preset_rule("weekdays", **kwargs) == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def test_rule_in_words() -> None:
    assert describe("en", "FREQ=WEEKLY;BYDAY=MO") == "every Monday"
    assert describe("ru", "FREQ=WEEKLY;BYDAY=WE") == "каждую среду"
    assert describe("en", "FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2") == "every 2 weeks on Mon, Wed"
    assert describe("ru", "FREQ=MONTHLY;BYDAY=2TU") == "каждый месяц, во 2-й вторник"
    assert describe("en", "FREQ=MONTHLY;BYDAY=-1FR") == "every month on the last Friday"
    assert describe("en", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR") == "every weekday (Mon–Fri)"
    assert describe_end("ru", "FREQ=DAILY;COUNT=5", "UTC") == "5 встреч"
    assert describe_end("en", "FREQ=DAILY;UNTIL=20270301T225959Z", "Europe/Moscow") == (
        "until 2 Mar 2027"
    )


@pytest.mark.parametrize(
    ("typed", "preset", "days", "interval", "rest"),
    [
        ("every Monday 10:00", "weekly", ("MO",), 1, "10:00"),
        ("каждый вторник в 15:00", "weekly", ("TU",), 1, "15:00"),
        ("weekdays at 9:30", "weekdays", (), 1, "9:30"),
        ("every 2 weeks", "weekly", (), 2, ""),
        ("по вторникам и четвергам в 11", "weekly", ("TU", "TH"), 1, "11"),
        ("раз в 2 недели по средам 12:00", "weekly", ("WE",), 2, "12:00"),
        ("каждый день 9:00", "daily", (), 1, "9:00"),
        ("every month", "monthly_date", (), 1, ""),
    ],
)
def test_typed_rules(
    typed: str, preset: str, days: tuple[str, ...], interval: int, rest: str
) -> None:
    rule = understand_rule(typed)
    assert rule is not None
    assert (rule.preset, rule.days, rule.interval, rule.rest) == (preset, days, interval, rest)


@pytest.mark.parametrize(
    "typed", ["tomorrow 10:00", "every blursday", "каждый раз", "friday 15:00"]
)
def test_not_a_rule(typed: str) -> None:
    assert understand_rule(typed) is None


def test_on_a_single_day_is_not_a_rule() -> None:
    assert understand_rule("on Friday 15:00") is None

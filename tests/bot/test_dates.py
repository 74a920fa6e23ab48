"""Tests for bot.dates: start/end/duration parsing in English and Russian."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dates import (
    StartDay,
    StartMoment,
    StartRange,
    parse_duration,
    parse_end,
    parse_start,
    understand_start,
    warm_up,
)
from bot.dates import durations as dates_durations
from bot.dates import ends as dates_ends
from bot.dates import fallback as dates_fallback
from bot.dates import moments as dates_moments
from bot.formatting import format_moment

# Wednesday 25 November 2026, 12:00 UTC = 15:00 in Moscow (UTC+3, no DST).
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TZ = "Europe/Moscow"
MSK = ZoneInfo(TZ)


def local(dt: datetime | None, zone: ZoneInfo = MSK) -> str | None:
    return None if dt is None else dt.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def assert_utc(dt: datetime) -> None:
    assert dt.tzinfo is UTC
    assert dt.utcoffset() == timedelta(0)


def start(text: str, language: str = "en", now: datetime = NOW, tz: str = TZ):
    return parse_start(text, now=now, tz=tz, language=language)


# --------------------------------------------------------------------------
# English starts
# --------------------------------------------------------------------------

EN_CASES = [
    ("tomorrow 15:00", "2026-11-26 15:00"),
    ("tomorrow at 3pm", "2026-11-26 15:00"),
    ("Tomorrow at 3 PM", "2026-11-26 15:00"),
    ("tomorrow at 3 p.m.", "2026-11-26 15:00"),
    ("today 18:30", "2026-11-25 18:30"),
    ("today at 9pm", "2026-11-25 21:00"),
    ("15:00", "2026-11-25 15:00"),  # exactly now: still today
    ("16:45", "2026-11-25 16:45"),
    ("14:00", "2026-11-26 14:00"),  # passed an hour ago -> tomorrow
    ("14:57", "2026-11-25 14:57"),  # passed 3 minutes ago: within the grace
    ("15", "2026-11-25 15:00"),
    ("at 9", "2026-11-26 09:00"),
    ("25.12 10:30", "2026-12-25 10:30"),
    ("25.12.2026 10:30", "2026-12-25 10:30"),
    ("25.12.26 10:30", "2026-12-25 10:30"),
    ("2026-12-25 10:30", "2026-12-25 10:30"),
    ("2026-12-25T10:30", "2026-12-25 10:30"),
    ("12/25 10:30", "2026-12-25 10:30"),  # en: month/day
    ("25/12 10:30", "2026-12-25 10:30"),  # impossible as M/D -> D/M
    ("05.06 10:00", "2027-06-05 10:00"),  # dots: day.month, 5 June
    ("25.11 11:00", "2027-11-25 11:00"),  # today's date but passed -> next year
    ("in 2 hours", "2026-11-25 17:00"),
    ("in 30 minutes", "2026-11-25 15:30"),
    ("in 1 hour 30 minutes", "2026-11-25 16:30"),
    ("in an hour", "2026-11-25 16:00"),
    ("in half an hour", "2026-11-25 15:30"),
    ("2 hours from now", "2026-11-25 17:00"),
    ("next monday 10:00", "2026-11-30 10:00"),
    ("monday 10:00", "2026-11-30 10:00"),
    ("on Friday at 5pm", "2026-11-27 17:00"),
    ("wednesday 16:00", "2026-11-25 16:00"),  # today, still ahead
    ("wednesday 14:00", "2026-12-02 14:00"),  # today but passed -> next week
    ("next wednesday 16:00", "2026-12-02 16:00"),  # "next": never today
    ("dec 25 10:30", "2026-12-25 10:30"),
    ("Dec 25, 2026 at 10:30 am", "2026-12-25 10:30"),
    ("25 december 10:30", "2026-12-25 10:30"),
    ("the 25th of December at 10:30", "2026-12-25 10:30"),
    ("3pm tomorrow", "2026-11-26 15:00"),
    ("at noon tomorrow", "2026-11-26 12:00"),
    ("tonight at 9", "2026-11-25 21:00"),
    ("tomorrow evening at 7", "2026-11-26 19:00"),
    ("tomorrow morning at 9:30", "2026-11-26 09:30"),
    ("29.02 10:00", "2028-02-29 10:00"),  # next leap year
    ("  tomorrow   15:00 ", "2026-11-26 15:00"),
    # dateparser fallback
    ("in 2 days at 10:00", "2026-11-27 10:00"),
    ("15:00 UTC", "2026-11-25 18:00"),  # an explicit zone wins
]


@pytest.mark.parametrize(("text", "expected"), EN_CASES)
def test_start_english(text: str, expected: str) -> None:
    result = start(text, "en")
    assert result is not None, text
    assert_utc(result)
    assert local(result) == expected


# --------------------------------------------------------------------------
# Russian starts
# --------------------------------------------------------------------------

RU_CASES = [
    ("завтра в 15:00", "2026-11-26 15:00"),
    ("Завтра 15:00", "2026-11-26 15:00"),
    ("сегодня в 18:30", "2026-11-25 18:30"),
    ("послезавтра в 9", "2026-11-27 09:00"),
    ("через час", "2026-11-25 16:00"),
    ("через 2 часа", "2026-11-25 17:00"),
    ("через 30 минут", "2026-11-25 15:30"),
    ("через полчаса", "2026-11-25 15:30"),
    ("через полтора часа", "2026-11-25 16:30"),
    ("через 1 ч 30 мин", "2026-11-25 16:30"),
    ("в понедельник в 10:00", "2026-11-30 10:00"),
    ("в пятницу в 17:00", "2026-11-27 17:00"),
    ("в следующую пятницу в 17:00", "2026-11-27 17:00"),
    ("в среду в 16:00", "2026-11-25 16:00"),
    ("в следующую среду в 16:00", "2026-12-02 16:00"),
    ("во вторник в 9:15", "2026-12-01 09:15"),
    ("в воскресенье в 12:00", "2026-11-29 12:00"),
    ("25 декабря в 10:30", "2026-12-25 10:30"),
    ("25 дек 2026 г. в 10:30", "2026-12-25 10:30"),
    ("1 января в 12:00", "2027-01-01 12:00"),
    ("25.12 в 10:30", "2026-12-25 10:30"),
    ("25/12 10:30", "2026-12-25 10:30"),  # ru: day/month
    ("12/11 10:00", "2027-11-12 10:00"),  # ru: 12 Nov, passed -> next year
    ("сейчас", "2026-11-25 15:00"),
    ("в 9", "2026-11-26 09:00"),
    ("в 15:30", "2026-11-25 15:30"),
    ("завтра в 15.30", "2026-11-26 15:30"),
    ("15.30", "2026-11-25 15:30"),  # not a valid day.month -> a time
    ("в 15 часов", "2026-11-25 15:00"),
    ("завтра в 10 утра", "2026-11-26 10:00"),
    ("завтра вечером в 7", "2026-11-26 19:00"),
    ("в 3 дня", "2026-11-25 15:00"),
    ("в 11 ночи", "2026-11-25 23:00"),
    ("в 2 ночи", "2026-11-26 02:00"),
    ("в 10 утра завтра", "2026-11-26 10:00"),
    ("Завтра в 15:00!", "2026-11-26 15:00"),
    # dateparser fallback
    ("через неделю в 10:00", "2026-12-02 10:00"),
]


@pytest.mark.parametrize(("text", "expected"), RU_CASES)
def test_start_russian(text: str, expected: str) -> None:
    result = start(text, "ru")
    assert result is not None, text
    assert_utc(result)
    assert local(result) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # people mix languages: the other one is tried as well
        ("tomorrow 15:00", "ru", "2026-11-26 15:00"),
        ("завтра в 15:00", "en", "2026-11-26 15:00"),
        ("next monday 10:00", "ru", "2026-11-30 10:00"),
        ("25 декабря в 10:30", "en", "2026-12-25 10:30"),
        ("in 2 days at 10:00", "ru", "2026-11-27 10:00"),
        # slash order depends on the language
        ("12/11 10:00", "en", "2026-12-11 10:00"),
        ("12/11 10:00", "ru", "2027-11-12 10:00"),
        # unknown/regional language codes fall back sensibly
        ("завтра в 15:00", "ru-RU", "2026-11-26 15:00"),
        ("tomorrow 15:00", "de", "2026-11-26 15:00"),
    ],
)
def test_language_mixing(text: str, language: str, expected: str) -> None:
    assert local(start(text, language)) == expected


def test_now_is_exact() -> None:
    now = NOW.replace(second=37, microsecond=123)
    assert start("now", now=now) == now
    assert start("сейчас", "ru", now=now) == now


def test_results_are_whole_minutes() -> None:
    now = NOW.replace(second=37, microsecond=123)
    result = start("in 30 minutes", now=now)
    assert result == datetime(2026, 11, 25, 12, 30, tzinfo=UTC)


def test_naive_now_is_taken_as_utc() -> None:
    result = start("in 2 hours", now=NOW.replace(tzinfo=None))
    assert result == NOW + timedelta(hours=2)


def test_unknown_time_zone_raises_value_error() -> None:
    with pytest.raises(ValueError):
        parse_start("tomorrow 15:00", now=NOW, tz="Mars/Olympus", language="en")


# --------------------------------------------------------------------------
# Rolling of past times
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now_local", "text", "expected"),
    [
        ("2026-11-25 23:50", "00:10", "2026-11-26 00:10"),
        ("2026-11-25 23:50", "23:55", "2026-11-25 23:55"),
        ("2026-11-25 10:04", "10:00", "2026-11-25 10:00"),  # 4 min: grace
        ("2026-11-25 10:06", "10:00", "2026-11-26 10:00"),  # 6 min: rolled
        ("2026-11-25 10:06", "today 10:00", "2026-11-25 10:00"),  # explicit day
        ("2026-12-31 18:00", "01.01 10:00", "2027-01-01 10:00"),
        ("2026-12-31 18:00", "31.12 10:00", "2027-12-31 10:00"),
        ("2026-11-30 12:00", "monday 11:00", "2026-12-07 11:00"),
        ("2026-11-30 12:00", "monday 13:00", "2026-11-30 13:00"),
        ("2026-11-30 12:00", "next monday 13:00", "2026-12-07 13:00"),
    ],
)
def test_past_times_roll_forward(now_local: str, text: str, expected: str) -> None:
    now = datetime.fromisoformat(now_local).replace(tzinfo=MSK).astimezone(UTC)
    assert local(start(text, now=now)) == expected


# --------------------------------------------------------------------------
# Daylight saving time
# --------------------------------------------------------------------------

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def test_dst_new_york_november() -> None:
    # Saturday 31 Oct 2026 08:00 EDT; clocks go back on Sunday 1 Nov 02:00.
    now = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    tz = "America/New_York"
    tomorrow = parse_start("tomorrow 15:00", now=now, tz=tz, language="en")
    assert tomorrow == datetime(2026, 11, 1, 20, 0, tzinfo=UTC)  # EST
    assert local(tomorrow, NY) == "2026-11-01 15:00"
    monday = parse_start("monday 9:00", now=now, tz=tz, language="en")
    assert monday == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    # "today" still has the summer offset
    today = parse_start("today 18:00", now=now, tz=tz, language="en")
    assert today == datetime(2026, 10, 31, 22, 0, tzinfo=UTC)
    # relative offsets are elapsed time: 24 h later the clock shows 07:00
    later = parse_start("in 24 hours", now=now, tz=tz, language="en")
    assert later == now + timedelta(hours=24)
    assert local(later, NY) == "2026-11-01 07:00"
    # an ambiguous wall time is its first occurrence (EDT)
    ambiguous = parse_start("tomorrow 1:30", now=now, tz=tz, language="en")
    assert ambiguous == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    # dateparser fallback is localised with the right offset too
    fallback = parse_start("in 2 days at 10:00", now=now, tz=tz, language="en")
    assert fallback == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_dst_berlin_march() -> None:
    # Saturday 28 Mar 2026 13:00 CET; clocks go forward on Sunday 29 Mar 02:00.
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    tz = "Europe/Berlin"
    tomorrow = parse_start("tomorrow 10:00", now=now, tz=tz, language="en")
    assert tomorrow == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # CEST
    assert local(tomorrow, BERLIN) == "2026-03-29 10:00"
    ru = parse_start("завтра в 10:00", now=now, tz=tz, language="ru")
    assert ru == tomorrow
    today = parse_start("сегодня в 18:00", now=now, tz=tz, language="ru")
    assert today == datetime(2026, 3, 28, 17, 0, tzinfo=UTC)  # CET
    # 02:30 does not exist that night: read with the winter offset (= 03:30 CEST)
    gap = parse_start("tomorrow 02:30", now=now, tz=tz, language="en")
    assert gap == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert local(gap, BERLIN) == "2026-03-29 03:30"
    later = parse_start("через 24 часа", now=now, tz=tz, language="ru")
    assert later == now + timedelta(hours=24)
    assert local(later, BERLIN) == "2026-03-29 14:00"
    # an end given as a wall time on the start's day, across the change
    begin = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    end = parse_end("04:00", start=begin, now=now, tz=tz, language="en")
    assert end == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)  # 04:00 CEST


# --------------------------------------------------------------------------
# Rejections
# --------------------------------------------------------------------------

REJECTED = [
    "",
    "   ",
    "\n\t",
    "tomorrow",
    "завтра",
    "next monday",
    "в понедельник",
    "25.12",
    "25 декабря",
    "dec 25",
    "2026-12-25",
    "in 2 days",
    "через 2 дня",
    "10.12",  # a day.month, not a time
    "999:99",
    "32.13",
    "32.13 10:00",
    "25.13 10:00",
    "31.04 10:00",
    "25:00",
    "24:00",
    "today 25:00",
    "15pm",
    "13 утра",
    "<b>x</b>",
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "hello",
    "привет",
    "🎉",
    "🕒🕒🕒",
    "\x00",
    "tomorrow\x00 15:00",
    "\x1b[31m15:00",
    "a" * 10_000,
    "tomorrow 15:00 " + "x" * 200,
    "1" * 300,
    "null",
    "None",
    "-1",
    "1e9",
    "$(rm -rf /)",
]


@pytest.mark.parametrize("text", REJECTED)
@pytest.mark.parametrize("language", ["en", "ru"])
def test_rejected(text: str, language: str) -> None:
    assert start(text, language) is None
    begin = NOW + timedelta(hours=1)
    if text not in ("in 2 days", "через 2 дня"):  # valid durations of an end
        assert parse_end(text, start=begin, now=NOW, tz=TZ, language=language) is None


@pytest.mark.parametrize("value", [None, 15, b"15:00", ["15:00"]])
def test_non_string_input(value: object) -> None:
    assert parse_start(value, now=NOW, tz=TZ, language="en") is None  # type: ignore[arg-type]
    assert parse_duration(value) is None  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Durations
# --------------------------------------------------------------------------

DURATIONS = [
    ("90 min", timedelta(minutes=90)),
    ("90 minutes", timedelta(minutes=90)),
    ("1h30", timedelta(hours=1, minutes=30)),
    ("1h 30m", timedelta(hours=1, minutes=30)),
    ("1 h 30 min", timedelta(hours=1, minutes=30)),
    ("1 hour and 30 minutes", timedelta(hours=1, minutes=30)),
    ("2 hours", timedelta(hours=2)),
    ("2hrs", timedelta(hours=2)),
    ("45", timedelta(minutes=45)),
    ("1:30", timedelta(hours=1, minutes=30)),
    ("0:45", timedelta(minutes=45)),
    ("1.5h", timedelta(hours=1, minutes=30)),
    ("half an hour", timedelta(minutes=30)),
    ("an hour and a half", timedelta(minutes=90)),
    ("an hour", timedelta(hours=1)),
    ("two hours", timedelta(hours=2)),
    ("полтора часа", timedelta(minutes=90)),
    ("2 часа", timedelta(hours=2)),
    ("90 минут", timedelta(minutes=90)),
    ("1 ч 30 мин", timedelta(hours=1, minutes=30)),
    ("1ч30м", timedelta(hours=1, minutes=30)),
    ("30м", timedelta(minutes=30)),
    ("полчаса", timedelta(minutes=30)),
    ("пол часа", timedelta(minutes=30)),
    ("час", timedelta(hours=1)),
    ("час 30", timedelta(hours=1, minutes=30)),
    ("час с половиной", timedelta(minutes=90)),
    ("1,5 часа", timedelta(minutes=90)),
    ("два часа", timedelta(hours=2)),
    ("сорок пять минут", timedelta(minutes=45)),
    ("2 часа 15 минут", timedelta(hours=2, minutes=15)),
    ("1 день", timedelta(days=1)),
]


@pytest.mark.parametrize(("text", "expected"), DURATIONS)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0",
        "0 min",
        "abc",
        "m",
        "1.5",
        "2 hours 3 hours",
        "30 min 10 min",
        "1 2 3",
        "999999999999",
        "10000 days",
        "-5",
        "tomorrow",
        "15:00:00",
        "1:75",
        "\x00",
        "<b>1h</b>",
        "1h" * 150,
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    assert parse_duration(text) is None


# --------------------------------------------------------------------------
# Ends
# --------------------------------------------------------------------------

# Start: Thursday 26 Nov 2026 15:00 Moscow
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

END_CASES = [
    ("16:30", "en", "2026-11-26 16:30"),
    ("14:00", "en", "2026-11-26 14:00"),  # before the start: returned as is
    ("1:30", "en", "2026-11-26 16:30"),  # single-digit hour, not after start
    ("01:30", "en", "2026-11-26 01:30"),  # leading zero: a time
    ("2:00", "en", "2026-11-26 17:00"),
    ("90 min", "en", "2026-11-26 16:30"),
    ("1h30", "en", "2026-11-26 16:30"),
    ("1 h 30 min", "en", "2026-11-26 16:30"),
    ("2 hours", "en", "2026-11-26 17:00"),
    ("45", "en", "2026-11-26 15:45"),
    ("1.5h", "en", "2026-11-26 16:30"),
    ("for 2 hours", "en", "2026-11-26 17:00"),
    ("in 2 hours", "en", "2026-11-26 17:00"),  # relative to the start
    ("until 5pm", "en", "2026-11-26 17:00"),
    ("5pm", "en", "2026-11-26 17:00"),
    ("tomorrow 17:00", "en", "2026-11-26 17:00"),  # 'tomorrow' is from now
    ("friday 10:00", "en", "2026-11-27 10:00"),
    ("полтора часа", "ru", "2026-11-26 16:30"),
    ("2 часа", "ru", "2026-11-26 17:00"),
    ("90 минут", "ru", "2026-11-26 16:30"),
    ("1 ч 30 мин", "ru", "2026-11-26 16:30"),
    ("30м", "ru", "2026-11-26 15:30"),
    ("на 2 часа", "ru", "2026-11-26 17:00"),
    ("через час", "ru", "2026-11-26 16:00"),
    ("до 16:30", "ru", "2026-11-26 16:30"),
    ("в 16", "ru", "2026-11-26 16:00"),
    ("в 6 вечера", "ru", "2026-11-26 18:00"),
    ("завтра в 17:00", "ru", "2026-11-26 17:00"),
    ("27.11 в 10:00", "ru", "2026-11-27 10:00"),
]


@pytest.mark.parametrize(("text", "language", "expected"), END_CASES)
def test_parse_end(text: str, language: str, expected: str) -> None:
    result = parse_end(text, start=START, now=NOW, tz=TZ, language=language)
    assert result is not None, text
    assert_utc(result)
    assert local(result) == expected


def test_end_bare_time_is_on_the_start_day_not_rolled() -> None:
    # start next week; "16:30" must be on the start's day, not today/tomorrow
    begin = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # 15:00 MSK
    assert local(parse_end("16:30", start=begin, now=NOW, tz=TZ, language="en")) == (
        "2026-12-03 16:30"
    )
    assert local(parse_end("10:00", start=begin, now=NOW, tz=TZ, language="en")) == (
        "2026-12-03 10:00"
    )


def test_end_rejects_garbage_durations() -> None:
    for text in ("for ever", "на века", "0", "0 min", "for 0 minutes"):
        assert parse_end(text, start=START, now=NOW, tz=TZ, language="en") is None


# --------------------------------------------------------------------------
# Misc
# --------------------------------------------------------------------------


def test_warm_up_loads_dateparser_for_both_language_orders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dateparser import DateDataParser

    # as in a fresh process: dateparser not loaded, no settings built
    monkeypatch.setattr(dates_fallback, "_parser_class", None)
    monkeypatch.setattr(dates_fallback, "_settings_cache", {})
    warm_up()
    assert dates_fallback._parser_class is DateDataParser
    assert set(dates_fallback._settings_cache) == {("en", "ru"), ("ru", "en")}


def test_failures_log_the_length_not_the_text(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "hunter2-correct-horse"

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"cannot read {args[0]!r}")  # messages may quote the input

    monkeypatch.setattr(dates_moments, "fast_moment", explode)
    monkeypatch.setattr(dates_ends, "relative_offset", explode)
    monkeypatch.setattr(dates_durations, "duration_parts", explode)
    caplog.set_level(logging.DEBUG, logger="bot.dates")
    assert start(secret) is None
    assert parse_end(secret, start=START, now=NOW, tz=TZ, language="en") is None
    assert parse_duration(secret) is None
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 3
    assert all(f"a {len(secret)}-character text: RuntimeError" in m for m in messages)
    assert not any(secret in caplog.text or secret in m for m in messages)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.text(alphabet="0123456789:./- apmhчвзсегодняtomrwinчерзасмину", max_size=20),
    ),
    language=st.sampled_from(["en", "ru"]),
)
def test_property_never_raises_and_returns_aware_utc(text: str, language: str) -> None:
    result = start(text, language)
    assert result is None or (isinstance(result, datetime) and result.tzinfo is UTC)
    end = parse_end(text, start=START, now=NOW, tz=TZ, language=language)
    assert end is None or (isinstance(end, datetime) and end.tzinfo is UTC)
    duration = parse_duration(text)
    assert duration is None or duration > timedelta(0)


# --------------------------------------------------------------------------
# Yesterday: read by the fast path, so the form can say "already passed"
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("yesterday 10:00", "en", "2026-11-24 10:00"),
        ("yesterday at 10", "en", "2026-11-24 10:00"),
        ("the day before yesterday at 9am", "en", "2026-11-23 09:00"),
        ("вчера в 10", "ru", "2026-11-24 10:00"),
        ("вчера в 10:00", "ru", "2026-11-24 10:00"),
        ("позавчера в 9 утра", "ru", "2026-11-23 09:00"),
    ],
)
def test_yesterday_is_a_past_moment_not_a_riddle(
    text: str, language: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fast path must read it: dateparser is not asked.
    monkeypatch.setattr(dates_moments, "slow_moment", _no_dateparser)
    result = start(text, language)
    assert local(result) == expected
    assert result is not None and result < NOW
    assert understand_start(text, now=NOW, tz=TZ, language=language) == StartMoment(result)


def _no_dateparser(*args: object, **kwargs: object) -> None:
    raise AssertionError("dateparser was asked")


# --------------------------------------------------------------------------
# understand_start: a day without a time
# --------------------------------------------------------------------------


def understand(text: str, language: str = "en", now: datetime = NOW, tz: str = TZ, **kwargs):
    return understand_start(text, now=now, tz=tz, language=language, **kwargs)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("friday", "en", "2026-11-27"),
        ("on Friday", "en", "2026-11-27"),
        ("wednesday", "en", "2026-11-25"),  # today is Wednesday: today
        ("next wednesday", "en", "2026-12-02"),  # "next": never today
        ("in 2 days", "en", "2026-11-27"),
        ("in 1 week", "en", "2026-12-02"),
        ("2 days from now", "en", "2026-11-27"),
        ("Dec 3", "en", "2026-12-03"),
        ("3 December", "en", "2026-12-03"),
        ("25.12", "en", "2026-12-25"),
        ("12/25", "en", "2026-12-25"),
        ("25.11", "en", "2026-11-25"),  # today's date: today, not next year
        ("24.11", "en", "2027-11-24"),  # passed: next year
        ("29.02", "en", "2028-02-29"),
        ("2026-12-03", "en", "2026-12-03"),
        ("03.12.2026", "en", "2026-12-03"),
        ("tomorrow", "en", "2026-11-26"),
        ("Tomorrow.", "en", "2026-11-26"),
        ("the day after tomorrow", "en", "2026-11-27"),
        ("yesterday", "en", "2026-11-24"),  # a past day: the caller refuses it
        ("в пятницу", "ru", "2026-11-27"),
        ("пятница", "ru", "2026-11-27"),
        ("в следующую среду", "ru", "2026-12-02"),
        ("через 2 дня", "ru", "2026-11-27"),
        ("через неделю", "ru", "2026-12-02"),
        ("3 декабря", "ru", "2026-12-03"),
        ("25.12", "ru", "2026-12-25"),
        ("25/12", "ru", "2026-12-25"),
        ("2026-12-03", "ru", "2026-12-03"),
        ("завтра", "ru", "2026-11-26"),
        ("послезавтра", "ru", "2026-11-27"),
        ("вчера", "ru", "2026-11-24"),
        ("позавчера", "ru", "2026-11-23"),
    ],
)
def test_a_day_without_a_time_is_a_day(text: str, language: str, expected: str) -> None:
    assert understand(text, language) == StartDay(date.fromisoformat(expected))
    assert start(text, language) is None  # parse_start keeps its contract


def test_a_day_is_the_local_day_of_the_users_zone() -> None:
    # 23:30 UTC on Wednesday is already Thursday in Moscow.
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert understand("tomorrow", now=late) == StartDay(date(2026, 11, 27))
    assert understand("tomorrow", now=late, tz="America/New_York") == StartDay(date(2026, 11, 26))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("tomorrow evening", "en"),  # says something about the time: not a bare day
        ("завтра вечером", "ru"),
        ("friday EST", "en"),  # a zone says nothing without a time
        ("in 1.5 days", "en"),
        ("32.12", "en"),
        ("31.04", "ru"),
        ("2026-02-30", "en"),
        ("hello", "en"),
        ("привет", "ru"),
        ("someday", "en"),
    ],
)
def test_not_a_day(text: str, language: str) -> None:
    assert understand(text, language) is None


# --------------------------------------------------------------------------
# understand_start: a time on the day asked about
# --------------------------------------------------------------------------

FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("15:00", "en", "2026-11-27 15:00"),
        ("3pm", "en", "2026-11-27 15:00"),
        ("at 9", "en", "2026-11-27 09:00"),
        ("15", "en", "2026-11-27 15:00"),
        ("noon", "en", "2026-11-27 12:00"),
        ("10:00", "en", "2026-11-27 10:00"),  # earlier than now's clock: still that day
        ("в 15", "ru", "2026-11-27 15:00"),
        ("в 9 утра", "ru", "2026-11-27 09:00"),
        ("15.30", "ru", "2026-11-27 15:30"),
        ("в 7 вечера", "ru", "2026-11-27 19:00"),
        # a text with a date of its own keeps its date
        ("tomorrow 10:00", "en", "2026-11-26 10:00"),
        ("завтра в 10", "ru", "2026-11-26 10:00"),
    ],
)
def test_a_time_on_the_day_asked_about(text: str, language: str, expected: str) -> None:
    answer = understand(text, language, day=FRIDAY)
    assert isinstance(answer, StartMoment), answer
    assert local(answer.at) == expected


def test_a_time_on_today_is_not_rolled_to_tomorrow() -> None:
    today = date(2026, 11, 25)  # now is 15:00 in Moscow
    answer = understand("10:00", day=today)
    assert isinstance(answer, StartMoment) and local(answer.at) == "2026-11-25 10:00"


def test_another_day_at_the_time_question_is_a_day() -> None:
    assert understand("saturday", day=FRIDAY) == StartDay(date(2026, 11, 28))
    assert understand("в субботу", "ru", day=FRIDAY) == StartDay(date(2026, 11, 28))


# --------------------------------------------------------------------------
# understand_start: a start and an end in one answer
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "begins", "ends"),
    [
        ("tomorrow 15:00-16:00", "en", "2026-11-26 15:00", "2026-11-26 16:00"),
        ("tomorrow 15:00–16:30", "en", "2026-11-26 15:00", "2026-11-26 16:30"),
        ("tomorrow 15:00 — 16:30", "en", "2026-11-26 15:00", "2026-11-26 16:30"),
        ("friday 10am to 11:30am", "en", "2026-11-27 10:00", "2026-11-27 11:30"),
        ("friday from 10am until 1pm", "en", "2026-11-27 10:00", "2026-11-27 13:00"),
        ("15:00-16:00", "en", "2026-11-25 15:00", "2026-11-25 16:00"),  # today
        ("16-17", "en", "2026-11-25 16:00", "2026-11-25 17:00"),  # bare hours
        ("2026-12-03 10:00-11:00", "en", "2026-12-03 10:00", "2026-12-03 11:00"),
        ("tomorrow 15:00 for 2 hours", "en", "2026-11-26 15:00", "2026-11-26 17:00"),
        ("tomorrow 15:00 - 90 min", "en", "2026-11-26 15:00", "2026-11-26 16:30"),
        ("завтра с 15 до 16", "ru", "2026-11-26 15:00", "2026-11-26 16:00"),
        ("завтра 15:00-16:00", "ru", "2026-11-26 15:00", "2026-11-26 16:00"),
        ("завтра с 15:00 до 16:30", "ru", "2026-11-26 15:00", "2026-11-26 16:30"),
        ("в пятницу с 10 до 11:30", "ru", "2026-11-27 10:00", "2026-11-27 11:30"),
        ("с 16 до 17", "ru", "2026-11-25 16:00", "2026-11-25 17:00"),
        ("завтра в 15 на 2 часа", "ru", "2026-11-26 15:00", "2026-11-26 17:00"),
        ("25.12 10:00-11:00", "ru", "2026-12-25 10:00", "2026-12-25 11:00"),
    ],
)
def test_a_range_gives_start_and_end(text: str, language: str, begins: str, ends: str) -> None:
    answer = understand(text, language)
    assert isinstance(answer, StartRange), answer
    assert_utc(answer.start)
    assert_utc(answer.end)
    assert (local(answer.start), local(answer.end)) == (begins, ends)


def test_a_range_on_the_day_asked_about() -> None:
    answer = understand("15:00-16:00", day=FRIDAY)
    assert isinstance(answer, StartRange)
    assert (local(answer.start), local(answer.end)) == ("2026-11-27 15:00", "2026-11-27 16:00")
    answer = understand("с 15 до 16", "ru", day=FRIDAY)
    assert isinstance(answer, StartRange)
    assert (local(answer.start), local(answer.end)) == ("2026-11-27 15:00", "2026-11-27 16:00")


def test_a_range_end_before_the_start_is_returned_for_the_caller_to_refuse() -> None:
    answer = understand("tomorrow 16:00-15:00")
    assert isinstance(answer, StartRange)
    assert answer.end < answer.start
    assert local(answer.end) == "2026-11-26 15:00"  # on the start's day, not rolled


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("tomorrow 15:00-", "en"),
        ("tomorrow 15:00-whenever", "en"),
        ("talk to bob", "en"),
        ("завтра на 15:00", "ru"),  # "на" + a time is no length
        ("32.12 10:00-11:00", "en"),
    ],
)
def test_not_a_range(text: str, language: str) -> None:
    assert not isinstance(understand(text, language), StartRange)


def test_a_range_takes_no_detour_through_dateparser(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.dates import starts as dates_starts

    monkeypatch.setattr(dates_starts, "slow_moment", _no_dateparser)
    monkeypatch.setattr(dates_moments, "slow_moment", _no_dateparser)
    for text, language in [("tomorrow 15:00-16:00", "en"), ("завтра с 15 до 16", "ru")]:
        assert isinstance(understand(text, language), StartRange)


# --------------------------------------------------------------------------
# Zone abbreviations mean their region, with daylight-saving time
# --------------------------------------------------------------------------

JULY = datetime(2026, 7, 15, 6, 0, tzinfo=UTC)  # Wednesday; New York is on EDT (UTC-4)


@pytest.mark.parametrize(
    ("text", "language", "now", "expected_utc"),
    [
        ("10:00 EST", "en", JULY, "2026-07-15 14:00"),  # EDT in July, not a fixed -5
        ("10:00 EDT", "en", JULY, "2026-07-15 14:00"),
        ("10am ET", "en", JULY, "2026-07-15 14:00"),
        ("10:00 EST", "en", NOW, "2026-11-25 15:00"),  # EST in November
        ("10:00 PST", "en", JULY, "2026-07-15 17:00"),
        ("10:00 CST", "en", JULY, "2026-07-15 15:00"),
        ("10:00 MST", "en", JULY, "2026-07-15 16:00"),
        ("tomorrow 10:00 CET", "en", JULY, "2026-07-16 08:00"),  # CEST in July
        ("tomorrow 10:00 CEST", "en", NOW, "2026-11-26 09:00"),  # CET in November
        ("tomorrow 10:00 GMT", "en", JULY, "2026-07-16 09:00"),  # London, on BST
        ("tomorrow 10:00 AEST", "en", JULY, "2026-07-16 00:00"),
        ("tomorrow 10:00 JST", "en", NOW, "2026-11-26 01:00"),
        ("tomorrow 10:00 IST", "en", NOW, "2026-11-26 04:30"),
        ("15:00 UTC", "en", NOW, "2026-11-25 15:00"),
        ("15:00z", "en", NOW, "2026-11-25 15:00"),
        ("завтра в 10 по мск", "ru", JULY, "2026-07-16 07:00"),
        ("завтра в 10:00 MSK", "ru", JULY, "2026-07-16 07:00"),
        ("завтра в 10 CET", "ru", NOW, "2026-11-26 09:00"),
    ],
)
def test_zone_abbreviations_mean_their_region(
    text: str, language: str, now: datetime, expected_utc: str
) -> None:
    # The person lives in Moscow; the abbreviation wins for this one answer.
    result = parse_start(text, now=now, tz=TZ, language=language)
    assert result is not None, text
    assert result.strftime("%Y-%m-%d %H:%M") == expected_utc
    assert understand(text, language, now=now) == StartMoment(result)


def test_a_zone_after_a_range_applies_to_both_ends() -> None:
    answer = understand("tomorrow 10:00-11:30 EST", now=JULY)
    assert isinstance(answer, StartRange)
    assert answer.start == datetime(2026, 7, 16, 14, 0, tzinfo=UTC)
    assert answer.end == datetime(2026, 7, 16, 15, 30, tzinfo=UTC)


def test_a_zone_after_an_end() -> None:
    begin = datetime(2026, 7, 16, 14, 0, tzinfo=UTC)
    end = parse_end("until 11:30 EST", start=begin, now=JULY, tz=TZ, language="en")
    assert end == datetime(2026, 7, 16, 15, 30, tzinfo=UTC)


# --------------------------------------------------------------------------
# The echo says the date plainly: weekday and month name
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "shown"),
    [
        ("3/4 10:00", "en", "Thu 4 Mar 2027, 10:00 Moscow time (UTC+3)"),  # month/day in English
        (
            "3/4 10:00",
            "ru",
            "сб, 3 апр. 2027 г., 10:00, московское время (UTC+3)",
        ),  # day/month in Russian
        ("25.12 10:30", "en", "Fri 25 Dec 2026, 10:30 Moscow time (UTC+3)"),
        ("25.12 10:30", "ru", "пт, 25 дек. 2026 г., 10:30, московское время (UTC+3)"),
        ("2026-12-03 10:00", "en", "Thu 3 Dec 2026, 10:00 Moscow time (UTC+3)"),
        ("2026-12-03T10:00", "ru", "чт, 3 дек. 2026 г., 10:00, московское время (UTC+3)"),
    ],
)
def test_the_echo_names_weekday_and_month(text: str, language: str, shown: str) -> None:
    result = start(text, language)
    assert result is not None
    assert format_moment(result, TZ, language) == shown

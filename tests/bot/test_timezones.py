"""Time zones typed as IANA names, cities in English or Russian, UTC offsets or abbreviations."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.dates.zones import ZONE_ABBREVIATIONS
from bot.formatting import format_moment
from bot.timezones import display_name, resolve_timezone


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Moscow", "Europe/Moscow"),
        ("moscow", "Europe/Moscow"),
        ("Москва", "Europe/Moscow"),
        ("  new york ", "America/New_York"),
        ("Нью-Йорк", "America/New_York"),
        ("Питер", "Europe/Moscow"),
        ("Saint Petersburg", "Europe/Moscow"),
        ("Лондон", "Europe/London"),
        ("Kiev", "Europe/Kyiv"),
        ("Екатеринбург", "Asia/Yekaterinburg"),
        ("UTC", "UTC"),
        ("UTC+3", "Etc/GMT-3"),
        ("utc-5", "Etc/GMT+5"),
        ("+03:00", "Etc/GMT-3"),
    ],
)
def test_known_names(typed, zone):
    assert resolve_timezone(typed) == zone


@pytest.mark.parametrize(
    "typed", ["", "Mars", "UTC+15", "<b>", "x" * 500, "Europe/", "\x00", "localtime", "Factory"]
)
def test_unknown_names(typed):
    assert resolve_timezone(typed) is None


def test_offsets_are_shown_the_way_people_write_them():
    assert display_name("Etc/GMT-3") == "UTC+3"
    assert display_name("Etc/GMT+5") == "UTC-5"
    assert display_name("UTC") == display_name("Etc/UTC") == "UTC"


JULY = datetime(2026, 7, 15, 12, tzinfo=UTC)
JANUARY = datetime(2026, 1, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "language", "at", "shown"),
    [
        ("Europe/Moscow", "en", JANUARY, "Moscow time (UTC+3)"),
        ("Europe/Moscow", "ru", JULY, "московское время (UTC+3)"),
        # Daylight-saving time: the offset at the moment shown.
        ("Europe/Berlin", "en", JULY, "Berlin (UTC+2)"),
        ("Europe/Berlin", "en", JANUARY, "Berlin (UTC+1)"),
        ("Europe/Berlin", "ru", JULY, "Берлин (UTC+2)"),
        ("Europe/Berlin", "ru", JANUARY, "Берлин (UTC+1)"),
        ("America/New_York", "en", JULY, "New York (UTC-4)"),
        ("America/New_York", "ru", JANUARY, "Нью-Йорк (UTC-5)"),
        ("Europe/London", "en", JANUARY, "London (UTC+0)"),
        ("Asia/Yekaterinburg", "ru", JULY, "Екатеринбург (UTC+5)"),
        ("Asia/Kolkata", "en", JULY, "Kolkata (UTC+5:30)"),
        ("America/St_Johns", "en", JANUARY, "St. John’s (UTC-3:30)"),
    ],
)
def test_zones_are_shown_as_people_say_them(zone, language, at, shown):
    assert display_name(zone, language, at) == shown


def test_no_place_is_ever_shown_as_its_iana_id():
    for zone in ("Europe/Moscow", "America/Argentina/Buenos_Aires", "Asia/Ho_Chi_Minh"):
        for language in ("en", "ru"):
            assert "/" not in display_name(zone, language, JULY)
            assert "_" not in display_name(zone, language, JULY)


def test_a_moment_names_its_zone_with_the_offset_of_that_day():
    assert format_moment(JULY, "Europe/Berlin", "en") == "Wed 15 Jul 2026, 14:00 Berlin (UTC+2)"
    assert format_moment(JANUARY, "Europe/Berlin", "en") == "Thu 15 Jan 2026, 13:00 Berlin (UTC+1)"
    assert format_moment(JANUARY, "Europe/Moscow", "ru") == (
        "чт, 15 янв. 2026 г., 15:00, московское время (UTC+3)"
    )


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("EST", "America/New_York"),
        ("est", "America/New_York"),
        (" EDT ", "America/New_York"),
        ("ET", "America/New_York"),
        ("CST", "America/Chicago"),
        ("CDT", "America/Chicago"),
        ("CT", "America/Chicago"),
        ("MST", "America/Denver"),
        ("MDT", "America/Denver"),
        ("PST", "America/Los_Angeles"),
        ("PDT", "America/Los_Angeles"),
        ("PT", "America/Los_Angeles"),
        ("AKST", "America/Anchorage"),
        ("AKDT", "America/Anchorage"),
        ("HST", "Pacific/Honolulu"),
        ("GMT", "Europe/London"),
        ("BST", "Europe/London"),
        ("WET", "Europe/Lisbon"),
        ("WEST", "Europe/Lisbon"),
        ("CET", "Europe/Berlin"),
        ("CEST", "Europe/Berlin"),
        ("EET", "Europe/Athens"),
        ("EEST", "Europe/Athens"),
        ("MSK", "Europe/Moscow"),
        ("мск", "Europe/Moscow"),
        ("IST", "Asia/Kolkata"),
        ("JST", "Asia/Tokyo"),
        ("KST", "Asia/Seoul"),
        ("AEST", "Australia/Sydney"),
        ("AEDT", "Australia/Sydney"),
        ("UTC", "UTC"),
        ("Z", "UTC"),
        # offsets are still offsets
        ("GMT+3", "Etc/GMT-3"),
        ("UTC-5", "Etc/GMT+5"),
    ],
)
def test_abbreviations_mean_their_region(typed, zone):
    assert resolve_timezone(typed) == zone


def test_est_stored_as_a_profile_zone_follows_daylight_saving_time():
    # The tz database's own "EST" is a fixed UTC-5 all year; the region is not.
    zone = resolve_timezone("EST")
    july = datetime(2026, 7, 15, 10, 0, tzinfo=ZoneInfo(zone))
    january = datetime(2026, 1, 15, 10, 0, tzinfo=ZoneInfo(zone))
    assert july.utcoffset() == timedelta(hours=-4)
    assert january.utcoffset() == timedelta(hours=-5)
    assert july.astimezone(UTC).hour == 14


def test_every_abbreviation_names_a_real_zone():
    for zone in set(ZONE_ABBREVIATIONS.values()):
        ZoneInfo(zone)

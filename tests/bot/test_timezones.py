"""Time zones typed as IANA names, cities in English or Russian, UTC offsets or abbreviations."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.dates.zones import ZONE_ABBREVIATIONS
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
    assert display_name("Europe/Moscow") == "Europe/Moscow"


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

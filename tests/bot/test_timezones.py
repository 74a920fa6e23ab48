"""Time zones typed as IANA names, cities in English or Russian, or UTC offsets."""

import pytest

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

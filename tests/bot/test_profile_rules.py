"""What "Personal information" accepts, and what it says for the rest."""

import pytest

from bot.profile import clean_display_name, clean_email, clean_name, clean_timezone
from bot.validation import InvalidInput


def test_names_are_trimmed_and_limited():
    assert clean_name("  Anna   Petrova ") == "Anna Petrova"
    for bad in ["", "   ", "x" * 65, "a\nb", "\u202e\u200b", "\ue000 private use"]:
        with pytest.raises(InvalidInput):
            clean_name(bad)
    # A right-to-left override would make "bad" read backwards: it is dropped.
    assert clean_name("bad\u202eeman") == "bademan"


def test_email_is_validated_without_dns_and_can_be_cleared():
    assert clean_email(" Anna@Example.COM ") == "Anna@example.com"
    assert clean_email("-") is None
    for bad in ["anna", "anna@", "a b@example.com", "anna@example.com\r\nBcc: x@y.z", "x" * 300]:
        with pytest.raises(InvalidInput) as error:
            clean_email(bad)
        assert error.value.key == "profile.bad_email"
        assert error.value.nested["reason"].startswith("profile.email_reason_")


def test_timezone_and_display_name():
    assert clean_timezone("Berlin") == "Europe/Berlin"
    with pytest.raises(InvalidInput):
        clean_timezone("Atlantis")
    assert clean_display_name("-") is None
    assert clean_display_name("Anna (phone)") == "Anna (phone)"

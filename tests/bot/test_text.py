"""Invisible characters that could disguise a topic or a name are dropped."""

import pytest

from bot.conferences import clean_topic
from bot.profile import clean_name
from bot.text import shorten, strip_invisible


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Budget\u202e weiver", "Budget weiver"),  # right-to-left override
        ("\u2066Standup\u2069", "Standup"),  # isolates
        ("Pay\u200bment\u200c", "Payment"),  # zero width space and non-joiner
        ("\ufeffBOM\u00ad", "BOM"),  # byte order mark, soft hyphen
        ("a\u200db", "ab"),  # a joiner between letters glues nothing
        ("Dev \U0001f469\u200d\U0001f4bb team", "Dev \U0001f469\u200d\U0001f4bb team"),
        ("\U0001f44d\U0001f3fd", "\U0001f44d\U0001f3fd"),  # skin tone stays
        ("x\u0007y", "xy"),  # control characters
    ],
)
def test_invisible_characters_are_dropped_but_emoji_stay_whole(typed, kept):
    assert strip_invisible(typed) == kept


def test_a_flag_emoji_keeps_its_tag_characters():
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert strip_invisible(f"Match {england}") == f"Match {england}"
    assert strip_invisible("no\U000e0067flag") == "noflag"


def test_topics_and_names_lose_them():
    assert clean_topic("\u202eQ3\u200b  plan\u2069") == "Q3 plan"
    assert clean_name("\u202aAnna\u200f Petrova") == "Anna Petrova"
    assert clean_name("Ann\u200d\U0001f469\u200d\U0001f4bb") == "Ann\U0001f469\u200d\U0001f4bb"


def test_shorten_marks_the_cut():
    assert shorten("Quarterly review", 9) == "Quarterl…"
    assert shorten("Short", 9) == "Short"

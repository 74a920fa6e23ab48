"""The language catalogs: complete in both languages, same placeholders, escaping."""

import pytest

from bot.i18n import LANGUAGES, Html, catalog, language_for, placeholders, text


def test_every_key_exists_and_is_filled_in_every_language():
    keys = {language: set(catalog(language)) for language in LANGUAGES}
    assert keys["en"] == keys["ru"], keys["en"] ^ keys["ru"]
    for language in LANGUAGES:
        empty = [key for key, value in catalog(language).items() if not value.strip()]
        assert not empty, f"empty texts in {language}: {empty}"


@pytest.mark.parametrize("key", sorted(catalog("en")))
def test_placeholders_match_between_languages(key):
    assert placeholders(catalog("en")[key]) == placeholders(catalog("ru")[key])


def test_values_are_html_escaped_unless_marked_safe():
    shown = text("en", "start.greeting_back", name='<b>x</b> & <a href="y">')
    assert '&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href="y"&gt;' in shown
    assert "<b>ok</b>" in text("en", "start.greeting_back", name=Html("<b>ok</b>"))


@pytest.mark.parametrize(
    ("code", "language"),
    [("ru", "ru"), ("ru-RU", "ru"), ("en", "en"), ("de", "en"), (None, "en"), ("", "en")],
)
def test_telegram_language_code_picks_the_language(code, language):
    assert language_for(code) == language

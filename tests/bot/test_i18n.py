"""The language catalogs: complete in both languages, same placeholders, escaping."""

import pytest

from bot.i18n import (
    LANGUAGES,
    Html,
    PluralText,
    catalog,
    language_for,
    placeholders,
    plain,
    plural_category,
    required_plural_categories,
    text,
)


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


# -- plurals --------------------------------------------------------------------------

# Values that are numbers of things. A text with one of them either has plural forms, or
# shows the number where no word agrees with it: alone (after a colon, in parentheses,
# "of") or before an abbreviation that never changes ("10 min", «10 мин»).
NUMBERS = {
    "count",
    "limit",
    "minutes",
    "hours",
    "left",
    "tries",
    "cancelled",
    "emails",
    "reached",
    "chats",
    "ok",
    "failed",
    "pending",
}
NUMBER_ALONE = {
    "admin.user_card",  # "Scheduled conferences: {count}"
    "admin.broadcast_ask",  # "({count} now)"
    "admin.broadcast_done",  # "{ok} delivered, {failed} not delivered"
    "invite.and_more",  # "… and {count} more"
    "invite.ask_addresses",  # "(at most {limit} at a time)"
    "invite.participants_line",  # "Participants in Telegram: {count}"
    "log.title_scheduled",  # "Scheduled conferences: {count}"
    "log.title_archive",
    "people.title",  # "Participants of “…”: {count}"
    "notify.summary",  # "{emails} by e-mail, {reached} of {chats} in Telegram"
    "notify.deleted_notified",
    "outbox.summary",  # "{pending} waiting, {failed} failed, {cancelled} cancelled"
    "join.remind_me",  # "Remind me {minutes} min before" (a button: short)
    "reminder.choice_minutes",  # "{minutes} min before"
    "web.locked",  # "try again in {minutes} min"
    "series.ask_count",  # "a number from 2 to {limit}"
    "series.ask_end",  # "At most {limit} meetings"
    "series.bad_count",
    "series.bad_too_many",  # "(the allowed number of meetings ({limit})"
}


def plural_keys(language):
    return {key for key, value in catalog(language).items() if isinstance(value, PluralText)}


def test_a_text_is_plural_in_both_languages_or_in_neither():
    assert plural_keys("en") == plural_keys("ru")
    assert plural_keys("en"), "no plural texts at all"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_texts_have_the_forms_their_language_needs(language):
    needed = required_plural_categories(language)
    assert needed == ({"one", "other"} if language == "en" else {"one", "few", "many", "other"})
    for key in plural_keys(language):
        entry = catalog(language)[key]
        assert set(entry.forms) == needed, f"{language} {key}: {sorted(entry.forms)}"
        for form, template in entry.forms.items():
            # Russian "one" is also 21, 31...: every form shows the number itself.
            assert "{" + entry.by + "}" in template, f"{language} {key}.{form}"
            assert placeholders(template) == placeholders(entry), f"{language} {key}.{form}"


@pytest.mark.parametrize("key", sorted(plural_keys("en")))
def test_a_plural_text_is_picked_by_the_same_number_in_both_languages(key):
    assert catalog("en")[key].by == catalog("ru")[key].by


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_count_has_plural_forms_unless_it_stands_alone(language):
    counted = {
        key
        for key, value in catalog(language).items()
        if placeholders(value) & NUMBERS and not isinstance(value, PluralText)
    }
    assert counted <= NUMBER_ALONE, sorted(counted - NUMBER_ALONE)


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (1, "по 1 адресу:"),
        (2, "по 2 адресам:"),
        (5, "по 5 адресам:"),
        (11, "по 11 адресам:"),
        (21, "по 21 адресу:"),
        (22, "по 22 адресам:"),
    ],
)
def test_russian_counts_agree_with_their_number(count, shown):
    assert shown in text("ru", "invite.confirm", topic="T", count=count, addresses="")


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (1, "за 1 минуту до начала"),
        (2, "за 2 минуты до начала"),
        (5, "за 5 минут до начала"),
        (11, "за 11 минут до начала"),
        (21, "за 21 минуту до начала"),
        (22, "за 22 минуты до начала"),
    ],
)
def test_a_plural_picked_by_another_value(minutes, shown):
    assert shown in text("ru", "join.reminder_promise", minutes=minutes)


@pytest.mark.parametrize(
    ("left", "shown"),
    [
        (1, "осталась 1 попытка"),
        (2, "остались 2 попытки"),
        (5, "осталось 5 попыток"),
        (11, "осталось 11 попыток"),
        (21, "осталась 21 попытка"),
        (22, "остались 22 попытки"),
    ],
)
def test_russian_tries_left(left, shown):
    assert shown in text("ru", "verify.wrong", left=left)


def test_english_one_and_many():
    assert "to 1 address:" in text("en", "invite.confirm", topic="T", count=1, addresses="")
    assert "to 2 addresses:" in text("en", "invite.confirm", topic="T", count=2, addresses="")
    assert plain("en", "verify.wrong", left=1) == "That code is not right; 1 try left."
    assert plain("en", "verify.wrong", left=2) == "That code is not right; 2 tries left."


def test_russian_fractions_take_the_other_form():
    assert plural_category("ru", 1.5) == "other"
    assert "за 1.5 минуты" in text("ru", "join.reminder_promise", minutes=1.5)


def test_a_plural_text_without_its_number_is_a_mistake_said_plainly():
    with pytest.raises(KeyError, match="needs the number 'count'"):
        text("en", "invite.confirm", topic="T", addresses="")


def test_quotes_inside_russian_quotes_become_low_high_ones():
    shown = text("ru", "conference.deleted", topic="Планёрка «Альфа»")
    assert "«Планёрка „Альфа“»" in shown
    assert "“Планёрка «Альфа»”" in text("en", "conference.deleted", topic="Планёрка «Альфа»")
    assert "«Альфа»" in plain("ru", "join.link", topic="Альфа", name="A")


def test_russian_wording_has_no_leftovers_of_translation():
    ru = catalog("ru")
    assert ru["now.default_topic"] == "Быстрая конференция"
    assert "чтобы сохранить" not in ru["profile.draft_updated"]
    assert "Berlin" not in ru["profile.ask_timezone"] and "Берлин" in ru["profile.ask_timezone"]
    assert "Календарь Apple" in ru["mail.calendar_hint"]
    assert ru["profile.email_not_set"] == "не указан" and ru["common.not_set"] == "не указано"
    for key, value in ru.items():
        forms = value.forms.values() if isinstance(value, PluralText) else [value]
        for form in forms:
            assert "“" not in form and '"' not in form.replace('\\"', ""), key
            assert "inline mode" not in form, key


def test_an_echo_of_what_was_typed_keeps_its_quotes():
    shown = text("ru", "schedule.bad_start", value="«завтра»")
    assert "««завтра»»" in shown

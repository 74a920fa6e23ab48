"""Texts by key, per language, from the TOML catalogs in bot/locales/.

`text(language, key, **values)` HTML-escapes every value, because messages are sent in
HTML parse mode and most values were typed by someone. A value that is already safe HTML
(built by us from escaped parts) is wrapped in `Html` to pass through unchanged.

A text that shows a number has a form for each plural category of its language (CLDR's,
through Babel: English `one` and `other`, Russian `one`, `few`, `many` and `other`), and
the number picks the form: "по 1 адресу", "по 2 адресам", "по 5 адресам", "по 21 адресу".
In a catalog it is a table of those forms, written in place with dotted keys:

    confirm.one = "… по {count} адресу"
    confirm.few = "… по {count} адресам"
    ...

The value named `count` picks the form, or the one the table names with `by`
(`promise.by = "minutes"`). Callers pass their values as for any other text.
"""

from __future__ import annotations

import html
import re
import string
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale

LANGUAGES = ("en", "ru")
FALLBACK_LANGUAGE = "en"
_LOCALES_DIR = Path(__file__).parent / "locales"


# CLDR's plural categories; every language has `other`.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
_BY = "by"


class Html(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""


class PluralText(str):
    """A catalog text whose words follow a number. As a string it is its `other` form, so
    code that reads catalogs as texts (placeholder checks) sees an ordinary template;
    `forms` holds one template per plural category, `by` names the value that picks one."""

    forms: Mapping[str, str]
    by: str

    def __new__(cls, forms: Mapping[str, str], by: str = "count") -> PluralText:
        text = super().__new__(cls, forms["other"])
        text.forms = dict(forms)
        text.by = by
        return text

    def form(self, language: str, number: Any) -> str:
        """The template for `number` under `language`'s plural rules."""
        category = plural_category(language, number)
        return self.forms.get(category, self.forms["other"])


def plural_category(language: str, number: Any) -> str:
    """CLDR's category of `number` in `language`: "one" for 1 and 21 in Russian, "few"
    for 2-4 and 22-24, "many" for 5-20 and 25-30, "other" for fractions."""
    try:
        value = float(number)
    except (TypeError, ValueError):
        return "other"
    return _locale(language).plural_form(int(value) if value.is_integer() else value)


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def required_plural_categories(language: str) -> frozenset[str]:
    """The forms a plural text must have in `language` (always with `other`)."""
    return frozenset(_locale(language).plural_form.tags) | {"other"}


def _is_plural(table: dict[str, Any]) -> bool:
    keys = set(table) - {_BY}
    return (
        "other" in keys
        and keys <= set(PLURAL_CATEGORIES)
        and all(isinstance(value, str) for value in table.values())
    )


def language_for(telegram_language_code: str | None) -> str:
    """Telegram's language_code picks the first language: Russian for `ru*`, else English."""
    code = (telegram_language_code or "").lower()
    return "ru" if code.startswith("ru") else "en"


@cache
def catalog(language: str) -> dict[str, str]:
    """The flat key -> text mapping of one language (nested TOML tables become dotted keys).

    A language is `<language>.toml` plus any `<language>.<part>.toml` (e.g. en.mail.toml),
    so that large features keep their texts in a file of their own.
    """
    flat: dict[str, str] = {}
    for path in sorted(_LOCALES_DIR.glob(f"{language}.toml")) + sorted(
        _LOCALES_DIR.glob(f"{language}.*.toml")
    ):
        with open(path, "rb") as file:
            part = _flatten(tomllib.load(file))
        duplicated = set(part) & set(flat)
        if duplicated:
            raise ValueError(f"{path.name} repeats keys {sorted(duplicated)}")
        flat.update(part)
    return flat


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict) and _is_plural(value):
            forms = {name: text for name, text in value.items() if name != _BY}
            flat[f"{prefix}{key}"] = PluralText(forms, value.get(_BY, "count"))
        elif isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def text(language: str, key: str, /, **values: Any) -> str:
    """The text for `key` in `language`, with values escaped for HTML."""
    template = _template(language, key, values)
    if not values:
        return template
    values = _inner_quotes(template, values)
    safe = {name: _escape(value) for name, value in values.items()}
    return template.format_map(safe)


def plain(language: str, key: str, /, **values: Any) -> str:
    """The text for places that are not HTML (button labels, command descriptions)."""
    template = _template(language, key, values)
    return template.format_map(_inner_quotes(template, values)) if values else template


_QUOTED = re.compile(r"«\{(\w+)\}»")
_INNER = str.maketrans("«»", "„“")
_ECHO = "value"


def _inner_quotes(template: str, values: dict[str, Any]) -> dict[str, Any]:
    """Quotes inside quotes, as Russian writes them: a value put between «» that has
    «» of its own gets „“ inside (a topic «Планёрка «Альфа»» reads «Планёрка „Альфа“»).
    Not `value`: a rejection echoes what was typed exactly as it was typed."""
    quoted = set(_QUOTED.findall(template)) & set(values) - {_ECHO}
    if not quoted:
        return values
    changed = dict(values)
    for name in quoted:
        value = values[name]
        if isinstance(value, str) and "«" in value:
            translated = value.translate(_INNER)
            changed[name] = Html(translated) if isinstance(value, Html) else translated
    return changed


def _template(language: str, key: str, values: Mapping[str, Any]) -> str:
    """The catalog text of `key`; for a plural text, the form its number asks for."""
    language = language if language in LANGUAGES else FALLBACK_LANGUAGE
    template = catalog(language)[key]
    if isinstance(template, PluralText):
        if template.by not in values:
            raise KeyError(f"{key} is a plural text: it needs the number {template.by!r}")
        return template.form(language, values[template.by])
    return template


def _escape(value: Any) -> str:
    if isinstance(value, Html):
        return value
    return html.escape(str(value), quote=False)


class Translator:
    """Texts of one language, bound once per update: `_ = Translator("ru"); _("menu.title")`."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else FALLBACK_LANGUAGE

    def __call__(self, key: str, /, **values: Any) -> str:
        return text(self.language, key, **values)

    def plain(self, key: str, /, **values: Any) -> str:
        return plain(self.language, key, **values)

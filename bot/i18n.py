"""Texts by key, per language, from the TOML catalogs in bot/locales/.

`text(language, key, **values)` HTML-escapes every value, because messages are sent in
HTML parse mode and most values were typed by someone. A value that is already safe HTML
(built by us from escaped parts) is wrapped in `Html` to pass through unchanged.
"""

from __future__ import annotations

import html
import string
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "ru")
FALLBACK_LANGUAGE = "en"
_LOCALES_DIR = Path(__file__).parent / "locales"


class Html(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""


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
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def text(language: str, key: str, /, **values: Any) -> str:
    """The text for `key` in `language`, with values escaped for HTML."""
    texts = catalog(language if language in LANGUAGES else FALLBACK_LANGUAGE)
    template = texts[key]
    if not values:
        return template
    safe = {name: _escape(value) for name, value in values.items()}
    return template.format_map(safe)


def plain(language: str, key: str, /, **values: Any) -> str:
    """The text for places that are not HTML (button labels, command descriptions)."""
    template = catalog(language if language in LANGUAGES else FALLBACK_LANGUAGE)[key]
    return template.format_map(values) if values else template


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

"""The language of a page: `?lang=` (the switch link, then remembered in a cookie), the
cookie, the browser's Accept-Language (with its q-values), or DEFAULT_LANGUAGE."""

from __future__ import annotations

from aiohttp import web

from bot.i18n import LANGUAGES

LANGUAGE_COOKIE = "lang"
LANGUAGE_MAX_AGE = 365 * 24 * 3600


def from_accept_language(header: str | None, default: str) -> str:
    """The supported language the browser prefers most; on equal q, the one it lists
    first. `ru-RU;q=0.9` counts as `ru`; `*` and q=0 never choose."""
    if not header:
        return default
    best, best_q = default, 0.0
    for part in (header or "").split(",")[:32]:
        tag, *parameters = (piece.strip() for piece in part.split(";"))
        language = tag.lower().split("-")[0]
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if language in LANGUAGES and quality > best_q:
            best, best_q = language, quality
    return best


def chosen_by_switch(request: web.Request) -> str | None:
    """The language of a switch link (`?lang=ru`), if it names a supported one."""
    if not request.query_string:
        return None  # most requests: no query to parse
    wanted = request.query.get("lang", "").lower()
    return wanted if wanted in LANGUAGES else None


def page_language(request: web.Request, cookie: str | None, default: str) -> str:
    switched = chosen_by_switch(request)
    if switched:
        return switched
    if cookie in LANGUAGES:
        return str(cookie)
    return from_accept_language(request.headers.get("Accept-Language"), default)


def other_language(language: str) -> str:
    """The language the switch link offers."""
    return next(code for code in LANGUAGES if code != language)

"""What the join page (web/join.py) and the website (web/website.py) share: templates
(Jinja2, autoescaped), texts from the bot's catalogs, the page's language, cookies, the
CSRF token, and the way into the conference.

Texts come from `bot/locales/*.web.toml` (and the bot's other catalogs) through `plain`:
the templates escape them, as they escape every value.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.formatting import format_moment
from bot.i18n import Translator, catalog
from bot.join_page import REMEMBER_MAX_AGE, JoinPageService, JoinView
from bot.platforms import VideoPlatformError
from bot.profile import clean_name
from bot.settings import Settings
from bot.timezones import display_name
from bot.validation import InvalidInput
from web.language import (
    LANGUAGE_COOKIE,
    LANGUAGE_MAX_AGE,
    chosen_by_switch,
    other_language,
    page_language,
)
from web.security import Cookies, TrustedProxies, new_nonce, page_headers

log = logging.getLogger(__name__)

PAGES_KEY: web.AppKey[Pages] = web.AppKey("pages")
REMEMBER_COOKIE = "remember"
CSRF_COOKIE = "csrf"
POLL_SECONDS = 5  # how often a waiting page asks whether it may go on (with JavaScript)
REFRESH_SECONDS = 15  # and reloads without JavaScript
PAGE_CACHE_SIZE = 512
_TEMPLATES = Path(__file__).parent / "templates"
# Where each answer's nonce and CSRF token go in a kept page: random, so no typed value
# (a topic, a name) can contain them.
_MARK = secrets.token_hex(16)
_NONCE_MARK = f"nonce{_MARK}"
_CSRF_MARK = f"csrf{_MARK}"
_MARKS = re.compile(f"({_NONCE_MARK}|{_CSRF_MARK})")


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(("html",), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    return environment


def platform_origin(url: str) -> str:
    """The origin a form's redirect to the video platform lands on, for CSP form-action;
    a host with a placeholder ({id}.example.org) gives only the scheme."""
    parts = urlsplit(url)
    if "{" in parts.netloc or not parts.netloc:
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{parts.netloc}"


class Moment(NamedTuple):
    iso: str  # for <time datetime=...>, which the page's script shows in the visitor's zone
    text: str  # in the server's zone, named: what shows without JavaScript


@lru_cache(maxsize=4096)
def _moment(timestamp: int, timezone: str, language: str) -> Moment:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return Moment(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), format_moment(moment, timezone, language))


@lru_cache(maxsize=4096)
def _clock(timestamp: int, timezone: str, language: str) -> Markup:
    moment = datetime.fromtimestamp(timestamp, UTC)
    local = moment.astimezone(ZoneInfo(timezone))
    shown = format_datetime(local, catalog(language)["time.clock"], locale=language)
    return Markup('<time datetime="{}" data-kind="clock">{} {}</time>').format(
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"), shown, display_name(timezone, language, moment)
    )


class Pages:
    def __init__(self, service: JoinPageService, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.cookies = Cookies(secure=(settings.public_url or "").startswith("https://"))
        self.form_targets = (platform_origin(service.video.website_url()),)
        self.proxies = TrustedProxies(settings.web_trusted_proxies)
        self._environment = _environment()
        self._rendered: OrderedDict[Hashable, tuple[bytes | str, ...]] = OrderedDict()

    def client_ip(self, request: web.Request) -> str:
        return self.proxies.client_ip(request)

    # -- rendering ----------------------------------------------------------------------
    def language(self, request: web.Request) -> str:
        return page_language(
            request, self.cookies.get(request, LANGUAGE_COOKIE), self.settings.default_language
        )

    def render(
        self,
        request: web.Request,
        template: str,
        *,
        language: str,
        status: int = 200,
        form: bool = False,
        key: Hashable | None = None,
        values: Callable[[], dict[str, Any]] | None = None,
        **context: Any,
    ) -> web.Response:
        """A page in `language`, with its nonce, headers and, for a form, the CSRF token
        (and cookie, when the browser has none yet). The context gives the page's `title`.

        The page is a function of the template and its values; it is rendered once with
        marks where the nonce and the CSRF token go, kept (the last PAGE_CACHE_SIZE pages
        rendered), and each answer fills the marks in. `key`, when given, stands for the
        values (which `values()` then gives only when the page is not kept yet); else the
        values are their own key."""
        if key is None:
            key = tuple(sorted(context.items()))
        key = (template, language, form, key)
        parts = self._rendered.get(key)
        if parts is None:
            if values is not None:
                context.update(values())
            parts = self._kept(key, self._render(template, language, form, context))
        nonce = new_nonce()
        csrf, new_secret = b"", None
        if form:
            secret = self.cookies.get(request, CSRF_COOKIE)
            if not secret or len(secret) > 128:
                secret = new_secret = self.service.new_csrf_secret()
            csrf = self.service.csrf_token(secret).encode()
        filled = {_NONCE_MARK: nonce.encode(), _CSRF_MARK: csrf}
        body = b"".join(filled[part] if isinstance(part, str) else part for part in parts)
        # All headers at once: cheaper than setting them one by one on the response.
        headers = page_headers(nonce, self.form_targets if form else ())
        response = web.Response(body=body, status=status, headers=headers)
        if new_secret:
            self.cookies.set(response, CSRF_COOKIE, new_secret, max_age=None)
        if chosen_by_switch(request):
            self.cookies.set(response, LANGUAGE_COOKIE, language, max_age=LANGUAGE_MAX_AGE)
        return response

    def _kept(self, key: Hashable, html: str) -> tuple[bytes | str, ...]:
        """The page kept as UTF-8 pieces around the marks, so each answer only joins them;
        the oldest kept page goes first (a page asked for often is soon back)."""
        parts = tuple(
            piece if piece in (_NONCE_MARK, _CSRF_MARK) else piece.encode()
            for piece in _MARKS.split(html)
        )
        self._rendered[key] = parts
        while len(self._rendered) > PAGE_CACHE_SIZE:
            self._rendered.popitem(last=False)
        return parts

    def _render(self, template: str, language: str, form: bool, context: dict[str, Any]) -> str:
        translator = Translator(language)
        texts = catalog(language)
        return self._environment.get_template(template).render(
            t=translator.plain,
            tf=lambda key, **values: Markup.escape(texts[key]).format(**values),
            language=language,
            other_language=other_language(language),
            zone=self.settings.default_timezone,
            nonce=_NONCE_MARK,
            csrf=_CSRF_MARK if form else None,
            poll_ms=POLL_SECONDS * 1000,
            refresh_seconds=REFRESH_SECONDS,
            **context,
        )

    def message(
        self,
        request: web.Request,
        heading_key: str,
        message_key: str,
        *,
        status: int,
        back_url: str | None = None,
        **values: str,
    ) -> web.Response:
        language = self.language(request)
        t = Translator(language)
        return self.render(
            request,
            "message.html",
            language=language,
            title=t.plain(heading_key),
            status=status,
            heading=t.plain(heading_key),
            message=t.plain(message_key, **values),
            back_url=back_url,
            poll_url=None,
        )

    def not_found(self, request: web.Request) -> web.Response:
        """One page for every link that leads nowhere: nothing about any conference."""
        return self.message(request, "web.not_found_title", "web.not_found", status=404)

    def too_many(self, request: web.Request) -> web.Response:
        response = self.message(request, "web.too_many_title", "web.too_many", status=429)
        response.headers["Retry-After"] = "60"
        return response

    @staticmethod
    def conference_key(view: JoinView) -> Hashable:
        """Everything `conference_context` shows, as a key of the page cache: cheaper to
        hash and compare on every request than the whole view."""
        conference = view.conference
        return (
            conference.id,
            conference.topic,
            conference.conference_code,
            conference.starts_at,
            conference.ends_at,
            view.password,
            view.opens_at,
            view.admission,
        )

    def conference_context(self, view: JoinView, language: str) -> dict[str, Any]:
        conference = view.conference
        zone = self.settings.default_timezone
        return {
            "topic": conference.topic,
            "code": conference.conference_code,
            "password": view.password,
            "starts": _moment(conference.starts_at, zone, language),
            "ends": _moment(conference.ends_at, zone, language),
            "opens_time": _clock(view.opens_at, zone, language),
            "state": view.admission.value,
            "online": view.online,
            "downloads": self._downloads(language),
        }

    @lru_cache(maxsize=8)  # noqa: B019 - one Pages per web server, kept for its life
    def _downloads(self, language: str) -> tuple[tuple[str, str], ...]:
        """(label, URL) of each client, as the platform and the settings give them."""
        t = Translator(language)
        return tuple(
            (t.plain(f"download.{client}"), url)
            for client, url in self.service.download_links().items()
        )

    # -- the form -----------------------------------------------------------------------
    def csrf_ok(self, request: web.Request, form: Any) -> bool:
        return self.service.csrf_ok(self.cookies.get(request, CSRF_COOKIE), form.get("csrf"))

    def remembered(self, request: web.Request) -> str | None:
        name = self.service.remembered_name(self.cookies.get(request, REMEMBER_COOKIE))
        return valid_name(name) if name else None

    def keep_name(self, response: web.StreamResponse, name: str | None) -> None:
        """ "Remember me" ticked: the name in a signed cookie; not ticked: forgotten."""
        if name:
            self.cookies.set(
                response, REMEMBER_COOKIE, self.service.remember(name), max_age=REMEMBER_MAX_AGE
            )
        else:
            self.cookies.delete(response, REMEMBER_COOKIE)

    def forget_name(self, location: str) -> web.StreamResponse:
        """ "Not you?": the remembered name is forgotten, and the page shows the form."""
        response = see_other(location)
        self.cookies.delete(response, REMEMBER_COOKIE)
        return response

    # -- going in -----------------------------------------------------------------------
    async def go_in(self, request: web.Request, view: JoinView, name: str) -> web.StreamResponse:
        """303 to the video platform under `name` (the meeting made first where needed);
        503 with a plain page when the platform does not answer."""
        try:
            url = await self.service.platform_url(view, name)
        except VideoPlatformError as error:
            log.warning("The video platform could not prepare a join from the web: %s", error)
            return self.message(request, "web.platform_down_title", "web.platform_down", status=503)
        return see_other(url)


def see_other(location: str) -> web.StreamResponse:
    response = web.Response(status=303, headers={"Location": location})
    response.headers["Cache-Control"] = "no-store"
    return response


def valid_name(typed: str | None) -> str | None:
    """The name as the bot takes it (bot/profile.py clean_name), or None."""
    try:
        return clean_name(typed or "")
    except InvalidInput:
        return None

"""Helpers of the web tests: the bot's web side on a port known in advance (so PUBLIC_URL
can name it), conferences and invitees made through the services, and a browser-like
HTTP client (cookies kept, redirects not followed)."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

import aiohttp

from app.web import web_server_of
from tests.e2e import free_port
from tests.handlers.test_conference_log import add_conferences, person

PLATFORM = "https://video.example/{id}?name={name}"
_NONCE = re.compile(r'nonce="[^"]+"')


def web_settings(port: int | None = None, **extra: str) -> dict[str, str]:
    """PUBLIC_URL is the web server itself (no proxy in between), on a free port."""
    port = port or free_port()
    return {
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WEB_PORT": str(port),
        "VIDEO_PLATFORM": "template",
        "VIDEO_BASE_URL": PLATFORM,
        "DEFAULT_TIMEZONE": "Europe/Moscow",
        **extra,
    }


def base_url(bot) -> str:
    server = web_server_of(bot.application)
    assert server is not None
    return server.base_url


@asynccontextmanager
async def browser(**headers: str):
    """A session that keeps cookies like a browser (also for 127.0.0.1)."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar, headers=headers) as session:
        yield session


async def fetch(session: aiohttp.ClientSession, method: str, url: str, **kwargs):
    """(status, body text, headers) without following redirects."""
    async with session.request(method, url, allow_redirects=False, **kwargs) as response:
        return response.status, await response.text(), response.headers


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def without_nonce(page: str) -> str:
    return _NONCE.sub("nonce", page)


async def conference_of(bot, emu, *, starts_in_hours: float = 0, topic: str = "Board"):
    """Anna's conference (online by default) and Anna herself."""
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [starts_in_hours], topic=topic)
    return anna, conference_id


async def share_url(bot, owner_id: int, conference_id: int) -> str:
    conference = await bot.services.conferences.owned(owner_id, conference_id)
    url = await bot.services.links.shared(conference)
    assert url is not None
    return url


async def invite(bot, owner_id: int, conference_id: int, email: str) -> str:
    """Invite `email` by e-mail through the service, and the invitee's own join page.

    The link comes from bot/links.py; tests/web/test_links_to_the_page.py checks that
    the e-mail the invitee receives carries this very link."""
    owner = await bot.services.users.get(owner_id)
    await bot.services.invitations.invite(owner, conference_id, [email])
    url = await bot.services.links.personal(conference_id, email)
    assert url is not None
    return url

"""The join page in a real browser (Playwright driving Debian's chromium, headless, no
browser download): a personal invitation link opened in Russian, a name typed and the
visitor landing on the video platform (a stand-in page on loopback), "Remember me"
going straight in the next time, a page that waits for the owner and goes on by itself
when the owner presses Join in the bot, and a revoked link that gives 404.

Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it); skipped with
that reason when it is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp import web

from tests.e2e import free_port, smtp_settings
from tests.handlers.test_joining import card_of
from tests.web.visitors import conference_of, invite, share_url, web_settings

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 20_000  # the page asks every 5 s whether it may go on

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser tests need Debian's chromium at /usr/bin/chromium "
    "(apt-get install chromium; .ci/run installs it)",
)
playwright_api = pytest.importorskip("playwright.async_api")


class PlatformStandIn:
    """The video platform's join page on 127.0.0.1: it shows the room and the name."""

    def __init__(self) -> None:
        self.port = free_port()
        self.visits: list[tuple[str, str]] = []
        self._runner: web.AppRunner | None = None

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{id}}?name={{name}}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/favicon.ico", self._nothing)
        app.router.add_get("/{room}", self._room)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _nothing(self, request: web.Request) -> web.Response:
        return web.Response(status=404)

    async def _room(self, request: web.Request) -> web.Response:
        room, name = request.match_info["room"], request.query.get("name", "")
        self.visits.append((room, name))
        body = f"<h1>Video platform</h1><p id='room'>{room}</p><p id='who'>{name}</p>"
        return web.Response(text=body.replace("&", "&amp;"), content_type="text/html")


@pytest.fixture
async def platform():
    stand_in = PlatformStandIn()
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@pytest.fixture
def bot_settings(platform, smtp):
    return {**web_settings(VIDEO_BASE_URL=platform.template), **smtp_settings(smtp)}


async def link_in_the_email(bot, smtp, owner_id: int, conference_id: int, email: str) -> str:
    """Invite `email`; the join link of the invitation the test SMTP server caught."""
    await invite(bot, owner_id, conference_id, email)
    [message] = await smtp.wait_for(1)
    plain_body = message.get_body(("plain",)).get_content()
    [link] = re.findall(r"http://127\.0\.0\.1:\d+/j/[\w-]+", plain_body)
    return link


@pytest.fixture
async def chromium(tmp_path):
    """A fresh profile each test; `new_page(**context options)` opens a page in it."""
    async with playwright_api.async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        problems: list[str] = []

        async def new_page(**options):
            context = await browser.new_context(**options)
            page = await context.new_page()
            # A script or style the Content-Security-Policy refused would show here.
            page.on(
                "console",
                lambda message: (
                    problems.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            return page

        yield new_page
        await browser.close()
        assert problems == []


async def test_a_personal_invitation_in_russian_a_typed_name_and_remember_me(
    bot, emu, smtp, platform, chromium
):
    anna, conference_id = await conference_of(bot, emu, topic="Совет директоров")
    link = await link_in_the_email(bot, smtp, anna.id, conference_id, "boris@example.org")

    page = await chromium(locale="ru-RU", timezone_id="Europe/Moscow")
    response = await page.goto(link)
    assert response.status == 200
    assert await page.get_attribute("html", "lang") == "ru"
    assert await page.title() == "Подключение к «Совет директоров»"
    assert "Онлайн" in await page.inner_text("main")
    assert await page.inner_text("#password") == "pw12"
    await page.fill("#name", "Борис Петров")
    await page.check("#remember")
    await page.click("#join")
    await page.wait_for_url(re.compile(rf"^http://127\.0\.0\.1:{platform.port}/"))
    assert await page.inner_text("#who") == "Борис Петров"
    assert platform.visits[-1][1] == "Борис Петров"

    # The next visit goes straight to the conference, under the remembered name.
    response = await page.goto(link)
    assert page.url.startswith(f"http://127.0.0.1:{platform.port}/")
    assert response.request.redirected_from.url == link
    assert await page.inner_text("#who") == "Борис Петров"


async def test_the_page_waits_for_the_owner_and_goes_on_when_the_owner_joins_in_the_bot(
    bot, emu, platform, chromium
):
    anna, conference_id = await conference_of(bot, emu, topic="Board")
    await bot.update_profile(anna.id, remember_name=True)
    await bot.services.conferences.edit(anna.id, conference_id, allow_without_owner=False)
    link = await share_url(bot, anna.id, conference_id)

    page = await chromium(locale="en-US", timezone_id="America/New_York")
    await page.goto(link)
    assert "The owner has not joined yet" in await page.inner_text("#state")
    assert await page.locator("#password").count() == 0
    assert await page.locator("#join-form").count() == 0
    # The times were moved to the visitor's zone by the page's script (nonce allowed).
    start = page.locator("time").first
    assert "Moscow time (UTC+3)" in await start.get_attribute("title")
    assert "Moscow" not in await start.inner_text()
    assert re.search(r"\b7:00\b|\b07:00\b", await start.inner_text())

    # The owner presses Join in the bot; nobody touches the page.
    card = await card_of(anna)
    await anna.press(card, "▶️ Join")
    await anna.expect_message()
    await page.wait_for_selector("#join-form", timeout=WAIT_MS)
    assert await page.inner_text("#password") == "pw12"
    await page.fill("#name", "Carol")
    await page.click("#join")
    await page.wait_for_url(re.compile(rf"^http://127\.0\.0\.1:{platform.port}/"))
    assert await page.inner_text("#who") == "Carol"


async def test_a_revoked_personal_link_gives_404(bot, emu, smtp, chromium):
    anna, conference_id = await conference_of(bot, emu, topic="Board")
    link = await link_in_the_email(bot, smtp, anna.id, conference_id, "boris@example.org")
    owner = await bot.services.users.get(anna.id)
    invitation_id = await bot.services.database.fetch_value(
        "SELECT id FROM invitations WHERE email = 'boris@example.org'"
    )
    await bot.services.invitations.remove_invitee(owner, conference_id, invitation_id)

    page = await chromium(locale="en-US")
    response = await page.goto(link)
    assert response.status == 404
    assert "does not lead to a conference" in await page.inner_text("main")
    assert "Board" not in await page.content()

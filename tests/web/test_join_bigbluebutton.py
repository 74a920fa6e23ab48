"""The join page with BigBlueButton: the meeting is created before the visitor is sent
on, the link is a signed viewer link the API stand-in accepts, and a server that does not
answer gives a plain "try again" page instead of a broken link."""

import aiohttp
import pytest
import yarl

from tests.bot.bbb_standin import BBBStandIn
from tests.web.visitors import browser, conference_of, csrf_of, fetch, share_url, web_settings

SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"


@pytest.fixture
async def bbb():
    async with BBBStandIn(secret=SECRET) as standin:
        yield standin


@pytest.fixture
def bot_settings(bbb):
    return web_settings(
        VIDEO_PLATFORM="bbb", VIDEO_BASE_URL=bbb.api_url, BBB_SECRET=SECRET, BBB_CHECKSUM="sha256"
    )


async def test_the_meeting_is_created_and_the_visitor_joins_as_a_viewer(bot, emu, bbb):
    anna, conference_id = await conference_of(bot, emu)
    url = await share_url(bot, anna.id, conference_id)
    async with browser() as session:
        _, page, headers = await fetch(session, "GET", url)
        origin = bbb.api_url.removesuffix("/bigbluebutton/api")
        assert f"form-action 'self' {origin}" in headers["Content-Security-Policy"]
        assert bbb.calls_named("create") == []  # nothing is created just by looking
        status, _, headers = await fetch(
            session, "POST", url, data={"csrf": csrf_of(page), "name": "Boris B"}
        )
    assert status == 303 and len(bbb.calls_named("create")) == 1
    link = headers["Location"]
    assert link.startswith(bbb.api_url + "/join?") and "checksum=" in link
    async with aiohttp.ClientSession() as plain:
        async with plain.get(yarl.URL(link, encoded=True), allow_redirects=False) as answer:
            assert answer.status == 302  # the stand-in accepted the checksum
    assert bbb.joins[-1].role == "VIEWER" and bbb.joins[-1].full_name == "Boris B"


async def test_a_silent_server_gives_a_try_again_page(bot, emu, bbb):
    anna, conference_id = await conference_of(bot, emu)
    url = await share_url(bot, anna.id, conference_id)
    await bbb.stop()
    async with browser() as session:
        _, page, _ = await fetch(session, "GET", url)
        status, page, headers = await fetch(
            session, "POST", url, data={"csrf": csrf_of(page), "name": "Boris"}
        )
    assert status == 503 and "Location" not in headers
    assert "The video service did not answer" in page

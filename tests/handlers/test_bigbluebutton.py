"""Joining through BigBlueButton: `create` before the link, signed join URLs the API
stand-in verifies, the owner as moderator, a participant as viewer."""

import aiohttp
import pytest
import yarl

from tests.bot.bbb_standin import BBBStandIn
from tests.handlers.test_conference_log import add_conferences, open_first, person

SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"


@pytest.fixture
async def bbb():
    async with BBBStandIn(secret=SECRET) as standin:
        yield standin


@pytest.fixture
def bot_settings(bbb):
    return {
        "VIDEO_PLATFORM": "bbb",
        "VIDEO_BASE_URL": bbb.api_url,
        "BBB_SECRET": SECRET,
        "BBB_CHECKSUM": "sha256",
    }


async def follow(url: str) -> int:
    """Open a join link as a browser would (without following the redirect)."""
    async with aiohttp.ClientSession() as session:
        async with session.get(yarl.URL(url, encoded=True), allow_redirects=False) as response:
            return response.status


async def test_owner_and_participant_join_through_bigbluebutton(bot, emu, bbb):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, remember_name=True, display_name="Anna K")
    [conference_id] = await add_conferences(bot, anna.id, [0], topic="Quarterly")
    await anna.send("/log")
    log = await anna.expect_message()
    await anna.press(log, "Quarterly")
    card = await anna.expect_edit(log)
    assert bbb.calls_named("create") == []  # nothing is created just by looking
    await anna.press(card, "▶️ Join")
    link = await anna.expect_message()
    assert len(bbb.calls_named("create")) == 1
    url = link.buttons[0][0].url
    assert url.startswith(bbb.api_url + "/join?") and "checksum=" in url
    assert await follow(url) == 302  # the stand-in accepted the checksum and the meeting
    assert bbb.joins[-1].role == "MODERATOR" and bbb.joins[-1].full_name == "Anna K"
    assert bbb.rejected == []

    conference = await bot.services.conferences.owned(anna.id, conference_id)
    boris, _ = await person(emu, "Boris")
    await boris.send(f"/start {await bot.services.sharing.share_token(conference)}")
    visitor = await boris.expect_message()
    await boris.press(visitor, "Join")
    await boris.expect_message()
    await boris.send("Boris B")
    link = await boris.expect_message()
    assert await follow(link.buttons[0][0].url) == 302
    assert bbb.joins[-1].role == "VIEWER" and bbb.joins[-1].full_name == "Boris B"
    assert len(bbb.calls_named("create")) == 2  # idempotent: the same meeting again
    assert len(bbb.meetings) == 1


async def test_an_unreachable_platform_gets_a_clear_message(bot, emu, bbb):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, remember_name=True)
    await add_conferences(bot, anna.id, [0])
    await bbb.stop()
    await anna.send("/log")
    log = await anna.expect_message()
    card = await open_first(anna, log)
    await anna.press(card, "▶️ Join")
    assert "video service did not answer" in (await anna.expect_message(timeout=15)).text

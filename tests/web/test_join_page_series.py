"""The join page of a series: it shows today's meeting (the current one moves on when a
meeting ends) and its .ics carries the whole series, with its exceptions, as the bot
expands it."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from bot.conferences import Draft
from tests.handlers.test_conference_log import person
from tests.handlers.test_series_calendars import bots_own, expanded
from tests.web.visitors import browser, fetch, share_url, web_settings


@pytest.fixture
def bot_settings():
    return web_settings()


async def test_the_join_page_of_a_series_follows_its_meetings(bot, emu):
    anna, _ = await person(emu)
    start = bot.clock.timestamp() + 3600
    draft = Draft(
        topic="Weekly board",
        starts_at=start,
        ends_at=start + 1800,
        code="weekly-board",
        password="pw12",
        repeat="weekly",
        repeat_count=4,
    )
    series = await bot.services.conferences.schedule(anna.id, draft, timezone="Europe/Moscow")
    await bot.services.series.cancel_meeting(anna.id, series.id, series.starts_at + 7 * 86400)
    url = await share_url(bot, anna.id, series.id)
    async with browser() as session:
        status, body, headers = await fetch(session, "GET", f"{url}.ics")
        assert status == 200 and "text/calendar" in headers["Content-Type"]
        assert expanded(Calendar.from_ical(body)) == await bots_own(bot, series.id)
        assert len(expanded(Calendar.from_ical(body))) == 3
        # After the first meeting, the page shows the third one (the second is cancelled).
        bot.clock.advance(timedelta(hours=2))
        status, page, _headers = await fetch(session, "GET", url)
    assert status == 200 and "Weekly board" in page
    third = datetime.fromtimestamp(series.starts_at + 14 * 86400, UTC)
    assert f'<time datetime="{third:%Y-%m-%dT%H:%M:%SZ}"' in page

"""The web side runs beside the bot only when PUBLIC_URL is set; /healthz tells an
operator (or a load balancer) whether the bot can work."""

import aiohttp
import pytest

from app.web import web_server_of
from tests.handlers.test_conference_log import person


@pytest.fixture
def bot_settings():
    return {"PUBLIC_URL": "https://conf.example.org", "WEB_PORT": "0"}


async def get_json(url: str) -> tuple[int, dict, aiohttp.typedefs.LooseHeaders]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json(), response.headers


async def test_healthz_reports_the_database_the_last_update_and_the_mail_backlog(bot, emu):
    server = web_server_of(bot.application)
    assert server is not None
    status, body, headers = await get_json(f"{server.base_url}/healthz")
    assert status == 200 and body["status"] == "ok" and body["database"] == "ok"
    assert body["role"] == "active"  # the one process on SQLite serves
    assert body["last_update_at"] is None
    assert body["outbox"] == {"pending": 0, "oldest_pending_age_seconds": None}
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"

    await person(emu)  # one update
    status, body, _ = await get_json(f"{server.base_url}/healthz")
    assert body["last_update_at"] == bot.clock.timestamp()


async def test_healthz_is_503_when_the_database_is_unreachable(bot):
    server = web_server_of(bot.application)
    await bot.services.database.close()
    status, body, _ = await get_json(f"{server.base_url}/healthz")
    assert status == 503 and body["database"] == "unreachable"


class TestWithoutPublicUrl:
    @pytest.fixture
    def bot_settings(self):
        return {}

    async def test_no_web_server_starts(self, bot):
        assert web_server_of(bot.application) is None

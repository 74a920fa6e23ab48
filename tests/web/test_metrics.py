"""/metrics read back after a scenario: the counters say what happened, and only to a
scraper with the METRICS_TOKEN."""

import email.message
import email.utils
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from app.web import web_server_of
from bot.mail.outbox import enqueue
from bot.metrics import Metrics
from storage.outbox import OutboxRepository
from tests.e2e import eventually
from tests.handlers.test_conference_log import add_conferences, person
from web.security import RequestLimit, TrustedProxies
from web.site import front_door

TOKEN = "metrics-Token-for-the-scraper"


@pytest.fixture
def bot_settings():
    return {
        "PUBLIC_URL": "https://conf.example.org",
        "WEB_PORT": "0",
        "METRICS_TOKEN": TOKEN,
        "REMINDER_CHECK_SECONDS": "1",
    }


async def scrape(bot, authorization: str | None = f"Bearer {TOKEN}") -> tuple[int, str]:
    server = web_server_of(bot.application)
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.base_url}/metrics", headers=headers) as response,
    ):
        return response.status, await response.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


async def queue_one_email(bot) -> None:
    message = email.message.EmailMessage()
    message["From"] = "bot@conference.test"
    message["To"] = "guest@example.org"
    message["Subject"] = "Hello"
    message["Message-ID"] = email.utils.make_msgid(domain="conference.test")
    message.set_content("Hello")
    async with bot.services.database.transaction() as tx:
        await enqueue(
            tx,
            message,
            kind="invitation",
            owner_id=None,
            conference_id=None,
            now=bot.clock.timestamp(),
        )
    bot.services.mail_sender.wake()


async def test_the_counters_match_a_scenario(bot, emu):
    anna, menu = await person(emu, "Anna")  # message 1
    await anna.press(menu, "🗂 Conference log")  # callback_query 1
    await anna.expect_edit(menu)
    await anna.inline_query("")  # inline_query 1
    await anna.send("/schedule")  # message 2
    await anna.expect_message()
    await anna.send("/help")  # message 3: ends the dialog, handled afresh, counted once
    await anna.expect_message()

    # Telegram refuses a reply once with 429 (retried after 1 s) and another with 403.
    emu.fail_next("sendMessage", error_code=429, retry_after=1)
    await person(emu, "Boris")  # message 4, answered after the retry
    carol = emu.user("Carol")
    emu.fail_next("sendMessage", error_code=403, chat_id=carol.id)
    await carol.send("/start")  # message 5, its answer refused
    await eventually(lambda: _refused(emu))

    # A reminder: the conference starts at 13:00, Anna is reminded 10 minutes before.
    await add_conferences(bot, anna.id, [1], topic="Retro")
    bot.clock.advance(timedelta(minutes=51))
    assert "Retro" in (await anna.expect_message(timeout=5)).text

    # One e-mail through the outbox (no SMTP_HOST: written to MAIL_DIR, marked sent).
    await queue_one_email(bot)
    outbox = OutboxRepository(bot.services.database)
    assert await eventually(lambda: _sent(outbox))

    status, text = await scrape(bot)
    assert status == 200
    found = samples(text)
    assert value(found, "bot_updates_total", kind="message") == 5
    assert value(found, "bot_updates_total", kind="callback_query") == 1
    assert value(found, "bot_updates_total", kind="inline_query") == 1
    assert value(found, "bot_updates_total", kind="edited_message") == 0
    assert value(found, "bot_api_errors_total", kind="429") == 1
    assert value(found, "bot_api_errors_total", kind="403") == 1
    assert value(found, "bot_api_errors_total", kind="network") == 0
    assert value(found, "bot_reminders_sent_total") == 1
    assert value(found, "bot_mail_sent_total") == 1
    assert value(found, "bot_mail_failed_total") == 0
    assert value(found, "bot_outbox_messages", status="sent") == 1
    assert value(found, "bot_outbox_messages", status="pending") == 0
    assert value(found, "bot_outbox_messages", status="failed") == 0
    # Every update that reached the end of the flush was timed once: Anna's five, Boris's;
    # Carol's reply failed in the flush after her state was saved, so hers is not.
    assert value(found, "bot_update_handling_seconds_count") == 6


async def _refused(emu) -> bool:
    return any(call.error_code == 403 for call in emu.calls_of("sendMessage"))


async def _sent(outbox: OutboxRepository) -> bool:
    return (await outbox.count_by_status()).get("sent") == 1


async def test_metrics_want_the_bearer_token(bot):
    assert (await scrape(bot, None))[0] == 401
    assert (await scrape(bot, "Bearer wrong-token"))[0] == 401
    assert (await scrape(bot, TOKEN))[0] == 401  # the token alone is not a bearer header
    assert (await scrape(bot, f"Bearer {TOKEN}x"))[0] == 401
    status, text = await scrape(bot)
    assert status == 200 and "bot_updates_total" in text


class TestWithoutToken:
    @pytest.fixture
    def bot_settings(self):
        return {"PUBLIC_URL": "https://conf.example.org", "WEB_PORT": "0"}

    async def test_metrics_are_open_without_a_token(self, bot):
        status, text = await scrape(bot, None)
        assert status == 200 and "bot_outbox_messages" in text


async def test_join_pages_and_their_redirects_are_counted_by_route_name():
    metrics = Metrics()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="page")

    async def go(request: web.Request) -> web.Response:
        raise web.HTTPSeeOther("https://video.example/room")

    async def go_returned(request: web.Request) -> web.Response:
        return web.Response(status=303, headers={"Location": "https://video.example/room"})

    def too_many(request: web.Request) -> web.Response:
        return web.Response(status=429, text="slow down")

    # Four page requests a minute per IP: the fifth is refused, and counted all the same.
    limit = RequestLimit(TrustedProxies([]), 4)
    app = web.Application(middlewares=[front_door(metrics, limit, too_many)])
    app.router.add_get("/j/{token}", page, name="join_page")
    app.router.add_post("/j/{token}", go, name="join_submit")
    app.router.add_post("/", go_returned, name="website_submit")
    app.router.add_get("/other", page, name="metrics")
    async with TestClient(TestServer(app)) as client:
        await client.get("/j/abc")
        await client.get("/j/abc")
        await client.post("/j/abc", allow_redirects=False)
        await client.post("/", allow_redirects=False)
        await client.get("/other")
        await client.get("/missing")
        refused = await client.get("/j/abc")
    assert refused.status == 429
    found = samples(metrics.exposition().decode())
    assert value(found, "bot_web_requests_total", route="join_page") == 3
    assert value(found, "bot_web_requests_total", route="join_submit") == 1
    assert value(found, "bot_web_requests_total", route="website_submit") == 1
    assert value(found, "bot_web_redirects_total", route="join_submit") == 1
    assert value(found, "bot_web_redirects_total", route="website_submit") == 1
    assert ("bot_web_requests_total", (("route", "metrics"),)) not in found
    assert ("bot_web_redirects_total", (("route", "join_page"),)) not in found


async def test_two_bots_in_one_process_keep_their_own_counters():
    first, second = Metrics(), Metrics()
    first.reminders_sent.inc(2)
    assert "bot_reminders_sent_total 2.0" in first.exposition().decode()
    assert "bot_reminders_sent_total 0.0" in second.exposition().decode()

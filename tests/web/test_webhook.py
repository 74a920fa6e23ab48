"""Webhook mode end to end: the emulator POSTs updates to the bot's web server as
Telegram does, with the secret header, and delivers again what was not acknowledged."""

import json

import aiohttp
import pytest
from telegram import Update

from app.web import web_server_of
from emulator import BotAPIEmulator
from emulator.errors import QUERY_TOO_OLD
from storage.handled_updates import HandledUpdateRepository
from tests.e2e import free_port

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def emu():
    # Telegram wants https; the emulator accepts http on loopback when told to.
    emulator = BotAPIEmulator(bot_username="ConferenceTestBot", allow_http_webhook=True)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def bot_settings():
    port = free_port()
    return {
        "TELEGRAM_MODE": "webhook",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WEB_PORT": str(port),
    }


def statuses(emu, update_id: int) -> list[tuple[int | None, bool]]:
    return [(a.status, a.counted_as_lost) for a in emu.webhook_attempts if a.update_id == update_id]


async def stored_state(bot, handler_name: str) -> list:
    rows = await bot.services.database.fetch_all(
        "SELECT state FROM conversation_states WHERE handler_name = :handler_name",
        {"handler_name": handler_name},
    )
    return [json.loads(row[0]) for row in rows]


async def test_the_bot_sets_its_webhook_and_answers_through_it(bot, emu):
    hook = emu.webhook
    public_url = bot.settings.public_url
    assert hook["url"].startswith(f"{public_url}/telegram/")
    path = hook["url"].rsplit("/", 1)[1]
    assert len(path) >= 40 and len(hook["secret_token"]) >= 40 and path != hook["secret_token"]
    assert hook["allowed_updates"] == list(Update.ALL_TYPES)
    assert not emu.calls_of("getUpdates") and not emu.calls_of("deleteWebhook")

    anna = emu.user("Anna")
    await anna.send("/start")
    menu = await anna.expect_message()
    assert "📅 Schedule conference" in menu.button_texts()
    await emu.wait_for_delivery()
    assert [(a.status, a.counted_as_lost) for a in emu.webhook_attempts] == [(200, False)]
    assert not emu.calls_of("getUpdates")


async def test_a_request_without_the_secret_header_is_refused_and_not_processed(bot, emu):
    url = emu.webhook_url
    anna = emu.user("Anna")
    forged = {
        "update_id": 999_999,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": anna.id, "type": "private", "first_name": "Anna"},
            "from": {"id": anna.id, "is_bot": False, "first_name": "Anna"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {SECRET_HEADER: "guessed"}, {SECRET_HEADER: emu.webhook_url}):
            async with session.post(url, json=forged, headers=headers) as response:
                assert response.status == 403
        # The right path with the right header is what Telegram sends: that one works.
        right = {SECRET_HEADER: emu.webhook["secret_token"]}
        async with session.post(url + "x", json=forged, headers=right) as response:
            assert response.status == 404  # another path is no webhook

    await anna.expect_no_message(within=0.3)
    assert await bot.services.users.get(anna.id) is None
    handled = HandledUpdateRepository(bot.services.database)
    assert not await handled.contains(999_999)
    assert bot.services.health.last_update_at is None  # nothing reached the handlers


async def test_an_update_delivered_again_is_handled_once(bot, emu):
    anna = emu.user("Anna")
    await anna.send("/schedule")
    await anna.expect_message()  # "Step 1 of 3: send the topic"
    await emu.wait_for_delivery()  # (the reply goes out before the answer to Telegram)
    # The bot's 200 for the topic never reaches "Telegram", which sends it again. Handled
    # twice, the topic would be read as the start time and answered with an error.
    emu.webhook_lose_answer_next()
    await anna.send("Weekly sync")
    ask_start = await anna.expect_message()
    assert "Step 2" in ask_start.text
    await emu.wait_for_delivery()
    topic_update = emu.webhook_attempts[-1].update_id
    assert statuses(emu, topic_update) == [(200, True), (200, False)]
    await anna.expect_no_message(within=0.3)
    assert len([m for m in anna.messages() if m.from_bot]) == 2
    skipped = bot.services.metrics.skipped.labels("duplicate")._value.get()
    assert skipped == 1


async def test_a_step_is_acknowledged_only_once_its_state_is_saved(bot, emu, monkeypatch):
    anna = emu.user("Anna")
    await anna.send("/schedule")
    await anna.expect_message()
    await emu.wait_for_delivery()

    # Saving the next step fails once (the whole transaction: state and update id).
    real_remember = HandledUpdateRepository.remember
    failures = []

    async def failing_once(self, update_id, *, now):
        if not failures:
            failures.append(update_id)
            raise OSError("disk I/O error")
        await real_remember(self, update_id, now=now)

    monkeypatch.setattr(HandledUpdateRepository, "remember", failing_once)
    before = await stored_state(bot, "conference_form")
    await anna.send("Weekly sync")
    # Nothing was confirmed to Anna while the step was not saved; Telegram got a 500,
    # delivered the update again, and the step was saved then, once, with one reply.
    ask_start = await anna.expect_message()
    assert "Step 2" in ask_start.text
    await emu.wait_for_delivery()
    assert statuses(emu, failures[0]) == [(500, False), (200, False)]
    await anna.expect_no_message(within=0.3)
    after = await stored_state(bot, "conference_form")
    assert after != before and len(after) == 1
    handled = HandledUpdateRepository(bot.services.database)
    assert await handled.contains(failures[0])
    assert bot.services.metrics.skipped.labels("retry")._value.get() == 1
    # The dialog goes on from the saved step.
    await anna.send("tomorrow 15:00")
    assert "Step 3" in (await anna.expect_message()).text


async def test_a_press_too_old_to_answer_is_still_carried_out(bot, emu):
    # A press delivered again after the bot died may have been answered already, or be
    # too old: Telegram refuses the answer, and the press must still do its work.
    anna = emu.user("Anna")
    await anna.send("/start")
    menu = await anna.expect_message()
    emu.fail_next("answerCallbackQuery", error_code=400, description=QUERY_TOO_OLD)
    await anna.press(menu, "📅 Schedule conference")
    assert "Step 1 of 3" in (await anna.expect_edit(menu)).text
    await anna.expect_no_message(within=0.2)  # and no apology


async def test_a_restart_keeps_the_webhook_and_a_stop_leaves_it_set(bot, emu):
    first = emu.webhook
    await bot.stop()
    assert emu.webhook_url == first["url"]  # left in place: updates wait in Telegram
    assert not emu.calls_of("deleteWebhook")

    anna = emu.user("Anna")
    await anna.send("/start")  # sent while the bot is down
    await anna.expect_no_message(within=0.3)
    assert emu.pending_update_count == 1

    await bot.start()
    assert emu.webhook["url"] == first["url"]
    assert emu.webhook["secret_token"] == first["secret_token"]
    await anna.expect_message()  # delivered once the bot was back
    await emu.wait_for_delivery()


async def test_healthz_sees_updates_that_come_by_webhook(bot, emu):
    server = web_server_of(bot.application)
    anna = emu.user("Anna")
    await anna.send("/start")
    await anna.expect_message()
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.base_url}/healthz") as response,
    ):
        body = await response.json()
    assert body["last_update_at"] == bot.clock.timestamp()


class TestPollingMode:
    @pytest.fixture
    def bot_settings(self):
        return {}

    @pytest.fixture
    async def emu(self):
        emulator = BotAPIEmulator(bot_username="ConferenceTestBot", allow_http_webhook=True)
        # A webhook left by an earlier run in webhook mode.
        # (On loopback, where nothing listens: no test reaches the internet.)
        emulator.state.webhook = {"url": "https://127.0.0.1:9/telegram/old"}
        await emulator.start()
        yield emulator
        await emulator.stop()

    async def test_polling_removes_a_stale_webhook_and_works(self, bot, emu):
        assert emu.calls_of("deleteWebhook") and emu.webhook_url == ""
        anna = emu.user("Anna")
        await anna.send("/start")
        await anna.expect_message()
        assert emu.calls_of("getUpdates") and not emu.webhook_attempts

    async def test_an_update_fetched_again_is_handled_once(self, bot, emu):
        anna = emu.user("Anna")
        await anna.send("/schedule")
        await anna.expect_message()
        await anna.send("Weekly sync")
        assert "Step 2" in (await anna.expect_message()).text
        await emu.wait_for_delivery()
        # Telegram serves the topic again (say its offset was never confirmed before a
        # crash). Handled twice, it would be read as the start time.
        [topic] = [
            update
            for call in emu.calls_of("getUpdates")
            for update in call.result or []
            if update.get("message", {}).get("text") == "Weekly sync"
        ]
        emu.state.pending_updates.append(topic)
        emu.state.updates_changed.fire()
        await emu.wait_for_delivery()
        await anna.expect_no_message(within=0.3)
        await anna.send("tomorrow 15:00")
        assert "Step 3" in (await anna.expect_message()).text


def test_the_sandbox_keeps_polling_whatever_the_settings_say(tmp_path):
    from app.sandbox import sandbox_settings

    env = {"TELEGRAM_MODE": "webhook", "PUBLIC_URL": "https://conf.example.org"}
    assert sandbox_settings(tmp_path / "s.sqlite3", env).telegram_mode == "polling"

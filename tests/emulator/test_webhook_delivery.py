"""Webhook delivery by the emulator itself, against a small receiver on loopback: what is
POSTed, with which header, what is delivered again, and in which order."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from aiohttp import web

from emulator import BotAPIEmulator
from tests.e2e import free_port

TOKEN = "100000:raw"
SECRET = "s3cret_Token-1"


class Receiver:
    """A stand-in bot: records each POST; answers 200 unless told otherwise."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, dict[str, str]]] = []
        self.answers: list[int] = []  # statuses to answer first, in order
        self.hold: asyncio.Event | None = None  # while set to an unset Event, wait
        self.in_flight = 0
        self.most_in_flight = 0
        self.arrived = asyncio.Event()
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), dict(request.headers)))
        self.arrived.set()
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.hold is not None:
                await self.hold.wait()
            status = self.answers.pop(0) if self.answers else 200
        finally:
            self.in_flight -= 1
        return web.Response(status=status, text="")

    def texts(self) -> list[str]:
        return [update["message"]["text"] for update, _ in self.received if "message" in update]

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:
        async def enough() -> None:
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), timeout)


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    emulator = BotAPIEmulator(
        default_timeout=5.0, allow_http_webhook=True, webhook_retry_delay=0.05
    )
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver()
    await running.start()
    yield running
    await running.stop()


@pytest_asyncio.fixture
async def api(emu: BotAPIEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{TOKEN}/", timeout=5) as client:
        yield client


async def set_webhook(api: httpx.AsyncClient, url: str, **extra) -> httpx.Response:
    return await api.post("setWebhook", json={"url": url, "secret_token": SECRET, **extra})


async def test_updates_are_posted_as_json_with_the_secret_header(emu, receiver, api):
    assert (await set_webhook(api, receiver.url)).json()["ok"]
    alice = emu.user("Alice")
    await alice.send("hello")
    await emu.wait_for_delivery()
    [(update, headers)] = receiver.received
    assert update["message"]["text"] == "hello" and update["message"]["from"]["id"] == alice.id
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == SECRET
    assert headers["Content-Type"].startswith("application/json")
    assert [a.status for a in emu.webhook_attempts] == [200]
    # While a webhook is set, getUpdates is refused as on Telegram.
    refused = await api.post("getUpdates", json={"timeout": 0})
    assert refused.status_code == 409


async def test_an_update_not_acknowledged_is_delivered_again(emu, receiver, api):
    await set_webhook(api, receiver.url)
    receiver.answers = [500, 403]
    alice = emu.user("Alice")
    await alice.send("once")
    await emu.wait_for_delivery()
    assert receiver.texts() == ["once", "once", "once"]
    assert [a.status for a in emu.webhook_attempts] == [500, 403, 200]
    info = (await api.post("getWebhookInfo")).json()["result"]
    assert info["pending_update_count"] == 0 and "403" in info["last_error_message"]


async def test_a_failed_connection_is_retried_until_the_bot_listens(emu, api):
    down = Receiver()  # not started: connections are refused
    await set_webhook(api, down.url)
    alice = emu.user("Alice")
    await alice.send("are you there?")
    await emu.wait_until(lambda: True if len(emu.webhook_attempts) >= 2 else None, 5)
    assert all(a.status is None for a in emu.webhook_attempts)
    assert emu.pending_update_count == 1
    await down.start()
    try:
        await emu.wait_for_delivery()
        assert down.texts() == ["are you there?"]
    finally:
        await down.stop()


async def test_a_lost_answer_means_the_same_update_comes_twice(emu, receiver, api):
    await set_webhook(api, receiver.url)
    emu.webhook_lose_answer_next()
    await emu.user("Alice").send("twice")
    await emu.wait_for_delivery()
    first, second = (update for update, _ in receiver.received)
    assert first == second
    assert [(a.status, a.acknowledged) for a in emu.webhook_attempts] == [
        (200, False),
        (200, True),
    ]


async def test_one_user_in_order_different_users_at_once(emu, receiver, api):
    await set_webhook(api, receiver.url, max_connections=2)
    receiver.hold = asyncio.Event()
    alice, bob, carol = emu.user("Alice"), emu.user("Bob"), emu.user("Carol")
    await alice.send("a1")
    await alice.send("a2")
    await bob.send("b1")
    await carol.send("c1")
    await receiver.wait_for(2)
    await asyncio.sleep(0.1)
    # Alice's second waits for her first; Carol waits for a free connection (2 at most).
    assert receiver.texts() == ["a1", "b1"] and receiver.most_in_flight == 2
    receiver.hold.set()
    await emu.wait_for_delivery()
    texts = receiver.texts()
    assert sorted(texts) == ["a1", "a2", "b1", "c1"] and texts.index("a1") < texts.index("a2")


async def test_a_retried_update_keeps_its_place_before_the_users_next(emu, receiver, api):
    await set_webhook(api, receiver.url)
    receiver.answers = [503]
    alice = emu.user("Alice")
    await alice.send("first")
    await alice.send("second")
    await emu.wait_for_delivery()
    assert receiver.texts() == ["first", "first", "second"]


async def test_delete_webhook_stops_delivery_and_polling_works_again(emu, receiver, api):
    await set_webhook(api, receiver.url)
    receiver.hold = asyncio.Event()
    await api.post("deleteWebhook")
    await emu.user("Alice").send("for polling")
    await asyncio.sleep(0.1)
    assert receiver.received == []
    got = (await api.post("getUpdates", json={"timeout": 0})).json()["result"]
    assert [u["message"]["text"] for u in got] == ["for polling"]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://127.0.0.1:9/hook", True),
        ("http://127.0.0.1:8443/hook", True),
        ("http://localhost:8443/hook", True),
        ("http://bot.example.org/hook", False),  # http elsewhere: refused as on Telegram
        ("http://127.0.0.1.example.org/hook", False),
    ],
)
async def test_http_only_on_loopback_and_only_when_asked(emu, api, url, allowed):
    answer = await api.post("setWebhook", json={"url": url})
    assert answer.json()["ok"] is allowed
    await api.post("deleteWebhook")


async def test_without_the_option_http_webhooks_are_refused():
    async with BotAPIEmulator() as strict, httpx.AsyncClient() as client:
        answer = await client.post(
            f"{strict.base_url}{TOKEN}/setWebhook", json={"url": "http://127.0.0.1:8443/hook"}
        )
        assert answer.status_code == 400 and "HTTPS" in answer.json()["description"]


async def test_a_secret_token_with_forbidden_characters_is_refused(emu, api):
    answer = await api.post(
        "setWebhook", json={"url": "https://x.example/h", "secret_token": "a b"}
    )
    assert answer.status_code == 400
    assert json.loads(answer.text)["ok"] is False


async def test_updates_that_waited_for_a_webhook_go_out_once_it_is_set(emu, receiver, api):
    await emu.user("Alice").send("sent while no bot listened")
    await asyncio.sleep(0.1)
    assert emu.pending_update_count == 1 and not emu.webhook_attempts
    await set_webhook(api, receiver.url)
    await emu.wait_for_delivery()
    assert receiver.texts() == ["sent while no bot listened"]

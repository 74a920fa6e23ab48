"""Webhook mode behind a load balancer: two real `python -m bot` processes on one
PostgreSQL, each on a port of its own, with the same PUBLIC_URL: a reverse proxy that
sends every request to whichever process's /healthz answers 200, as a load balancer does
(a standby answers 503). The active one is killed with SIGKILL in the middle of a dialog.
Telegram delivers the person's next message again until it gets a 200; the standby takes
over, sets the same webhook, and the dialog goes on at its step. And an update whose step
was saved just before a kill is recognised when it comes again, not handled twice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import TracebackType

import aiohttp
import pytest
from aiohttp import web

from emulator import BotAPIEmulator
from tests.e2e import free_port
from tests.faults.serving import (
    SERVED_WITHIN,
    ServingProcess,
    answer_after_kill,
    killed_at,
    serving_environment,
    stop_all,
)
from tests.postgres import BACKEND

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="two processes share PostgreSQL: the PostgreSQL pass only"
)

# Not forwarded by a proxy: they describe one connection, not the request.
HOP_BY_HOP = {"host", "connection", "keep-alive", "content-length", "transfer-encoding"}


@dataclass(frozen=True)
class Forwarded:
    update_id: int | None
    port: int | None  # the process that got it; None: none was healthy
    status: int  # what the proxy answered Telegram


class LoadBalancer:
    """A reverse proxy on loopback: each request goes to the first process whose /healthz
    answers 200, and its answer comes back as it is; 503 when no process is healthy, 502
    when the chosen one fails mid-request. `forwarded` keeps what went where."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.port = free_port()
        self.forwarded: list[Forwarded] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> LoadBalancer:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        site = web.Application()
        site.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(site, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._runner.cleanup()
        await self._session.close()

    async def _healthy(self) -> int | None:
        for port in self.ports:
            try:
                async with self._session.get(
                    f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=2)
                ) as answer:
                    if answer.status == 200:
                        return port
            except (aiohttp.ClientError, TimeoutError):
                continue  # down: the next one
        return None

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        port = await self._healthy()
        if port is None:
            answer = web.Response(status=503, text="no healthy process")
        else:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
            try:
                async with self._session.request(
                    request.method,
                    f"http://127.0.0.1:{port}{request.rel_url}",
                    headers=headers,
                    data=body,
                ) as upstream:
                    answer = web.Response(status=upstream.status, body=await upstream.read())
            except (aiohttp.ClientError, TimeoutError):  # killed while it had the request
                answer = web.Response(status=502, text="the process failed")
        self.forwarded.append(Forwarded(update_id_of(body), port, answer.status))
        return answer


def update_id_of(body: bytes) -> int | None:
    try:
        return int(json.loads(body)["update_id"])
    except (ValueError, KeyError, TypeError):
        return None


@pytest.fixture
async def emu():
    # Retries at most half a second apart, so that the time measured is the bot's.
    emulator = BotAPIEmulator(allow_http_webhook=True, webhook_max_retry_delay=0.5)
    await emulator.start()
    yield emulator
    await emulator.stop()


async def test_killed_mid_dialog_the_standby_behind_the_proxy_goes_on_at_the_same_step(
    tmp_path, emu, pg_url
):
    ports = [free_port(), free_port()]
    async with LoadBalancer(ports) as balancer:

        def process(name: str, port: int) -> ServingProcess:
            env = serving_environment(
                tmp_path,
                emu,
                pg_url,
                TELEGRAM_MODE="webhook",
                PUBLIC_URL=balancer.url,
                WEB_PORT=str(port),
            )
            return ServingProcess(name, env, tmp_path)

        first, second = process("first", ports[0]), process("second", ports[1])
        processes = [first, second]
        try:
            await first.start()
            await first.wait_for_log("Webhook set")
            await second.start()
            await second.wait_for_log("Standby:")
            await second.wait_for_log("Web side listening")
            webhook = emu.webhook
            assert webhook["url"].startswith(f"{balancer.url}/telegram/")

            anna = emu.user("Anna")
            await anna.send("/start")
            menu = await anna.expect_message(timeout=30)
            await anna.press(menu, "📅 Schedule conference")
            assert "Step 1 of 3" in (await anna.expect_edit(menu, timeout=10)).text
            await emu.wait_for_delivery(timeout=10)
            assert {f.port for f in balancer.forwarded} == {ports[0]}  # the active one only

            # 1. Killed between two steps: the topic is asked, and Anna answers it.
            before = len(emu.webhook_attempts)
            ask_start, served = await answer_after_kill(
                first, anna, "Weekly sync", within=SERVED_WITHIN + 5
            )
            assert "Step 2 of 3" in ask_start.text  # the same dialog, at its next step
            assert served <= SERVED_WITHIN, f"the standby answered after {served:.1f} s"
            print(f"the standby answered {served:.2f} s after the kill")
            await emu.wait_for_delivery(timeout=10)
            # Refused while nobody was active, then answered 200 once, by the standby.
            attempts = emu.webhook_attempts[before:]
            assert len({a.update_id for a in attempts}) == 1
            assert [a.acknowledged for a in attempts].count(True) == 1
            assert attempts[-1].acknowledged
            assert balancer.forwarded[-1].port == ports[1]
            # It set the same webhook again: the same URL and secret, kept in the database.
            assert "Webhook set" in second.log and emu.webhook == webhook
            await anna.expect_no_message(within=0.5)  # the step happened once

            # 2. Killed after the next step was saved, while its reply was on its way; the
            # first process is back as the standby (as systemd would start it again).
            first = process("first, started again", ports[0])
            processes.append(first)
            await first.start()
            await first.wait_for_log("Standby:")
            await first.wait_for_log("Web side listening")
            hold = emu.hold_next("sendMessage")
            await anna.send("tomorrow 15:00")
            await killed_at(second, hold)
            await emu.wait_for_delivery(timeout=SERVED_WITHIN + 5)
            assert "was handled before; skipped" in first.log
            last = balancer.forwarded[-1]
            assert (last.port, last.status) == (ports[0], 200)  # answered by the new active
            # Handled again, "tomorrow 15:00" would have been read as the duration and
            # answered with an error. The dialog is at step 3, as saved.
            await anna.expect_no_message(within=0.5)
            await anna.send("1h")
            review = await anna.expect_message(timeout=10)
            assert "Weekly sync" in review.text
            assert any(b.text == "✅ Schedule" for row in review.buttons for b in row)
        finally:
            await stop_all(processes)

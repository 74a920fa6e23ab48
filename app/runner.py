"""Runs the Application, with long polling or a webhook, until told to stop.

The same runner serves `python -m bot`, the tests and the sandbox, so what is tested is
what runs. It follows PTB's own order: initialize, post_init, start, then updates come in:

- polling (TELEGRAM_MODE=polling, the default): our own loop calls getUpdates and confirms
  a batch only once it is handled and saved (app/polling.py); it first deletes any
  webhook an earlier run in webhook mode left, or getUpdates would be refused; the web
  side starts beside it when PUBLIC_URL is set;
- webhook: the web side starts with the webhook's route (app/webhook.py), then
  setWebhook tells Telegram where to send updates.

And back: the web side first (nothing new arrives), stop polling, stop (in-flight
updates finish, persistence is flushed), confirm the updates handled, shutdown. A webhook
stays set: Telegram keeps the updates that come meanwhile and delivers them when the bot
is back.

`serve` is what `python -m bot` runs. On PostgreSQL it first waits for the leadership
lock (bot/leadership.py) as a standby: "standby" in the log, and /healthz answering 503
with "role": "standby" when the web side is configured. Only the process holding the
lock opens the database (so only it runs migrations), loads the dialog states, takes
updates and runs the background jobs. If it loses the lock's connection it ends at once
(exit code 3, `fence`): better no one serves than two; systemd starts it again, as a
standby (deploy/conference-bot.service).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable

from telegram.ext import Application

from app.heap import pause_collection, resume_collection
from app.polling import Poller
from app.web import start_web, stop_web
from app.webhook import WebhookReceiver
from bot.leadership import Leadership
from bot.settings import Settings
from web.server import WebServer
from web.site import build_standby_site

log = logging.getLogger(__name__)


class BotRunner:
    def __init__(self, application: Application, *, poll_timeout: int = 30) -> None:
        self.application = application
        self._poll_timeout = poll_timeout
        self._poller: Poller | None = None
        self._polling: asyncio.Task[None] | None = None

    async def start(self) -> None:
        app = self.application
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        settings: Settings = app.bot_data["services"].settings
        if settings.telegram_mode == "webhook" and settings.public_url is not None:
            receiver = await WebhookReceiver.create(app)
            await start_web(app, receiver.routes())
            await receiver.set_webhook(settings.public_url)
            return
        # getUpdates is refused while a webhook is set (an earlier run in webhook mode).
        await app.bot.delete_webhook(drop_pending_updates=False)
        self._poller = Poller(app, app.bot_data["services"].updates, timeout=self._poll_timeout)
        self._polling = asyncio.create_task(self._poller.run(), name="polling")
        self._polling.add_done_callback(_report_polling_end)
        await start_web(app)

    async def stop(self) -> None:
        app = self.application
        await stop_web(app)
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._polling
            self._polling = None
        if app.running:
            await app.stop()  # what was queued is handled, and its state saved
        if self._poller is not None:
            await self._poller.confirm()
            self._poller = None
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def _report_polling_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("Polling stopped: %s", task.exception())


EXIT_FENCED = 3  # the lock was lost: this process stopped serving (systemd restarts it)


def fence(reason: str) -> None:
    """The leadership lock may be someone else's now: stop serving this instant, with no
    graceful stop (that would still send replies and mail). What was not saved is
    handled again by the next active process, as after a crash."""
    log.critical("Lost the leadership lock (%s): stopping at once (fencing)", reason)
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    os._exit(EXIT_FENCED)


async def serve(
    settings: Settings,
    build: Callable[[Settings], Awaitable[Application]],
    *,
    postgres_url: str | None,
    on_lost: Callable[[str], None] = fence,
) -> int:
    """Serve until SIGINT or SIGTERM: at once on SQLite, after taking the leadership lock
    on PostgreSQL (`postgres_url`). `build` makes the Application (app/factory.py)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    leadership: Leadership | None = None
    if postgres_url is not None:
        # A standby may wait for hours: it collects as usual meanwhile (app/heap.py).
        resume_collection(freeze=True)
        leadership = Leadership(postgres_url, failover_seconds=settings.failover_seconds)
        if not await _stand_by(settings, leadership, stop):
            return 0
        pause_collection()  # building the Application, as at start-up
    watching: asyncio.Task[None] | None = None
    if leadership is not None:
        # Watched from now on, not only once serving: opening the database (migrations)
        # takes a while, and a session silent for FAILOVER_SECONDS loses the lock.
        watching = asyncio.create_task(leadership.hold(on_lost), name="leadership")
    try:
        application = await build(settings)
        runner = BotRunner(application)
        await runner.start()
        resume_collection(freeze=True)
        log.info("Waiting for updates; press Ctrl-C to stop")
        try:
            await stop.wait()
        finally:
            log.info("Stopping")
            await runner.stop()
    finally:
        if watching is not None:
            watching.cancel()
        if leadership is not None:
            await leadership.release()  # a standby may take over now
    return 0


async def _stand_by(settings: Settings, leadership: Leadership, stop: asyncio.Event) -> bool:
    """Wait for the lock (or a signal: False), answering /healthz 503 meanwhile."""
    server: WebServer | None = None
    if settings.public_url is not None:
        server = WebServer(build_standby_site(), host=settings.web_host, port=settings.web_port)
        await server.start()
    acquiring = asyncio.create_task(leadership.acquire(), name="leadership")
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([acquiring, stopping], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not acquiring.done():
            acquiring.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await acquiring
            await leadership.release()
        if server is not None:
            await server.stop()  # the active web side takes the port over
    return acquiring.done() and not acquiring.cancelled() and acquiring.exception() is None

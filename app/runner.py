"""Runs the Application, with long polling or a webhook, until told to stop.

The same runner serves `python -m bot`, the tests and the sandbox, so what is tested is
what runs. It follows PTB's own order: initialize, post_init, start, then updates come in:

- polling (TELEGRAM_MODE=polling, the default): PTB's updater calls getUpdates (it first
  deletes any webhook an earlier run in webhook mode left, or getUpdates would be
  refused); the web side starts beside it when PUBLIC_URL is set;
- webhook: the web side starts with the webhook's route (app/webhook.py), then
  setWebhook tells Telegram where to send updates.

And back: the web side first (nothing new arrives), stop polling, stop (in-flight
updates finish, persistence is flushed), shutdown. A webhook stays set: Telegram keeps
the updates that come meanwhile and delivers them when the bot is back.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.ext import Application

from app.web import start_web, stop_web
from app.webhook import WebhookReceiver
from bot.settings import Settings

log = logging.getLogger(__name__)


class BotRunner:
    def __init__(self, application: Application, *, poll_timeout: int = 30) -> None:
        self.application = application
        self._poll_timeout = poll_timeout

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
        if app.updater is None:
            raise RuntimeError("the Application was built without an Updater")
        await app.updater.start_polling(
            poll_interval=0,
            timeout=self._poll_timeout,
            allowed_updates=Update.ALL_TYPES,
        )
        await start_web(app)

    async def stop(self) -> None:
        app = self.application
        await stop_web(app)
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)

    async def run_until_signalled(self) -> None:
        """Serve until SIGINT or SIGTERM, then shut down cleanly."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await self.start()
        log.info("Waiting for updates; press Ctrl-C to stop")
        try:
            await stop.wait()
        finally:
            log.info("Stopping")
            await self.stop()

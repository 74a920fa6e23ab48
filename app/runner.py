"""Runs the Application with long polling until told to stop.

The same runner serves `python -m bot`, the tests and the sandbox, so what is tested is
what runs. It follows PTB's own order: initialize, post_init, start, poll (and the web
side, when PUBLIC_URL is set); and back: the web side first, stop polling, stop
(in-flight updates finish, persistence is flushed), shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.ext import Application

from app.web import start_web, stop_web

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
        log.info("Polling for updates; press Ctrl-C to stop")
        try:
            await stop.wait()
        finally:
            log.info("Stopping")
            await self.stop()

"""Serving an aiohttp Application on WEB_HOST:WEB_PORT, started and stopped with the bot."""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)


class WebServer:
    """One listening site; `port` is the one bound (useful when WEB_PORT is 0 in tests)."""

    def __init__(self, app: web.Application, *, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._wanted_port = port
        self._runner: web.AppRunner | None = None
        self.port = port

    async def start(self) -> None:
        # access_log off: URLs carry personal tokens (/j/<token>) and must not be logged.
        self._runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._wanted_port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("Web side listening on %s:%d", self._host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def base_url(self) -> str:
        """Where the server answers on this machine (not PUBLIC_URL, the proxy's)."""
        return f"http://{self._host}:{self.port}"

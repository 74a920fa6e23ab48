"""Webhook mode (TELEGRAM_MODE=webhook): Telegram POSTs each update to
PUBLIC_URL/telegram/<path>, a route of the bot's one web server (app/web.py).

- The path and the secret token are random, made once and kept (bot/keys.py), so a
  restart sets the same webhook. A request without the right
  `X-Telegram-Bot-Api-Secret-Token` header is refused with 403 and never processed.
- An update takes the same way as in polling: onto PTB's update queue, through our
  update processor (bot/updates.py: each person's updates in order, the shared slots,
  the flood limit) and every handler group to the flush. The answer waits for the
  update's outcome (bot/update_ledger.py): 200 once its dialog state is saved (or it was
  a duplicate, or dropped on purpose), 500 when the state could not be saved, so that
  Telegram delivers it again.
- A clean stop leaves the webhook set: updates wait in Telegram until the bot is back.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.context import Services
from bot.keys import WebhookSecrets, webhook_secrets

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ROUTE_PREFIX = "/telegram/"
MAX_CONNECTIONS = 40  # Telegram's default: updates it may have in flight to us at once


class WebhookReceiver:
    def __init__(self, application: Application, secrets: WebhookSecrets) -> None:
        self._application = application
        self._secrets = secrets
        self._token = secrets.token.encode()

    @classmethod
    async def create(cls, application: Application) -> WebhookReceiver:
        services: Services = application.bot_data["services"]
        return cls(application, await webhook_secrets(services.database, services.clock))

    @property
    def path(self) -> str:
        """The route on this server (the reverse proxy passes PUBLIC_URL's to it)."""
        return ROUTE_PREFIX + self._secrets.path

    def url(self, public_url: str) -> str:
        return public_url.rstrip("/") + self.path

    def routes(self) -> list[web.RouteDef]:
        return [web.post(self.path, self.receive, name="telegram_webhook")]

    async def set_webhook(self, public_url: str) -> None:
        """Tell Telegram where to send updates (the same kinds polling asks for)."""
        await self._application.bot.set_webhook(
            url=self.url(public_url),
            secret_token=self._secrets.token,
            allowed_updates=Update.ALL_TYPES,
            max_connections=MAX_CONNECTIONS,
        )
        log.info("Webhook set; Telegram sends updates to %s/telegram/…", public_url.rstrip("/"))

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._token):
            log.warning("A webhook request without the right secret token was refused")
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), self._application.bot)
        except Exception:  # not JSON, or not shaped like an update
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        services: Services = self._application.bot_data["services"]
        outcome = services.updates.expect(update)
        await self._application.update_queue.put(update)
        if not (await outcome).acknowledged:
            log.warning(
                "Update %d could not be saved; Telegram will send it again", update.update_id
            )
            return web.Response(status=500, text="not saved")
        return web.Response(status=200, text="ok")

"""Keys the bot keeps for itself: made on the first start, stored in its database, and
overridable by a setting (so several processes, or a restored backup, can share one).

The room key makes Jitsi room names unguessable: a room is named from the conference by
a keyed hash (HMAC-SHA256, bot/platforms/jitsi.py), so knowing a conference ID, its row
id or when it was made is not enough to find the room. The web key signs the join
page's cookies and CSRF tokens (bot/signing.py).

In webhook mode Telegram sends updates to PUBLIC_URL/telegram/<path> with a secret token
in a header (app/webhook.py); both are made once and kept, so a restart sets the same
webhook and updates already on their way still arrive, and every process on one
database (an active one and its standbys) sets the same.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.clock import Clock
from bot.settings import Settings
from storage.bot_secrets import BotSecretRepository
from storage.db import Database

ROOM_KEY = "room"
WEBHOOK_PATH_KEY = "webhook_path"
WEBHOOK_TOKEN_KEY = "webhook_secret_token"
WEB_KEY = "web"
_KEY_BYTES = 32  # 43 URL-safe characters, 256 bits


async def room_secret(database: Database, settings: Settings, clock: Clock) -> str:
    """ROOM_SECRET if set; else the key stored on the first start (made then)."""
    if settings.room_secret is not None:
        return settings.room_secret.reveal()
    async with database.transaction() as tx:
        return await BotSecretRepository(tx).get_or_create(
            ROOM_KEY, secrets.token_urlsafe(_KEY_BYTES), now=clock.timestamp()
        )


@dataclass(frozen=True)
class WebhookSecrets:
    path: str  # the random last part of the webhook's URL
    token: str  # Telegram's X-Telegram-Bot-Api-Secret-Token (A-Z, a-z, 0-9, _ and -)


async def webhook_secrets(database: Database, clock: Clock) -> WebhookSecrets:
    """The webhook's path and secret token: made on the first start in webhook mode."""
    now = clock.timestamp()
    async with database.transaction() as tx:
        stored = BotSecretRepository(tx)
        path = await stored.get_or_create(
            WEBHOOK_PATH_KEY, secrets.token_urlsafe(_KEY_BYTES), now=now
        )
        token = await stored.get_or_create(
            WEBHOOK_TOKEN_KEY, secrets.token_urlsafe(_KEY_BYTES), now=now
        )
    return WebhookSecrets(path, token)


async def web_secret(database: Database, clock: Clock) -> str:
    """The key that signs the web side's cookies and CSRF tokens (bot/signing.py), made
    on the first start with PUBLIC_URL (app/factory.py). Every process on one database
    shares it, so a cookie signed by one is good at another; deleting the row forgets
    every "Remember me"."""
    async with database.transaction() as tx:
        return await BotSecretRepository(tx).get_or_create(
            WEB_KEY, secrets.token_urlsafe(_KEY_BYTES), now=clock.timestamp()
        )

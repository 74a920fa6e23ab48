"""Logging set-up, with a filter that masks secrets wherever they would appear.

httpx logs every request URL, and Bot API URLs contain the bot token; the filter replaces
every configured secret with asterisks before a record is written.
"""

from __future__ import annotations

import logging

from bot.settings import Secret, Settings


class SecretMaskingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, "********")
            record.msg, record.args = message, None
        return True


def secrets_of(settings: Settings) -> list[str]:
    values = (
        settings.telegram_bot_token,
        settings.smtp_password,
        settings.bbb_secret,
        settings.room_secret,
    )
    return [value.reveal() for value in values if isinstance(value, Secret)]


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretMaskingFilter(secrets_of(settings)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # Every poll is an HTTP request; at INFO that would drown everything else.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # At DEBUG, PTB logs every request's parameters and every update, and aiosqlite every
    # statement with its values: message texts, stored e-mails and conference passwords
    # would reach the log. Our own modules keep the level asked for.
    for library in ("telegram", "aiosqlite", "httpcore", "aiosmtplib"):
        logging.getLogger(library).setLevel(max(logging.INFO, root.level))

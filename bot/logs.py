"""Logging set-up, with a filter that masks secrets wherever they would appear.

Bot API URLs contain the bot token, and an exception's text or traceback may quote a URL
or a setting (an HTTP error names the URL it failed on). The filter replaces every
configured secret with asterisks in the message, the formatted traceback and the stack
before any handler writes the record.
"""

from __future__ import annotations

import logging
from dataclasses import fields

from bot.settings import Secret, Settings, database_password

MASK = "********"
_TRACEBACKS = logging.Formatter()


class SecretMaskingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._holds_secret(message):
            record.msg, record.args = self._mask(message), None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the traceback is formatted once,
            # here, and only ever written masked.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text and self._holds_secret(record.exc_text):
            record.exc_text = self._mask(record.exc_text)
        if record.stack_info and self._holds_secret(record.stack_info):
            record.stack_info = self._mask(record.stack_info)
        return True

    def _holds_secret(self, text: str) -> bool:
        return any(secret in text for secret in self._secrets)

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


def secrets_of(settings: Settings) -> list[str]:
    """Every secret setting's value: each field that holds a `Secret`, so a new secret
    setting is masked without anyone remembering to list it here."""
    values = (getattr(settings, field.name) for field in fields(settings))
    secrets = [value.reveal() for value in values if isinstance(value, Secret)]
    # A log line may show DATABASE_URL's password apart from the URL (a driver's error).
    password = database_password(settings)
    return secrets + ([password] if password else [])


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
    # SQLAlchemy logs each statement at INFO and its values with it (echo): never.
    for library in ("sqlalchemy", "asyncpg"):
        logging.getLogger(library).setLevel(max(logging.WARNING, root.level))

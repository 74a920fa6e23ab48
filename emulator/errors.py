"""Errors the emulator answers with, shaped like the real Bot API's.

Method implementations raise :class:`BotAPIError`; the HTTP layer turns it into
``{"ok": false, "error_code": ..., "description": ..., "parameters": ...}``.
Keeping the exact description strings Telegram uses matters: bots (and PTB)
sometimes branch on them, e.g. ignoring "message is not modified".
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BotAPIError",
    "bad_request",
    "forbidden",
    "too_many_requests",
    "MESSAGE_NOT_MODIFIED",
    "QUERY_TOO_OLD",
]

MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class BotAPIError(Exception):
    """An unsuccessful Bot API answer (``ok: false``)."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_envelope(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        # Only emit ``parameters`` when there is something in it: PTB appends
        # "unknown parameters" to the message for any non-empty dict it does
        # not recognise.
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body

    def __repr__(self) -> str:
        return f"BotAPIError({self.error_code}, {self.description!r})"


def bad_request(detail: str) -> BotAPIError:
    """400 with Telegram's "Bad Request: " prefix."""
    return BotAPIError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> BotAPIError:
    """403 with Telegram's "Forbidden: " prefix."""
    return BotAPIError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> BotAPIError:
    """429 flood-wait answer, carrying ``parameters.retry_after`` like Telegram."""
    return BotAPIError(
        429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
    )

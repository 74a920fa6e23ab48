"""Validation of ``reply_markup`` the way the Bot API checks it.

The emulator is a little stricter than Telegram in one place: Telegram takes
the first action field it recognises on an inline button and ignores the
rest; the emulator rejects buttons with more than one action because that is
always a bug in the bot.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from .errors import bad_request

__all__ = ["INLINE_ACTIONS", "parse_reply_markup", "is_inline_keyboard", "validate_inline_keyboard"]

INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_MAX_CALLBACK_DATA_BYTES = 64
_MARKUP_JSON_ERROR = "can't parse reply keyboard markup JSON object"


def _button_error(detail: str) -> Exception:
    return bad_request(f"can't parse inline keyboard button: {detail}")


def _check_url(url: Any) -> None:
    if not isinstance(url, str) or not url:
        raise bad_request("BUTTON_URL_INVALID")
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https"):
        if not parts.netloc:
            raise bad_request("BUTTON_URL_INVALID")
    elif parts.scheme.lower() != "tg":
        raise bad_request("BUTTON_URL_INVALID")


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise _button_error('Field "text" must be of type String')
    actions = [name for name in INLINE_ACTIONS if name in button]
    if not actions:
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _button_error(
            f"exactly one of the optional fields must be used, got {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(data.encode("utf-8")) if isinstance(data, str) else 0
        if not 1 <= size <= _MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        _check_url(button["url"])
    if "web_app" in button:
        web_app = button["web_app"]
        if not isinstance(web_app, dict) or not str(web_app.get("url", "")).startswith("https://"):
            raise bad_request("BUTTON_URL_INVALID")
    if "login_url" in button:
        login = button["login_url"]
        if not isinstance(login, dict):
            raise _button_error('Field "login_url" must be of type Object')
        _check_url(login.get("url"))
    for key in ("switch_inline_query", "switch_inline_query_current_chat"):
        if key in button and not isinstance(button[key], str):
            raise _button_error(f'Field "{key}" must be of type String')


def validate_inline_keyboard(markup: dict[str, Any]) -> None:
    """Raise 400 unless ``markup`` is a well-formed InlineKeyboardMarkup."""
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            _check_inline_button(button)


def _validate_reply_keyboard(markup: dict[str, Any]) -> None:
    rows = markup.get("keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            text = (
                button
                if isinstance(button, str)
                else (button.get("text") if isinstance(button, dict) else None)
            )
            if not isinstance(text, str):
                raise bad_request(
                    "can't parse keyboard button: KeyboardButton must be a String or an Object"
                )


def parse_reply_markup(value: Any) -> dict[str, Any] | None:
    """Decode and validate a ``reply_markup`` parameter (JSON string or object).

    Returns the markup as a dict, or None when absent.
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request(_MARKUP_JSON_ERROR) from None
    if not isinstance(value, dict):
        raise bad_request(_MARKUP_JSON_ERROR)
    if "inline_keyboard" in value:
        validate_inline_keyboard(value)
    elif "keyboard" in value:
        _validate_reply_keyboard(value)
    elif "remove_keyboard" in value:
        if value["remove_keyboard"] is not True:
            raise bad_request('field "remove_keyboard" must be true')
    elif "force_reply" in value:
        if value["force_reply"] is not True:
            raise bad_request('field "force_reply" must be true')
    else:
        raise bad_request(_MARKUP_JSON_ERROR)
    return value


def is_inline_keyboard(markup: dict[str, Any] | None) -> bool:
    """True for a non-empty inline keyboard (the only kind a Message object carries)."""
    return bool(markup and markup.get("inline_keyboard"))

"""Decoding of Bot API request parameters.

PTB sends form fields where every non-string value is JSON-encoded
(``chat_id=1001``, ``disable_notification=true``, ``reply_markup={...}``) and
plain strings are sent as-is (``text=hello``).  The wire format therefore
cannot tell the string ``"123"`` from the number 123; the emulator resolves that
the way Telegram does, from the parameter's declared type: well-known string
parameters stay strings, everything else is JSON-decoded when it parses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import bad_request

__all__ = ["UploadedFile", "Params", "STRING_FIELDS"]

# Parameters whose Bot API type is String: never JSON-decode these, so that a
# message text of "42" or "true" stays a string.
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "description",
        "short_description",
        "name",
        "language_code",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "action",
        "url",
        "next_offset",
        "switch_pm_text",
        "switch_pm_parameter",
        "file_id",
        "title",
        "business_connection_id",
        "message_effect_id",
        "emoji",
        "secret_token",
        "ip_address",
        "question",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "address",
        "document",
        "photo",
        "sticker",
        "audio",
        "video",
        "voice",
        "animation",
        "thumbnail",
        "certificate",
    }
)


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part."""

    field: str
    filename: str
    mime_type: str
    content: bytes


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in STRING_FIELDS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    # A JSON string literal or null is almost certainly a plain string that
    # merely looks like JSON; keep the original.
    if decoded is None or isinstance(decoded, str):
        return value
    return decoded


class Params:
    """Typed access to one request's parameters; raises Telegram-style 400s."""

    def __init__(self, raw: dict[str, Any], files: dict[str, UploadedFile] | None = None) -> None:
        self.raw = dict(raw)
        self.files = dict(files or {})
        self.values: dict[str, Any] = {k: _decode_value(k, v) for k, v in self.raw.items()}

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def as_dict(self) -> dict[str, Any]:
        """Decoded parameters plus file parts (as ``UploadedFile``) for recording."""
        out: dict[str, Any] = dict(self.values)
        out.update(self.files)
        return out

    def _missing(self, name: str) -> Exception:
        return bad_request(f"{name} is empty")

    def get_str(self, name: str, *, required: bool = False) -> str | None:
        raw = self.raw.get(name)
        if raw is None or raw == "":
            if required:
                raise self._missing(name)
            return None
        if isinstance(raw, str):
            return raw
        if isinstance(raw, bool):
            return "true" if raw else "false"
        if isinstance(raw, (int, float)):
            return str(raw)
        raise bad_request(f'field "{name}" must be of type String')

    def get_int(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise self._missing(name)
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f"invalid {name} specified")

    def get_float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        raise bad_request(f"invalid {name} specified")

    def get_json(self, name: str, *, required: bool = False) -> Any:
        """A JSON-typed parameter (object/array), given either encoded or decoded."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise self._missing(name)
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id", *, required: bool = True) -> int | str | None:
        """Integer chat id or ``@username`` (string)."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise self._missing(name)
            return None
        if isinstance(value, bool):
            raise bad_request("chat not found")
        if isinstance(value, int):
            return value
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            if text.startswith("@"):
                return text
            raise bad_request("chat not found") from None

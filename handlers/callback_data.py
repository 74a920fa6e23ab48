"""The one codec for inline-button data: short prefixed strings such as `prof:email`.

Telegram limits callback data to 64 bytes and hands it back unchanged from the client,
so it carries ids only (never names), and every handler re-checks what it points at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_-]{1,24}$")

# Prefixes, one per feature, so a pattern can route a press to its handler.
MENU = "menu"
PROFILE = "prof"
LANGUAGE = "lang"
CONFERENCE = "conf"  # conf:<action>:<conference id>[:...], e.g. conf:people:<id>:<page>
LOG = "log"  # log:<s|a>:<page>
FORM = "form"  # the schedule / repeat / edit form
INVITE = "inv"  # the invitation e-mail dialog
PARTICIPANT = "part"  # part:<action>:<conference id>, for people who opened a deep link
JOIN = "jn"  # after Join: remember the typed name, turn reminders on
ADMIN = "adm"  # admin buttons; the presser is checked against ADMIN_IDS
GROUP = "grp"  # grp:post:<conference id>:<owner id>, the pick list in a group
ZONE = "zone"  # the time-zone question: zone:yes, zone:pick:<offered zone index>, ...


@dataclass(frozen=True)
class CallbackData:
    prefix: str
    action: str
    args: tuple[str, ...] = ()

    def arg_int(self, index: int = 0) -> int | None:
        """A numeric argument, or None if the (client-controlled) data is not a number."""
        try:
            value = self.args[index]
        except IndexError:
            return None
        return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else None

    def arg_chat_id(self, index: int = 0) -> int | None:
        """A chat id argument: a person's (positive) or a group's (negative), else None."""
        try:
            value = self.args[index]
        except IndexError:
            return None
        return int(value) if re.fullmatch(r"-?[0-9]{1,18}", value) else None


def encode(prefix: str, action: str, *args: str | int) -> str:
    parts = [prefix, action, *(str(arg) for arg in args)]
    if not all(_PART.match(part) for part in parts):
        raise ValueError(f"callback data parts must be short ids: {parts!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> CallbackData | None:
    """The parsed data, or None for anything we did not produce (forged or outdated)."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or not all(_PART.match(part) for part in parts):
        return None
    return CallbackData(parts[0], parts[1], tuple(parts[2:]))


def pattern(prefix: str, *actions: str) -> re.Pattern[str]:
    """An anchored pattern for a CallbackQueryHandler: this prefix, optionally these actions."""
    action = "|".join(re.escape(a) for a in actions) if actions else "[A-Za-z0-9_-]+"
    return re.compile(rf"^{re.escape(prefix)}:(?:{action})(?::[A-Za-z0-9_-]+)*$")

"""Bot-level methods: identity, update delivery, webhooks, commands, profile texts."""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import BotAPIError, bad_request
from ..state import ALL_UPDATE_TYPES, DEFAULT_ALLOWED_UPDATES, EmulatorState
from .registry import MethodContext, api_method

__all__ = ["scope_key", "DEFAULT_SCOPE"]

DEFAULT_SCOPE: dict[str, Any] = {"type": "default"}
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SCOPE_TYPES = {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
}
_CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@api_method("getMe")
def get_me(ctx: MethodContext) -> dict[str, Any]:
    return ctx.state.bot.to_api()


@api_method("logOut", "close")
def log_out(ctx: MethodContext) -> bool:
    return True


# -- updates ----------------------------------------------------------------


@api_method("getUpdates")
async def get_updates(ctx: MethodContext) -> list[dict[str, Any]]:
    state, p = ctx.state, ctx.params
    if state.webhook.get("url"):
        raise BotAPIError(409, _CONFLICT_WEBHOOK)
    offset = p.get_int("offset")
    limit = min(max(p.get_int("limit") or 100, 1), 100)
    timeout = max(p.get_float("timeout") or 0.0, 0.0)
    allowed = p.get_json("allowed_updates")

    state.confirm_updates(offset)
    _set_allowed_updates(state, allowed)

    # A newer getUpdates terminates an older one still waiting (409), as on
    # Telegram; the older one is usually a poll whose client went away.
    state.poll_generation += 1
    generation = state.poll_generation
    state.updates_changed.fire()

    conflict: list[dict[str, Any]] = []  # identity sentinel

    def ready() -> list[dict[str, Any]] | None:
        if state.closing:
            return []
        if state.poll_generation != generation:
            return conflict
        return state.deliverable_updates(limit) or None

    result = await state.updates_changed.wait_until(ready, timeout)
    if result is conflict:
        raise BotAPIError(409, _CONFLICT_OTHER_POLL)
    return result or []


def _set_allowed_updates(state: EmulatorState, allowed: Any) -> None:
    """allowed_updates of getUpdates or setWebhook; None keeps the previous setting."""
    if allowed is None:
        return
    if not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON array")
    # An empty list means "back to the default set", like Telegram.
    state.allowed_updates = (
        frozenset(str(a) for a in allowed) & ALL_UPDATE_TYPES
        if allowed
        else DEFAULT_ALLOWED_UPDATES
    )


def _drop_pending_if_asked(ctx: MethodContext) -> None:
    if ctx.params.get_bool("drop_pending_updates"):
        ctx.state.pending_updates.clear()


@api_method("deleteWebhook")
def delete_webhook(ctx: MethodContext) -> bool:
    _drop_pending_if_asked(ctx)
    ctx.state.webhook = {}
    return True


_LOOPBACK_HTTP = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://[::1]:")


@api_method("setWebhook")
def set_webhook(ctx: MethodContext) -> bool:
    p = ctx.params
    url = p.get_str("url") or ""
    loopback = ctx.config.allow_http_webhook and url.startswith(_LOOPBACK_HTTP)
    if url and not url.startswith("https://") and not loopback:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get_str("secret_token")
    if secret is not None and not _SECRET_TOKEN_RE.match(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    _drop_pending_if_asked(ctx)
    _set_allowed_updates(ctx.state, p.get_json("allowed_updates"))
    ctx.state.webhook = {
        "url": url,
        "max_connections": p.get_int("max_connections") or 40,
        "allowed_updates": p.get_json("allowed_updates"),
        "secret_token": p.get_str("secret_token"),
        "ip_address": p.get_str("ip_address"),
    }
    ctx.state.updates_changed.fire()  # updates already waiting go to the new URL
    return True


@api_method("getWebhookInfo")
def get_webhook_info(ctx: MethodContext) -> dict[str, Any]:
    hook = ctx.state.webhook
    info: dict[str, Any] = {
        "url": hook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(ctx.state.pending_updates),
    }
    if hook.get("url"):
        info["max_connections"] = hook.get("max_connections", 40)
        if hook.get("last_error_date"):
            info["last_error_date"] = hook["last_error_date"]
            info["last_error_message"] = hook["last_error_message"]
        if hook.get("allowed_updates"):
            info["allowed_updates"] = hook["allowed_updates"]
    return info


# -- commands ---------------------------------------------------------------


def scope_key(scope: dict[str, Any] | None) -> str:
    """Canonical key for a BotCommandScope (commands are stored per scope+language)."""
    return json.dumps(scope or DEFAULT_SCOPE, sort_keys=True, separators=(",", ":"))


def _scope_and_language(ctx: MethodContext) -> tuple[str, str]:
    scope = ctx.params.get_json("scope")
    if scope is not None:
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise bad_request("can't parse BotCommandScope")
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            ctx.state.chat(scope.get("chat_id"))
    lang = ctx.params.get_str("language_code") or ""
    _check_language(lang)
    return scope_key(scope), lang


def _check_language(lang: str) -> None:
    if lang and not re.fullmatch(r"[a-z]{2}", lang):
        raise bad_request("invalid language code specified")


@api_method("setMyCommands")
def set_my_commands(ctx: MethodContext) -> bool:
    commands = ctx.params.get_json("commands", required=True)
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    cleaned: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand")
        command = str(item.get("command", "")).removeprefix("/")
        description = str(item.get("description", ""))
        if not _COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": command, "description": description})
    key = _scope_and_language(ctx)
    if cleaned:
        ctx.state.commands[key] = cleaned
    else:
        ctx.state.commands.pop(key, None)
    return True


@api_method("getMyCommands")
def get_my_commands(ctx: MethodContext) -> list[dict[str, str]]:
    # Telegram returns exactly what was set for this scope+language; no fallback.
    return list(ctx.state.commands.get(_scope_and_language(ctx), []))


@api_method("deleteMyCommands")
def delete_my_commands(ctx: MethodContext) -> bool:
    ctx.state.commands.pop(_scope_and_language(ctx), None)
    return True


# -- profile texts ----------------------------------------------------------


def _set_text(ctx: MethodContext, field: str, store: dict[str, str], max_len: int) -> bool:
    lang = ctx.params.get_str("language_code") or ""
    _check_language(lang)
    value = ctx.params.get_str(field) or ""
    if len(value) > max_len:
        raise bad_request(f"{field} is too long")
    if value:
        store[lang] = value
    else:
        store.pop(lang, None)
    return True


def _get_text(ctx: MethodContext, field: str, store: dict[str, str]) -> dict[str, str]:
    lang = ctx.params.get_str("language_code") or ""
    return {field: store.get(lang, "")}


@api_method("setMyDescription")
def set_my_description(ctx: MethodContext) -> bool:
    return _set_text(ctx, "description", ctx.state.descriptions, 512)


@api_method("getMyDescription")
def get_my_description(ctx: MethodContext) -> dict[str, str]:
    return _get_text(ctx, "description", ctx.state.descriptions)


@api_method("setMyShortDescription")
def set_my_short_description(ctx: MethodContext) -> bool:
    return _set_text(ctx, "short_description", ctx.state.short_descriptions, 120)


@api_method("getMyShortDescription")
def get_my_short_description(ctx: MethodContext) -> dict[str, str]:
    return _get_text(ctx, "short_description", ctx.state.short_descriptions)


@api_method("setMyName")
def set_my_name(ctx: MethodContext) -> bool:
    return _set_text(ctx, "name", ctx.state.names, 64)


@api_method("getMyName")
def get_my_name(ctx: MethodContext) -> dict[str, str]:
    state = ctx.state
    lang = ctx.params.get_str("language_code") or ""
    return {"name": state.names.get(lang) or state.names.get("") or state.bot.first_name}


@api_method("setChatMenuButton")
def set_chat_menu_button(ctx: MethodContext) -> bool:
    chat_id = ctx.params.chat_id(required=False)
    if chat_id is not None:
        chat_id = ctx.state.chat(chat_id).id
    button = ctx.params.get_json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button")
    ctx.state.menu_buttons[chat_id if isinstance(chat_id, int) else None] = button
    return True


@api_method("getChatMenuButton")
def get_chat_menu_button(ctx: MethodContext) -> dict[str, Any]:
    state: EmulatorState = ctx.state
    chat_id = ctx.params.chat_id(required=False)
    key = state.chat(chat_id).id if chat_id is not None else None
    return state.menu_buttons.get(key) or state.menu_buttons.get(None) or {"type": "commands"}

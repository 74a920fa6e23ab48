"""Helpers shared by the message-producing methods."""

from __future__ import annotations

from typing import Any

from ..errors import bad_request, forbidden
from ..html_check import ParsedText
from ..markup import parse_reply_markup
from ..params import Params
from ..state import ChatInfo, EmulatorState, StoredMessage
from .registry import MethodContext

__all__ = [
    "target_chat",
    "ensure_can_send",
    "resolve_reply",
    "send_options",
    "reply_markup_param",
    "text_content",
    "caption_content",
    "explicit_entities",
]

# Options that do not change the message content but tests may assert on.
_OPTION_FIELDS = (
    "disable_notification",
    "protect_content",
    "link_preview_options",
    "disable_web_page_preview",
    "message_thread_id",
    "reply_parameters",
    "reply_to_message_id",
    "allow_sending_without_reply",
    "message_effect_id",
)


def ensure_can_send(chat: ChatInfo) -> None:
    """403s Telegram gives when the bot may not write into a chat."""
    if chat.type == "private" and chat.blocked_by_user:
        raise forbidden("bot was blocked by the user")
    if chat.type != "private" and not chat.bot_is_member:
        raise forbidden("bot is not a member of the group chat")


def target_chat(ctx: MethodContext) -> ChatInfo:
    chat = ctx.state.chat(ctx.params.chat_id())
    ensure_can_send(chat)
    return chat


def resolve_reply(state: EmulatorState, chat: ChatInfo, p: Params) -> StoredMessage | None:
    """reply_parameters (or the legacy reply_to_message_id) -> replied message."""
    reply = p.get_json("reply_parameters")
    if reply is not None and not isinstance(reply, dict):
        raise bad_request("can't parse reply parameters JSON object")
    reply = reply or {}
    message_id = reply.get("message_id", p.get_int("reply_to_message_id"))
    if message_id is None:
        return None
    allow_missing = bool(
        reply.get("allow_sending_without_reply", p.get_bool("allow_sending_without_reply"))
    )
    reply_chat = chat
    if reply.get("chat_id") is not None:
        reply_chat = state.chat(reply["chat_id"])
    target = state.message(reply_chat, int(message_id))
    if target is None and not allow_missing:
        raise bad_request("message to be replied not found")
    return target


def send_options(p: Params) -> dict[str, Any]:
    return {name: p.values[name] for name in _OPTION_FIELDS if name in p.values}


def reply_markup_param(p: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    markup = parse_reply_markup(p.values.get("reply_markup"))
    if inline_only and markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup


def explicit_entities(p: Params, name: str, parsed: ParsedText) -> ParsedText:
    """Use ``entities``/``caption_entities`` sent instead of a parse_mode, if any."""
    given = p.get_json(name)
    if given is None:
        return parsed
    if not isinstance(given, list) or not all(isinstance(e, dict) and "type" in e for e in given):
        raise bad_request(f"can't parse {name} JSON object")
    return ParsedText(parsed.text, [dict(e) for e in given])


def text_content(parsed: ParsedText) -> dict[str, Any]:
    content: dict[str, Any] = {"text": parsed.text}
    if parsed.entities:
        content["entities"] = parsed.entities
    return content


def caption_content(parsed: ParsedText) -> dict[str, Any]:
    content: dict[str, Any] = {}
    if parsed.text:
        content["caption"] = parsed.text
        if parsed.entities:
            content["caption_entities"] = parsed.entities
    return content

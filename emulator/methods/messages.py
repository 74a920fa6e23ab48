"""Sending, editing and deleting messages."""

from __future__ import annotations

from typing import Any

from ..errors import MESSAGE_NOT_MODIFIED, BotAPIError, bad_request
from ..html_check import check_caption, check_message_text
from ..state import StoredMessage, now
from .common import (
    caption_content,
    ensure_can_send,
    explicit_entities,
    reply_markup_param,
    resolve_reply,
    send_options,
    target_chat,
    text_content,
)
from .registry import MethodContext, api_method

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@api_method("sendMessage")
def send_message(ctx: MethodContext) -> dict[str, Any]:
    state, p = ctx.state, ctx.params
    chat = target_chat(ctx)
    source = p.get_str("text")
    parse_mode = p.get_str("parse_mode")
    parsed = check_message_text(
        source, parse_mode, strict_ampersand=ctx.config.strict_html_ampersand
    )
    parsed = explicit_entities(p, "entities", parsed)
    markup = reply_markup_param(p)
    reply_to = resolve_reply(state, chat, p)
    msg = StoredMessage(
        chat=chat,
        message_id=state.next_message_id(chat),
        sender=state.bot,
        date=now(),
        content=text_content(parsed),
        source=source,
        parse_mode=parse_mode,
        reply_markup=markup,
        reply_to=reply_to,
        send_params=send_options(p),
    )
    state.add_message(msg)
    return msg.to_api()


def editable_message(ctx: MethodContext) -> StoredMessage:
    """The message an edit* call targets, by inline_message_id or chat_id+message_id."""
    state, p = ctx.state, ctx.params
    inline_id = p.get_str("inline_message_id")
    if inline_id is not None:
        msg = state.inline_messages.get(inline_id)
        if msg is None or msg.deleted:
            raise bad_request("MESSAGE_ID_INVALID")
        return msg
    chat = state.chat(p.chat_id())
    ensure_can_send(chat)
    message_id = p.get_int("message_id", required=True)
    assert message_id is not None
    msg = state.message(chat, message_id)
    if msg is None:
        raise bad_request("message to edit not found")
    if not msg.sender.is_bot:
        raise bad_request("message can't be edited")
    return msg


def _same_markup(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    # "no keyboard" and "empty inline keyboard" look the same to the user.
    def norm(m: dict[str, Any] | None) -> Any:
        return m.get("inline_keyboard") if m and m.get("inline_keyboard") else None

    return norm(a) == norm(b)


def _apply_edit(
    ctx: MethodContext,
    msg: StoredMessage,
    *,
    content: dict[str, Any],
    source: str | None,
    parse_mode: str | None,
    markup: dict[str, Any] | None,
) -> dict[str, Any] | bool:
    current = {k: msg.content[k] for k in _content_keys(msg)}
    if content == current and _same_markup(markup, msg.reply_markup):
        raise BotAPIError(400, MESSAGE_NOT_MODIFIED)
    for key in ("text", "entities", "caption", "caption_entities"):
        msg.content.pop(key, None)
    msg.content.update(content)
    msg.source = source
    msg.parse_mode = parse_mode
    msg.reply_markup = markup
    msg.edits += 1
    msg.edit_date = now()
    ctx.state.record_event(msg, "edit")
    # Inline messages: Telegram answers True instead of the Message.
    if msg.inline_message_id is not None and ctx.params.get_str("inline_message_id"):
        return True
    return msg.to_api()


def _content_keys(msg: StoredMessage) -> set[str]:
    return {k for k in ("text", "entities", "caption", "caption_entities") if k in msg.content}


@api_method("editMessageText")
def edit_message_text(ctx: MethodContext) -> dict[str, Any] | bool:
    p = ctx.params
    msg = editable_message(ctx)
    if "text" not in msg.content:
        raise bad_request("there is no text in the message to edit")
    source = p.get_str("text")
    parse_mode = p.get_str("parse_mode")
    parsed = check_message_text(
        source, parse_mode, strict_ampersand=ctx.config.strict_html_ampersand
    )
    parsed = explicit_entities(p, "entities", parsed)
    # Like Telegram: omitting reply_markup in an edit removes the inline keyboard.
    markup = reply_markup_param(p, inline_only=True)
    return _apply_edit(
        ctx, msg, content=text_content(parsed), source=source, parse_mode=parse_mode, markup=markup
    )


@api_method("editMessageCaption")
def edit_message_caption(ctx: MethodContext) -> dict[str, Any] | bool:
    p = ctx.params
    msg = editable_message(ctx)
    if "text" in msg.content:
        raise bad_request("there is no caption in the message to edit")
    source = p.get_str("caption")
    parse_mode = p.get_str("parse_mode")
    parsed = check_caption(source, parse_mode, strict_ampersand=ctx.config.strict_html_ampersand)
    parsed = explicit_entities(p, "caption_entities", parsed)
    markup = reply_markup_param(p, inline_only=True)
    return _apply_edit(
        ctx,
        msg,
        content=caption_content(parsed),
        source=source,
        parse_mode=parse_mode,
        markup=markup,
    )


@api_method("editMessageReplyMarkup")
def edit_message_reply_markup(ctx: MethodContext) -> dict[str, Any] | bool:
    msg = editable_message(ctx)
    markup = reply_markup_param(ctx.params, inline_only=True)
    content = {k: msg.content[k] for k in _content_keys(msg)}
    return _apply_edit(
        ctx, msg, content=content, source=msg.source, parse_mode=msg.parse_mode, markup=markup
    )


@api_method("deleteMessage")
def delete_message(ctx: MethodContext) -> bool:
    state, p = ctx.state, ctx.params
    chat = state.chat(p.chat_id())
    message_id = p.get_int("message_id", required=True)
    assert message_id is not None
    msg = state.message(chat, message_id)
    if msg is None:
        raise bad_request("message to delete not found")
    own = msg.sender.is_bot and msg.sender.id == state.bot.id
    if not own and chat.type != "private" and state.bot.id not in chat.admins:
        raise bad_request("message can't be deleted")
    msg.deleted = True
    state.record_event(msg, "delete")
    return True


@api_method("sendChatAction")
def send_chat_action(ctx: MethodContext) -> bool:
    target_chat(ctx)
    action = ctx.params.get_str("action", required=True)
    if action not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


@api_method("pinChatMessage")
def pin_chat_message(ctx: MethodContext) -> bool:
    state, p = ctx.state, ctx.params
    chat = target_chat(ctx)
    message_id = p.get_int("message_id", required=True)
    assert message_id is not None
    if state.message(chat, message_id) is None:
        raise bad_request("message to pin not found")
    if message_id not in chat.pinned:
        chat.pinned.append(message_id)
    return True


@api_method("unpinChatMessage")
def unpin_chat_message(ctx: MethodContext) -> bool:
    chat = target_chat(ctx)
    message_id = ctx.params.get_int("message_id")
    if message_id is None:
        chat.pinned = chat.pinned[:-1]
    elif message_id in chat.pinned:
        chat.pinned.remove(message_id)
    return True

"""Building the updates a Telegram user's actions produce.

These functions create server-side state (the user's message in the chat,
the pending callback query, ...) and queue the matching update, shaped
exactly like Telegram's JSON so PTB's ``Update.de_json`` sees real data.
"""

from __future__ import annotations

import re
from typing import Any

from .html_check import check_message_text, utf16_len
from .state import (
    CallbackQueryRecord,
    ChatInfo,
    EmulatorState,
    InlineQueryRecord,
    StoredMessage,
    UserInfo,
    now,
)

__all__ = [
    "detect_entities",
    "post_user_message",
    "post_user_edit",
    "post_callback_query",
    "post_inline_query",
    "post_chosen_inline_result",
    "post_new_members",
    "post_my_chat_member",
]

# Telegram marks these automatically in user-typed text.
_AUTO_ENTITIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}\b")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"]+")),
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")),
)


def detect_entities(text: str) -> list[dict[str, Any]]:
    """bot_command / mention / url / email entities with UTF-16 offsets."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in _AUTO_ENTITIES:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(s < end and start < e for s, e, _ in found):
                continue  # e.g. the "@host" inside an email is not a mention
            found.append((start, end, kind))
    found.sort()
    return [
        {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        for start, end, kind in found
    ]


def post_user_message(
    state: EmulatorState,
    user: UserInfo,
    chat: ChatInfo,
    content: dict[str, Any],
    *,
    reply_to: StoredMessage | None = None,
    via_bot: UserInfo | None = None,
    source: str | None = None,
    reply_markup: dict[str, Any] | None = None,
    inline_message_id: str | None = None,
) -> StoredMessage:
    """Store a message the user wrote and queue it as a ``message`` update."""
    if chat.type != "private":
        chat.members.setdefault(user.id, user)
    msg = StoredMessage(
        chat=chat,
        message_id=state.next_message_id(chat),
        sender=user,
        date=now(),
        content=content,
        source=source if source is not None else content.get("text", content.get("caption")),
        reply_markup=reply_markup,
        reply_to=reply_to,
        via_bot=via_bot,
        inline_message_id=inline_message_id,
    )
    state.add_message(msg)
    state.push_update("message", msg.to_api())
    return msg


def post_user_edit(state: EmulatorState, msg: StoredMessage, text: str) -> StoredMessage:
    """The user edited their own text message: queue it as an ``edited_message`` update."""
    if msg.sender.is_bot or "text" not in msg.content:
        raise ValueError("users can only edit their own text messages")
    content: dict[str, Any] = {"text": text}
    entities = detect_entities(text)
    if entities:
        content["entities"] = entities
    msg.content = content
    msg.source = text
    msg.edit_date = now()
    msg.edits += 1
    state.push_update("edited_message", msg.to_api())
    return msg


def post_callback_query(
    state: EmulatorState, user: UserInfo, msg: StoredMessage, data: str
) -> CallbackQueryRecord:
    """A button press: the update carries the message as currently displayed."""
    query_id = state.new_query_id()
    payload: dict[str, Any] = {"id": query_id, "from": user.to_api()}
    if msg.via_bot is not None and msg.inline_message_id is not None:
        # Messages sent via inline mode are addressed by inline_message_id only.
        payload["inline_message_id"] = msg.inline_message_id
        payload["chat_instance"] = f"-{msg.inline_message_id}"
    elif msg.chat is not None:
        payload["message"] = msg.to_api()
        payload["chat_instance"] = msg.chat.chat_instance
    else:
        payload["inline_message_id"] = msg.inline_message_id
        payload["chat_instance"] = f"-{msg.inline_message_id}"
    payload["data"] = data
    record = CallbackQueryRecord(
        id=query_id,
        user_id=user.id,
        chat_id=msg.chat.id if msg.chat else None,
        message_id=msg.message_id if msg.chat else None,
        inline_message_id=msg.inline_message_id,
        data=data,
    )
    state.callback_queries[query_id] = record
    state.push_update("callback_query", payload)
    return record


def post_inline_query(
    state: EmulatorState,
    user: UserInfo,
    query: str,
    *,
    offset: str = "",
    chat_type: str | None = None,
) -> InlineQueryRecord:
    query_id = state.new_query_id()
    payload: dict[str, Any] = {
        "id": query_id,
        "from": user.to_api(),
        "query": query,
        "offset": offset,
    }
    if chat_type:
        payload["chat_type"] = chat_type
    record = InlineQueryRecord(id=query_id, user_id=user.id, query=query, offset=offset)
    state.inline_queries[query_id] = record
    state.push_update("inline_query", payload)
    return record


def _result_content(result: dict[str, Any]) -> tuple[dict[str, Any], str | None, str | None]:
    """Message content a chosen inline result turns into: (content, source, parse_mode)."""
    imc = result.get("input_message_content")
    if isinstance(imc, dict) and "message_text" in imc:
        parse_mode = imc.get("parse_mode")
        source = str(imc["message_text"])
        parsed = check_message_text(source, parse_mode, strict_ampersand=False)
        content: dict[str, Any] = {"text": parsed.text}
        if parsed.entities:
            content["entities"] = parsed.entities
        return content, source, parse_mode
    caption = result.get("caption") or result.get("title") or ""
    return ({"caption": caption} if caption else {"caption": ""}), caption, result.get("parse_mode")


def post_chosen_inline_result(
    state: EmulatorState,
    user: UserInfo,
    record: InlineQueryRecord,
    result: dict[str, Any],
    chat: ChatInfo | None,
) -> StoredMessage:
    """The user picked an inline result: chosen_inline_result (+ the message in ``chat``)."""
    markup = result.get("reply_markup")
    # Telegram only hands out inline_message_id when a keyboard is attached,
    # because only then can the bot ever address the message again.
    inline_id = state.new_inline_message_id() if markup else None
    content, source, parse_mode = _result_content(result)
    payload: dict[str, Any] = {
        "result_id": str(result.get("id")),
        "from": user.to_api(),
        "query": record.query,
    }
    if inline_id:
        payload["inline_message_id"] = inline_id
    state.push_update("chosen_inline_result", payload)
    if chat is not None:
        msg = post_user_message(
            state,
            user,
            chat,
            content,
            via_bot=state.bot,
            source=source,
            reply_markup=markup,
            inline_message_id=inline_id,
        )
    else:
        msg = StoredMessage(
            chat=None,
            message_id=0,
            sender=user,
            date=now(),
            content=content,
            source=source,
            reply_markup=markup,
            via_bot=state.bot,
            inline_message_id=inline_id,
        )
    msg.parse_mode = parse_mode
    if inline_id:
        state.inline_messages[inline_id] = msg
    return msg


def post_new_members(
    state: EmulatorState, actor: UserInfo, chat: ChatInfo, members: list[UserInfo]
) -> StoredMessage:
    """Service message "X added Y" in a group."""
    for member in members:
        chat.members[member.id] = member
    return post_user_message(
        state, actor, chat, {"new_chat_members": [m.to_api() for m in members]}
    )


def post_my_chat_member(
    state: EmulatorState, user: UserInfo, chat: ChatInfo, old_status: str, new_status: str
) -> None:
    """The bot's own membership changed (e.g. the user blocked it)."""

    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"user": state.bot.to_api(), "status": status}
        if status == "kicked":
            data["until_date"] = 0
        return data

    state.push_update(
        "my_chat_member",
        {
            "chat": chat.to_api(),
            "from": user.to_api(),
            "date": now(),
            "old_chat_member": member(old_status),
            "new_chat_member": member(new_status),
        },
    )

"""Immutable, test-facing snapshots of what the bot did.

Tests receive these from ``expect_message()`` & co.  They are snapshots on
purpose: a ``SentMessage`` shows the message as it was at the moment of the
event, so ``msg.text`` never changes under a test's feet; later states come
from ``expect_edit(msg)`` or ``emu.chat_messages(chat)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .state import StoredMessage

__all__ = [
    "Button",
    "Document",
    "Photo",
    "SentMessage",
    "ChatEvent",
    "CallbackAnswer",
    "InlineAnswer",
    "EventKind",
]

EventKind = Literal["message", "edit", "delete"]


@dataclass(frozen=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    switch_inline_query: str | None = None
    switch_inline_query_current_chat: str | None = None
    web_app_url: str | None = None
    copy_text: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Button:
        web_app = data.get("web_app")
        copy = data.get("copy_text")
        return cls(
            text=data.get("text", ""),
            callback_data=data.get("callback_data"),
            url=data.get("url"),
            switch_inline_query=data.get("switch_inline_query"),
            switch_inline_query_current_chat=data.get("switch_inline_query_current_chat"),
            web_app_url=web_app.get("url") if isinstance(web_app, dict) else None,
            copy_text=copy.get("text") if isinstance(copy, dict) else None,
            raw=dict(data),
        )


@dataclass(frozen=True)
class Document:
    """A file the bot sent as a document."""

    file_id: str
    filename: str | None
    mime_type: str | None
    content: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.content)

    def text(self, encoding: str = "utf-8") -> str:
        """Content decoded as text (handy for .txt/.csv/.ics exports)."""
        return self.content.decode(encoding)


@dataclass(frozen=True)
class Photo:
    """A photo the bot sent (largest size)."""

    file_id: str
    filename: str | None
    mime_type: str | None
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class SentMessage:
    """Snapshot of one message in a chat.

    ``text`` is the plain text as the user sees it (tags stripped, entities
    decoded); for media messages it is the caption.  ``html`` is the raw
    source the bot sent (text or caption).
    """

    chat_id: int | None
    message_id: int | None
    date: int
    text: str
    html: str
    parse_mode: str | None
    entities: tuple[dict[str, Any], ...]
    caption: str | None
    buttons: tuple[tuple[Button, ...], ...]
    keyboard: tuple[tuple[str, ...], ...]
    reply_markup: dict[str, Any] | None
    document: Document | None
    photo: Photo | None
    sticker: dict[str, Any] | None
    edits: int
    deleted: bool
    from_bot: bool
    sender_id: int
    via_bot: bool
    reply_to_message_id: int | None
    inline_message_id: str | None
    send_params: dict[str, Any] = field(repr=False)
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_stored(cls, msg: StoredMessage) -> SentMessage:
        markup = msg.reply_markup or {}
        inline_rows = markup.get("inline_keyboard") or []
        reply_rows = markup.get("keyboard") or []
        content = msg.content
        is_text = "text" in content
        plain = content.get("text") if is_text else content.get("caption", "")
        entities = content.get("entities" if is_text else "caption_entities", [])
        doc = photo = None
        if msg.document is not None:
            f = msg.document
            doc = Document(f.file_id, f.filename, f.mime_type, f.content)
        if msg.photo is not None:
            f = msg.photo
            photo = Photo(f.file_id, f.filename, f.mime_type, f.content)
        return cls(
            chat_id=msg.chat.id if msg.chat else None,
            message_id=msg.message_id if msg.chat else None,
            date=msg.date,
            text=plain or "",
            html=msg.source if msg.source is not None else (plain or ""),
            parse_mode=msg.parse_mode,
            entities=tuple(dict(e) for e in entities),
            caption=None if is_text else (plain or ""),
            buttons=tuple(tuple(Button.from_api(b) for b in row) for row in inline_rows),
            keyboard=tuple(
                tuple(b if isinstance(b, str) else b.get("text", "") for b in row)
                for row in reply_rows
            ),
            reply_markup=dict(msg.reply_markup) if msg.reply_markup is not None else None,
            document=doc,
            photo=photo,
            sticker=dict(content["sticker"]) if "sticker" in content else None,
            edits=msg.edits,
            deleted=msg.deleted,
            from_bot=msg.sender.is_bot,
            sender_id=msg.sender.id,
            via_bot=msg.via_bot is not None,
            reply_to_message_id=msg.reply_to.message_id if msg.reply_to else None,
            inline_message_id=msg.inline_message_id,
            send_params=dict(msg.send_params),
            raw=msg.to_api() if msg.chat else {},
        )

    def __hash__(self) -> int:
        # The generated hash would choke on the dict fields; identity of a
        # snapshot is "which message, in which revision".
        return hash(
            (self.chat_id, self.message_id, self.inline_message_id, self.edits, self.deleted)
        )

    # -- conveniences for assertions -----------------------------------------
    def button_texts(self) -> list[str]:
        """Texts of all inline buttons, row by row."""
        return [b.text for row in self.buttons for b in row]

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]

    def find_button(self, text: str | None = None, *, callback_data: str | None = None) -> Button:
        """The button with exactly this text (else the only one containing it) or data.

        Raises AssertionError listing the available buttons when nothing matches.
        """
        buttons = self.all_buttons()
        if callback_data is not None:
            for b in buttons:
                if b.callback_data == callback_data:
                    return b
        elif text is not None:
            for b in buttons:
                if b.text == text:
                    return b
            partial = [b for b in buttons if text in b.text]
            if len(partial) == 1:
                return partial[0]
            if len(partial) > 1:
                raise AssertionError(
                    f"button text {text!r} is ambiguous: {[b.text for b in partial]}"
                )
        wanted = f"callback_data={callback_data!r}" if callback_data is not None else repr(text)
        raise AssertionError(
            f"no button {wanted} on message #{self.message_id}; buttons: {self.button_texts()}"
        )

    def has_button(self, text: str) -> bool:
        return any(b.text == text for b in self.all_buttons())

    def summary(self) -> str:
        """One line for transcripts."""
        who = "bot" if self.from_bot else f"user {self.sender_id}"
        parts = [f"#{self.message_id} {who}: {self.text!r}"]
        if self.document:
            parts.append(f"[document {self.document.filename} {self.document.size} B]")
        if self.photo:
            parts.append("[photo]")
        if self.sticker:
            parts.append(f"[sticker {self.sticker.get('emoji', '')}]")
        if self.buttons:
            parts.append("[buttons: " + " | ".join(self.button_texts()) + "]")
        if self.keyboard:
            parts.append("[keyboard: " + " | ".join(t for row in self.keyboard for t in row) + "]")
        if self.edits:
            parts.append(f"(edited {self.edits}x)")
        if self.deleted:
            parts.append("(deleted)")
        return " ".join(parts)


@dataclass(frozen=True)
class ChatEvent:
    """Something the bot did in a chat: a new message, an edit or a deletion."""

    seq: int
    kind: EventKind
    chat_id: int
    message_id: int
    message: SentMessage


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot passed to answerCallbackQuery."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass(frozen=True)
class InlineAnswer:
    """What the bot passed to answerInlineQuery; iterates over ``results``."""

    query_id: str
    results: list[dict[str, Any]]
    button: dict[str, Any] | None
    cache_time: int | None
    is_personal: bool
    next_offset: str | None

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.results)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.results[index]

    def ids(self) -> list[str]:
        return [str(r.get("id")) for r in self.results]

    def titles(self) -> list[str]:
        return [str(r.get("title", "")) for r in self.results]

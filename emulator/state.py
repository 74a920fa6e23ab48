"""The emulator's world: users, chats, messages, files, updates, recorded calls.

All mutation happens synchronously inside the event loop (method handlers do
not await in the middle of a change), so no locks are needed.  Every change
that a test may wait for fires ``changed``; every injected update fires
``updates_changed`` to release long-polling getUpdates.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import BotAPIError, bad_request
from .notify import Signal
from .views import CallbackAnswer, ChatEvent, EventKind, InlineAnswer, SentMessage

__all__ = [
    "UserInfo",
    "ChatInfo",
    "StoredFile",
    "StoredMessage",
    "CallbackQueryRecord",
    "InlineQueryRecord",
    "RecordedCall",
    "EmulatorState",
    "DEFAULT_ALLOWED_UPDATES",
    "ALL_UPDATE_TYPES",
]

ChatType = Literal["private", "group", "supergroup", "channel"]

# Update types Telegram delivers when allowed_updates was never set (or set to []).
ALL_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "message_reaction",
        "message_reaction_count",
    }
)
DEFAULT_ALLOWED_UPDATES = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


# Real file ids start with a type-dependent prefix; mimic it for realism in logs.
_FILE_ID_PREFIX = {"document": "BQAC", "photo": "AgAC", "sticker": "CAAC", "voice": "AwAC"}


def now() -> int:
    """Unix time as Telegram puts it into ``date`` fields."""
    return int(time.time())


@dataclass
class UserInfo:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. getMe's capability flags

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        data.update(self.extra)
        return data

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "document", "photo", "sticker", "voice", ...
    filename: str | None
    mime_type: str | None
    content: bytes
    file_path: str

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class ChatEventLog:
    """Append-only list of what the bot did in one chat; observers keep cursors over it."""

    events: list[ChatEvent] = field(default_factory=list)


@dataclass
class ChatInfo:
    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    peer: UserInfo | None = None  # the user of a private chat
    members: dict[int, UserInfo] = field(default_factory=dict)
    admins: set[int] = field(default_factory=set)
    bot_is_member: bool = True
    blocked_by_user: bool = False
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    log: ChatEventLog = field(default_factory=ChatEventLog)
    last_message_id: int = 0
    chat_instance: str = ""
    pinned: list[int] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.peer is not None:
            data["first_name"] = self.peer.first_name
            if self.peer.last_name:
                data["last_name"] = self.peer.last_name
            if self.peer.username:
                data["username"] = self.peer.username
        else:
            data["title"] = self.title or ""
            if self.username:
                data["username"] = self.username
        return data


@dataclass
class StoredMessage:
    """Mutable server-side message; ``content`` holds Telegram's content fields."""

    chat: ChatInfo | None  # None for inline messages not placed in a known chat
    message_id: int
    sender: UserInfo
    date: int
    content: dict[str, Any]
    source: str | None = None  # text/caption exactly as the bot sent it (raw HTML)
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to: StoredMessage | None = None
    via_bot: UserInfo | None = None
    edit_date: int | None = None
    edits: int = 0
    deleted: bool = False
    inline_message_id: str | None = None
    send_params: dict[str, Any] = field(default_factory=dict)
    document: StoredFile | None = None
    photo: StoredFile | None = None

    def to_api(self, *, with_reply: bool = True) -> dict[str, Any]:
        """The Message object exactly as the Bot API would serialise it."""
        assert self.chat is not None, "inline-only messages have no Message object"
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender.to_api(),
            "chat": self.chat.to_api(),
            "date": self.date,
        }
        if with_reply and self.reply_to is not None and not self.reply_to.deleted:
            data["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.via_bot is not None:
            data["via_bot"] = self.via_bot.to_api()
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        data.update(self.content)
        # Message objects only ever carry inline keyboards; reply keyboards,
        # ForceReply and ReplyKeyboardRemove are not echoed back by Telegram.
        if self.reply_markup and self.reply_markup.get("inline_keyboard"):
            data["reply_markup"] = self.reply_markup
        return data


@dataclass
class CallbackQueryRecord:
    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    inline_message_id: str | None
    data: str | None
    answer: CallbackAnswer | None = None


@dataclass
class InlineQueryRecord:
    id: str
    user_id: int
    query: str
    offset: str
    answer: InlineAnswer | None = None


@dataclass
class RecordedCall:
    """One Bot API request as the emulator saw it."""

    method: str
    params: dict[str, Any]
    ok: bool
    result: Any = None
    error: BotAPIError | None = None
    time: float = 0.0
    # Why the emulator refused the call before running it, if it did:
    # "fault" (fail_next), "rate_limit", "unknown_method".
    rejected_by: str | None = None

    @property
    def error_code(self) -> int | None:
        return self.error.error_code if self.error else None


class EmulatorState:
    """Everything the emulator knows; method handlers read and mutate this."""

    def __init__(self, bot: UserInfo) -> None:
        self.bot = bot
        self.users: dict[int, UserInfo] = {}
        self.chats: dict[int, ChatInfo] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.inline_queries: dict[str, InlineQueryRecord] = {}
        self.inline_messages: dict[str, StoredMessage] = {}
        self.calls: list[RecordedCall] = []
        # Bot settings keyed the way Telegram scopes them.
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook: dict[str, Any] = {}
        # Update queue.
        self.pending_updates: list[dict[str, Any]] = []
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.poll_generation = 0
        self.closing = False
        # Signals.
        self.changed = Signal()
        self.updates_changed = Signal()
        self.calls_changed = Signal()
        # Id sources.
        self._update_ids = itertools.count(1)
        self._event_seq = itertools.count(1)
        self._file_seq = itertools.count(1)
        self._query_seq = itertools.count(1)

    # -- lookups ------------------------------------------------------------
    def chat(self, chat_id: int | str | None) -> ChatInfo:
        """Resolve a chat id or @username; 400 "chat not found" otherwise."""
        if isinstance(chat_id, str):
            name = chat_id.lstrip("@").lower()
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == name and chat.type != "private":
                    return chat
            raise bad_request("chat not found")
        if chat_id is None or chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def message(self, chat: ChatInfo, message_id: int) -> StoredMessage | None:
        msg = chat.messages.get(message_id)
        return None if msg is None or msg.deleted else msg

    # -- ids ------------------------------------------------------------------
    def next_message_id(self, chat: ChatInfo) -> int:
        # One counter per chat, shared by user and bot messages, like Telegram.
        chat.last_message_id += 1
        return chat.last_message_id

    def new_query_id(self) -> str:
        # Telegram's query ids are long decimal strings.
        return f"{4_000_000_000_000_000 + next(self._query_seq)}"

    def new_inline_message_id(self) -> str:
        return f"AgAAA{next(self._query_seq):010d}BAAA"

    # -- files ----------------------------------------------------------------
    def store_file(
        self, kind: str, content: bytes, *, filename: str | None, mime_type: str | None
    ) -> StoredFile:
        seq = next(self._file_seq)
        prefix = _FILE_ID_PREFIX.get(kind, "BAAC")
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1]
        elif kind == "photo":
            ext = ".jpg"
        stored = StoredFile(
            file_id=f"{prefix}AgADemu{seq:06d}",
            file_unique_id=f"AQADemu{seq:06d}",
            kind=kind,
            filename=filename,
            mime_type=mime_type,
            content=content,
            file_path=f"{kind}s/file_{seq}{ext}",
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        for stored in self.files.values():
            if stored.file_path == path:
                return stored
        return None

    # -- messages -------------------------------------------------------------
    def add_message(self, msg: StoredMessage) -> StoredMessage:
        assert msg.chat is not None
        msg.chat.messages[msg.message_id] = msg
        if msg.sender.is_bot:
            self.record_event(msg, "message")
        return msg

    def record_event(self, msg: StoredMessage, kind: EventKind) -> None:
        """Append a bot action to the chat's log and wake observers."""
        if msg.chat is None:
            self.changed.fire()
            return
        msg.chat.log.events.append(
            ChatEvent(
                seq=next(self._event_seq),
                kind=kind,
                chat_id=msg.chat.id,
                message_id=msg.message_id,
                message=SentMessage.from_stored(msg),
            )
        )
        self.changed.fire()

    # -- updates --------------------------------------------------------------
    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; ids increase monotonically."""
        update = {"update_id": next(self._update_ids), kind: payload}
        self.pending_updates.append(update)
        self.updates_changed.fire()
        return update

    def confirm_updates(self, offset: int | None) -> None:
        """Apply getUpdates' ``offset``: forget everything before it."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            # "-N": keep only the last N updates, forget the rest.
            self.pending_updates = self.pending_updates[offset:]
        else:
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        self.updates_changed.fire()

    def remove_update(self, update_id: int) -> None:
        """A webhook delivery was acknowledged: forget that one update."""
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] != update_id]
        self.updates_changed.fire()

    def deliverable_updates(self, limit: int) -> list[dict[str, Any]]:
        """Pending updates of allowed types; disallowed ones are dropped, as Telegram does."""
        kept = [u for u in self.pending_updates if self._update_type(u) in self.allowed_updates]
        if len(kept) != len(self.pending_updates):
            self.pending_updates = kept
        return kept[:limit]

    @staticmethod
    def _update_type(update: dict[str, Any]) -> str:
        return next(k for k in update if k != "update_id")

    # -- calls ----------------------------------------------------------------
    def record_call(self, call: RecordedCall) -> None:
        self.calls.append(call)
        self.calls_changed.fire()

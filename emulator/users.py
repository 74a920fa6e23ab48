"""Test-facing handles: simulated Telegram users and group chats.

Reading the bot's output is race-free: every chat has an append-only event
log (new bot message / edit / deletion, in order).  Each observer - a user or
a group handle - keeps its own cursor (the set of events it has consumed) per
chat.  ``expect_message()`` returns the *oldest* unconsumed new-message event,
``expect_edit()`` the oldest unconsumed edit, ``expect_any()`` the oldest
unconsumed event of any kind.  An event that already happened before the
``expect_*`` call is therefore never missed, and events of other kinds stay
available for their own ``expect_*``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

from . import inject
from .state import ChatInfo, EmulatorState, StoredMessage, UserInfo
from .views import CallbackAnswer, ChatEvent, EventKind, InlineAnswer, SentMessage

if TYPE_CHECKING:
    from .emulator import BotAPIEmulator

__all__ = ["SimulatedUser", "SimulatedGroup", "ChatRef"]

# Anything that names a chat in the test API.
ChatRef = Union["SimulatedUser", "SimulatedGroup", ChatInfo, int, None]
MessageRef = SentMessage | int

# A 1x1 PNG so photos sent by users are real images.
_TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9a"
    "wAAAABJRU5ErkJggg=="
)


class _Observer:
    """Cursor-based reading of chat event logs (shared by users and groups)."""

    def __init__(self, emu: BotAPIEmulator, home: ChatInfo, label: str) -> None:
        self._emu = emu
        self._home = home
        self._label = label
        self._consumed: dict[int, set[int]] = {}

    @property
    def _state(self) -> EmulatorState:
        return self._emu.state

    def _resolve_chat(self, chat: ChatRef) -> ChatInfo:
        if chat is None:
            return self._home
        if isinstance(chat, ChatInfo):
            return chat
        if isinstance(chat, (SimulatedUser, SimulatedGroup)):
            return chat.chat
        return self._state.chat(chat)

    def _timeout(self, timeout: float | None) -> float:
        return self._emu.default_timeout if timeout is None else timeout

    def _next_event(
        self, chat: ChatInfo, predicate: Callable[[ChatEvent], bool]
    ) -> ChatEvent | None:
        consumed = self._consumed.setdefault(chat.id, set())
        for event in chat.log.events:
            if event.seq not in consumed and predicate(event):
                return event
        return None

    async def _expect(
        self,
        chat: ChatInfo,
        predicate: Callable[[ChatEvent], bool],
        what: str,
        timeout: float | None,
    ) -> ChatEvent:
        limit = self._timeout(timeout)
        event = await self._state.changed.wait_until(
            lambda: self._next_event(chat, predicate), limit
        )
        if event is None:
            raise AssertionError(
                f"{self._label}: expected {what} in chat {chat.id} within {limit}s, got nothing.\n"
                + self.transcript(chat=chat)
            )
        self._consumed.setdefault(chat.id, set()).add(event.seq)
        return event

    @staticmethod
    def _message_id(msg: MessageRef | None) -> int | None:
        if msg is None:
            return None
        return msg if isinstance(msg, int) else msg.message_id

    # -- public reading API -----------------------------------------------------
    async def expect_message(
        self, timeout: float | None = None, *, chat: ChatRef = None
    ) -> SentMessage:
        """The next new message the bot sent to this chat (waits up to ``timeout`` s)."""
        target = self._resolve_chat(chat)
        event = await self._expect(
            target, lambda e: e.kind == "message", "a new bot message", timeout
        )
        return event.message

    async def expect_messages(
        self, count: int, timeout: float | None = None, *, chat: ChatRef = None
    ) -> list[SentMessage]:
        """The next ``count`` new messages, in order."""
        return [await self.expect_message(timeout, chat=chat) for _ in range(count)]

    async def expect_edit(
        self, msg: MessageRef | None = None, timeout: float | None = None, *, chat: ChatRef = None
    ) -> SentMessage:
        """The next edit of ``msg`` (or of any message); returns the edited state."""
        target = self._resolve_chat(chat if chat is not None else self._chat_of(msg))
        wanted = self._message_id(msg)
        what = f"an edit of message #{wanted}" if wanted else "an edit"
        event = await self._expect(
            target,
            lambda e: e.kind == "edit" and (wanted is None or e.message_id == wanted),
            what,
            timeout,
        )
        return event.message

    async def expect_deletion(
        self, msg: MessageRef | None = None, timeout: float | None = None, *, chat: ChatRef = None
    ) -> SentMessage:
        """The next deletion of ``msg`` (or of any message)."""
        target = self._resolve_chat(chat if chat is not None else self._chat_of(msg))
        wanted = self._message_id(msg)
        event = await self._expect(
            target,
            lambda e: e.kind == "delete" and (wanted is None or e.message_id == wanted),
            f"deletion of message #{wanted}" if wanted else "a deletion",
            timeout,
        )
        return event.message

    async def expect_any(self, timeout: float | None = None, *, chat: ChatRef = None) -> ChatEvent:
        """The next event of any kind (message, edit, delete)."""
        target = self._resolve_chat(chat)
        return await self._expect(target, lambda e: True, "any bot activity", timeout)

    async def wait_event(
        self, timeout: float | None = None, *, chat: ChatRef = None
    ) -> ChatEvent | None:
        """Like :meth:`expect_any` but returns None on timeout (for interactive use)."""
        target = self._resolve_chat(chat)
        event = await self._state.changed.wait_until(
            lambda: self._next_event(target, lambda e: True), timeout
        )
        if event is not None:
            self._consumed.setdefault(target.id, set()).add(event.seq)
        return event

    async def expect_no_message(self, within: float = 0.3, *, chat: ChatRef = None) -> None:
        """Assert the bot sends no new message to this chat within ``within`` seconds."""
        await self._expect_nothing(within, chat, ("message",))

    async def expect_no_activity(self, within: float = 0.3, *, chat: ChatRef = None) -> None:
        """Assert no new message, edit or deletion within ``within`` seconds."""
        await self._expect_nothing(within, chat, ("message", "edit", "delete"))

    async def _expect_nothing(
        self, within: float, chat: ChatRef, kinds: tuple[EventKind, ...]
    ) -> None:
        target = self._resolve_chat(chat)
        event = await self._state.changed.wait_until(
            lambda: self._next_event(target, lambda e: e.kind in kinds), within
        )
        if event is not None:
            raise AssertionError(
                f"{self._label}: expected no bot {'/'.join(kinds)} in chat {target.id}, got "
                f"{event.kind}: {event.message.summary()}\n" + self.transcript(chat=target)
            )

    def skip_pending(self, *, chat: ChatRef = None) -> int:
        """Mark every event so far as consumed; returns how many were skipped."""
        target = self._resolve_chat(chat)
        consumed = self._consumed.setdefault(target.id, set())
        fresh = [e.seq for e in target.log.events if e.seq not in consumed]
        consumed.update(fresh)
        return len(fresh)

    def messages(self, *, chat: ChatRef = None) -> list[SentMessage]:
        """Current state of every message in the chat (user's and bot's)."""
        return self._emu.chat_messages(self._resolve_chat(chat))

    def transcript(self, *, chat: ChatRef = None) -> str:
        """Human-readable chat history plus the bot's failed calls, for failure messages."""
        target = self._resolve_chat(chat)
        lines = [f"--- transcript of chat {target.id} ({target.type}) ---"]
        for msg in self.messages(chat=target):
            lines.append("  " + msg.summary())
        consumed = self._consumed.get(target.id, set())
        pending = [e for e in target.log.events if e.seq not in consumed]
        if pending:
            lines.append(f"--- unconsumed events for {self._label} ---")
            lines.extend(f"  {e.kind}: {e.message.summary()}" for e in pending)
        failed = [
            c
            for c in self._state.calls
            if not c.ok and c.params.get("chat_id") in (target.id, str(target.id))
        ][-5:]
        unknown = [c for c in self._state.calls if c.rejected_by == "unknown_method"][-5:]
        if failed or unknown:
            lines.append("--- failed bot calls ---")
            for c in failed + [u for u in unknown if u not in failed]:
                desc = c.error.description if c.error else ""
                lines.append(f"  {c.method}: {c.error_code} {desc}")
        return "\n".join(lines)

    def _chat_of(self, msg: MessageRef | None) -> ChatRef:
        if isinstance(msg, SentMessage) and msg.chat_id is not None:
            return msg.chat_id
        return None


class SimulatedUser(_Observer):
    """A Telegram user talking to the bot; its private chat id equals its user id."""

    def __init__(self, emu: BotAPIEmulator, info: UserInfo, chat: ChatInfo) -> None:
        super().__init__(emu, chat, info.first_name)
        self.info = info
        self.chat = chat
        self._last_query_id: str | None = None

    def __repr__(self) -> str:
        return f"SimulatedUser({self.info.first_name!r}, id={self.id})"

    # -- identity -------------------------------------------------------------
    @property
    def id(self) -> int:
        return self.info.id

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def first_name(self) -> str:
        return self.info.first_name

    @property
    def username(self) -> str | None:
        return self.info.username

    @property
    def language_code(self) -> str | None:
        return self.info.language_code

    @language_code.setter
    def language_code(self, value: str | None) -> None:
        # Affects every update sent from now on, like changing the app language.
        self.info.language_code = value

    # -- sending --------------------------------------------------------------
    def _stored(self, msg: MessageRef, chat: ChatRef = None) -> StoredMessage:
        """Current server-side state of a message the user can see."""
        if isinstance(msg, SentMessage) and msg.inline_message_id and msg.chat_id is None:
            stored = self._state.inline_messages.get(msg.inline_message_id)
        else:
            target = self._resolve_chat(chat if chat is not None else self._chat_of(msg))
            stored = target.messages.get(self._message_id(msg) or 0)
        if stored is None or stored.deleted:
            raise AssertionError(f"{self._label}: message {msg!r} does not exist (or was deleted)")
        return stored

    async def _post(
        self, content: dict[str, Any], chat: ChatRef, reply_to: MessageRef | None
    ) -> SentMessage:
        target = self._resolve_chat(chat)
        replied = self._stored(reply_to, target) if reply_to is not None else None
        msg = inject.post_user_message(self._state, self.info, target, content, reply_to=replied)
        return SentMessage.from_stored(msg)

    async def send(
        self, text: str, *, chat: ChatRef = None, reply_to: MessageRef | None = None
    ) -> SentMessage:
        """Type a text message (commands get bot_command entities, like Telegram)."""
        if not text:
            raise ValueError("Telegram clients cannot send empty messages")
        content: dict[str, Any] = {"text": text}
        entities = inject.detect_entities(text)
        if entities:
            content["entities"] = entities
        return await self._post(content, chat, reply_to)

    async def edit(self, msg: MessageRef, text: str, *, chat: ChatRef = None) -> SentMessage:
        """Edit a text message this user sent (Telegram sends the bot ``edited_message``)."""
        stored = self._stored(msg, chat)
        if stored.sender.id != self.id:
            raise AssertionError(f"{self._label} can only edit their own messages")
        return SentMessage.from_stored(inject.post_user_edit(self._state, stored, text))

    async def send_sticker(
        self,
        emoji: str = "👍",
        *,
        chat: ChatRef = None,
        set_name: str | None = "EmulatorStickers",
    ) -> SentMessage:
        stored = self._state.store_file(
            "sticker", b"RIFF\x00\x00\x00\x00WEBP", filename=None, mime_type="image/webp"
        )
        sticker: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.size,
        }
        if set_name:
            sticker["set_name"] = set_name
        return await self._post({"sticker": sticker}, chat, None)

    async def send_photo(
        self, content: bytes = _TINY_PNG, *, caption: str | None = None, chat: ChatRef = None
    ) -> SentMessage:
        stored = self._state.store_file("photo", content, filename=None, mime_type="image/jpeg")
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 1,
                "height": 1,
                "file_size": stored.size,
            }
        ]
        data: dict[str, Any] = {"photo": photo}
        if caption:
            data["caption"] = caption
        return await self._post(data, chat, None)

    async def send_document(
        self,
        content: bytes,
        filename: str = "file.bin",
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        chat: ChatRef = None,
    ) -> SentMessage:
        stored = self._state.store_file("document", content, filename=filename, mime_type=mime_type)
        doc = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": stored.size,
        }
        data: dict[str, Any] = {"document": doc}
        if caption:
            data["caption"] = caption
        return await self._post(data, chat, None)

    async def send_voice(self, duration: int = 2, *, chat: ChatRef = None) -> SentMessage:
        stored = self._state.store_file(
            "voice", b"OggS\x00fake-voice", filename=None, mime_type="audio/ogg"
        )
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": stored.size,
        }
        return await self._post({"voice": voice}, chat, None)

    async def send_contact(
        self,
        phone_number: str | None = None,
        *,
        first_name: str | None = None,
        chat: ChatRef = None,
    ) -> SentMessage:
        """Share a contact (by default the user's own, as with the "share phone" button)."""
        contact: dict[str, Any] = {
            "phone_number": phone_number or f"+1555{self.id:07d}",
            "first_name": first_name or self.first_name,
        }
        if phone_number is None:
            contact["user_id"] = self.id
        return await self._post({"contact": contact}, chat, None)

    async def send_location(
        self, latitude: float = 52.52, longitude: float = 13.405, *, chat: ChatRef = None
    ) -> SentMessage:
        """Send a location (from the attachment menu: no keyboard needed)."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self._post({"location": location}, chat, None)

    def reply_keyboard(self, *, chat: ChatRef = None) -> dict[str, Any] | None:
        """The keyboard the bot shows under this chat's input field: the one its latest
        message with a reply keyboard set, until a message removed it, or until the
        person sent anything after a one-time keyboard. None when there is none."""
        answered = False
        for message in reversed(self.messages(chat=chat)):
            if not message.from_bot:
                answered = True
                continue
            markup = message.reply_markup or {}
            if markup.get("remove_keyboard"):
                return None
            if "keyboard" in markup:
                return None if answered and markup.get("one_time_keyboard") else markup
        return None

    async def share_location(
        self, latitude: float, longitude: float, *, chat: ChatRef = None
    ) -> SentMessage:
        """Press the keyboard button that sends a location (``request_location``), as a
        person does once Telegram asked them; fails if the bot shows no such button."""
        markup = self.reply_keyboard(chat=chat)
        buttons = [b for row in (markup or {}).get("keyboard", []) for b in row]
        if not any(isinstance(b, dict) and b.get("request_location") for b in buttons):
            raise AssertionError(
                f"{self._label}: no 'send location' button under the input field\n"
                + self.transcript(chat=chat)
            )
        return await self.send_location(latitude, longitude, chat=chat)

    # -- buttons --------------------------------------------------------------
    async def press(
        self,
        msg: MessageRef,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        chat: ChatRef = None,
    ) -> str:
        """Press an inline button of ``msg`` as it is *currently* displayed.

        Matches the button text exactly, else the single button containing
        ``text``; or by ``callback_data``.  Returns the callback query id.
        """
        if text is None and callback_data is None:
            raise ValueError("press() needs a button text or callback_data")
        stored = self._stored(msg, chat)
        button = SentMessage.from_stored(stored).find_button(text, callback_data=callback_data)
        if button.callback_data is None:
            raise AssertionError(
                f"button {button.text!r} has no callback_data (url={button.url!r}); "
                "pressing it would not reach the bot"
            )
        return self._press(stored, button.callback_data)

    async def press_data(self, msg: MessageRef, data: str, *, chat: ChatRef = None) -> str:
        """Send a callback query with arbitrary (possibly forged or stale) data."""
        return self._press(self._stored(msg, chat), data)

    def _press(self, stored: StoredMessage, data: str) -> str:
        record = inject.post_callback_query(self._state, self.info, stored, data)
        self._last_query_id = record.id
        return record.id

    @property
    def last_callback_answer(self) -> CallbackAnswer | None:
        """The bot's answer to the most recent press, if it answered yet."""
        if self._last_query_id is None:
            return None
        return self._state.callback_queries[self._last_query_id].answer

    async def expect_callback_answer(self, timeout: float | None = None) -> CallbackAnswer:
        """Wait for answerCallbackQuery on the most recent press."""
        query_id = self._last_query_id
        if query_id is None:
            raise AssertionError(f"{self._label} has not pressed any button")
        record = self._state.callback_queries[query_id]
        limit = self._timeout(timeout)
        answer = await self._state.changed.wait_until(lambda: record.answer, limit)
        if answer is None:
            raise AssertionError(
                f"{self._label}: bot did not answer callback query {record.data!r} "
                f"within {limit}s\n" + self.transcript(chat=record.chat_id)
            )
        return answer

    # -- inline mode ------------------------------------------------------------
    async def inline_query(
        self,
        query: str,
        *,
        offset: str = "",
        chat_type: str | None = None,
        timeout: float | None = None,
    ) -> InlineAnswer:
        """Type ``@bot query`` and wait for answerInlineQuery."""
        record = inject.post_inline_query(
            self._state, self.info, query, offset=offset, chat_type=chat_type
        )
        limit = self._timeout(timeout)
        answer = await self._state.changed.wait_until(lambda: record.answer, limit)
        if answer is None:
            raise AssertionError(
                f"{self._label}: bot did not answer inline query {query!r} within {limit}s"
            )
        return answer

    async def choose_inline_result(
        self, result_id: str, query: str | None = None, *, chat: ChatRef = None
    ) -> SentMessage:
        """Pick a result of an answered inline query (latest one matching).

        Queues chosen_inline_result; with ``chat`` the result is also posted
        there as a message "via @bot".  Returns the resulting message.
        """
        for record in reversed(list(self._state.inline_queries.values())):
            if record.user_id != self.id or record.answer is None:
                continue
            if query is not None and record.query != query:
                continue
            for result in record.answer.results:
                if str(result.get("id")) == str(result_id):
                    target = self._resolve_chat(chat) if chat is not None else None
                    msg = inject.post_chosen_inline_result(
                        self._state, self.info, record, result, target
                    )
                    return SentMessage.from_stored(msg)
        raise AssertionError(f"{self._label}: no answered inline query offers result {result_id!r}")


class SimulatedGroup(_Observer):
    """A basic group with the bot in it; observe it with ``group.expect_message()``."""

    def __init__(self, emu: BotAPIEmulator, chat: ChatInfo) -> None:
        super().__init__(emu, chat, f"group {chat.title!r}")
        self.chat = chat

    def __repr__(self) -> str:
        return f"SimulatedGroup({self.title!r}, id={self.id})"

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def title(self) -> str:
        return self.chat.title or ""

    @property
    def member_ids(self) -> list[int]:
        return list(self.chat.members)

    async def add_member(
        self, user: SimulatedUser, *, by: SimulatedUser | None = None
    ) -> SentMessage:
        """``by`` adds ``user`` (default: the user joins); queues new_chat_members."""
        actor = (by or user).info
        msg = inject.post_new_members(self._state, actor, self.chat, [user.info])
        return SentMessage.from_stored(msg)

    def make_admin(self, user: SimulatedUser) -> None:
        self.chat.members.setdefault(user.id, user.info)
        self.chat.admins.add(user.id)

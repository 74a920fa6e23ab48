"""The facade tests use: start/stop the fake Bot API and create users and groups."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from . import inject
from .config import BOT_ID, EmulatorConfig
from .errors import BotAPIError
from .faults import FaultInjector, FaultRule, HeldCall, default_description
from .methods.bot import scope_key
from .server import ApiServer
from .state import ChatInfo, EmulatorState, RecordedCall, StoredFile, UserInfo
from .users import ChatRef, SimulatedGroup, SimulatedUser
from .views import CallbackAnswer, ChatEvent, SentMessage
from .webhook import WebhookAttempt, WebhookDeliverer

__all__ = ["BotAPIEmulator"]

T = TypeVar("T")

_FIRST_USER_ID = 1001
_FIRST_GROUP_ID = -4_000_000_001


class BotAPIEmulator:
    """A local stand-in for api.telegram.org that a real PTB Application can poll.

    Typical use::

        emu = BotAPIEmulator()
        await emu.start()
        app = ApplicationBuilder().token("123:ABC").base_url(emu.base_url) \\
            .base_file_url(emu.base_file_url).build()
        alice = emu.user("Alice")
        await alice.send("/start")
        reply = await alice.expect_message()
    """

    def __init__(
        self,
        *,
        bot_username: str = "ConferenceTestBot",
        bot_first_name: str = "Conference Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        rate_limit_per_second: float | None = None,
        latency: float = 0.0,
        strict_html_ampersand: bool = True,
        default_timeout: float = 5.0,
        allow_http_webhook: bool = False,
        webhook_retry_delay: float = 0.1,
        webhook_max_retry_delay: float = 2.0,
    ) -> None:
        self.config = EmulatorConfig(
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            token=token,
            strict_html_ampersand=strict_html_ampersand,
            latency=latency,
            allow_http_webhook=allow_http_webhook,
            webhook_retry_delay=webhook_retry_delay,
            webhook_max_retry_delay=webhook_max_retry_delay,
        )
        self.host = host
        self._requested_port = port
        self.default_timeout = default_timeout
        bot = UserInfo(
            id=BOT_ID,
            first_name=bot_first_name,
            username=bot_username,
            is_bot=True,
            extra={
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            },
        )
        self.state = EmulatorState(bot)
        self.faults = FaultInjector(rate_limit_per_second)
        self._server = ApiServer(self.state, self.faults, self.config)
        self._webhook = WebhookDeliverer(self.state, self.config)
        self._user_ids = itertools.count(_FIRST_USER_ID)
        self._group_ids = itertools.count(-_FIRST_GROUP_ID)
        self._users: dict[int, SimulatedUser] = {}
        self._groups: dict[int, SimulatedGroup] = {}
        self._port: int | None = None

    # -- lifecycle ------------------------------------------------------------
    async def start(self) -> None:
        if self._port is not None:
            raise RuntimeError("emulator already started")
        self._port = await self._server.start(self.host, self._requested_port)
        await self._webhook.start()

    async def stop(self) -> None:
        """Release every long poll with an empty result, stop webhook deliveries, then
        close the server."""
        self.state.closing = True
        self.state.updates_changed.fire()
        self.state.changed.fire()
        for hold in self.faults.holds:
            hold.release()
        await self._webhook.stop()
        await self._server.stop()

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("emulator not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        return self.state.bot.id

    @property
    def bot_username(self) -> str:
        return self.config.bot_username

    # -- actors ---------------------------------------------------------------
    def user(
        self,
        first_name: str,
        *,
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
    ) -> SimulatedUser:
        """A new user who has already started the bot (private chat id == user id)."""
        uid = user_id if user_id is not None else next(self._user_ids)
        if uid in self._users or uid in self.state.chats:
            raise ValueError(f"user id {uid} already in use")
        info = UserInfo(
            id=uid,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        chat = ChatInfo(id=uid, type="private", peer=info, chat_instance=f"{uid * 7919}")
        self.state.users[uid] = info
        self.state.chats[uid] = chat
        sim = SimulatedUser(self, info, chat)
        self._users[uid] = sim
        return sim

    def group(
        self,
        title: str,
        *,
        members: list[SimulatedUser] | tuple[SimulatedUser, ...] = (),
        admins: list[SimulatedUser] | tuple[SimulatedUser, ...] = (),
        bot_is_admin: bool = True,
        username: str | None = None,
    ) -> SimulatedGroup:
        """A basic group (negative id) that already contains the bot and ``members``."""
        gid = -next(self._group_ids)
        chat = ChatInfo(
            id=gid, type="group", title=title, username=username, chat_instance=f"{gid * 7919}"
        )
        for member in (*members, *admins):
            chat.members[member.id] = member.info
        chat.admins.update(a.id for a in admins)
        if bot_is_admin:
            chat.admins.add(self.bot_id)
        self.state.chats[gid] = chat
        sim = SimulatedGroup(self, chat)
        self._groups[gid] = sim
        return sim

    @property
    def users(self) -> list[SimulatedUser]:
        return list(self._users.values())

    @property
    def groups(self) -> list[SimulatedGroup]:
        return list(self._groups.values())

    def block_bot(self, user: SimulatedUser) -> None:
        """The user blocks the bot: sends to them answer 403 from now on."""
        if not user.chat.blocked_by_user:
            user.chat.blocked_by_user = True
            inject.post_my_chat_member(self.state, user.info, user.chat, "member", "kicked")

    def unblock_bot(self, user: SimulatedUser) -> None:
        if user.chat.blocked_by_user:
            user.chat.blocked_by_user = False
            inject.post_my_chat_member(self.state, user.info, user.chat, "kicked", "member")

    # -- faults ---------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally to ``chat_id``) fail.

        ``description`` defaults to Telegram's wording for the code, e.g.
        403 -> "Forbidden: bot was blocked by the user",
        429 -> "Too Many Requests: retry after N" (retry_after defaults to 1).
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        self.faults.add_rule(
            FaultRule(
                method=method.lower(),
                error_code=error_code,
                description=description or default_description(error_code, retry_after),
                retry_after=retry_after,
                remaining=times,
                chat_id=chat_id,
            )
        )

    def lose_answer_next(self, method: str, *, times: int = 1, chat_id: int | None = None) -> None:
        """Carry out the next ``times`` calls of ``method`` (optionally to ``chat_id``) but
        drop the connection instead of answering: what a bot sees when Telegram took a
        message and the answer was lost on the way back (a timeout, a reset)."""
        self.faults.lost_answers.append(
            FaultRule(
                method=method.lower(),
                error_code=0,
                description="",
                retry_after=None,
                remaining=times,
                chat_id=chat_id,
            )
        )

    def hold_next(self, method: str) -> HeldCall:
        """The next call of ``method`` is held, unanswered, until the returned hold's
        ``release()``; ``await hold.reached.wait()`` waits for the call to arrive."""
        hold = HeldCall(method.lower())
        self.faults.holds.append(hold)
        return hold

    # -- inspection -----------------------------------------------------------
    @property
    def calls(self) -> list[RecordedCall]:
        """Every request the bot made, in order (including rejected ones)."""
        return self.state.calls

    def calls_of(self, method: str) -> list[RecordedCall]:
        key = method.lower()
        return [c for c in self.state.calls if c.method.lower() == key]

    @property
    def unknown_calls(self) -> list[RecordedCall]:
        """Calls of methods the emulator does not implement (answered 404)."""
        return [c for c in self.state.calls if c.rejected_by == "unknown_method"]

    @property
    def failed_calls(self) -> list[RecordedCall]:
        return [c for c in self.state.calls if not c.ok]

    def clear_calls(self) -> None:
        self.state.calls.clear()

    async def wait_for_call(
        self, method: str, *, after: int = 0, timeout: float | None = None
    ) -> RecordedCall:
        """First call of ``method`` at index >= ``after`` in :attr:`calls` (waits for it)."""
        key = method.lower()

        def find() -> RecordedCall | None:
            for call in self.state.calls[after:]:
                if call.method.lower() == key:
                    return call
            return None

        limit = self.default_timeout if timeout is None else timeout
        call = await self.state.calls_changed.wait_until(find, limit)
        if call is None:
            raise AssertionError(f"bot did not call {method} within {limit}s")
        return call

    @property
    def pending_update_count(self) -> int:
        return len(self.state.pending_updates)

    async def wait_for_delivery(self, timeout: float | None = None) -> None:
        """Wait until the bot has fetched *and confirmed* every injected update."""
        limit = self.default_timeout if timeout is None else timeout
        done = await self.state.updates_changed.wait_until(
            lambda: True if not self.state.pending_updates else None, limit
        )
        if done is None:
            left = len(self.state.pending_updates)
            raise AssertionError(f"{left} updates not fetched within {limit}s")

    def chat_messages(self, chat: ChatRef) -> list[SentMessage]:
        """Current state of every message in a chat (deleted ones flagged)."""
        info = self._chat(chat)
        return [SentMessage.from_stored(m) for m in info.messages.values()]

    # -- observers with their own cursor (the terminal sandbox) -------------------
    def chat_events(self, chat: ChatRef, *, after: int = 0) -> list[ChatEvent]:
        """What the bot did in a chat (new message, edit, deletion) with ``seq > after``,
        oldest first. Unlike ``expect_*`` this consumes nothing: the caller keeps the
        last ``seq`` it has seen (sequence numbers grow across all chats)."""
        return [event for event in self._chat(chat).log.events if event.seq > after]

    def callback_answer(self, query_id: str) -> CallbackAnswer | None:
        """The bot's answer to a button press (the id ``press`` returned), if any yet."""
        record = self.state.callback_queries.get(query_id)
        return record.answer if record is not None else None

    async def wait_until(
        self, predicate: Callable[[], T | None], timeout: float | None = None
    ) -> T | None:
        """The first non-None ``predicate()``, re-checked whenever the bot changes something
        (messages, edits, callback answers ...); None after ``timeout`` (None: no limit)."""
        return await self.state.changed.wait_until(predicate, timeout)

    def _chat(self, chat: ChatRef) -> ChatInfo:
        if isinstance(chat, ChatInfo):
            return chat
        if isinstance(chat, (SimulatedUser, SimulatedGroup)):
            return chat.chat
        if chat is None:
            raise ValueError("chat required")
        try:
            return self.state.chat(chat)
        except BotAPIError:
            raise KeyError(f"unknown chat {chat!r}") from None

    def commands(
        self,
        language_code: str = "",
        scope_type: str = "default",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[tuple[str, str]]:
        """Commands set via setMyCommands for exactly this scope and language."""
        scope: dict[str, Any] = {"type": scope_type}
        if chat_id is not None:
            scope["chat_id"] = chat_id
        if user_id is not None:
            scope["user_id"] = user_id
        stored = self.state.commands.get((scope_key(scope), language_code), [])
        return [(c["command"], c["description"]) for c in stored]

    def visible_commands(self, user: SimulatedUser, chat: ChatRef = None) -> list[tuple[str, str]]:
        """The command menu ``user`` would see in ``chat``, resolved like Telegram clients do."""
        info = self._chat(chat) if chat is not None else user.chat
        if info.type == "private":
            scopes: list[dict[str, Any]] = [
                {"type": "chat", "chat_id": info.id},
                {"type": "all_private_chats"},
            ]
        else:
            is_admin = user.id in info.admins
            scopes = [{"type": "chat_member", "chat_id": info.id, "user_id": user.id}]
            if is_admin:
                scopes.append({"type": "chat_administrators", "chat_id": info.id})
            scopes.append({"type": "chat", "chat_id": info.id})
            if is_admin:
                scopes.append({"type": "all_chat_administrators"})
            scopes.append({"type": "all_group_chats"})
        scopes.append({"type": "default"})
        for scope in scopes:
            for lang in (user.language_code or "", ""):
                stored = self.state.commands.get((scope_key(scope), lang))
                if stored:
                    return [(c["command"], c["description"]) for c in stored]
        return []

    def description(self, language_code: str = "") -> str | None:
        return self.state.descriptions.get(language_code)

    def short_description(self, language_code: str = "") -> str | None:
        return self.state.short_descriptions.get(language_code)

    def bot_name(self, language_code: str = "") -> str | None:
        return self.state.names.get(language_code)

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any] | None:
        return self.state.menu_buttons.get(chat_id)

    @property
    def webhook_url(self) -> str:
        return str(self.state.webhook.get("url", ""))

    @property
    def webhook(self) -> dict[str, Any]:
        """What setWebhook set: url, secret_token, max_connections, allowed_updates..."""
        return dict(self.state.webhook)

    @property
    def webhook_attempts(self) -> list[WebhookAttempt]:
        """Every webhook POST so far, in order, with the status the bot answered."""
        return list(self._webhook.attempts)

    def webhook_lose_answer_next(self, times: int = 1) -> None:
        """Treat the bot's next ``times`` webhook answers as lost, even a 200: those
        updates are delivered again, as Telegram does when an answer never reaches it."""
        self._webhook.lose_answers += times

    def push_raw_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update exactly as given (for updates no simulated user makes)."""
        return self.state.push_update(kind, payload)

    def file(self, file_id: str) -> StoredFile:
        return self.state.files[file_id]

    def describe(self) -> str:
        """Debug dump of chats and calls (handy in a failing test's output)."""
        summary = {
            "chats": {cid: len(c.messages) for cid, c in self.state.chats.items()},
            "calls": [
                f"{c.method}:{'ok' if c.ok else c.error_code}" for c in self.state.calls[-20:]
            ],
            "pending_updates": len(self.state.pending_updates),
        }
        return json.dumps(summary, indent=2)

"""Before any feature runs: flood control (group -3), then the user of the update is
registered or refreshed, and blocked users are turned away (group -2)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from telegram import Bot, ChatMember, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, ChatMemberHandler, TypeHandler

from bot.context import BotContext
from bot.i18n import Translator, language_for
from bot.users import TelegramIdentity

_BLOCK_NOTICE_SENT = "block_notice_sent"


async def load_current_user(update: Update, context: BotContext) -> None:
    """Put the stored user (registered on first contact) on the context; a user blocked
    by an admin gets one polite refusal, and nothing else happens for them."""
    person = update.effective_user
    if person is None or person.is_bot:
        return
    identity = TelegramIdentity(
        id=person.id,
        full_name=person.full_name,
        username=person.username,
        language_code=person.language_code,
    )
    user, is_new = await context.services.users.register_or_touch(identity)
    context.current_user = user
    context.user_is_new = is_new
    if user.is_blocked:
        await _refuse(update, context)
        raise ApplicationHandlerStop


async def _refuse(update: Update, context: BotContext) -> None:
    t = context.t
    if update.callback_query is not None:
        await update.callback_query.answer(t.plain("blocked.notice"), show_alert=True)
        return
    if context.user_data.get(_BLOCK_NOTICE_SENT) or update.effective_chat is None:
        return
    context.user_data[_BLOCK_NOTICE_SENT] = True
    await context.application.update_persistence()
    await context.bot.send_message(
        update.effective_chat.id, t("blocked.notice"), parse_mode=ParseMode.HTML
    )


class FloodGuard:
    """Per-person sliding window kept in memory: beyond `limit` updates in `window`
    seconds one notice is sent and further updates are dropped until it calms down.
    Others are not affected. (Real time, not the service clock: this is about rate.)

    People who have been quiet for a whole window are forgotten, once a window, so the
    memory follows the people active now, not everyone ever seen."""

    def __init__(
        self, limit: int, window: float, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._monotonic = monotonic
        self._recent: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._last_sweep = monotonic()

    @property
    def tracked_people(self) -> int:
        return len(self._recent)

    async def __call__(self, update: Update, context: BotContext) -> None:
        person = update.effective_user
        if person is None:
            return
        now = self._monotonic()
        if now - self._last_sweep >= self.window:
            self._forget_quiet_people(now)
        recent = self._recent.setdefault(person.id, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(now)
            self._warned.discard(person.id)
            return
        if person.id not in self._warned:
            self._warned.add(person.id)
            await send_flood_notice(context.bot, update)
        raise ApplicationHandlerStop

    def _forget_quiet_people(self, now: float) -> None:
        quiet = [
            person_id
            for person_id, recent in self._recent.items()
            if not recent or recent[-1] <= now - self.window
        ]
        for person_id in quiet:
            del self._recent[person_id]
            self._warned.discard(person_id)
        self._last_sweep = now


async def send_flood_notice(bot: Bot, update: object) -> None:
    """ "You are sending very fast", in the person's Telegram language: an alert on a
    press, a message otherwise. Used by FloodGuard and by the update processor when it
    drops a person's surplus updates (bot/updates.py, wired in app/factory.py)."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    t = Translator(language_for(update.effective_user.language_code))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t.plain("flood.notice"), show_alert=True)
        elif update.effective_chat is not None:
            await bot.send_message(update.effective_chat.id, t("flood.notice"))
    except TelegramError:
        pass  # the notice is a courtesy; dropping the update is what matters


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    """The bot was blocked by a person or removed from a group: skip that chat from now
    on. (Unblocking needs nothing: the person's next message marks them active again.)"""
    change = update.my_chat_member
    if change is None:
        return
    if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        await context.services.sharing.chat_unreachable(change.chat.id)


def membership_handler() -> BaseHandler:
    return ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)


def flood_handler(limit: int, window: float) -> BaseHandler:
    return TypeHandler(Update, FloodGuard(limit, window))


def handler() -> BaseHandler:
    return TypeHandler(Update, load_current_user)

"""The time zone, asked once: "Your time zone is UTC: is that right?" Diagram:
handlers/zone_check.mmd.

Every time the bot shows is in the person's zone, and a newcomer has the operator's
default until they choose one. So a person who never confirmed or chose a zone
(`UserService.needs_timezone_question`) is asked at their first "Schedule conference",
"Start conference now" or conference card (a row of the log, or a shared link,
`/start <token>`): Yes, a few zones likely for their Telegram language, their location
(a keyboard button Telegram asks about first), or a city typed as in "Personal
information". Cancel keeps the zone; any answer counts, so nobody is asked twice.

Nothing the person was doing is lost: the update that would have shown times is held
(as JSON in user_data, so a restart keeps it too) and, once the question is answered,
handled again as if it had just arrived (`handlers/common.py` `is_replay`): the form
opens or the card shows, in the zone just chosen.

The dialog is one state, ASKED, kept in user_data with the held update: while it is
there, the person's answers come here first. It runs in a handler group of its own,
after the user and privacy layers and before the features (handlers/__init__.py
ZONE_GROUP), and lets every other update pass on untouched. What it handles stops there
(ApplicationHandlerStop), so it writes the person's data and sends its replies itself,
in the order the flush of every other update keeps (handlers/persistence_flush.py).
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from telegram import Message, ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import BotContext
from bot.timezones import display_name, resolve_timezone
from bot.zone_check import candidate_zones, likely_zones, zone_at, zone_of_candidate
from handlers import callback_data as cb
from handlers import keyboards
from handlers.common import (
    REPLAY_MARK,
    after_replies,
    answer_press,
    is_replay,
    pressed_data,
    send,
    show,
    typed_text,
)
from handlers.persistence_flush import flush
from handlers.sharing import SCHEDULE_START_PARAMETER

_HELD = "zone_check_held"  # ASKED: the update to handle again once answered (JSON)
_KEYBOARD = "zone_check_keyboard"  # the "Send my location" keyboard is showing

# What shows times for the first time: these commands, these buttons, and /start <token>
# (a shared conference). A new way to open a conference card joins here.
_COMMANDS = frozenset({"schedule", "now"})
_PRESSES = frozenset({(cb.MENU, "schedule"), (cb.MENU, "now"), (cb.CONFERENCE, "view")})


async def gate(update: Update, context: BotContext) -> None:
    """Every update of a person, before the features: an answer while asked; else the
    question, if this update would show times to someone who needs it; else nothing."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or update.effective_user is None:
        return
    if _HELD in context.user_data:
        handled = await _on_answer(update, context)
    else:
        handled = _shows_times(update) and await _ask_first(update, context)
    if handled:
        # The features must not see this update; nor will the flush group, so write
        # the person's data and send the replies now, in that order.
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
        await flush(update, context)
        raise ApplicationHandlerStop


def _shows_times(update: Update) -> bool:
    if is_replay(update):
        return False
    data = pressed_data(update)
    if data is not None:
        return (data.prefix, data.action) in _PRESSES
    message = update.message
    command, argument = _command(message) if message is not None else (None, None)
    if command == "start":
        return bool(argument) and argument != SCHEDULE_START_PARAMETER
    return command in _COMMANDS


def _command(message: Message) -> tuple[str | None, str | None]:
    """The command a private message starts with and its first argument."""
    words = (message.text or "").split()
    if not words or not words[0].startswith("/"):
        return None, None
    return words[0][1:].split("@", 1)[0].lower(), (words[1] if len(words) > 1 else None)


# -- asking ---------------------------------------------------------------------------


async def _ask_first(update: Update, context: BotContext) -> bool:
    """Ask, and hold the update, if this person needs the question."""
    if not context.services.users.needs_timezone_question(context.current_user):
        return False
    await answer_press(update)
    context.user_data[_HELD] = update.to_json()
    context.user_data.pop(_KEYBOARD, None)
    await _ask(update, context)
    return True


async def _ask(update: Update, context: BotContext, note: str | None = None) -> None:
    t = context.t
    user = context.current_user
    now = context.services.clock.now()
    offered = [
        (candidate_zones().index(zone), display_name(zone, t.language, now))
        for zone in likely_zones(_telegram_language(update), user.timezone)
    ]
    current = display_name(user.timezone, t.language, now)
    clock = now.astimezone(ZoneInfo(user.timezone)).strftime("%H:%M")
    text = t("zone.question", zone=current, time=clock)
    if note:
        text = f"{note}\n\n{text}"
    await send(update, context, text, keyboards.zone_question(t, current, offered))


def _telegram_language(update: Update) -> str | None:
    person = update.effective_user
    return person.language_code if person is not None else None


# -- answers --------------------------------------------------------------------------


async def _on_answer(update: Update, context: BotContext) -> bool:
    """While asked: an answer, or something else, which leaves the question unanswered
    (they are asked next time) and goes on to the features, dropping what was held."""
    message = update.message
    data = pressed_data(update)
    if update.edited_message is not None:
        return False  # an edit of something typed earlier: not an answer, nothing dropped
    if update.callback_query is not None and (data is None or data.prefix == cb.ZONE):
        await _on_press(update, context)
    elif message is not None and message.location is not None:
        await _on_location(update, context, message)
    elif message is not None and message.text is not None and not message.text.startswith("/"):
        await _on_typed(update, context)
    elif message is not None and _command(message)[0] == "cancel":
        await _settle(update, context, context.current_user.timezone, "zone.cancelled")
    elif message is not None and message.text is None:
        await send(update, context, context.t("zone.expected"))
    else:
        context.user_data.pop(_HELD, None)
        context.user_data.pop(_KEYBOARD, None)
        return False
    return True


async def _on_press(update: Update, context: BotContext) -> None:
    """Yes, an offered zone, "Share location" or Cancel; anything else is stale."""
    data = pressed_data(update)
    t = context.t
    user = context.current_user
    action = data.action if data else ""
    zone = zone_of_candidate(data.arg_int()) if data and action == "pick" else None
    if action in ("yes", "cancel"):
        await answer_press(update)
        key = "zone.kept" if action == "yes" else "zone.cancelled"
        await _settle(update, context, user.timezone, key)
    elif zone is not None:
        await answer_press(update)
        await _settle(update, context, zone, "zone.chosen")
    elif action == "loc":
        await answer_press(update)
        context.user_data[_KEYBOARD] = True
        await send(update, context, t("zone.location_prompt"), keyboards.share_location(t))
    else:
        await answer_press(update, t.plain("common.stale_button"))


async def _on_typed(update: Update, context: BotContext) -> None:
    """A city, an IANA name or an offset, as in "Personal information"."""
    typed = typed_text(update).strip()
    zone = resolve_timezone(typed)
    if zone is None:
        await _ask(update, context, context.t("zone.unknown", value=typed[:64]))
    else:
        await _settle(update, context, zone, "zone.chosen")


async def _on_location(update: Update, context: BotContext, message: Message) -> None:
    """A shared location: its zone, looked up offline. The place itself is not kept."""
    location = message.location
    zone = await zone_at(location.latitude, location.longitude) if location else None
    if zone is None:
        await _ask(update, context, context.t("zone.no_zone_there"))
    else:
        await _settle(update, context, zone, "zone.chosen")


async def _settle(update: Update, context: BotContext, zone: str, key: str) -> None:
    """Store the answer, say so, and handle the held update again."""
    services = context.services
    await services.users.confirm_timezone(context.current_user.id, zone)
    t = context.t
    note = t(key, zone=display_name(zone, t.language, services.clock.now()))
    if context.user_data.pop(_KEYBOARD, None):
        # The "Send my location" keyboard goes away with this answer.
        await send(update, context, note, ReplyKeyboardRemove())
    elif update.callback_query is not None:
        await show(update, context, note)
    else:
        await send(update, context, note)
    held = context.user_data.pop(_HELD, None)
    if isinstance(held, str):
        await _replay_later(context, held)


async def _replay_later(context: BotContext, held: str) -> None:
    """Queue the held update once this one's replies are out, so the form or the card
    comes below the answer; it is then handled like a new arrival, in the person's turn
    (the way a dialog hands over a foreign button, handlers/common.py `handing_over`)."""
    data = json.loads(held)
    data[REPLAY_MARK] = True
    replay = Update.de_json(data, context.bot)
    context.services.updates.replay(replay)  # handled again although its id is recorded
    await after_replies(context, lambda: context.update_queue.put_nowait(replay))


def handler() -> BaseHandler:
    return TypeHandler(Update, gate)

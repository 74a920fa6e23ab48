"""A participant's side of a conference: its card (from the conference log or the deep
link), "Leave" after an OK, and "Take part again" after leaving.
Screens: handlers/participants.mmd.

Leaving is the person's own act: the participant row is marked removed and left, so no
notice or reminder reaches them, the conference leaves their log and the waiting list,
and its buttons stop working for them. Opening the link again does not make them a
participant silently: it shows the conference with "Take part again", and only that
press brings them back. (A person the owner removed stays out: the link shows nothing.)

Every button carries the conference id only; each press looks the person's participation
up again, so a forged or stale press changes nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext
from bot.sharing import Participation
from handlers import callback_data as cb
from handlers import keyboards
from handlers.common import Callback, Handler, answer_press, pressed_data, send, show
from handlers.conference_views import card_screen, participant_screen


async def _pressed(update: Update, context: BotContext) -> Participation | None:
    """The participation named by the pressed button, or None after answering."""
    data = pressed_data(update)
    participation = await context.services.sharing.participation(
        context.current_user.id, data.arg_int() if data else None
    )
    if participation is None:
        await answer_press(update, context.t.plain("conference.gone"), alert=True)
    return participation


async def on_view(update: Update, context: BotContext) -> None:
    """A conference the person takes part in, from their log (or Cancel on "Leave?").
    Its owner pressing it gets their own card."""
    data = pressed_data(update)
    conference_id = data.arg_int() if data else None
    owned = await context.services.conferences.owned(context.current_user.id, conference_id)
    if owned is not None:
        await answer_press(update)
        text, markup = await card_screen(context, owned)
        await show(update, context, text, markup)
        return
    participation = await _pressed(update, context)
    if participation is None:
        return
    await answer_press(update)
    text, markup = await participant_screen(context, participation)
    await show(update, context, text, markup)


async def show_participation(
    update: Update, context: BotContext, participation: Participation
) -> None:
    """The participant's card as a new message (after the deep link was opened)."""
    text, markup = await participant_screen(context, participation)
    await send(update, context, text, markup)


async def on_leave(update: Update, context: BotContext) -> None:
    """ "Leave": ask first."""
    participation = await _pressed(update, context)
    if participation is None or participation.left:
        if participation is not None:
            await answer_press(update, context.t.plain("card.already_left"), alert=True)
        return
    await answer_press(update)
    t = context.t
    conference = participation.conference
    await show(
        update,
        context,
        t("card.confirm_leave", topic=conference.topic),
        keyboards.confirm_leave(t, conference.id),
    )


async def on_leave_confirmed(update: Update, context: BotContext) -> None:
    """OK: they leave; a second press finds them gone already."""
    participation = await _pressed(update, context)
    if participation is None:
        return
    services = context.services
    t = context.t
    left = await services.sharing.leave(context.current_user.id, participation.conference.id)
    if left is None:
        await answer_press(update, t.plain("card.already_left"), alert=True)
        return
    await answer_press(update)
    kind = "a" if services.conferences.is_archived(left) else "s"
    await show(update, context, t("card.left", topic=left.topic), keyboards.back_to_log(t, kind))


async def on_rejoin(update: Update, context: BotContext) -> None:
    """ "Take part again", after leaving: notices, reminders and the log again."""
    participation = await _pressed(update, context)
    if participation is None:
        return
    t = context.t
    services = context.services
    back = await services.sharing.rejoin(context.current_user.id, participation.conference.id)
    if back is None:
        key = "conference.gone" if participation.left else "card.already_in"
        await answer_press(update, t.plain(key), alert=True)
        return
    await answer_press(update)
    again = await services.sharing.participation(context.current_user.id, back.id)
    if again is None:  # gone in between
        await show(update, context, t("conference.gone"), keyboards.back_to_menu(t))
        return
    text, markup = await participant_screen(context, again)
    await show(update, context, f"{t('card.rejoined', topic=back.topic)}\n\n{text}", markup)


def handlers() -> list[Handler]:
    def part(action: str, callback: Callback) -> Handler:
        return CallbackQueryHandler(callback, pattern=cb.pattern(cb.PARTICIPANT, action))

    return [
        part("view", on_view),
        part("leave", on_leave),
        part("leaveok", on_leave_confirmed),
        part("rejoin", on_rejoin),
    ]

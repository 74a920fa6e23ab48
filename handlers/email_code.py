"""Confirming a new e-mail address in the chat: the code typed back, "Send the code
again" and "Cancel the change". The profile dialog (handlers/profile.py) uses these
steps, and a code typed outside the dialog gets the same answers.

Each step replies and says where the dialog goes next; every press and every code is
checked again in the database (bot/verification.py), so a stale button or a code typed
after the change was cancelled changes nothing.
"""

from __future__ import annotations

from enum import Enum

from telegram import Update

from bot.context import BotContext
from bot.i18n import Translator
from bot.validation import InvalidInput
from bot.verification import CODE_MINUTES, MAX_WRONG_TRIES, CodeOutcome, is_code
from handlers import keyboards
from handlers.common import answer_press, explain, send
from storage.verifications import PendingEmail


class Next(Enum):
    """Where a step leaves the person."""

    WAIT = "wait"  # waiting for the code
    CONFIRMED = "confirmed"  # the address is the profile's now
    GONE = "gone"  # nothing waits (any more) and nothing was confirmed
    STAY = "stay"  # nothing happened (a stale button, a refused code e-mail)


def pending_note(t: Translator, pending: PendingEmail, verified: str | None) -> str:
    """The card's lines about an address waiting for its code, and what is used now."""
    key = "verify.pending_code_sent" if pending.code_hash else "verify.pending_no_code"
    meanwhile = t("verify.meanwhile_old", email=verified) if verified else t("verify.meanwhile_bot")
    return f"{t(key, email=pending.email)}\n{meanwhile}"


async def answer_code(update: Update, context: BotContext, typed: str) -> Next:
    """A message typed while an address may be waiting for its code."""
    t = context.t
    services = context.services
    if not is_code(typed):
        pending = await services.verification.pending(context.current_user.id)
        if pending is None:
            await send(update, context, t("verify.nothing_pending"), keyboards.main_menu(t))
            return Next.GONE
        await send(
            update,
            context,
            t("verify.ask_code", email=pending.email),
            keyboards.code_prompt(t, code_sent=pending.code_hash is not None),
        )
        return Next.WAIT
    check = await services.verification.check_code(context.current_user, typed)
    prompt = keyboards.code_prompt(t, code_sent=True)
    match check.outcome:
        case CodeOutcome.NOTHING_PENDING:
            await send(update, context, t("verify.nothing_pending"), keyboards.main_menu(t))
            return Next.GONE
        case CodeOutcome.NOT_SENT:
            await send(
                update,
                context,
                t("verify.no_code_yet", email=check.email),
                keyboards.code_prompt(t, code_sent=False),
            )
            return Next.WAIT
        case CodeOutcome.EXPIRED:
            await send(update, context, t("verify.expired"), prompt)
            return Next.WAIT
        case CodeOutcome.WRONG:
            key = "verify.wrong_last" if check.tries_left == 1 else "verify.wrong"
            await send(update, context, t(key, left=check.tries_left), prompt)
            return Next.WAIT
        case CodeOutcome.TOO_MANY_WRONG:
            await send(
                update,
                context,
                t("verify.too_many_wrong", tries=MAX_WRONG_TRIES, email=check.email),
                keyboards.main_menu(t),
            )
            return Next.GONE
        case CodeOutcome.CONFIRMED:
            # What follows in this update (the card) shows the address as the profile's.
            refreshed = await services.users.get(context.current_user.id)
            if refreshed is not None:
                context.current_user = refreshed
            await send(
                update, context, t("verify.confirmed", email=check.email), keyboards.main_menu(t)
            )
            return Next.CONFIRMED


async def send_code(update: Update, context: BotContext) -> Next:
    """ "Send the code (again)": a new code to the waiting address, within the limits."""
    t = context.t
    try:
        pending = await context.services.verification.send_code(context.current_user)
    except InvalidInput as error:  # the hourly limit of codes, or the daily budget
        await answer_press(update)
        await send(update, context, explain(t, error))
        return Next.STAY
    if pending is None:
        await answer_press(update, t.plain("common.stale_button"))
        return Next.STAY
    await answer_press(update)
    await send(
        update,
        context,
        t("verify.code_sent", email=pending.email, minutes=CODE_MINUTES),
        keyboards.code_prompt(t, code_sent=True),
    )
    return Next.WAIT


async def drop_change(update: Update, context: BotContext) -> str | None:
    """ "Cancel the change": the waiting address is forgotten; returns it (None, and the
    press is answered as stale, when nothing was waiting)."""
    dropped = await context.services.verification.cancel(context.current_user.id)
    if dropped is None:
        await answer_press(update, context.t.plain("common.stale_button"))
    else:
        await answer_press(update)
    return dropped

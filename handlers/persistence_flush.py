"""Group 99: write dialog states right after each update, then send its replies.

A conversation step that was confirmed to the user must survive a crash (even SIGKILL).
PTB by itself writes its persistence every `update_interval` seconds and at shutdown;
here it is written after every update, in one transaction with the update's id
(bot/update_ledger.py: an update delivered again is then skipped), and only then are the
replies the handlers queued (handlers/common.py) sent, so nobody sees a step the
database does not have. When the state cannot be saved, the replies are not sent and the
error goes to the error handler; in webhook mode Telegram is answered 500 and delivers
the update again (app/webhook.py).
"""

from __future__ import annotations

import time

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.context import BotContext


async def flush(update: Update, context: BotContext) -> None:
    replies, context.pending_replies = context.pending_replies or [], None
    services = context.services
    await services.updates.save(context.application, update, replies)
    for reply in replies:
        await reply()
    # Timed once per update: a pass that handed the update over is not its end.
    if context.handling_started is not None and not services.updates.is_handed_over(update):
        services.metrics.handling_seconds.observe(time.perf_counter() - context.handling_started)


async def hold_replies(update: Update, context: BotContext) -> None:
    """Group -4, the first thing every update meets: from here on, its replies wait for
    the flush; and the health check (/healthz) learns that updates still arrive."""
    context.handling_started = time.perf_counter()
    context.pending_replies = []
    context.services.health.note_update()


def holding_handler() -> BaseHandler:
    return TypeHandler(Update, hold_replies)


def handler() -> BaseHandler:
    return TypeHandler(Update, flush)

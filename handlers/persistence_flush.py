"""Group 99: write dialog states right after each update, then send its replies.

A conversation step that was confirmed to the user must survive a crash (even SIGKILL).
PTB by itself writes its persistence every `update_interval` seconds and at shutdown;
here it is written after every update, and only then are the replies the handlers queued
(handlers/common.py) sent, so nobody sees a step the database does not have.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.context import BotContext


async def flush(update: Update, context: BotContext) -> None:
    await context.application.update_persistence()
    replies, context.pending_replies = context.pending_replies or [], None
    for reply in replies:
        await reply()


async def hold_replies(update: Update, context: BotContext) -> None:
    """Group -4, the first thing every update meets: from here on, its replies wait for
    the flush; and the health check (/healthz) learns that updates still arrive."""
    context.pending_replies = []
    context.services.health.note_update()


def holding_handler() -> BaseHandler:
    return TypeHandler(Update, hold_replies)


def handler() -> BaseHandler:
    return TypeHandler(Update, flush)

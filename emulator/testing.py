"""Helpers for running a real PTB Application against the emulator in tests."""

from __future__ import annotations

import contextlib
import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from .emulator import BotAPIEmulator

__all__ = ["DEFAULT_TOKEN", "application_builder", "running_application"]

# Looks like a real token (PTB does not validate it, Telegram would).
DEFAULT_TOKEN = "100000:EMULATOR-test-token_abcdefghijklmnopqrstu"


def application_builder(emu: BotAPIEmulator, token: str = DEFAULT_TOKEN) -> ApplicationBuilder:
    """An ApplicationBuilder already pointed at ``emu`` (add handlers/persistence yourself)."""
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        # Local loopback: fail fast instead of PTB's multi-second defaults.
        .connect_timeout(2.0)
        .pool_timeout(2.0)
        .get_updates_connect_timeout(2.0)
        .get_updates_pool_timeout(2.0)
    )


@contextlib.asynccontextmanager
async def running_application(
    app: Application[Any, Any, Any, Any, Any, Any],
    emu: BotAPIEmulator | None = None,
    *,
    poll_timeout: int = 10,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """initialize + start + start_polling; on exit stop polling, stop and shut down.

    Long polling uses ``timeout=10`` so the emulator's instant wake-up is what
    delivers updates (no busy polling).  Stopping is quick regardless: PTB's
    Updater cancels the pending getUpdates request client-side.
    """
    if emu is not None and not app.bot.base_url.startswith(emu.base_url):
        raise ValueError(
            f"application talks to {app.bot.base_url!r}, not to the emulator at {emu.base_url!r}"
        )
    await app.initialize()
    try:
        await app.start()
        assert app.updater is not None, "Application was built without an Updater"
        await app.updater.start_polling(
            poll_interval=0,
            timeout=dtm.timedelta(seconds=poll_timeout),
            drop_pending_updates=False,
        )
        yield app
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

"""Fixtures for the emulator's own tests: an emulator and the demo bot polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from telegram import Bot
from telegram.ext import Application

from emulator import BotAPIEmulator
from emulator.testing import application_builder, running_application

from .demo_bot import build_app


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    emulator = BotAPIEmulator(default_timeout=3.0)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest_asyncio.fixture
async def bot_app(emu: BotAPIEmulator) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    async with running_application(build_app(emu), emu) as app:
        yield app


@pytest_asyncio.fixture
async def api_bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    """A bare initialized Bot (no polling) for direct API calls."""
    app = application_builder(emu).build()
    await app.initialize()
    try:
        yield app.bot
    finally:
        await app.shutdown()

"""Secrets never reach the log: not in messages, not in tracebacks, not in stacks.

The failing request is real: an HTTP server on loopback refuses a Bot API call whose URL
holds the token, aiohttp raises an error that quotes that URL, and the bot's own logging
set-up (the one `python -m bot` uses) writes the traceback.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp import web

from bot.logs import configure_logging
from bot.settings import load_settings
from emulator.testing import DEFAULT_TOKEN


@pytest.fixture
def captured_log() -> Iterator[io.StringIO]:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "SMTP_PASSWORD": "smtp-secret-pw",
            "JITSI_APP_ID": "conference-bot",
            "JITSI_APP_SECRET": "jitsi-app-secret-shared-with-prosody-0123",
            "LOG_LEVEL": "DEBUG",
            "DATABASE_URL": "postgresql://bot:pg-Pa55-in-url@db.example:5432/bot",
        },
        env_file=None,
    )
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    configure_logging(settings)
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    yield stream
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


async def refusing_server() -> tuple[web.AppRunner, str]:
    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=502, text="bad gateway")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def test_a_failing_request_whose_url_holds_the_token_is_logged_masked(captured_log):
    runner, base = await refusing_server()
    url = f"{base}/bot{DEFAULT_TOKEN}/sendMessage"
    try:
        async with aiohttp.ClientSession() as session:
            try:
                await session.post(url, raise_for_status=True)
            except aiohttp.ClientResponseError as error:
                assert DEFAULT_TOKEN in str(error)  # the error really quotes the URL
                logging.getLogger("bot.transport").exception("Request to %s failed", url)
                logging.getLogger("bot.transport").warning("Again", exc_info=True, stack_info=True)
    finally:
        await runner.cleanup()
    log = captured_log.getvalue()
    assert "Traceback" in log and "ClientResponseError" in log and "502" in log
    assert "Stack (most recent call last)" in log
    assert DEFAULT_TOKEN not in log
    assert DEFAULT_TOKEN.split(":")[1] not in log
    assert "/bot********/sendMessage" in log


def test_a_secret_in_an_exception_message_is_masked(captured_log):
    try:
        raise ConnectionError("login as bot with smtp-secret-pw refused")
    except ConnectionError:
        logging.getLogger("bot.mail").exception("SMTP failed")
    log = captured_log.getvalue()
    assert "smtp-secret-pw" not in log
    assert "login as bot with ******** refused" in log


def test_the_jitsi_app_secret_is_masked(captured_log):
    secret = "jitsi-app-secret-shared-with-prosody-0123"
    logging.getLogger("bot.platforms").warning("signing with %s failed", secret)
    log = captured_log.getvalue()
    assert secret not in log and "signing with ******** failed" in log


def test_the_database_password_is_masked_and_statements_are_not_logged(captured_log):
    """DATABASE_URL's password is a secret on its own (a driver's error may quote it
    without the URL), and SQLAlchemy's statement log, which shows every value, stays
    off even at DEBUG."""
    logging.getLogger("asyncpg").error("password pg-Pa55-in-url rejected")
    logging.getLogger("app.runner").warning("cannot reach %s", "postgresql://bot:pg-Pa55-in-url@db")
    logging.getLogger("sqlalchemy.engine.Engine").info("INSERT ... ('Conf-Pa55-Secret',)")
    log = captured_log.getvalue()
    assert "pg-Pa55-in-url" not in log and "password ******** rejected" in log
    assert "Conf-Pa55-Secret" not in log

"""`python -m bot --sandbox` (`make demo`): the real bot in a terminal chat, no Telegram.

A Bot API emulator (the one the end-to-end tests use, `emulator/`) runs on 127.0.0.1
inside this process; the real Application polls it through BotRunner, exactly as in
production, with the offline token. Settings come from the environment and `.env` as
usual, except the token (never used: a real one is not even read), TELEGRAM_BASE_URL
(the emulator), TELEGRAM_MODE (always polling) and the database (a temporary one, or
`--db PATH`: the sandbox never touches DATABASE_PATH, where the real bot's data lives).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.factory import build_application
from app.runner import BotRunner
from app.sandbox.console import Console
from app.sandbox.render import Style
from app.sandbox.session import HELP, Sandbox
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from emulator import BotAPIEmulator

__all__ = ["HELP", "run_sandbox", "sandbox_settings"]

BOT_USERNAME = "ConferenceSandboxBot"
DEFAULT_DOWNLOADS = Path("data/sandbox-downloads")
DEFAULT_LOG = Path("data/sandbox.log")


def sandbox_settings(database: Path, environ: dict[str, str] | None = None) -> Settings:
    """The operator's settings (environment, then .env) with the sandbox's overrides;
    TELEGRAM_BASE_URL is set once the emulator listens."""
    values = dict(os.environ if environ is None else environ)
    values["TELEGRAM_BOT_TOKEN"] = ""  # the offline token: no real token is used or shown
    values["TELEGRAM_BASE_URL"] = ""
    values["TELEGRAM_MODE"] = "polling"  # the sandbox keeps polling its own emulator
    values["DATABASE_PATH"] = str(database)
    # The web side (join pages, the website) on this machine, so a newcomer can open it:
    # PUBLIC_URL is the local server itself, on WEB_PORT if set, else a free port.
    port = values.get("WEB_PORT", "").strip() or str(_free_port())
    values["WEB_HOST"] = "127.0.0.1"
    values["WEB_PORT"] = port
    values["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    values["TELEGRAM_MODE"] = "polling"  # the emulator is polled; there is no webhook here
    return load_settings(values, require_token=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_sandbox(
    *,
    database: Path | None = None,
    downloads: Path | None = None,
    name: str = "Alice",
) -> int:
    """Run the sandbox on standard input and output; the exit code."""
    with contextlib.ExitStack() as stack:
        if database is None:
            folder = stack.enter_context(
                tempfile.TemporaryDirectory(
                    prefix="conference-bot-sandbox-", ignore_cleanup_errors=True
                )
            )
            database = Path(folder) / "sandbox.sqlite3"
            temporary = True
        else:
            temporary = False
        try:
            settings = sandbox_settings(database)
        except SettingsError as error:
            print(f"Configuration error: {error}", file=sys.stderr)
            return 2
        _unicode_output()
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
        style = Style(
            ansi=sys.stdout.isatty()
            and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb"
        )
        console = Console(sys.stdout, interactive=interactive)
        log_path = _configure_logging(settings, console, style)
        terminal = _saved_terminal()
        try:
            return asyncio.run(
                _serve(
                    settings,
                    console=console,
                    style=style,
                    interactive=interactive,
                    downloads=(downloads or DEFAULT_DOWNLOADS).resolve(),
                    name=name,
                    banner=_banner_lines(settings, database, temporary, log_path),
                )
            )
        except KeyboardInterrupt:  # Ctrl-C before the loop could take it over
            return 0
        finally:
            _restore_terminal(terminal)
            logging.shutdown()
    return 0  # pragma: no cover - the with-block always returns


async def _serve(
    settings: Settings,
    *,
    console: Console,
    style: Style,
    interactive: bool,
    downloads: Path,
    name: str,
    banner: list[str],
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
    # Telegram keeps a bare "&" in HTML; the tests' strict check is not for the sandbox.
    emu = BotAPIEmulator(
        bot_username=BOT_USERNAME, bot_first_name="Conference Bot", strict_html_ampersand=False
    )
    await emu.start()
    try:
        settings = replace(settings, telegram_base_url=emu.base_url)
        application = await build_application(settings)
        runner = BotRunner(application, poll_timeout=10)
        await runner.start()
        try:
            sandbox = Sandbox(
                emu,
                application,
                settings,
                console=console,
                style=style,
                downloads=downloads,
                interactive=interactive,
                first_person=name,
            )
            console.print(
                style.bold("Conference bot sandbox") + ": the real bot, a local "
                "stand-in for Telegram, no token needed."
            )
            for line in banner + [
                f"Downloads:  {downloads}",
                f"Bot:        @{emu.bot_username} (Bot API emulator at {emu.base_url})",
            ]:
                console.print(style.dim(line))
            console.print(
                f"You are {sandbox.me.first_name}. Type /start to begin, /? for the "
                "sandbox's commands, /quit to leave."
            )
            await sandbox.run(stop)
        finally:
            console.print(style.dim("Stopping the bot…"))
            await runner.stop()
    finally:
        await emu.stop()
    console.print("Bye.")
    return 0


def _banner_lines(settings: Settings, database: Path, temporary: bool, log_path: Path) -> list[str]:
    database_line = (
        f"Database:   {database} (temporary: gone when you leave; --db PATH keeps one)"
        if temporary
        else f"Database:   {database.resolve()}"
    )
    if settings.smtp_host:
        mail = (
            f"E-mail:     sent for real through {settings.smtp_host}:{settings.smtp_port} "
            "(SMTP_HOST is set)"
        )
    else:
        mail = f"E-mail:     written as .eml files to {settings.mail_dir.resolve()}"
    if settings.reminder_check_seconds:
        reminders = (
            f"Reminders:  {settings.reminder_minutes} min before a conference, checked "
            f"every {settings.reminder_check_seconds} s"
        )
    else:
        reminders = "Reminders:  off in this process (REMINDER_CHECK_SECONDS=0)"
    website = (
        f"Website:    {settings.public_url}/ (join by conference ID and password; "
        "/web: the join page of each of your conferences)"
    )
    return [database_line, mail, reminders, website, f"Bot log:    {log_path.resolve()}"]


def _configure_logging(settings: Settings, console: Console, style: Style) -> Path:
    """The bot's usual logging set-up, written to a file; errors also show in the chat, in
    one line each, instead of tracebacks across it."""
    configure_logging(settings)
    root = logging.getLogger()
    stream_handler = root.handlers[0]
    DEFAULT_LOG.parent.mkdir(parents=True, exist_ok=True)
    file_handler = logging.FileHandler(DEFAULT_LOG, encoding="utf-8")
    file_handler.setFormatter(stream_handler.formatter)
    chat_handler = _ChatLogHandler(console, style)
    for log_filter in stream_handler.filters:
        file_handler.addFilter(log_filter)
        chat_handler.addFilter(log_filter)
    root.handlers[:] = [file_handler, chat_handler]
    return DEFAULT_LOG


class _ChatLogHandler(logging.Handler):
    def __init__(self, console: Console, style: Style) -> None:
        super().__init__(logging.ERROR)
        self._console = console
        self._style = style

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._console.print(
                self._style.dim(
                    f"⚠ bot {record.levelname.lower()}: {record.getMessage()} (details in "
                    f"{DEFAULT_LOG})"
                )
            )
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


def _unicode_output() -> None:
    """Emoji in the bot's texts must not end the sandbox on a terminal that lacks them."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]


def _saved_terminal() -> Any:
    """Terminal settings to restore on the way out (readline may be mid-line on Ctrl-C)."""
    try:
        import termios

        if sys.stdin.isatty():
            return termios.tcgetattr(sys.stdin.fileno())
    except (ImportError, OSError, ValueError):
        pass
    return None


def _restore_terminal(saved: Any) -> None:
    if saved is None:
        return
    with contextlib.suppress(ImportError, OSError, ValueError):
        import termios

        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)

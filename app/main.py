"""The command line: `python -m bot` (or the `conference-bot` script).

`python -m bot` serves the bot with long polling; `python -m bot --sandbox` runs it in a
terminal chat instead, against a Bot API emulator inside the process: no token and no
Telegram needed (app/sandbox/). `python -m bot copy-db --to postgresql://...` copies the
SQLite database into an empty PostgreSQL one (app/copy_db.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from app.factory import build_application, quiet_design_warnings, warm_up
from app.heap import pause_collection, resume_collection
from app.runner import serve
from bot.leadership import AlreadyRunning, ProcessLock
from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings
from storage.db import database_url


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["copy-db"]:
        resume_collection(freeze=False)  # not serving (`python -m bot` paused it)
        from app.copy_db import main as copy_db  # SQLite -> PostgreSQL (app/copy_db.py)

        return copy_db(arguments[1:])
    options = _parse_arguments(arguments)
    quiet_design_warnings()
    if options.sandbox:
        resume_collection(freeze=False)  # not serving (`python -m bot` paused it)
        from app.sandbox import run_sandbox  # the emulator is loaded only for the sandbox

        return run_sandbox(database=options.db, downloads=options.downloads, name=options.name)
    pause_collection()  # until serving (app/runner.py; app/heap.py says why)
    try:
        return _serve()
    finally:
        resume_collection(freeze=False)  # never left paused (tests call main() in-process)


def _serve() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    target = database_url(settings.database)
    if target.get_backend_name() == "postgresql":
        # Any number of processes: one active, the others standing by (bot/leadership.py).
        # Warm before the lock: once active, the lock's check must not wait behind it.
        warm_up()
        return asyncio.run(serve(settings, build_application, postgres_url=settings.database))
    try:
        # SQLite: one process per file, refused before the database is opened.
        process_lock = ProcessLock.acquire(Path(target.database or settings.database_path))
    except AlreadyRunning as refused:
        print(f"Cannot start: {refused} ({refused.path})", file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(settings, build_application, postgres_url=None))
    finally:
        process_lock.release()


def _parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Serve the conference bot with long polling (settings: environment, .env).",
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="try the bot in a terminal chat, without Telegram or a token",
    )
    sandbox = parser.add_argument_group("sandbox options")
    sandbox.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="keep the sandbox's database in PATH (default: a temporary one)",
    )
    sandbox.add_argument(
        "--downloads",
        type=Path,
        metavar="DIR",
        help="where files the bot sends are saved (default: data/sandbox-downloads)",
    )
    sandbox.add_argument(
        "--name", default="Alice", help="the first simulated person's name (default: Alice)"
    )
    options = parser.parse_args(argv)
    if not options.sandbox and (options.db or options.downloads or options.name != "Alice"):
        parser.error("--db, --downloads and --name only go with --sandbox")
    return options

"""`python -m bot` (or the `conference-bot` script): run the bot with long polling.

`python -m bot --sandbox` runs it in a terminal chat instead, against a Bot API emulator
inside the process: no token and no Telegram needed (bot/sandbox/).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.app import build_application
from bot.logs import configure_logging
from bot.runner import BotRunner
from bot.settings import SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    options = _parse_arguments(sys.argv[1:] if argv is None else argv)
    if options.sandbox:
        from bot.sandbox import run_sandbox

        return run_sandbox(database=options.db, downloads=options.downloads, name=options.name)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    return asyncio.run(_serve(settings))


def _parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Serve the conference bot with long polling (settings: environment, .env).",
    )
    parser.add_argument(
        "--sandbox", action="store_true",
        help="try the bot in a terminal chat, without Telegram or a token",
    )
    sandbox = parser.add_argument_group("sandbox options")
    sandbox.add_argument("--db", type=Path, metavar="PATH",
                         help="keep the sandbox's database in PATH (default: a temporary one)")
    sandbox.add_argument("--downloads", type=Path, metavar="DIR",
                         help="where files the bot sends are saved "
                              "(default: data/sandbox-downloads)")
    sandbox.add_argument("--name", default="Alice",
                         help="the first simulated person's name (default: Alice)")
    options = parser.parse_args(argv)
    if not options.sandbox and (options.db or options.downloads or options.name != "Alice"):
        parser.error("--db, --downloads and --name only go with --sandbox")
    return options


async def _serve(settings) -> int:
    application = await build_application(settings)
    await BotRunner(application).run_until_signalled()
    return 0


if __name__ == "__main__":
    sys.exit(main())

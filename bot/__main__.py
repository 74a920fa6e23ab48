"""`python -m bot` (or the `conference-bot` script): run the bot with long polling."""

from __future__ import annotations

import asyncio
import sys

from bot.app import build_application
from bot.logs import configure_logging
from bot.runner import BotRunner
from bot.settings import SettingsError, load_settings


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    return asyncio.run(_serve(settings))


async def _serve(settings) -> int:
    application = await build_application(settings)
    await BotRunner(application).run_until_signalled()
    return 0


if __name__ == "__main__":
    sys.exit(main())

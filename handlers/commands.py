"""The command menu (setMyCommands): one list per language, and one per chat that
switched language in the bot, so the menu follows the language the user chose."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat

from bot.i18n import LANGUAGES, plain

# Commands shown in Telegram's menu, in this order. Admin commands are never listed.
MENU_COMMANDS = (
    "start",
    "schedule",
    "now",
    "log",
    "profile",
    "download",
    "language",
    "help",
    "cancel",
)


def commands_for(language: str) -> list[BotCommand]:
    return [BotCommand(name, plain(language, f"commands.{name}")) for name in MENU_COMMANDS]


async def publish_default_commands(bot: Bot) -> None:
    """At start-up: English for everyone, Russian for clients set to Russian."""
    await bot.set_my_commands(commands_for("en"))
    for language in LANGUAGES:
        await bot.set_my_commands(commands_for(language), language_code=language)


async def publish_chat_commands(bot: Bot, chat_id: int, language: str) -> None:
    """After a user picks a language in the bot, their chat's menu follows it."""
    await bot.set_my_commands(commands_for(language), scope=BotCommandScopeChat(chat_id))

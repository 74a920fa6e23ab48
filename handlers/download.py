""" "Download software" (F12) and /download: the video client for each platform."""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from handlers import callback_data as cb
from handlers.common import Handler, answer_press, show

PLATFORM_NAMES = {"jitsi": "Jitsi Meet", "bbb": "BigBlueButton", "template": "—"}


async def show_downloads(update: Update, context: BotContext) -> None:
    """One URL button per client, then back to the menu."""
    await answer_press(update)
    t = context.t
    video = context.services.video
    rows = [
        [Button(t.plain(f"download.{client}"), url=url)]
        for client, url in video.download_links().items()
    ]
    rows.append([Button(t.plain("menu.main_menu"), callback_data=cb.encode(cb.MENU, "home"))])
    name = PLATFORM_NAMES.get(context.services.settings.video_platform, "")
    await show(update, context, t("download.title", platform=name), InlineKeyboardMarkup(rows))


def handlers() -> list[Handler]:
    return [
        CommandHandler("download", show_downloads),
        CallbackQueryHandler(show_downloads, pattern=cb.pattern(cb.MENU, "download")),
    ]

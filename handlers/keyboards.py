"""Inline keyboards as pure functions of a translator and values: no Bot, easy to test."""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup

from bot.i18n import LANGUAGES, Translator, plain
from handlers import callback_data as cb


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    def item(key: str, action: str) -> Button:
        return Button(t.plain(key), callback_data=cb.encode(cb.MENU, action))

    return InlineKeyboardMarkup([
        [item("menu.schedule", "schedule")],
        [item("menu.start_now", "now")],
        [item("menu.log", "log")],
        [item("menu.profile", "profile"), item("menu.download", "download")],
        [item("menu.help", "help")],
    ])


def back_to_menu(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[Button(t.plain("menu.main_menu"),
                                         callback_data=cb.encode(cb.MENU, "home"))]])


def profile_card(t: Translator, *, remember_name: bool) -> InlineKeyboardMarkup:
    def edit(key: str, action: str) -> Button:
        return Button(t.plain(key), callback_data=cb.encode(cb.PROFILE, action))

    remember = "profile.remember_on" if remember_name else "profile.remember_off"
    return InlineKeyboardMarkup([
        [edit("profile.edit_name", "name"), edit("profile.edit_email", "email")],
        [edit("profile.edit_timezone", "tz"), edit("profile.edit_language", "lang")],
        [edit(remember, "remember")],
        [edit("profile.edit_display_name", "display")],
        [edit("profile.save", "save"), edit("common.cancel", "cancel")],
    ])


def profile_prompt(t: Translator) -> InlineKeyboardMarkup:
    """Under a "send your e-mail" prompt: back to the card without changing anything."""
    return InlineKeyboardMarkup([[Button(t.plain("common.back"),
                                         callback_data=cb.encode(cb.PROFILE, "back"))]])


def language_choice(prefix: str, t: Translator) -> InlineKeyboardMarkup:
    """Each language named in itself; `prefix` says whose choice it is (profile or /language)."""
    rows = [[Button(plain(code, "language_name"), callback_data=cb.encode(prefix, "set", code))]
            for code in LANGUAGES]
    rows.append([Button(t.plain("common.cancel"), callback_data=cb.encode(prefix, "back"))])
    return InlineKeyboardMarkup(rows)


"""The way into a conference, worded for the configured video platform.

Cards and the share text say only what is true of the platform (its `LinkFacts`,
bot/platforms/base.py): the conference ID is a reference unless a website takes it with
the password, and the generic link is followed by what it carries or needs (a template's
placeholders, a Jitsi that admits only people with a token). E-mails and calendar files
word the same facts in plain text (bot/mail/compose.py, bot/calendar.py).
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.platforms import VideoPlatform


def code_label(t: Translator, video: VideoPlatform) -> str:
    """ "Conference ID", or "Conference ID (for reference)" where no website takes it."""
    if video.website_for_id_and_password() is None:
        return t.plain("access.label_code_reference")
    return t.plain("access.label_code")


def after_link(t: Translator, video: VideoPlatform) -> list[str]:
    """The lines that follow the generic link: where the ID and password are typed (if
    anywhere), then what the link carries or needs (if the platform says so)."""
    lines = []
    website = video.website_for_id_and_password()
    if website is not None:
        lines.append(t("access.website", website=website))
    note = video.describe_link()
    if note is not None:
        lines.append(t(f"access.{note}"))
    return lines


def with_link_notes(t: Translator, video: VideoPlatform, text: str) -> str:
    """`text`, which ends with the generic link, and the lines that follow it."""
    return "\n".join([text, *after_link(t, video)])


def started_text(t: Translator, video: VideoPlatform) -> str:
    """What "Start conference now" says first: share the ID and password only where a
    website takes them; elsewhere, the link (through Share)."""
    if video.website_for_id_and_password() is None:
        return t("now.started_share")
    return t("now.started")

"""The way into a conference, worded for the link that is handed out.

Cards and the share text say only what is true of that link: the join page's when
PUBLIC_URL is set, else the video platform's (`services.links.facts`, bot/links.py). The
conference ID is a reference unless a website takes it with the password, and the
generic link is followed by what it carries or needs (a template's
placeholders, a Jitsi that admits only people with a token). E-mails and calendar files
word the same facts in plain text (bot/mail/compose.py, bot/calendar.py).
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.links import GenericLinkFacts


def code_label(t: Translator, facts: GenericLinkFacts) -> str:
    """ "Conference ID", or "Conference ID (for reference)" where no website takes it."""
    if facts.website_for_id_and_password() is None:
        return t.plain("access.label_code_reference")
    return t.plain("access.label_code")


def after_link(t: Translator, facts: GenericLinkFacts) -> list[str]:
    """The lines that follow the generic link: where the ID and password are typed (if
    anywhere), then what the link carries or needs (if the platform says so)."""
    lines = []
    website = facts.website_for_id_and_password()
    if website is not None:
        lines.append(t("access.website", website=website))
    note = facts.describe_link()
    if note is not None:
        lines.append(t(f"access.{note}"))
    return lines


def with_link_notes(t: Translator, facts: GenericLinkFacts, text: str) -> str:
    """`text`, which ends with the generic link, and the lines that follow it."""
    return "\n".join([text, *after_link(t, facts)])


def started_text(t: Translator, facts: GenericLinkFacts) -> str:
    """What "Start conference now" says first: share the ID and password only where a
    website takes them; elsewhere, the link (through Share)."""
    if facts.website_for_id_and_password() is None:
        return t("now.started_share")
    return t("now.started")

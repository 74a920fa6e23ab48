"""What every video platform shares: the error type, the download-link defaults, and
what the platform's links do, so that callers word things truthfully (`LinkFacts`)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from bot.settings import DOWNLOAD_CLIENTS


class VideoPlatformError(Exception):
    """The video platform refused a call or could not be reached.

    `str()` is one short line fit for a log or an operator: the call and the reason, never
    the shared secret, a checksum or a password. `message_key` is BigBlueButton's stable
    error key when the server gave one (such as "checksumError"), else None.
    """

    def __init__(
        self,
        call: str,
        reason: str,
        *,
        platform: str = "video platform",
        message_key: str | None = None,
    ) -> None:
        super().__init__(f"{platform} {call} failed: {reason}")
        self.platform = platform
        self.call = call
        self.reason = reason
        self.message_key = message_key


def server_root(url: str) -> str:
    """scheme://host[:port]/ of a URL (the page shown as "website")."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def merge_download_links(
    defaults: Mapping[str, str], overrides: Mapping[str, str]
) -> dict[str, str]:
    """One link per client, in DOWNLOAD_CLIENTS order; settings override the defaults."""
    return {client: overrides.get(client) or defaults[client] for client in DOWNLOAD_CLIENTS}


def display_name_or_none(display_name: str | None) -> str | None:
    """A blank name counts as no name: the generic link."""
    if display_name is None:
        return None
    name = display_name.strip()
    return name or None


class LinkFacts:
    """What a platform's links do, for the texts around them; each platform overrides what
    differs. The defaults are the plainest platform's: a link that opens the room for
    anyone who has it, carries the name it is made with, and makes nobody moderator."""

    def website_for_id_and_password(self) -> str | None:
        """The website where people type the conference ID and password, or None when no
        website takes them (then the direct link is the way in, and the ID is a reference).

        The one place this is decided: no platform has such a page today (Jitsi rooms are
        named under the bot's key, BigBlueButton meetings are created through its API, a
        template's page is unknown). With PUBLIC_URL set the bot's own website takes them,
        and the texts ask `JoinLinks.facts` (bot/links.py) instead of the platform.
        """
        return None

    def link_makes_moderator(self, is_owner: bool) -> bool:
        """Whether the personal link of this person makes them the moderator."""
        return False

    def link_carries_name(self) -> bool:
        """Whether a personal link carries the name it is made with (else the bot does not
        ask for one)."""
        return True

    def generic_link_opens_room(self) -> bool:
        """Whether the generic link (cards, e-mails, calendars) opens the room by itself."""
        return True

    def describe_link(self) -> str | None:
        """What the texts beside the generic link must add, as the id of a sentence
        (`link.<id>` in the chat, `mail.link_<id>` in e-mails and calendars), or None."""
        return None

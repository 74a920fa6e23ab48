"""What every video platform shares: the error type and the download-link defaults."""

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

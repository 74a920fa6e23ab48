"""Jitsi Meet: no API, just a room name in the URL.

The room name is derived from the conference ID and values only the database knows (its
row id and creation time), so rooms cannot be found by counting IDs. The scheme is the one
bot/video.py used, so links already sent in e-mails and calendars stay valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from urllib.parse import quote

from bot.platforms.base import display_name_or_none, merge_download_links
from storage.conferences import ConferenceRecord

JITSI_DESKTOP = "https://github.com/jitsi/jitsi-meet-electron/releases/latest"
JITSI_ANDROID = "https://play.google.com/store/apps/details?id=org.jitsi.meet"
JITSI_IOS = "https://apps.apple.com/app/jitsi-meet/id1165103905"


class JitsiPlatform:
    name = "jitsi"

    def __init__(
        self,
        base_url: str = "https://meet.jit.si",
        *,
        download_urls: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._download_overrides = dict(download_urls or {})

    def website_url(self) -> str:
        return self.base_url

    def room_name(self, conference: ConferenceRecord) -> str:
        salt = f"{conference.conference_code}:{conference.id}:{conference.created_at}"
        suffix = hashlib.sha256(salt.encode()).hexdigest()[:10]
        return f"Conference{conference.conference_code}-{suffix}"

    def join_url(
        self,
        conference: ConferenceRecord,
        *,
        display_name: str | None = None,
        moderator: bool = False,
    ) -> str:
        """The room's URL; with a name, Jitsi's `userInfo.displayName` in the fragment.

        Jitsi reads each `key=value` of the fragment as percent-encoded JSON, so the name is
        a JSON string, percent-encoded whole (quotes, #, &, = and non-ASCII included).
        Jitsi has no moderator link: `moderator` has no effect.
        """
        url = f"{self.base_url}/{quote(self.room_name(conference), safe='')}"
        name = display_name_or_none(display_name)
        if name is not None:
            value = quote(json.dumps(name, ensure_ascii=False), safe="")
            url += f"#userInfo.displayName={value}"
        return url

    async def prepare(self, conference: ConferenceRecord) -> None:
        return None

    async def is_running(self, conference: ConferenceRecord) -> bool | None:
        return None

    def download_links(self) -> dict[str, str]:
        defaults = {
            "windows": JITSI_DESKTOP,
            "macos": JITSI_DESKTOP,
            "linux": JITSI_DESKTOP,
            "android": JITSI_ANDROID,
            "ios": JITSI_IOS,
            "browser": self.base_url,
        }
        return merge_download_links(defaults, self._download_overrides)

    async def close(self) -> None:
        return None

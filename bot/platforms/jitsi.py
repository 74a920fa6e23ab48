"""Jitsi Meet: no API, just a room name in the URL.

Anyone who knows a Jitsi room's name is in the room, so the name must not be guessable.
It is the conference ID, readable, a hyphen, and the first 12 hex digits of an
HMAC-SHA256 of the conference's row id and ID under the bot's room key (bot/keys.py:
made on the first start and kept in the database, or ROOM_SECRET): `planerka-prodazh-
5e2b004748e1` for a typed ID, `conference-557896927-5e2b004748e1` for a generated one
(digits alone would not say what the room is). The ID, the row id and the creation time
are not enough to find a room without the key, and another bot (another key) has other
rooms. Jitsi compares room names in lower case, so they are made in lower case.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from urllib.parse import quote

from bot.platforms.base import LinkFacts, display_name_or_none, merge_download_links
from storage.conferences import ConferenceRecord

JITSI_DESKTOP = "https://github.com/jitsi/jitsi-meet-electron/releases/latest"
JITSI_ANDROID = "https://play.google.com/store/apps/details?id=org.jitsi.meet"
JITSI_IOS = "https://apps.apple.com/app/jitsi-meet/id1165103905"
GENERATED_ROOM_PREFIX = "conference"


class JitsiPlatform(LinkFacts):
    name = "jitsi"

    def __init__(
        self,
        base_url: str = "https://meet.jit.si",
        *,
        room_secret: str,
        download_urls: Mapping[str, str] | None = None,
    ) -> None:
        if not room_secret:
            raise ValueError("Jitsi rooms need a room secret")
        self.base_url = base_url.rstrip("/")
        self._room_key = room_secret.encode()
        self._download_overrides = dict(download_urls or {})

    def __repr__(self) -> str:
        return f"JitsiPlatform({self.base_url!r})"  # never the key

    def website_url(self) -> str:
        """The Jitsi server (the Download screen's browser link)."""
        return self.base_url

    def room_name(self, conference: ConferenceRecord) -> str:
        message = f"{conference.id}:{conference.conference_code}".encode()
        suffix = hmac.new(self._room_key, message, hashlib.sha256).hexdigest()[:12]
        code = conference.conference_code
        readable = f"{GENERATED_ROOM_PREFIX}-{code}" if code.isdigit() else code
        return f"{readable}-{suffix}".lower()

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

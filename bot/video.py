"""Links to the video platform behind each conference.

For now the default platform, Jitsi Meet: the room name is derived from the conference
ID and a value only the database knows, so rooms cannot be found by counting IDs.
(BigBlueButton and URL templates come with the joining feature.)
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from storage.conferences import ConferenceRecord


class JitsiLinks:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def download_links(self) -> dict[str, str]:
        return {
            "windows": "https://github.com/jitsi/jitsi-meet-electron/releases/latest",
            "macos": "https://github.com/jitsi/jitsi-meet-electron/releases/latest",
            "linux": "https://github.com/jitsi/jitsi-meet-electron/releases/latest",
            "android": "https://play.google.com/store/apps/details?id=org.jitsi.meet",
            "ios": "https://apps.apple.com/app/jitsi-meet/id1165103905",
            "browser": self.base_url,
        }

    def website_url(self) -> str:
        return self.base_url

    def room_name(self, conference: ConferenceRecord) -> str:
        salt = f"{conference.conference_code}:{conference.id}:{conference.created_at}"
        suffix = hashlib.sha256(salt.encode()).hexdigest()[:10]
        return f"Conference{conference.conference_code}-{suffix}"

    async def prepare(self, conference: ConferenceRecord) -> None:
        return None

    def join_url(self, conference: ConferenceRecord, display_name: str | None = None,
                 moderator: bool = False) -> str:
        url = f"{self.base_url}/{quote(self.room_name(conference))}"
        if display_name:
            # Jitsi reads config from the fragment; the value is a JSON string.
            encoded = quote('"' + display_name.replace('"', "'") + '"', safe="")
            url += f"#userInfo.displayName={encoded}"
        return url

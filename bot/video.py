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

    def website_url(self) -> str:
        return self.base_url

    def room_name(self, conference: ConferenceRecord) -> str:
        salt = f"{conference.conference_code}:{conference.id}:{conference.created_at}"
        suffix = hashlib.sha256(salt.encode()).hexdigest()[:10]
        return f"Conference{conference.conference_code}-{suffix}"

    def join_url(self, conference: ConferenceRecord, display_name: str | None = None) -> str:
        url = f"{self.base_url}/{quote(self.room_name(conference))}"
        if display_name:
            # Jitsi reads config from the fragment; the value is a JSON string.
            encoded = quote('"' + display_name.replace('"', "'") + '"', safe="")
            url += f"#userInfo.displayName={encoded}"
        return url

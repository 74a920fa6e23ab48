"""Jitsi Meet: no API, just a room name in the URL, and optionally a signed token.

Anyone who knows a Jitsi room's name is in the room, so the name must not be guessable.
It is the conference ID, readable, a hyphen, and the first 12 hex digits of an
HMAC-SHA256 of the conference's row id and ID under the bot's room key (bot/keys.py:
made on the first start and kept in the database, or ROOM_SECRET): `planerka-prodazh-
5e2b004748e1` for a typed ID, `conference-557896927-5e2b004748e1` for a generated one
(digits alone would not say what the room is). The ID, the row id and the creation time
are not enough to find a room without the key, and another bot (another key) has other
rooms. Jitsi compares room names in lower case, so they are made in lower case.

A Jitsi Meet with token authentication (prosody's `token_verification`, JITSI_APP_ID and
JITSI_APP_SECRET here) admits only people with a token. Then each personal link carries
`?jwt=<token>`, signed HS256 with the app secret: `iss` the app id, `aud` "jitsi", `sub`
the server's domain, `room` the room, `context.user.name` the name joining, `moderator`
true for the owner only, valid (`iat`, `nbf`) from a minute ago, for clocks that differ
a little, until 15 minutes after the conference's end (`exp`). The generic link (cards,
e-mails, calendars) carries no token, so it does not open the room alone: the bot's Join
is the way in. The owner-absence rule is then the server's too, if it waits for a
moderator (`muc_wait_for_host`, or the lobby); the bot still holds participants back
until the owner has joined.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import jwt

from bot.platforms.base import LinkFacts, display_name_or_none, merge_download_links
from storage.conferences import ConferenceRecord

JITSI_DESKTOP = "https://github.com/jitsi/jitsi-meet-electron/releases/latest"
JITSI_ANDROID = "https://play.google.com/store/apps/details?id=org.jitsi.meet"
JITSI_IOS = "https://apps.apple.com/app/jitsi-meet/id1165103905"

TOKEN_AUDIENCE = "jitsi"  # what prosody's token_verification expects in `aud`
TOKEN_ALGORITHM = "HS256"
TOKEN_OVERRUN_MINUTES = 15  # a token stays valid this long after the conference's end
# `iat` and `nbf` this early: the Jitsi server's clock may be a little behind ours, and a
# token "issued in the future" is refused.
TOKEN_EARLY_SECONDS = 60
GENERATED_ROOM_PREFIX = "conference"


@dataclass(frozen=True)
class JitsiTokenAuth:
    """The app id and secret a Jitsi Meet with token authentication shares with the bot
    (prosody's `app_id` and `app_secret`)."""

    app_id: str
    secret: str = field(repr=False)


class JitsiPlatform(LinkFacts):
    name = "jitsi"

    def __init__(
        self,
        base_url: str = "https://meet.jit.si",
        *,
        room_secret: str,
        download_urls: Mapping[str, str] | None = None,
        token_auth: JitsiTokenAuth | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not room_secret:
            raise ValueError("Jitsi rooms need a room secret")
        if token_auth is not None and not (token_auth.app_id and token_auth.secret):
            raise ValueError("Jitsi tokens need both the app id and the app secret")
        self.base_url = base_url.rstrip("/")
        self._room_key = room_secret.encode()
        self._download_overrides = dict(download_urls or {})
        self._token_auth = token_auth
        self._clock = clock or time.time
        self.domain = urlsplit(self.base_url).hostname or ""

    def __repr__(self) -> str:
        tokens = ", tokens" if self._token_auth else ""
        return f"JitsiPlatform({self.base_url!r}{tokens})"  # never a key

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
        """The room's URL; with a name, Jitsi's `userInfo.displayName` in the fragment,
        and with token authentication the signed token in `?jwt=`.

        Jitsi reads each `key=value` of the fragment as percent-encoded JSON, so the name is
        a JSON string, percent-encoded whole (quotes, #, &, = and non-ASCII included).
        `moderator` takes effect only through the token: Jitsi has no moderator link.
        """
        url = f"{self.base_url}/{quote(self.room_name(conference), safe='')}"
        name = display_name_or_none(display_name)
        if name is not None and self._token_auth is not None:
            url += f"?jwt={self.token(conference, name, moderator=moderator)}"
        if name is not None:
            value = quote(json.dumps(name, ensure_ascii=False), safe="")
            url += f"#userInfo.displayName={value}"
        return url

    def token(self, conference: ConferenceRecord, name: str, *, moderator: bool) -> str:
        """The signed token of one person's link (token authentication only)."""
        if self._token_auth is None:
            raise ValueError("this Jitsi server has no token authentication")
        valid_from = int(self._clock()) - TOKEN_EARLY_SECONDS
        claims = {
            "iss": self._token_auth.app_id,
            "aud": TOKEN_AUDIENCE,
            "sub": self.domain,
            "room": self.room_name(conference),
            "context": {"user": {"name": name}},
            "moderator": moderator,
            "iat": valid_from,
            "nbf": valid_from,
            "exp": conference.ends_at + TOKEN_OVERRUN_MINUTES * 60,
        }
        return jwt.encode(claims, self._token_auth.secret, algorithm=TOKEN_ALGORITHM)

    # What the links do (bot/platforms/base.py LinkFacts).

    def link_makes_moderator(self, is_owner: bool) -> bool:
        return is_owner and self._token_auth is not None

    def generic_link_opens_room(self) -> bool:
        return self._token_auth is None

    def describe_link(self) -> str | None:
        return None if self._token_auth is None else "jwt"

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

"""The video platform behind every conference: one interface, three implementations.

- `jitsi` (default): Jitsi Meet, a room named from the conference under the bot's room
  key, so it cannot be guessed (bot/platforms/jitsi.py);
- `bbb`: BigBlueButton through its API, with signed links (bot/platforms/bbb.py);
- `template`: any platform whose links fit a URL template (bot/platforms/template.py).

Use:

    platform = make_platform(settings, room_secret=key)   # once, at start
    await platform.prepare(conference)                    # before handing anyone a join link
    url = platform.join_url(conference, display_name="Anna", moderator=is_owner)
    generic = platform.join_url(conference)               # for cards, e-mails and calendars
    platform.link_makes_moderator(is_owner)               # what the texts may say of them
    ...
    await platform.close()                                # at shutdown (every platform has it)

`prepare()` and `is_running()` may raise VideoPlatformError (BigBlueButton unreachable,
refused the call, ...); its `str()` is one line safe to log or show an operator. Jitsi and
template never raise and `is_running()` gives None (unknown) for them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import aiohttp

from bot.clock import Clock
from bot.platforms.base import VideoPlatformError
from bot.platforms.bbb import BigBlueButtonPlatform
from bot.platforms.jitsi import JitsiPlatform, JitsiTokenAuth
from bot.platforms.template import TemplatePlatform
from bot.settings import Settings
from storage.conferences import ConferenceRecord

__all__ = [
    "BigBlueButtonPlatform",
    "JitsiPlatform",
    "JitsiTokenAuth",
    "TemplatePlatform",
    "VideoPlatform",
    "VideoPlatformError",
    "make_platform",
]


@runtime_checkable
class VideoPlatform(Protocol):
    name: str  # "jitsi" | "bbb" | "template"

    # What the links do, so that texts say only what is true (bot/platforms/base.py).

    def website_for_id_and_password(self) -> str | None:
        """Where people type the conference ID and password; None: nowhere (the direct link
        is the way in, and the ID is a reference)."""
        ...

    def website_url(self) -> str:
        """The platform's own root: the join page sends people there, so its CSP allows it."""
        ...

    def link_makes_moderator(self, is_owner: bool) -> bool:
        """Whether this person's personal link makes them the moderator."""
        ...

    def link_carries_name(self) -> bool:
        """Whether a personal link carries the name it is made with."""
        ...

    def generic_link_opens_room(self) -> bool:
        """Whether the generic link (cards, e-mails, calendars) opens the room alone."""
        ...

    def describe_link(self) -> str | None:
        """The id of the sentence the texts beside the generic link add, or None."""
        ...

    def join_url(
        self,
        conference: ConferenceRecord,
        *,
        display_name: str | None = None,
        moderator: bool = False,
    ) -> str:
        """The direct link; pure and synchronous. display_name None (or blank): the generic
        link for cards, e-mails and calendars. moderator: the owner's link (BBB only)."""
        ...

    async def prepare(self, conference: ConferenceRecord) -> None:
        """Make the meeting exist before a join link is handed out (BBB `create`)."""
        ...

    async def is_running(self, conference: ConferenceRecord) -> bool | None:
        """Whether people are in the meeting; None when the platform cannot tell."""
        ...

    def download_links(self) -> dict[str, str]:
        """Client -> URL, in DOWNLOAD_CLIENTS order; DOWNLOAD_<CLIENT>_URL overrides."""
        ...

    async def close(self) -> None:
        """Release what the platform holds (BBB: the HTTP session it opened). Idempotent."""
        ...


def make_platform(
    settings: Settings,
    *,
    room_secret: str | None = None,
    http: aiohttp.ClientSession | None = None,
    clock: Clock | None = None,
) -> VideoPlatform:
    """The platform VIDEO_PLATFORM names, configured from the settings.

    `room_secret`: the key of Jitsi room names (bot/keys.py gives the bot's own; the
    ROOM_SECRET setting is used when it is None); Jitsi needs one of them. `http`: a
    session to share (the caller keeps owning it); without one, BigBlueButton opens its
    own on first use and `close()` closes it. `clock`: where BigBlueButton's meeting
    duration and Jitsi's tokens count from (tests); the wall clock by default.
    """
    downloads = settings.download_urls
    if settings.video_platform == "bbb":
        if settings.bbb_secret is None:
            raise ValueError("VIDEO_PLATFORM=bbb needs BBB_SECRET")
        return BigBlueButtonPlatform(
            settings.video_base_url,
            settings.bbb_secret.reveal(),
            checksum_algorithm=settings.bbb_checksum,
            download_urls=downloads,
            http=http,
            clock=(clock or Clock()).timestamp,
        )
    if settings.video_platform == "template":
        return TemplatePlatform(settings.video_base_url, download_urls=downloads)
    if settings.video_platform == "jitsi":
        if room_secret is None and settings.room_secret is not None:
            room_secret = settings.room_secret.reveal()
        if not room_secret:
            raise ValueError("VIDEO_PLATFORM=jitsi needs a room secret (bot/keys.py)")
        token_auth = None
        if settings.jitsi_app_id is not None and settings.jitsi_app_secret is not None:
            token_auth = JitsiTokenAuth(settings.jitsi_app_id, settings.jitsi_app_secret.reveal())
        return JitsiPlatform(
            settings.video_base_url,
            room_secret=room_secret,
            download_urls=downloads,
            token_auth=token_auth,
            clock=(clock or Clock()).timestamp,
        )
    raise ValueError(f"unknown VIDEO_PLATFORM {settings.video_platform!r}")

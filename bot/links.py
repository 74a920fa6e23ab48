"""The join page's links: the one place that answers "where is the join page of this
token", and the tokens themselves.

A conference has two kinds of join-page token: its share token (`conferences.share_token`,
the same one as the Telegram deep link, renewed by "New link") and one personal token per
e-mail invitee (`invitations.join_token`, made on invite, revoked when the owner removes
the invitee). Both open `PUBLIC_URL/j/<token>` (web/join.py); `PUBLIC_URL/` is the website
that takes a conference ID and password (web/website.py). With PUBLIC_URL unset there is
no web side, and every function here answers None.
"""

from __future__ import annotations

import secrets
from typing import Protocol

from bot.platforms import VideoPlatform
from bot.settings import Settings
from bot.sharing import SharingService
from storage.conferences import ConferenceRecord
from storage.db import Database, Queryable
from storage.participants import InvitationRepository

JOIN_TOKEN_BYTES = 16  # 22 URL-safe characters, 128 bits: not to be found by trying
JOIN_PATH = "/j/"


def new_join_token() -> str:
    """A new personal join-page token."""
    return secrets.token_urlsafe(JOIN_TOKEN_BYTES)


def join_page_url(public_url: str | None, token: str) -> str | None:
    """PUBLIC_URL/j/<token>, or None without PUBLIC_URL."""
    if public_url is None:
        return None
    return f"{public_url.rstrip('/')}{JOIN_PATH}{token}"


def join_calendar_url(public_url: str | None, token: str) -> str | None:
    """The join page's "Add to calendar" file, PUBLIC_URL/j/<token>.ics."""
    page = join_page_url(public_url, token)
    return None if page is None else f"{page}.ics"


def website_url(public_url: str | None) -> str | None:
    """PUBLIC_URL/, the website that joins by conference ID and password."""
    return None if public_url is None else f"{public_url.rstrip('/')}/"


class GenericLinkFacts(Protocol):
    """What the texts around a handed-out link must say (bot/platforms/base.py LinkFacts):
    a video platform answers for its own links, the join page for its own."""

    def website_for_id_and_password(self) -> str | None: ...
    def describe_link(self) -> str | None: ...
    def generic_link_opens_room(self) -> bool: ...


class JoinPageFacts:
    """The links handed out when they point to the join page: it opens the conference
    for anyone with it (asking for the name, under the seed's rules), needs no note, and
    the website beside it takes the conference ID and password."""

    def __init__(self, website: str) -> None:
        self._website = website

    def website_for_id_and_password(self) -> str | None:
        return self._website

    def describe_link(self) -> str | None:
        return None

    def generic_link_opens_room(self) -> bool:
        return True


class JoinLinks:
    """The links handed out for a conference, for e-mails, share texts and cards: the
    join page when PUBLIC_URL is set (never the platform's own URL then), else the
    platform's generic link. `facts` words the texts around them."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        sharing: SharingService,
        video: VideoPlatform,
    ) -> None:
        self._database = database
        self._public_url = settings.public_url
        self._sharing = sharing
        self._video = video
        website = website_url(settings.public_url)
        self.facts: GenericLinkFacts = video if website is None else JoinPageFacts(website)

    async def generic(self, conference: ConferenceRecord) -> str:
        """The link for everyone: the conference's join page (its share token, renewed
        by "New link"), or the platform's generic link without PUBLIC_URL."""
        shared = await self.shared(conference)
        return self._video.join_url(conference) if shared is None else shared

    async def for_invitee(self, conference: ConferenceRecord, email: str, *, db: Queryable) -> str:
        """The link in an invitee's e-mail: their own join page (removing them revokes
        it), or the platform's generic link without PUBLIC_URL. `db`: the transaction
        that queues the e-mail."""
        if self._public_url is None:
            return self._video.join_url(conference)
        # A removed invitee's last message (their cancellation) names only the website.
        personal = await self.personal(conference.id, email, db=db)
        return personal or f"{self._public_url.rstrip('/')}/"

    @property
    def enabled(self) -> bool:
        """Whether there is a join page at all (PUBLIC_URL is set)."""
        return self._public_url is not None

    def website(self) -> str | None:
        return website_url(self._public_url)

    def page(self, token: str) -> str | None:
        return join_page_url(self._public_url, token)

    async def shared(self, conference: ConferenceRecord) -> str | None:
        """The conference's share link on the web (its share token, made on first use)."""
        if self._public_url is None:
            return None
        return self.page(await self._sharing.share_token(conference))

    async def personal(
        self, conference_id: int, email: str, *, db: Queryable | None = None
    ) -> str | None:
        """The invitee's own link; None if they are not (or no longer) invited. `db`: the
        transaction that queues their e-mail, so the link and the message agree."""
        if self._public_url is None:
            return None
        token = await InvitationRepository(db or self._database).join_token(
            conference_id, email, new_token=new_join_token()
        )
        return None if token is None else self.page(token)

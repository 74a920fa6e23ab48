"""The join page (PUBLIC_URL/j/<token>) and the website (PUBLIC_URL/) in the core: what a
token, or a conference ID and password, lead to, and what the page may show and do now.

The rules are the bot's own (bot/joining.py `admission`, with the same clock and
JOIN_EARLY_MINUTES): nobody goes in while the conference is offline, and with "Allow
joining in the absence of conference owner" off nobody goes in before the owner has
joined through the bot. A web visitor is never the owner (the web knows no Telegram
account), and waits without a row in `join_waiters`: the page asks again by itself.

Not found, alike and with nothing about the conference: an unknown token, a share token
replaced by "New link", the personal token of an invitee the owner removed, a deleted
conference (its rows are gone) and an archived one (its end has passed).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from bot.calendar import publish_ics, recurrence_of
from bot.clock import Clock
from bot.conferences import ConferenceService
from bot.guesses import WrongGuesses
from bot.i18n import plain
from bot.joining import Admission, JoinService
from bot.platforms import VideoPlatform
from bot.signing import Signer
from storage.conferences import ConferenceRecord, ConferenceRepository
from storage.db import Database
from storage.participants import InvitationRepository

REMEMBER_MAX_AGE = 365 * 24 * 3600  # "Remember me"
WEBSITE_PASS_MAX_AGE = 12 * 3600  # a right ID and password, while the page waits
RECORD_TTL = 2.0  # seconds a cached read is trusted without a write in this process
RECORD_CACHE_SIZE = 4096
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_REMEMBER = "remember"
_PASS = "website-pass"
_CSRF = "csrf"


@dataclass(frozen=True)
class JoinView:
    """A conference as its join page shows it now."""

    conference: ConferenceRecord
    admission: Admission
    opens_at: int  # the start less JOIN_EARLY_MINUTES: from when one may join

    @property
    def online(self) -> bool:
        return self.admission is not Admission.NOT_STARTED

    @property
    def may_join(self) -> bool:
        return self.admission is Admission.OPEN

    @property
    def password(self) -> str | None:
        """Shown only while joining is allowed (online, and the owner-absence rule met)."""
        return self.conference.password if self.may_join else None


@dataclass(frozen=True)
class WebsiteAnswer:
    """An ID and password typed on the website: the conference, or nothing (one answer
    for an unknown ID, a wrong password and an archived conference), or locked."""

    view: JoinView | None
    locked_seconds: int = 0


class JoinPageService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        conferences: ConferenceService,
        joining: JoinService,
        video: VideoPlatform,
        *,
        signing_key: str,
        guesses: WrongGuesses | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._conferences = conferences
        self._joining = joining
        self.video = video
        self._signer = Signer(signing_key)
        self.guesses = guesses or WrongGuesses(clock)
        # Pages and their polling read the same rows over and over; what was read stays
        # good until this process writes anything (Database.changes), or RECORD_TTL.
        self._records: ReadCache[Any, ConferenceRecord | None] = ReadCache(database)

    # -- what a token or an ID and password lead to --------------------------------------
    async def by_token(self, token: str) -> JoinView | None:
        """The conference of a share token or an invitee's personal token, if the page
        may show it."""
        if not _TOKEN_SHAPE.fullmatch(token):
            return None
        await self._conferences.advance_series()  # a series shows today's meeting
        return self._view(await self._records.get(("token", token), self._load_by_token))

    async def _load_by_token(self, key: tuple[str, str]) -> ConferenceRecord | None:
        token = key[1]
        conferences = ConferenceRepository(self._database)
        conference = await conferences.get_by_share_token(token)
        if conference is None:
            conference_id = await InvitationRepository(self._database).conference_of_token(token)
            if conference_id is not None:
                conference = await conferences.get(conference_id)
        return conference

    async def by_id_and_password(self, client: str, code: str, password: str) -> WebsiteAnswer:
        """The website's lookup. Wrong pairs count against this client and ID
        (bot/guesses.py); a locked ID is refused before anything is looked up."""
        locked = self.guesses.locked_for(client, code)
        if locked:
            return WebsiteAnswer(None, locked_seconds=locked)
        wanted = code.strip().lower()
        await self._conferences.advance_series()
        conference = None
        if 1 <= len(wanted) <= 64:
            conference = await ConferenceRepository(self._database).get_by_code(wanted)
        # Compared in constant time, and the same work when there is no such ID.
        stored = conference.password if conference is not None else secrets.token_hex(16)
        right = hmac.compare_digest(_digest(password), _digest(stored))
        view = self._view(conference) if right else None
        if view is None:
            self.guesses.wrong(client, code)
        return WebsiteAnswer(view)

    async def by_id(self, conference_id: int) -> JoinView | None:
        await self._conferences.advance_series()
        return self._view(await self._records.get(("id", conference_id), self._load_by_id))

    async def _load_by_id(self, key: tuple[str, int]) -> ConferenceRecord | None:
        return await ConferenceRepository(self._database).get(key[1])

    def _view(self, conference: ConferenceRecord | None) -> JoinView | None:
        if conference is None or self._conferences.is_archived(conference):
            return None
        return JoinView(
            conference,
            self._joining.admission(conference),
            conference.starts_at - self._conferences.join_early_minutes * 60,
        )

    # -- going in ----------------------------------------------------------------------
    async def platform_url(self, view: JoinView, name: str) -> str:
        """The video platform's join link under `name`, the meeting made first where the
        platform needs it (BigBlueButton's create). Only for a view that may join.
        Raises VideoPlatformError when the platform does not answer."""
        if not view.may_join:
            raise ValueError("joining is not allowed now")
        await self.video.prepare(view.conference)
        return self.video.join_url(view.conference, display_name=name)

    def download_links(self) -> dict[str, str]:
        return self.video.download_links()

    async def calendar(self, view: JoinView, page_url: str, language: str) -> bytes:
        """ "Add to calendar": METHOD:PUBLISH, the event's link is the join page (never the
        platform's own URL, nor the password)."""
        description = plain(
            language, "web.ics_description", code=view.conference.conference_code, url=page_url
        )
        return publish_ics(
            view.conference,
            join_url=page_url,
            description=description,
            now=self._clock.now(),
            recurrence=await recurrence_of(self._database, view.conference),
        )

    # -- what the browser keeps ---------------------------------------------------------
    def remember(self, name: str) -> str:
        """The signed cookie value of "Remember me"."""
        return self._signer.sign(_REMEMBER, name, now=self._clock.timestamp())

    def remembered_name(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        return self._signer.unsign(
            _REMEMBER, cookie, now=self._clock.timestamp(), max_age=REMEMBER_MAX_AGE
        )

    def website_pass(self, view: JoinView, name: str) -> str:
        """After a right ID and password: the signed cookie value that lets the website's
        page wait for the conference and then go in under `name`. A new password or ID
        makes it worthless."""
        value = json.dumps([view.conference.id, self._fingerprint(view.conference), name])
        return self._signer.sign(_PASS, value, now=self._clock.timestamp())

    async def from_website_pass(self, cookie: str | None) -> tuple[JoinView, str] | None:
        value = self._signer.unsign(
            _PASS, cookie, now=self._clock.timestamp(), max_age=WEBSITE_PASS_MAX_AGE
        )
        if value is None:
            return None
        try:
            conference_id, fingerprint, name = json.loads(value)
        except (ValueError, TypeError):
            return None
        view = await self.by_id(int(conference_id))
        if view is None or not hmac.compare_digest(
            str(fingerprint), self._fingerprint(view.conference)
        ):
            return None
        return view, str(name)

    def _fingerprint(self, conference: ConferenceRecord) -> str:
        return self._signer.mac(
            "pass-of", f"{conference.id}:{conference.conference_code}:{conference.password}"
        )

    def new_csrf_secret(self) -> str:
        """The random value of a browser's CSRF cookie (signed double submit)."""
        return secrets.token_urlsafe(24)

    def csrf_token(self, secret: str) -> str:
        """The form field that goes with the CSRF cookie `secret`."""
        return self._signer.mac(_CSRF, secret)

    def csrf_ok(self, secret: str | None, token: str | None) -> bool:
        if not secret or not token or len(secret) > 128:
            return False
        return self._signer.mac_matches(_CSRF, secret, token)

    def now(self) -> datetime:
        return self._clock.now()


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ReadCache(Generic[K, V]):
    """Reads kept while the database has not changed in this process (its `changes`
    counter) and for at most `ttl` seconds (a write by another process on the same
    file is seen that late at most); the least recent dropped past `size`."""

    def __init__(
        self,
        database: Database,
        *,
        ttl: float = RECORD_TTL,
        size: int = RECORD_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[K, tuple[int, float, V]] = OrderedDict()
        self._loading: dict[K, tuple[int, asyncio.Future[V]]] = {}

    async def get(self, key: K, load: Callable[[K], Awaitable[V]]) -> V:
        changes, now = self._database.changes, self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == changes and now - entry[1] < self._ttl:
            self._entries.move_to_end(key)
            return entry[2]
        # One read per key at a time: the visitors who ask meanwhile wait for it, instead
        # of queueing a read each on the one database connection.
        pending = self._loading.get(key)
        if pending is not None and pending[0] == changes:
            return await asyncio.shield(pending[1])
        task = asyncio.ensure_future(load(key))
        self._loading[key] = (changes, task)
        try:
            value = await asyncio.shield(task)
        finally:
            if self._loading.get(key, (0, None))[1] is task:
                del self._loading[key]
        # Stamped with the count from before the read: a write during it voids it.
        self._entries[key] = (changes, now, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value


def _digest(value: str) -> bytes:
    # Equal lengths for compare_digest, whatever was typed.
    return hashlib.sha256(value.encode("utf-8", "replace")).digest()


def moment_of(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)

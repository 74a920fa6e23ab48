"""BigBlueButton through its API (https://docs.bigbluebutton.org/development/api/).

Every call is `GET {api}/{call}?{query}&checksum={HASH(call + query + secret)}`, the query
URL-encoded as BigBlueButton expects (urllib's urlencode: spaces as '+'), and every answer is
XML: `<response><returncode>SUCCESS|FAILED</returncode>...</response>`.

- meetingID is `conf-<conference ID>-<row id>`: stable for the life of the conference, and a
  conference ID reused after deletion never lands in an older meeting.
- attendeePW is the conference password; moderatorPW is an HMAC of the conference's row id
  and creation time under the shared secret: stable, and not guessable without the secret.
- `prepare()` calls `create` before anyone gets a join link. `create` is idempotent: for an
  existing meeting BigBlueButton answers SUCCESS with messageKey duplicateWarning. It
  answers FAILED/idNotUnique when the meeting exists with other passwords, which for our
  meetingIDs means the conference password (or the secret) changed while the meeting ran:
  the meeting is there, so that counts as prepared (join links carry `role`, which
  BigBlueButton 2.4+ honours over the password).
- Join links carry fullName, meetingID, password (for servers older than 2.4) and role
  (VIEWER or MODERATOR). They are signed, so nobody can turn a viewer link into a moderator
  one. The generic link (no display name) joins as "Guest".
- Failures raise VideoPlatformError with a short reason; the secret, checksums and
  passwords never appear in it or in the log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
from yarl import URL

from bot.platforms.base import (
    LinkFacts,
    VideoPlatformError,
    display_name_or_none,
    merge_download_links,
    server_root,
)
from bot.settings import DOWNLOAD_CLIENTS
from storage.conferences import ConferenceRecord

log = logging.getLogger(__name__)

CHECKSUM_ALGORITHMS: dict[str, Callable[..., Any]] = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
DEFAULT_TIMEOUT = 10.0  # seconds, for each API call
OVERRUN_MINUTES = 15  # the meeting may run this long past the scheduled end
GUEST_NAME = "Guest"  # fullName of the generic link (cards, e-mails, calendars)
PLATFORM_LABEL = "BigBlueButton"


def checksum(call: str, query: str, secret: str, algorithm: str = "sha1") -> str:
    """hex(HASH(callName + queryString + sharedSecret)), as the API documentation says."""
    try:
        hash_function = CHECKSUM_ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(f"unknown checksum algorithm {algorithm!r}") from None
    return hash_function(f"{call}{query}{secret}".encode()).hexdigest()


def encode_query(params: Mapping[str, str] | list[tuple[str, str]]) -> str:
    """The query string, in the given order, URL-encoded the way BigBlueButton expects."""
    items = list(params.items()) if isinstance(params, Mapping) else list(params)
    return urlencode(items)


def signed_query(
    call: str,
    params: Mapping[str, str] | list[tuple[str, str]],
    secret: str,
    algorithm: str = "sha1",
) -> str:
    """`query&checksum=...` (or just `checksum=...` for a call without parameters)."""
    query = encode_query(params)
    digest = checksum(call, query, secret, algorithm)
    return f"{query}&checksum={digest}" if query else f"checksum={digest}"


def api_base_url(url: str) -> str:
    """The API endpoint. `bbb-conf --secret` prints the URL without `/api`; accept both."""
    url = url.rstrip("/")
    parts = urlsplit(url)
    if parts.path.endswith("/bigbluebutton"):
        parts = parts._replace(path=parts.path + "/api")
    return urlunsplit(parts)


class BigBlueButtonPlatform(LinkFacts):
    name = "bbb"

    def __init__(
        self,
        api_url: str,
        secret: str,
        *,
        checksum_algorithm: str = "sha256",
        download_urls: Mapping[str, str] | None = None,
        http: aiohttp.ClientSession | None = None,
        clock: Callable[[], float] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not secret:
            raise ValueError("BigBlueButton needs the shared secret (BBB_SECRET)")
        if checksum_algorithm not in CHECKSUM_ALGORITHMS:
            raise ValueError(f"unknown checksum algorithm {checksum_algorithm!r}")
        self.api_url = api_base_url(api_url)
        self._secret = secret
        self.checksum_algorithm = checksum_algorithm
        self._download_overrides = dict(download_urls or {})
        self._http = http
        self._owns_http = http is None
        self._clock = clock or _wall_clock
        self.timeout = timeout
        self._host = urlsplit(self.api_url).netloc

    def __repr__(self) -> str:  # never the secret
        return f"BigBlueButtonPlatform({self.api_url!r}, checksum={self.checksum_algorithm})"

    # --- pure parts -----------------------------------------------------------------

    def website_url(self) -> str:
        """The server's root (the Download screen's links: BigBlueButton runs in the
        browser). Not a page that takes a conference ID: meetings are made by the API."""
        return server_root(self.api_url)

    def link_makes_moderator(self, is_owner: bool) -> bool:
        return is_owner  # the owner's link carries role=MODERATOR, signed

    def meeting_id(self, conference: ConferenceRecord) -> str:
        return f"conf-{conference.conference_code}-{conference.id}"

    def attendee_password(self, conference: ConferenceRecord) -> str:
        return conference.password

    def moderator_password(self, conference: ConferenceRecord) -> str:
        message = f"moderator:{conference.id}:{conference.created_at}".encode()
        return hmac.new(self._secret.encode(), message, hashlib.sha256).hexdigest()[:24]

    def call_url(self, call: str, params: Mapping[str, str] | list[tuple[str, str]]) -> str:
        """The signed URL of one API call."""
        query = signed_query(call, params, self._secret, self.checksum_algorithm)
        return f"{self.api_url}/{call}?{query}"

    def join_url(
        self,
        conference: ConferenceRecord,
        *,
        display_name: str | None = None,
        moderator: bool = False,
    ) -> str:
        password = (
            self.moderator_password(conference) if moderator else self.attendee_password(conference)
        )
        return self.call_url(
            "join",
            [
                ("fullName", display_name_or_none(display_name) or GUEST_NAME),
                ("meetingID", self.meeting_id(conference)),
                ("password", password),
                ("role", "MODERATOR" if moderator else "VIEWER"),
            ],
        )

    def create_params(self, conference: ConferenceRecord) -> list[tuple[str, str]]:
        return [
            ("name", conference.topic),
            ("meetingID", self.meeting_id(conference)),
            ("attendeePW", self.attendee_password(conference)),
            ("moderatorPW", self.moderator_password(conference)),
            ("duration", str(self.duration_minutes(conference))),
            ("record", "false"),
        ]

    def duration_minutes(self, conference: ConferenceRecord) -> int:
        """From now (the meeting is created now) to the scheduled end, plus an overrun."""
        left = max(0.0, conference.ends_at - self._clock())
        return math.ceil(left / 60) + OVERRUN_MINUTES

    def download_links(self) -> dict[str, str]:
        root = self.website_url()  # BigBlueButton runs in the browser
        return merge_download_links(dict.fromkeys(DOWNLOAD_CLIENTS, root), self._download_overrides)

    # --- API calls ------------------------------------------------------------------

    async def prepare(self, conference: ConferenceRecord) -> None:
        """Create the meeting unless it exists (BigBlueButton's create is idempotent)."""
        meeting_id = self.meeting_id(conference)
        try:
            response = await self._call("create", self.create_params(conference))
        except VideoPlatformError as error:
            if error.message_key != "idNotUnique":
                raise
            log.warning(
                "BigBlueButton meeting %s exists with other passwords (changed while "
                "it ran); joining by role",
                meeting_id,
            )
            return
        if response.findtext("messageKey") == "duplicateWarning":
            log.debug("BigBlueButton meeting %s already exists", meeting_id)
        else:
            log.info("BigBlueButton meeting %s created", meeting_id)

    async def is_running(self, conference: ConferenceRecord) -> bool | None:
        response = await self._call(
            "isMeetingRunning", [("meetingID", self.meeting_id(conference))]
        )
        return (response.findtext("running") or "").strip().lower() == "true"

    async def meeting_info(self, conference: ConferenceRecord) -> dict[str, str] | None:
        """getMeetingInfo's simple fields (tag -> text), or None if there is no such meeting."""
        try:
            response = await self._call(
                "getMeetingInfo", [("meetingID", self.meeting_id(conference))]
            )
        except VideoPlatformError as error:
            if error.message_key in ("notFound", "invalidMeetingIdentifier"):
                return None
            raise
        return {child.tag: (child.text or "").strip() for child in response if len(child) == 0}

    async def close(self) -> None:
        """Close the HTTP session if this platform opened it (not one passed in)."""
        if self._owns_http and self._http is not None and not self._http.closed:
            await self._http.close()
        if self._owns_http:
            self._http = None

    async def _call(self, call: str, params: list[tuple[str, str]]) -> ET.Element:
        """One API call: the <response> element on SUCCESS, VideoPlatformError otherwise."""
        # encoded=True: send the query exactly as signed (no re-quoting by yarl).
        url = URL(self.call_url(call, params), encoded=True)
        try:
            async with self._session(call).get(
                url,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                allow_redirects=False,
            ) as response:
                status = response.status
                body = await response.read()
        except TimeoutError:
            raise self._error(
                call, f"no answer from {self._host} within {self.timeout:g} s"
            ) from None
        except aiohttp.ClientError as error:
            raise self._error(call, f"cannot reach {self._host} ({_describe(error)})") from None
        if status != 200:
            raise self._error(call, f"{self._host} answered HTTP {status}")
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise self._error(call, f"{self._host} answered something that is not XML") from None
        returncode = (root.findtext("returncode") or "").strip()
        if root.tag != "response" or not returncode:
            raise self._error(call, f"{self._host} answered without a returncode")
        if returncode == "SUCCESS":
            return root
        key = (root.findtext("messageKey") or "").strip() or None
        message = " ".join((root.findtext("message") or "").split())[:200]
        reason = f"{key or returncode}: {message}" if message else (key or returncode)
        if key == "checksumError":
            reason += " (check BBB_SECRET and BBB_CHECKSUM)"
        raise self._error(call, reason, message_key=key)

    def _session(self, call: str) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            if not self._owns_http:
                raise self._error(call, "the HTTP session it was given is closed")
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._http

    def _error(
        self, call: str, reason: str, *, message_key: str | None = None
    ) -> VideoPlatformError:
        reason = reason.replace(self._secret, "********")  # belt and braces
        return VideoPlatformError(call, reason, platform=PLATFORM_LABEL, message_key=message_key)


def _wall_clock() -> float:
    return time.time()


def _describe(error: aiohttp.ClientError) -> str:
    if isinstance(error, aiohttp.ClientConnectorError) and error.os_error.strerror:
        return error.os_error.strerror
    return type(error).__name__

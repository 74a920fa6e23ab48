"""A small BigBlueButton API stand-in on 127.0.0.1 for the tests.

It checks every call the way bbb-web does: the checksum is recomputed from the call name,
the raw query string without its `checksum` parameter, and the shared secret, with the hash
chosen by the checksum's length (sha1, sha256, sha384, sha512). A mismatch is answered with
FAILED/checksumError. Implemented: create (idempotent: duplicateWarning, or idNotUnique when
the passwords differ), join (role overrides password, as in BigBlueButton 2.4+; 302 to the
client, or XML with redirect=false), isMeetingRunning, getMeetingInfo (minimal).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from aiohttp import web

_HASH_BY_LENGTH = {40: hashlib.sha1, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


@dataclass
class Meeting:
    meeting_id: str
    name: str
    attendee_pw: str
    moderator_pw: str
    duration: int
    record: str
    create_time: int
    running: bool = False
    participants: int = 0


@dataclass
class Join:
    meeting_id: str
    full_name: str
    role: str  # the role BigBlueButton gives the user
    password: str | None  # as sent
    password_role: str | None  # the role the password alone would give (None: no match)


@dataclass
class BBBStandIn:
    secret: str
    host: str = "127.0.0.1"
    delay_seconds: float = 0.0  # answer slowly (timeout tests)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # accepted calls
    rejected: list[str] = field(default_factory=list)  # checksum failures
    joins: list[Join] = field(default_factory=list)
    algorithms_seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._clock = itertools.count(1_700_000_000_000, 1000)

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/bigbluebutton/api"

    def calls_named(self, name: str) -> list[dict[str, str]]:
        return [params for call, params in self.calls if call == name]

    async def start(self) -> BBBStandIn:
        app = web.Application()
        app.router.add_get("/bigbluebutton/api", self._version)
        app.router.add_get("/bigbluebutton/api/{call}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BBBStandIn:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- HTTP ---------------------------------------------------------------------------

    async def _version(self, request: web.Request) -> web.Response:
        return _xml("SUCCESS", "<version>2.0</version><apiVersion>2.0</apiVersion>")

    async def _api(self, request: web.Request) -> web.StreamResponse:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        call = request.match_info["call"]
        raw_query = request.raw_path.partition("?")[2]
        if not self._checksum_ok(call, raw_query):
            self.rejected.append(call)
            return _failed("checksumError", "You did not pass the checksum security check")
        params = dict(parse_qsl(_without_checksum(raw_query), keep_blank_values=True))
        self.calls.append((call, params))
        handler = {
            "create": self._create,
            "join": self._join,
            "isMeetingRunning": self._is_meeting_running,
            "getMeetingInfo": self._get_meeting_info,
        }.get(call)
        if handler is None:
            return _failed("noSuchApiCall", "The API call does not exist")
        return handler(params)

    def _checksum_ok(self, call: str, raw_query: str) -> bool:
        given = dict(parse_qsl(raw_query, keep_blank_values=True)).get("checksum", "")
        hash_function = _HASH_BY_LENGTH.get(len(given))
        if hash_function is None:
            return False
        self.algorithms_seen.add(hash_function().name)
        expected = hash_function(
            f"{call}{_without_checksum(raw_query)}{self.secret}".encode()
        ).hexdigest()
        return hmac.compare_digest(expected, given.lower())

    # --- calls ----------------------------------------------------------------------------

    def _create(self, params: dict[str, str]) -> web.Response:
        meeting_id = params.get("meetingID", "")
        if not meeting_id:
            return _failed("missingParamMeetingID", "You must specify a meeting ID")
        attendee_pw = params.get("attendeePW") or secrets.token_hex(4)
        moderator_pw = params.get("moderatorPW") or secrets.token_hex(4)
        existing = self.meetings.get(meeting_id)
        if existing is not None:
            if (existing.attendee_pw, existing.moderator_pw) != (attendee_pw, moderator_pw):
                return _failed(
                    "idNotUnique",
                    "A meeting already exists with that meeting ID. "
                    "Please use a different meeting ID.",
                )
            return _xml(
                "SUCCESS",
                _meeting_xml(existing)
                + (
                    "<messageKey>duplicateWarning</messageKey><message>This conference was "
                    "already in existence and may currently be in progress.</message>"
                ),
            )
        meeting = Meeting(
            meeting_id=meeting_id,
            name=params.get("name", meeting_id),
            attendee_pw=attendee_pw,
            moderator_pw=moderator_pw,
            duration=int(params.get("duration") or 0),
            record=params.get("record", "false"),
            create_time=next(self._clock),
        )
        self.meetings[meeting_id] = meeting
        return _xml("SUCCESS", _meeting_xml(meeting))

    def _join(self, params: dict[str, str]) -> web.Response:
        meeting = self.meetings.get(params.get("meetingID", ""))
        if meeting is None:
            return _failed(
                "invalidMeetingIdentifier",
                "The meeting ID that you supplied did not match any existing meetings",
            )
        full_name = params.get("fullName", "")
        if not full_name:
            return _failed("missingParamFullName", "You must specify a name for the attendee")
        password = params.get("password")
        password_role = {meeting.moderator_pw: "MODERATOR", meeting.attendee_pw: "VIEWER"}.get(
            password or ""
        )
        role = params.get("role", "").upper()
        if role not in ("MODERATOR", "VIEWER"):
            if password_role is None:
                return _failed(
                    "invalidPassword",
                    "You either did not supply a password or "
                    "the password supplied is neither the "
                    "attendee or moderator password",
                )
            role = password_role
        self.joins.append(Join(meeting.meeting_id, full_name, role, password, password_role))
        meeting.running = True
        meeting.participants += 1
        token = secrets.token_hex(8)
        if params.get("redirect", "true").lower() == "false":
            return _xml(
                "SUCCESS",
                f"<meeting_id>{escape(meeting.meeting_id)}</meeting_id>"
                f"<session_token>{token}</session_token>"
                f"<url>{self.root_url}html5client/join?sessionToken={token}</url>",
            )
        raise web.HTTPFound(f"{self.root_url}html5client/join?sessionToken={token}")

    def _is_meeting_running(self, params: dict[str, str]) -> web.Response:
        meeting = self.meetings.get(params.get("meetingID", ""))
        running = meeting is not None and meeting.running
        return _xml("SUCCESS", f"<running>{str(running).lower()}</running>")

    def _get_meeting_info(self, params: dict[str, str]) -> web.Response:
        meeting = self.meetings.get(params.get("meetingID", ""))
        if meeting is None:
            return _failed("notFound", "We could not find a meeting with that meeting ID")
        return _xml(
            "SUCCESS",
            _meeting_xml(meeting)
            + (
                f"<meetingName>{escape(meeting.name)}</meetingName>"
                f"<running>{str(meeting.running).lower()}</running>"
                f"<participantCount>{meeting.participants}</participantCount>"
            ),
        )


def _without_checksum(raw_query: str) -> str:
    return "&".join(
        part for part in raw_query.split("&") if part and not part.startswith("checksum=")
    )


def _meeting_xml(meeting: Meeting) -> str:
    return (
        f"<meetingID>{escape(meeting.meeting_id)}</meetingID>"
        f"<attendeePW>{escape(meeting.attendee_pw)}</attendeePW>"
        f"<moderatorPW>{escape(meeting.moderator_pw)}</moderatorPW>"
        f"<createTime>{meeting.create_time}</createTime>"
        f"<duration>{meeting.duration}</duration>"
        f"<hasUserJoined>{str(meeting.participants > 0).lower()}</hasUserJoined>"
    )


def _xml(returncode: str, body: str) -> web.Response:
    return web.Response(
        text=f"<response><returncode>{returncode}</returncode>{body}</response>",
        content_type="text/xml",
    )


def _failed(key: str, message: str) -> web.Response:
    return _xml("FAILED", f"<messageKey>{key}</messageKey><message>{escape(message)}</message>")

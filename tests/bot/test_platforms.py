"""Video platforms: Jitsi links, BigBlueButton API calls (against a stand-in), templates."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

import aiohttp
import jwt
import pytest
from yarl import URL

from bot.clock import FixedClock
from bot.platforms import (
    BigBlueButtonPlatform,
    JitsiPlatform,
    TemplatePlatform,
    VideoPlatform,
    VideoPlatformError,
    make_platform,
)
from bot.platforms.bbb import OVERRUN_MINUTES, api_base_url, checksum, signed_query
from bot.settings import DOWNLOAD_CLIENTS, load_settings
from storage.conferences import ConferenceRecord
from tests.bot.bbb_standin import BBBStandIn

SECRET = "s3cret-shared-with-bbb"
NOW = datetime(2025, 3, 10, 9, 50, tzinfo=UTC)
START = int(datetime(2025, 3, 10, 10, 0, tzinfo=UTC).timestamp())

TRICKY_NAMES = [
    'Anna "The Boss" O\'Neil',
    "a#b&c=d e+f",
    "Иван Петров",
    "😀 Emoji 👩‍💻",
    "back\\slash %41 100%",
    "<b>tag</b>; semi?query",
]


def conference(**changes) -> ConferenceRecord:
    record = ConferenceRecord(
        id=7,
        owner_id=1,
        topic="Team sync & plans",
        starts_at=START,
        ends_at=START + 3600,
        conference_code="team-sync-42",
        password="p@ss&=+#",
        allow_without_owner=True,
        sequence=0,
        changed_since_notice=False,
        owner_joined_at=None,
        created_at=1_741_000_000,
        updated_at=1_741_000_000,
    )
    return replace(record, **changes)


ROOM_KEY = "room-key-for-the-tests-0123456789"


def settings(**env):
    return load_settings({"ROOM_SECRET": ROOM_KEY, **env}, env_file=None, require_token=False)


def bbb_settings(api_url: str, *, secret: str = SECRET, algorithm: str = "sha256", **env):
    return settings(
        VIDEO_PLATFORM="bbb",
        VIDEO_BASE_URL=api_url,
        BBB_SECRET=secret,
        BBB_CHECKSUM=algorithm,
        **env,
    )


# --- make_platform ---------------------------------------------------------------------


def test_make_platform_picks_the_configured_platform():
    jitsi = make_platform(settings())
    bbb = make_platform(bbb_settings("https://bbb.example.com/bigbluebutton/api"))
    template = make_platform(
        settings(VIDEO_PLATFORM="template", VIDEO_BASE_URL="https://v.example.com/{id}")
    )
    assert isinstance(jitsi, JitsiPlatform) and jitsi.name == "jitsi"
    assert isinstance(bbb, BigBlueButtonPlatform) and bbb.name == "bbb"
    assert isinstance(template, TemplatePlatform) and template.name == "template"
    for platform in (jitsi, bbb, template):
        assert isinstance(platform, VideoPlatform)
    assert SECRET not in repr(bbb)


async def test_simple_platforms_prepare_nothing_and_cannot_tell_if_running():
    for platform in (
        make_platform(settings()),
        make_platform(
            settings(VIDEO_PLATFORM="template", VIDEO_BASE_URL="https://v.example.com/{id}")
        ),
    ):
        assert await platform.prepare(conference()) is None
        assert await platform.is_running(conference()) is None
        await platform.close()


# --- Jitsi -----------------------------------------------------------------------------


def test_jitsi_room_is_the_id_and_a_keyed_hash():
    # <ID>-<the first 12 hex digits of HMAC-SHA256(key, "<row id>:<ID>")>: a typed ID reads
    # as typed; a generated one (digits only) says what it is.
    record = conference()
    digest = hmac.new(ROOM_KEY.encode(), b"7:team-sync-42", hashlib.sha256).hexdigest()[:12]
    jitsi = make_platform(settings())
    assert jitsi.join_url(record) == f"https://meet.jit.si/team-sync-42-{digest}"
    generated = conference(conference_code="557896927")
    digest = hmac.new(ROOM_KEY.encode(), b"7:557896927", hashlib.sha256).hexdigest()[:12]
    assert jitsi.room_name(generated) == f"conference-557896927-{digest}"
    # Jitsi compares room names in lower case: they are made so.
    assert jitsi.room_name(conference(conference_code="Team-Sync-42")).startswith("team-sync-42-")


def test_jitsi_room_cannot_be_derived_without_the_key():
    record = conference()
    room = make_platform(settings()).join_url(record)
    # What anyone could know or guess: the ID, the row id, the creation time.
    for guess in (
        f"team-sync-42:7:{record.created_at}",
        "7:team-sync-42",
        f"7:team-sync-42:{record.created_at}",
    ):
        assert hashlib.sha256(guess.encode()).hexdigest()[:12] not in room
        assert hashlib.sha256(guess.encode()).hexdigest()[:10] not in room
    other = make_platform(settings(ROOM_SECRET="another-key-of-another-bot-0123"))
    assert other.join_url(record) != room
    # An explicit key (the one the bot keeps) wins over nothing, ROOM_SECRET over none.
    kept = make_platform(settings(ROOM_SECRET=""), room_secret=ROOM_KEY)
    assert kept.join_url(record) == room
    with pytest.raises(ValueError, match="room secret"):
        make_platform(settings(ROOM_SECRET=""))
    assert ROOM_KEY not in repr(kept)


def test_jitsi_room_is_stable_per_conference_and_differs_across_conferences():
    jitsi = make_platform(settings())
    url = jitsi.join_url(conference())
    assert jitsi.join_url(conference()) == url
    assert jitsi.join_url(conference(topic="Renamed", password="other")) == url
    assert jitsi.join_url(conference(id=8)) != url
    assert jitsi.join_url(conference(conference_code="other-code")) != url
    assert jitsi.join_url(conference(), moderator=True) == url


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_jitsi_display_name_round_trips_through_the_fragment(name):
    url = make_platform(settings()).join_url(conference(), display_name=name)
    parts = urlsplit(url)
    assert url.count("#") == 1 and parts.path.startswith("/team-sync-42-")
    # Jitsi splits the fragment on '&', each item on '=', then JSON-parses the decoded value.
    items = parts.fragment.split("&")
    assert len(items) == 1
    key, value = items[0].split("=", 1)
    assert key == "userInfo.displayName"
    assert all(ch not in value for ch in "#&= \"'")
    assert json.loads(unquote(value)) == name


def test_jitsi_without_a_name_gives_the_generic_link():
    jitsi = make_platform(settings())
    assert jitsi.join_url(conference(), display_name=None) == jitsi.join_url(conference())
    assert "#" not in jitsi.join_url(conference(), display_name="   ")


def test_jitsi_base_url_override():
    jitsi = make_platform(settings(VIDEO_BASE_URL="https://meet.example.org/"))
    assert jitsi.website_url() == "https://meet.example.org"
    assert jitsi.join_url(conference()).startswith("https://meet.example.org/team-sync-42-")
    assert make_platform(settings()).website_url() == "https://meet.jit.si"


# --- Jitsi with token authentication ------------------------------------------------------

APP_ID = "conference-bot"
APP_SECRET = "jitsi-app-secret-shared-with-prosody-0123"


def jwt_settings(**env):
    return settings(
        VIDEO_BASE_URL="https://meet.example.org:8443",
        JITSI_APP_ID=APP_ID,
        JITSI_APP_SECRET=APP_SECRET,
        **env,
    )


def token_of(url: str) -> str:
    [token] = parse_qs(urlsplit(url).query)["jwt"]
    return token


def decode(token: str, secret: str = APP_SECRET, **options):
    return jwt.decode(token, secret, algorithms=["HS256"], audience="jitsi", **options)


def test_jitsi_tokens_carry_the_claims_prosody_checks():
    clock = FixedClock(NOW)
    jitsi = make_platform(jwt_settings(), clock=clock)
    record = conference()
    url = jitsi.join_url(record, display_name="Anna Petrova", moderator=True)
    assert url.startswith(f"https://meet.example.org:8443/{jitsi.room_name(record)}?jwt=")
    assert url.endswith("#userInfo.displayName=%22Anna%20Petrova%22")
    token = token_of(url)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    now = int(NOW.timestamp())
    claims = decode(token, options={"verify_exp": False, "verify_nbf": False})
    assert claims == {
        "iss": APP_ID,
        "aud": "jitsi",
        "sub": "meet.example.org",
        "room": jitsi.room_name(record),
        "context": {"user": {"name": "Anna Petrova"}},
        "moderator": True,
        "iat": now - 60,
        "nbf": now - 60,
        "exp": record.ends_at + 15 * 60,
    }
    # A participant's token: the same room, their name, no moderator right.
    guest = decode(
        token_of(jitsi.join_url(record, display_name="Boris")),
        options={"verify_exp": False, "verify_nbf": False},
    )
    assert guest["moderator"] is False and guest["context"]["user"]["name"] == "Boris"
    assert guest["room"] == claims["room"]


def checked_at(token: str, moment: float, secret: str = APP_SECRET) -> dict:
    """Verify the token as a Jitsi server would at `moment` (Unix seconds): PyJWT checks
    against the wall clock, so its leeway moves "now" there (exp is checked against
    now - leeway, nbf and iat against now + leeway: one call each)."""
    now = time.time()
    decode(token, secret, leeway=now - moment, options={"verify_nbf": False, "verify_iat": False})
    return decode(token, secret, leeway=moment - now, options={"verify_exp": False})


def test_jitsi_tokens_are_signed_with_the_app_secret_and_valid_until_after_the_end():
    jitsi = make_platform(jwt_settings(), clock=FixedClock(NOW))
    record = conference()
    token = token_of(jitsi.join_url(record, display_name="Anna", moderator=True))
    made = NOW.timestamp()
    # Valid from a minute before it was made (a server clock slightly behind) ...
    assert checked_at(token, made)["moderator"] is True
    assert checked_at(token, made - 55)["room"] == jitsi.room_name(record)
    with pytest.raises(jwt.ImmatureSignatureError):
        checked_at(token, made - 65)
    # ... to 15 minutes after the conference's end.
    assert checked_at(token, record.ends_at + 15 * 60 - 5)["iss"] == APP_ID
    with pytest.raises(jwt.ExpiredSignatureError):
        checked_at(token, record.ends_at + 15 * 60 + 5)
    # Another secret, or a changed claim, fails verification.
    with pytest.raises(jwt.InvalidSignatureError):
        checked_at(token, made, secret="another-secret-of-another-server-0123456")
    header, _, signature = token.split(".")
    forged_claims = checked_at(token, made) | {"room": "*"}
    guess = "a-guessed-secret-that-is-long-enough-0123"
    forged_payload = jwt.encode(forged_claims, guess, algorithm="HS256").split(".")[1]
    with pytest.raises(jwt.InvalidSignatureError):
        checked_at(f"{header}.{forged_payload}.{signature}", made)
    # An unsigned token is refused by anyone who asks for HS256.
    unsigned = jwt.encode(forged_claims, None, algorithm="none")
    with pytest.raises(jwt.InvalidAlgorithmError):
        checked_at(unsigned, made)


def test_jitsi_generic_links_carry_no_token_and_the_facts_say_so():
    jitsi = make_platform(jwt_settings(), clock=FixedClock(NOW))
    generic = jitsi.join_url(conference())
    assert "jwt" not in generic and "?" not in generic
    assert not jitsi.generic_link_opens_room() and jitsi.describe_link() == "jwt"
    assert jitsi.link_makes_moderator(True) and not jitsi.link_makes_moderator(False)
    assert APP_SECRET not in repr(jitsi) and "tokens" in repr(jitsi)
    # Without the settings: no tokens anywhere.
    plain = make_platform(settings(), clock=FixedClock(NOW))
    assert "jwt" not in plain.join_url(conference(), display_name="Anna", moderator=True)


# --- template --------------------------------------------------------------------------


def test_template_fills_and_quotes_the_placeholders():
    template = make_platform(
        settings(
            VIDEO_PLATFORM="template",
            VIDEO_BASE_URL="https://video.example.com/join/{id}?pwd={password}&name={name}",
        )
    )
    url = template.join_url(conference(), display_name="Anna Lee/2 & Иван")
    assert url == (
        "https://video.example.com/join/team-sync-42?pwd=p%40ss%26%3D%2B%23"
        "&name=Anna%20Lee%2F2%20%26%20%D0%98%D0%B2%D0%B0%D0%BD"
    )
    query = parse_qs(urlsplit(url).query)
    assert query == {"pwd": ["p@ss&=+#"], "name": ["Anna Lee/2 & Иван"]}
    generic = template.join_url(conference())
    assert generic.endswith("&name=")
    assert template.join_url(conference(), moderator=True) == generic
    assert template.website_url() == "https://video.example.com/"


def test_template_leaves_other_braces_alone():
    template = TemplatePlatform("https://v.example.com/{id}?x={other}")
    assert template.join_url(conference()) == "https://v.example.com/team-sync-42?x={other}"


# --- what the links do, for the texts around them ---------------------------------------


def test_link_facts_per_platform():
    jitsi = make_platform(settings())
    bbb = make_platform(bbb_settings("https://bbb.example.com/bigbluebutton/api"))
    plain = make_platform(
        settings(VIDEO_PLATFORM="template", VIDEO_BASE_URL="https://v.example.com/{id}")
    )
    # No website takes an ID and password today, whatever the platform.
    for platform in (jitsi, bbb, plain):
        assert platform.website_for_id_and_password() is None
        assert platform.generic_link_opens_room()
        assert not platform.link_makes_moderator(False)
    # Jitsi gives no moderator right through a link; BigBlueButton's owner link does.
    assert not jitsi.link_makes_moderator(True) and jitsi.describe_link() is None
    assert bbb.link_makes_moderator(True) and bbb.describe_link() is None
    assert jitsi.link_carries_name() and bbb.link_carries_name()
    assert not plain.link_makes_moderator(True)


@pytest.mark.parametrize(
    ("template", "described", "named"),
    [
        ("https://v.example.com/{id}", "template_id", False),
        ("https://v.example.com/{id}?p={password}", "template_id_password", False),
        ("https://v.example.com/{id}?n={name}", "template_id_name", True),
        ("https://v.example.com/{name}/{password}/{id}", "template_id_password_name", True),
    ],
)
def test_a_template_says_which_placeholders_its_link_carries(template, described, named):
    platform = make_platform(settings(VIDEO_PLATFORM="template", VIDEO_BASE_URL=template))
    assert platform.describe_link() == described
    assert platform.link_carries_name() is named


# --- download links --------------------------------------------------------------------


def test_download_link_defaults_per_platform():
    jitsi = make_platform(settings()).download_links()
    assert list(jitsi) == list(DOWNLOAD_CLIENTS)
    assert jitsi == {
        "windows": "https://github.com/jitsi/jitsi-meet-electron/releases/latest",
        "macos": "https://github.com/jitsi/jitsi-meet-electron/releases/latest",
        "linux": "https://github.com/jitsi/jitsi-meet-electron/releases/latest",
        "android": "https://play.google.com/store/apps/details?id=org.jitsi.meet",
        "ios": "https://apps.apple.com/app/jitsi-meet/id1165103905",
        "browser": "https://meet.jit.si",
    }
    assert (
        make_platform(settings(VIDEO_BASE_URL="https://meet.example.org")).download_links()[
            "browser"
        ]
        == "https://meet.example.org"
    )
    bbb = make_platform(bbb_settings("https://bbb.example.com/bigbluebutton/api")).download_links()
    assert bbb == dict.fromkeys(DOWNLOAD_CLIENTS, "https://bbb.example.com/")
    template = make_platform(
        settings(VIDEO_PLATFORM="template", VIDEO_BASE_URL="https://v.example.com:8443/r/{id}")
    )
    assert template.download_links() == dict.fromkeys(
        DOWNLOAD_CLIENTS, "https://v.example.com:8443/"
    )


@pytest.mark.parametrize(
    "env",
    [
        {},
        {
            "VIDEO_PLATFORM": "bbb",
            "VIDEO_BASE_URL": "https://bbb.example.com/bigbluebutton/api",
            "BBB_SECRET": SECRET,
        },
        {"VIDEO_PLATFORM": "template", "VIDEO_BASE_URL": "https://v.example.com/{id}"},
    ],
)
def test_download_links_follow_the_settings(env):
    platform = make_platform(
        settings(
            **env,
            DOWNLOAD_WINDOWS_URL="https://dl.example.com/win.exe",
            DOWNLOAD_IOS_URL="https://dl.example.com/ios",
        )
    )
    links = platform.download_links()
    assert list(links) == list(DOWNLOAD_CLIENTS)
    assert links["windows"] == "https://dl.example.com/win.exe"
    assert links["ios"] == "https://dl.example.com/ios"
    assert links["android"] == make_platform(settings(**env)).download_links()["android"]


# --- BigBlueButton: checksums and links ------------------------------------------------


def test_bbb_checksum_matches_the_documented_example():
    # https://docs.bigbluebutton.org/development/api/#usage ("API Security Model" > Usage):
    # call `create`, query name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444,
    # shared secret 639259d4-9dd8-4b25-bf01-95f9567eaf4b
    # -> SHA-1 1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17,
    # and the query becomes ...&moderatorPW=333444&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17
    secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
    query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
    assert checksum("create", query, secret, "sha1") == "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    params = {
        "name": "Test Meeting",
        "meetingID": "abc123",
        "attendeePW": "111222",
        "moderatorPW": "333444",
    }
    assert signed_query("create", params, secret, "sha1") == (
        query + "&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    )
    platform = BigBlueButtonPlatform(
        "https://bbb.example.com/bigbluebutton/api", secret, checksum_algorithm="sha1"
    )
    assert platform.call_url("create", params) == (
        "https://bbb.example.com/bigbluebutton/api/create?"
        + query
        + "&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    )


def test_bbb_checksum_sha256_matches_a_published_example():
    # A second, independent worked example (sha1 and sha256 of the same string):
    # https://bbbserver.com/bigbluebutton-api-guide/security/checksum-authentication
    query = (
        "name=Demo&meetingID=replace-with-meeting-id&attendeePW=replace-with-password"
        "&moderatorPW=replace-with-password"
    )
    assert checksum("create", query, "replace-with-secret", "sha1") == (
        "7030bd96ede6a7ac41da848fe3bfc562e52a5914"
    )
    assert checksum("create", query, "replace-with-secret", "sha256") == (
        "7e5a0a48f1542462e56ca034dc83d741bff1deb5feab0cd9ef74fa6e009fe1fd"
    )


def test_bbb_accepts_the_url_bbb_conf_prints():
    assert api_base_url("https://bbb.example.com/bigbluebutton/") == (
        "https://bbb.example.com/bigbluebutton/api"
    )
    assert api_base_url("https://bbb.example.com/bigbluebutton/api/") == (
        "https://bbb.example.com/bigbluebutton/api"
    )


def test_bbb_links_and_passwords():
    platform = make_platform(bbb_settings("https://bbb.example.com/bigbluebutton/api"))
    record = conference()
    assert platform.website_url() == "https://bbb.example.com/"
    generic = platform.join_url(record)
    parts = urlsplit(generic)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://bbb.example.com/bigbluebutton/api/join"
    )
    params = dict(parse_qsl(parts.query))
    assert params["fullName"] == "Guest"
    assert params["meetingID"] == "conf-team-sync-42-7"
    assert params["password"] == "p@ss&=+#"
    assert params["role"] == "VIEWER"
    assert len(params["checksum"]) == 64  # sha256
    named = urlsplit(platform.join_url(record, display_name="Ann Lee")).query
    assert named.startswith("fullName=Ann+Lee&")  # spaces as '+', as BigBlueButton expects
    assert "password=p%40ss%26%3D%2B%23&" in named
    assert platform.join_url(record) == generic  # pure

    moderator = dict(parse_qsl(urlsplit(platform.join_url(record, moderator=True)).query))
    assert moderator["role"] == "MODERATOR"
    moderator_pw = platform.moderator_password(record)
    assert moderator["password"] == moderator_pw != record.password
    assert len(moderator_pw) == 24
    # Stable for the conference, even after edits; different elsewhere and under another secret.
    assert platform.moderator_password(conference(password="new", topic="x")) == moderator_pw
    assert platform.moderator_password(conference(id=8)) != moderator_pw
    other = make_platform(
        bbb_settings("https://bbb.example.com/bigbluebutton/api", secret="another-secret")
    )
    assert other.moderator_password(record) != moderator_pw


# --- BigBlueButton against the stand-in ------------------------------------------------


@pytest.fixture
async def standin():
    async with BBBStandIn(SECRET) as server:
        yield server


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def bbb_platform(
    standin: BBBStandIn,
    *,
    secret: str = SECRET,
    algorithm: str = "sha256",
    http: aiohttp.ClientSession | None = None,
):
    return make_platform(
        bbb_settings(standin.api_url, secret=secret, algorithm=algorithm),
        http=http,
        clock=FixedClock(NOW),
    )


async def fetch(http: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    """GET a link as a browser does: byte for byte. (yarl would otherwise normalize the
    query, e.g. %40 to @, and the checksum covers the query exactly as signed.)"""
    async with http.get(URL(url, encoded=True), allow_redirects=False) as response:
        return response.status, await response.text()


async def test_prepare_creates_the_meeting_before_anyone_joins(standin, http):
    platform = bbb_platform(standin, http=http)
    record = conference()
    status, body = await fetch(http, platform.join_url(record, display_name="Anna"))
    assert "invalidMeetingIdentifier" in body and not standin.joins

    await platform.prepare(record)
    await platform.prepare(record)  # idempotent: BigBlueButton answers duplicateWarning
    creates = standin.calls_named("create")
    assert len(creates) == 2 and list(standin.meetings) == ["conf-team-sync-42-7"]
    meeting = standin.meetings["conf-team-sync-42-7"]
    assert meeting.name == "Team sync & plans"
    assert meeting.attendee_pw == "p@ss&=+#"
    assert meeting.moderator_pw == platform.moderator_password(record)
    assert meeting.record == "false"
    # Created 10 minutes before a one-hour conference: 70 minutes, plus the overrun.
    assert meeting.duration == 70 + OVERRUN_MINUTES

    status, _ = await fetch(http, platform.join_url(record, display_name="Anna"))
    assert status == 302
    assert [(j.full_name, j.role) for j in standin.joins] == [("Anna", "VIEWER")]


@pytest.mark.parametrize("name", TRICKY_NAMES)
async def test_signed_join_url_is_accepted_with_any_name(standin, http, name):
    platform = bbb_platform(standin, http=http)
    await platform.prepare(conference())
    status, _ = await fetch(http, platform.join_url(conference(), display_name=name))
    assert status == 302 and not standin.rejected
    assert standin.joins[-1].full_name == name


async def test_moderator_joins_with_the_moderator_password(standin, http):
    platform = bbb_platform(standin, http=http)
    record = conference()
    await platform.prepare(record)
    meeting = standin.meetings[platform.meeting_id(record)]
    assert (await fetch(http, platform.join_url(record, display_name="Owner", moderator=True)))[
        0
    ] == 302
    assert (await fetch(http, platform.join_url(record, display_name="Guest 1")))[0] == 302
    assert (await fetch(http, platform.join_url(record)))[0] == 302
    owner, guest, generic = standin.joins
    assert (owner.role, owner.password, owner.password_role) == (
        "MODERATOR",
        meeting.moderator_pw,
        "MODERATOR",
    )
    assert (guest.role, guest.password, guest.password_role) == (
        "VIEWER",
        meeting.attendee_pw,
        "VIEWER",
    )
    assert (generic.full_name, generic.role) == ("Guest", "VIEWER")


async def test_is_running_and_meeting_info(standin, http):
    platform = bbb_platform(standin, http=http)
    record = conference()
    assert await platform.meeting_info(record) is None
    await platform.prepare(record)
    assert await platform.is_running(record) is False
    await fetch(http, platform.join_url(record, display_name="Anna"))
    assert await platform.is_running(record) is True
    info = await platform.meeting_info(record)
    assert info["meetingName"] == "Team sync & plans"
    assert info["participantCount"] == "1"
    assert await platform.is_running(conference(id=99, conference_code="nobody-here")) is False


async def test_a_wrong_secret_fails_with_a_clear_error(standin, http):
    wrong = bbb_platform(standin, secret="not-the-secret", http=http)
    with pytest.raises(VideoPlatformError) as error:
        await wrong.prepare(conference())
    assert error.value.message_key == "checksumError"
    assert str(error.value).startswith("BigBlueButton create failed: checksumError")
    assert "BBB_SECRET" in str(error.value)
    assert "not-the-secret" not in str(error.value) and SECRET not in str(error.value)
    assert standin.meetings == {}
    # A join link signed with the wrong secret is refused too.
    await bbb_platform(standin, http=http).prepare(conference())
    _, body = await fetch(http, wrong.join_url(conference(), display_name="Anna"))
    assert "checksumError" in body and not standin.joins


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha512"])
async def test_every_checksum_algorithm_verifies(standin, http, algorithm):
    platform = bbb_platform(standin, algorithm=algorithm, http=http)
    await platform.prepare(conference())
    assert await platform.is_running(conference()) is False
    status, _ = await fetch(http, platform.join_url(conference(), display_name="Ann Lee"))
    assert status == 302 and not standin.rejected
    assert standin.algorithms_seen == {algorithm}


async def test_password_changed_while_the_meeting_runs(standin, http):
    platform = bbb_platform(standin, http=http)
    await platform.prepare(conference())
    changed = conference(password="new-pass")
    await platform.prepare(changed)  # BigBlueButton: idNotUnique; the meeting is there
    status, _ = await fetch(http, platform.join_url(changed, display_name="Late guest"))
    assert status == 302 and standin.joins[-1].role == "VIEWER"


async def test_unreachable_server_and_timeouts_are_clear_errors(standin):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    offline = BigBlueButtonPlatform(f"http://127.0.0.1:{closed_port}/bigbluebutton/api", SECRET)
    try:
        with pytest.raises(VideoPlatformError, match="cannot reach 127.0.0.1"):
            await offline.prepare(conference())
    finally:
        await offline.close()

    wrong_path = BigBlueButtonPlatform(f"{standin.root_url}not-bbb", SECRET)
    try:
        with pytest.raises(VideoPlatformError, match="answered HTTP 404"):
            await wrong_path.prepare(conference())
    finally:
        await wrong_path.close()

    standin.delay_seconds = 0.4
    slow = BigBlueButtonPlatform(standin.api_url, SECRET, timeout=0.1)
    try:
        with pytest.raises(VideoPlatformError, match=r"no answer from .* within 0.1 s"):
            await slow.is_running(conference())
    finally:
        await slow.close()


async def test_close_closes_only_its_own_session(standin, http):
    own = bbb_platform(standin)
    await own.prepare(conference())
    session = own._http
    assert session is not None and not session.closed
    await own.close()
    assert session.closed
    await own.close()  # idempotent

    shared = bbb_platform(standin, http=http)
    await shared.prepare(conference())
    await shared.close()
    assert not http.closed

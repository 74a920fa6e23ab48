"""The core of the join page: one admission rule for the bot and the web, signed values,
the wrong-guess lockout, and invitees' personal tokens in storage."""

import asyncio
import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.guesses import WrongGuesses
from bot.i18n import LANGUAGES, catalog
from bot.join_page import ReadCache
from bot.joining import Admission, admission
from bot.settings import SettingsError, load_settings
from bot.signing import Signer
from storage.conferences import ConferenceRecord, ConferenceRepository, NewConference
from storage.db import Database
from storage.participants import InvitationRepository
from storage.users import UserRepository

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def conference(*, allow_without_owner=True, owner_joined_at=None) -> ConferenceRecord:
    return ConferenceRecord(
        id=1,
        owner_id=7,
        topic="Board",
        starts_at=0,
        ends_at=3600,
        conference_code="board-123",
        password="pw12",
        allow_without_owner=allow_without_owner,
        sequence=0,
        changed_since_notice=False,
        owner_joined_at=owner_joined_at,
        created_at=0,
        updated_at=0,
    )


@pytest.mark.parametrize(
    ("online", "allow", "owner_joined", "is_owner", "expected"),
    [
        (False, True, None, False, Admission.NOT_STARTED),
        (False, False, 5, True, Admission.NOT_STARTED),  # nobody joins while offline
        (True, True, None, False, Admission.OPEN),
        (True, False, None, False, Admission.WAIT_FOR_OWNER),
        (True, False, None, True, Admission.OPEN),  # the owner never waits
        (True, False, 5, False, Admission.OPEN),
    ],
)
def test_admission(online, allow, owner_joined, is_owner, expected):
    record = conference(allow_without_owner=allow, owner_joined_at=owner_joined)
    assert admission(record, online=online, is_owner=is_owner) is expected


def test_signed_values_cannot_be_changed_reused_elsewhere_or_kept_forever():
    signer = Signer("k" * 32)
    signed = signer.sign("remember", "Анна", now=1000)
    assert signer.unsign("remember", signed, now=1000 + 60, max_age=3600) == "Анна"
    assert signer.unsign("remember", signed, now=1000 + 3601, max_age=3600) is None
    assert signer.unsign("csrf", signed, now=1000, max_age=3600) is None  # another purpose
    assert Signer("o" * 32).unsign("remember", signed, now=1000, max_age=3600) is None
    payload, at, mac = signed.split(".")
    for forged in (f"{payload}x.{at}.{mac}", f"{payload}.{int(at) + 1}.{mac}", "", "a.b", "..."):
        assert signer.unsign("remember", forged, now=1000, max_age=3600) is None
    assert signer.mac_matches("csrf", "v", signer.mac("csrf", "v"))
    assert not signer.mac_matches("csrf", "w", signer.mac("csrf", "v"))


def test_signatures_are_keyed_blake2b_and_long_keys_count_whole():
    key = "k" * 32
    expected = hashlib.blake2b(b"csrf\x00v", key=key.encode(), digest_size=18).digest()
    assert Signer(key).mac("csrf", "v") == base64.urlsafe_b64encode(expected).decode()
    # BLAKE2b takes 64 bytes of key at most: a longer key is hashed, not cut.
    assert Signer("x" * 64 + "a" * 36).mac("csrf", "v") != Signer("x" * 64 + "b" * 36).mac(
        "csrf", "v"
    )


def test_ten_wrong_tries_within_the_window_lock_for_the_lockout():
    clock = FixedClock(NOW)
    guesses = WrongGuesses(clock)
    for _ in range(9):
        guesses.wrong("1.2.3.4", "board-123")
    assert guesses.locked_for("1.2.3.4", "board-123") == 0
    guesses.wrong("1.2.3.4", " BOARD-123 ")  # the same ID as the website reads it
    assert guesses.locked_for("1.2.3.4", "board-123") == 15 * 60
    assert guesses.locked_for("1.2.3.5", "board-123") == 0
    assert guesses.locked_for("1.2.3.4", "board-124") == 0
    clock.advance(timedelta(minutes=15))
    assert guesses.locked_for("1.2.3.4", "board-123") == 0


def test_wrong_tries_older_than_the_window_do_not_count():
    clock = FixedClock(NOW)
    guesses = WrongGuesses(clock)
    for _ in range(10):
        guesses.wrong("1.2.3.4", "board-123")
        clock.advance(timedelta(minutes=2))  # ten tries over 20 minutes
    assert guesses.locked_for("1.2.3.4", "board-123") == 0


def test_the_lockout_memory_is_bounded():
    guesses = WrongGuesses(FixedClock(NOW), max_keys=50)
    for n in range(500):
        guesses.wrong("1.2.3.4", f"id-{n}")
    assert len(guesses._tries) == 50


async def test_personal_tokens_are_made_on_invite_revoked_on_removal_and_new_on_return(
    tmp_path,
):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        now = int(NOW.timestamp())
        await UserRepository(db).record_seen(
            7, username=None, full_name="Anna", language="en", timezone="UTC", now=now
        )
        conference_id = await ConferenceRepository(db).create(
            NewConference(7, "Board", now, now + 3600, "board-123", "pw12"), now=now
        )
        invitations = InvitationRepository(db)
        first = await invitations.add(
            conference_id, "a@example.org", join_token="tok-first-1", now=now
        )
        assert first
        assert await invitations.conference_of_token("tok-first-1") == conference_id
        # Invited again while still in: the link they hold keeps working.
        await invitations.add(conference_id, "a@example.org", join_token="tok-other-2", now=now)
        assert await invitations.conference_of_token("tok-first-1") == conference_id
        assert await invitations.conference_of_token("tok-other-2") is None
        invitation_id = await db.fetch_value("SELECT id FROM invitations")
        await invitations.remove(conference_id, invitation_id, now=now)
        assert await invitations.conference_of_token("tok-first-1") is None
        assert await invitations.join_token(conference_id, "a@example.org", new_token="x") is None
        # Invited again after removal: a new link; the old one stays dead.
        await invitations.add(conference_id, "a@example.org", join_token="tok-third-3", now=now)
        assert await invitations.conference_of_token("tok-first-1") is None
        assert await invitations.conference_of_token("tok-third-3") == conference_id
        # Rows of earlier versions get a token when one is first needed.
        await db.execute("UPDATE invitations SET join_token = NULL")
        token = await invitations.join_token(conference_id, "a@example.org", new_token="tok-4444")
        assert token == "tok-4444"
        again = await invitations.join_token(conference_id, "a@example.org", new_token="tok-5555")
        assert again == "tok-4444"
    finally:
        await db.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_web_texts_are_plain_text(language):
    """The templates escape every text, so markup in a web text would show as markup."""
    texts = {key: value for key, value in catalog(language).items() if key.startswith("web.")}
    assert len(texts) > 30
    assert not [key for key, value in texts.items() if "<" in value or "&" in value]


def test_the_web_limit_and_trusted_proxy_settings():
    base = {"TELEGRAM_BOT_TOKEN": "123456:" + "a" * 30}
    defaults = load_settings(base, env_file=None)
    assert defaults.web_rate_limit == 60
    assert defaults.web_trusted_proxies == ("127.0.0.1", "::1")
    chosen = load_settings(
        {**base, "WEB_RATE_LIMIT": "0", "WEB_TRUSTED_PROXIES": "10.0.0.0/8, fd00::1"},
        env_file=None,
    )
    assert chosen.web_rate_limit == 0 and chosen.web_trusted_proxies == ("10.0.0.0/8", "fd00::1")
    assert (
        load_settings({**base, "WEB_TRUSTED_PROXIES": "none"}, env_file=None).web_trusted_proxies
        == ()
    )
    for name, value in (
        ("WEB_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local"),
        ("WEB_RATE_LIMIT", "-1"),
    ):
        with pytest.raises(SettingsError) as error:
            load_settings({**base, name: value}, env_file=None)
        assert str(error.value).startswith(name)


async def test_kept_reads_last_until_the_database_changes_or_the_ttl_passes(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        now = [0.0]
        cache = ReadCache(db, ttl=2.0, clock=lambda: now[0])
        loads: list[str] = []

        async def load(key: str) -> str:
            loads.append(key)
            await asyncio.sleep(0.01)
            return f"value of {key} #{len(loads)}"

        first = await cache.get("a", load)
        assert await cache.get("a", load) == first and loads == ["a"]
        # Many visitors at once while it is being read: one read.
        await db.execute("UPDATE bot_data SET data = data WHERE id = 0")
        answers = await asyncio.gather(*(cache.get("a", load) for _ in range(20)))
        assert len(set(answers)) == 1 and loads == ["a", "a"]
        # A SELECT changes nothing; a statement that writes, or a transaction, does.
        await db.fetch_all("SELECT 1")
        await cache.get("a", load)
        assert len(loads) == 2
        await db.fetch_value("UPDATE bot_data SET data = data WHERE id = 0 RETURNING id")
        await cache.get("a", load)
        assert len(loads) == 3
        async with db.transaction() as tx:
            await tx.fetch_all("SELECT 1")
        await cache.get("a", load)
        assert len(loads) == 4
        # Another process's writes are not seen here: the TTL bounds how long.
        now[0] += 2.0
        await cache.get("a", load)
        assert len(loads) == 5
    finally:
        await db.close()

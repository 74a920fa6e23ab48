"""Jitsi rooms cannot be guessed: named under a key the bot made on its first start and
keeps in its database (or ROOM_SECRET), so the conference ID, the row id and the time
are not enough; another bot has other rooms; a restart keeps the rooms."""

import hashlib
import hmac
from urllib.parse import urlsplit

import pytest

from app.factory import build_application
from tests.e2e import test_settings
from tests.handlers.test_conference_log import add_conferences, person
from tests.handlers.test_sharing import card_of


async def room_seen_by(user, bot):
    """The room of the owner's first conference, as Join hands it out."""
    card = await card_of(user)
    await user.press(card, "▶️ Join")
    link = await user.expect_message()
    return urlsplit(link.buttons[0][0].url).path.lstrip("/")


async def test_rooms_are_keyed_per_bot_and_survive_a_restart(bot, emu, tmp_path):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, remember_name=True)
    [conference_id] = await add_conferences(bot, anna.id, [0])
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    room = await room_seen_by(anna, bot)
    code = conference.conference_code
    # Readable: the ID as typed, a hyphen, then the keyed hash.
    assert room.startswith(f"{code}-") and len(room) == len(f"{code}-") + 12

    # What an outsider knows or can guess does not give the room.
    for guess in (
        f"{code}:{conference.id}:{conference.created_at}",
        f"{conference.id}:{code}",
        f"{code}:{conference.id}",
    ):
        assert hashlib.sha256(guess.encode()).hexdigest()[:12] not in room
        assert hashlib.sha256(guess.encode()).hexdigest()[:10] not in room
    # The key is the bot's own, made on the first start and kept in its database.
    key = await bot.services.database.fetch_value(
        "SELECT value FROM bot_secrets WHERE name = 'room'"
    )
    assert len(key) >= 43
    message = f"{conference.id}:{code}".encode()
    assert room.endswith(hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:12])

    # After a restart: the same key, the same room.
    await bot.restart()
    assert await room_seen_by(anna, bot) == room
    assert await bot.services.database.fetch_value("SELECT COUNT(*) FROM bot_secrets") == 1

    # Another bot (its own database, so its own key): another room for the same conference.
    other = await build_application(test_settings(emu, tmp_path / "other" / "bot.sqlite3"))
    services = other.bot_data["services"]
    try:
        other_room = urlsplit(services.video.join_url(conference)).path.lstrip("/")
    finally:
        await services.database.close()
    assert other_room.startswith(f"{code}-") and other_room != room
    assert other_room[-12:] != room[-12:]


async def test_room_names_read_well_for_typed_and_generated_ids(bot, emu):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, remember_name=True)
    # A typed ID (Russian "sales stand-up" in Latin letters) and a generated one (/now).
    [typed_id] = await add_conferences(bot, anna.id, [0])
    await bot.services.conferences.edit(anna.id, typed_id, conference_code="planerka-prodazh")
    typed = await room_seen_by(anna, bot)
    assert typed.startswith("planerka-prodazh-") and len(typed) == len("planerka-prodazh-") + 12
    await bot.services.conferences.delete(anna.id, typed_id)
    await anna.send("/now")
    started = await anna.expect_message()
    await anna.press(started, "▶️ Join")
    url = (await anna.expect_message()).buttons[0][0].url
    generated = urlsplit(url).path.lstrip("/")
    code = generated.split("-")[1]
    assert code.isdigit() and code in started.text
    assert generated == f"conference-{code}-{generated[-12:]}"
    assert all(c in "0123456789abcdef" for c in generated[-12:])


class TestRoomSecretSetting:
    KEY = "operator-chosen-room-key-0042"

    @pytest.fixture
    def bot_settings(self):
        return {"ROOM_SECRET": self.KEY}

    async def test_room_secret_overrides_the_kept_key(self, bot, emu):
        anna, _ = await person(emu)
        await bot.update_profile(anna.id, remember_name=True)
        [conference_id] = await add_conferences(bot, anna.id, [0])
        conference = await bot.services.conferences.owned(anna.id, conference_id)
        room = await room_seen_by(anna, bot)
        message = f"{conference.id}:{conference.conference_code}".encode()
        digest = hmac.new(self.KEY.encode(), message, hashlib.sha256).hexdigest()[:12]
        assert room == f"{conference.conference_code}-{digest}"
        # With the operator's key, the bot makes none of its own.
        assert await bot.services.database.fetch_value("SELECT COUNT(*) FROM bot_secrets") == 0

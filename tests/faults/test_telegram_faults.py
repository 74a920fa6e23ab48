"""Faults from Telegram and from load: RetryAfter, Forbidden, network errors, 50 people
scheduling at once."""

import asyncio
from unittest.mock import AsyncMock

import pytest
from telegram.error import NetworkError, TimedOut

from bot.ratelimit import RetryingRateLimiter
from storage.conferences import ConferenceRepository
from tests.handlers.test_conference_log import person


async def test_retry_after_is_honoured(bot, emu):
    anna, _ = await person(emu)
    emu.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=anna.chat_id)
    await anna.send("/help")
    reply = await anna.expect_message(timeout=10)
    assert "Help" in reply.text
    refused = [c for c in emu.calls_of("sendMessage") if not c.ok]
    assert len(refused) == 1 and refused[0].error.error_code == 429


async def test_forbidden_marks_the_user_inactive_and_nothing_crashes(bot, emu):
    anna, _ = await person(emu)
    emu.fail_next(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        chat_id=anna.chat_id,
    )
    await anna.send("/help")
    await anna.expect_no_message(within=0.5)
    assert not (await bot.services.users.get(anna.id)).is_active
    await anna.send("/help")  # they unblocked and wrote again
    assert "Help" in (await anna.expect_message()).text
    assert (await bot.services.users.get(anna.id)).is_active


@pytest.mark.parametrize("error", [NetworkError("connection reset"), TimedOut("timed out")])
async def test_network_errors_are_retried_with_back_off(error):
    limiter = RetryingRateLimiter(network_retries=3, first_pause=0.01)
    await limiter.initialize()
    callback = AsyncMock(side_effect=[error, error, {"ok": True}])
    result = await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert result == {"ok": True} and callback.await_count == 3
    callback = AsyncMock(side_effect=error)
    with pytest.raises(type(error)):
        await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert callback.await_count == 4  # the first try and three retries
    await limiter.shutdown()


async def test_fifty_people_schedule_at_once(bot, emu):
    people = [emu.user(f"Person {n}") for n in range(50)]

    async def schedule(person):
        await person.send("/schedule")
        await person.expect_message(timeout=30)
        await person.send(f"Topic of {person.first_name}")
        await person.expect_message(timeout=30)
        await person.send("tomorrow 15:00")
        await person.expect_message(timeout=30)
        await person.send("1h")
        review = await person.expect_message(timeout=30)
        await person.press(review, "✅ Schedule")
        card = await person.expect_edit(review, timeout=30)
        assert "Conference scheduled" in card.text

    await asyncio.gather(*(schedule(person) for person in people))
    repository = ConferenceRepository(bot.services.database)
    codes = []
    for someone in people:
        [conference] = await repository.list_scheduled(someone.id, now=0, limit=5)
        assert conference.topic == f"Topic of {someone.first_name}"
        codes.append(conference.conference_code)
    assert len(set(codes)) == 50
    assert not [c for c in emu.failed_calls if c.method != "getUpdates"]


async def test_a_bad_request_is_not_retried():
    from telegram.error import BadRequest

    limiter = RetryingRateLimiter(network_retries=3, first_pause=0.01)
    await limiter.initialize()
    callback = AsyncMock(side_effect=BadRequest("Message is too long"))
    with pytest.raises(BadRequest):
        await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert callback.await_count == 1
    await limiter.shutdown()

"""A clean stop (SIGTERM) in the middle of a reminder batch: the batch finishes before the
HTTP session closes, and nobody gets the same reminder twice."""

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from storage.participants import ParticipantRepository
from storage.users import UserRepository
from tests.e2e import eventually
from tests.handlers.test_conference_log import add_conferences, person

PARTICIPANTS = 80


@pytest.fixture
def bot_settings():
    return {"REMINDER_CHECK_SECONDS": "1"}


async def test_stopping_during_a_reminder_batch_sends_each_reminder_once(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [1], topic="All hands")
    database, now = bot.services.database, bot.clock.timestamp()
    people = [emu.user(f"P{n}").id for n in range(PARTICIPANTS)]
    for user_id in people:
        await UserRepository(database).record_seen(
            user_id, username=None, full_name=f"P{user_id}", language="en", timezone="UTC", now=now
        )
        await ParticipantRepository(database).add(
            conference_id, user_id, kind="user", title=f"P{user_id}", now=now
        )
    emu.clear_calls()

    def reminders() -> Counter[int]:
        return Counter(
            int(call.params["chat_id"])
            for call in emu.calls_of("sendMessage")
            if call.ok and "starts" in str(call.params.get("text", ""))
        )

    bot.clock.advance(timedelta(minutes=51))  # 12:51: everyone's 10-minute reminder is due
    # Bulk sends are paced at 29 a second: the batch of 81 takes almost three seconds.
    assert await eventually(lambda: _some(reminders()), timeout=10)
    assert sum(reminders().values()) < PARTICIPANTS + 1, "stop came too late to test anything"
    await bot.stop()  # what SIGTERM does (app/runner.py)

    sent = reminders()
    assert set(sent) == {anna.id, *people}, "the stop cut the batch short"
    assert max(sent.values()) == 1, [chat for chat, n in sent.items() if n > 1]
    await asyncio.sleep(0)


async def _some(counter: Counter[int]) -> bool:
    return bool(counter)


async def test_a_reminder_whose_answer_was_lost_is_not_sent_again(bot, emu, caplog):
    """Telegram took the message, the answer never came back (a timeout as the session
    closed, a reset): sending it again would remind the person twice."""
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [1], topic="Retro")
    boris = emu.user("Boris")
    now = bot.clock.timestamp()
    await UserRepository(bot.services.database).record_seen(
        boris.id, username=None, full_name="Boris", language="en", timezone="UTC", now=now
    )
    await ParticipantRepository(bot.services.database).add(
        conference_id, boris.id, kind="user", title="Boris", now=now
    )
    emu.lose_answer_next("sendMessage", chat_id=boris.id)
    bot.clock.advance(timedelta(minutes=51))
    first = await boris.expect_message(timeout=10)
    assert "Retro" in first.text
    assert "Retro" in (await anna.expect_message(timeout=10)).text
    await boris.expect_no_message(within=3)  # no second copy after the retry pauses
    assert "maybe delivered" in caplog.text

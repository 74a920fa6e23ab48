"""Flood control's memory: people are forgotten once they have been quiet for a window."""

from types import SimpleNamespace

import pytest
from telegram.ext import ApplicationHandlerStop

from handlers.users import FloodGuard


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# The guard only reaches for the bot to send its notice, which these updates cannot get.
NO_CONTEXT = SimpleNamespace(bot=None)


def update_from(person_id: int) -> SimpleNamespace:
    return SimpleNamespace(
        effective_user=SimpleNamespace(id=person_id, language_code="en"),
        callback_query=None,
        effective_chat=None,
    )


async def test_quiet_people_are_forgotten_after_a_window() -> None:
    ticker = Ticker()
    guard = FloodGuard(limit=3, window=10, monotonic=ticker)
    for person_id in range(500):
        await guard(update_from(person_id), NO_CONTEXT)
    assert guard.tracked_people == 500
    ticker.now += 11
    await guard(update_from(7), NO_CONTEXT)
    assert guard.tracked_people == 1


async def test_someone_still_flooding_is_not_forgotten() -> None:
    ticker = Ticker()
    guard = FloodGuard(limit=2, window=10, monotonic=ticker)
    flooder = update_from(1)
    await guard(flooder, NO_CONTEXT)
    await guard(flooder, NO_CONTEXT)
    with pytest.raises(ApplicationHandlerStop):
        await guard(flooder, NO_CONTEXT)  # the third in a window is dropped (a notice, once)
    ticker.now += 6
    for person_id in range(2, 50):
        await guard(update_from(person_id), NO_CONTEXT)
    ticker.now += 5  # a sweep: the flooder's last accepted update is 11 s old, others 5 s
    await guard(update_from(99), NO_CONTEXT)
    assert guard.tracked_people == 49

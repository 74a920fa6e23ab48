"""The update processor: one person's updates in order, different people's at once."""

import asyncio
import inspect

from telegram import Chat, Message, Update, User

from bot.updates import PerPersonUpdateProcessor


def update_from(user_id: int, update_id: int) -> Update:
    user = User(user_id, "U", False)
    message = Message(update_id, None, Chat(user_id, "private"), from_user=user, text="x")
    return Update(update_id, message=message)


async def test_same_person_in_order_others_concurrently():
    processor = PerPersonUpdateProcessor(max_concurrent_updates=16)
    log: list[str] = []
    release = asyncio.Event()

    async def slow(name: str) -> None:
        log.append(f"start {name}")
        await release.wait()
        log.append(f"end {name}")

    async def quick(name: str) -> None:
        log.append(f"run {name}")

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(update_from(1, 1), slow("a1"))),
            asyncio.create_task(processor.process_update(update_from(1, 2), quick("a2"))),
            asyncio.create_task(processor.process_update(update_from(2, 3), quick("b1"))),
        ]
        await asyncio.sleep(0.05)
        # Person 2 was not held up by person 1's slow update; person 1's second waited.
        assert log == ["start a1", "run b1"]
        release.set()
        await asyncio.gather(*tasks)
    assert log == ["start a1", "run b1", "end a1", "run a2"]
    assert processor._queues == {}  # nobody is remembered once their updates are done


async def test_a_burst_of_one_person_takes_one_slot_not_all():
    # Two slots only: person 1's second update waits for person 1's turn without a slot,
    # so person 2 still gets the other one at once.
    processor = PerPersonUpdateProcessor(max_concurrent_updates=2)
    log: list[str] = []
    release = asyncio.Event()

    async def slow(name: str) -> None:
        log.append(f"start {name}")
        await release.wait()

    async def quick(name: str) -> None:
        log.append(f"run {name}")

    async with processor:
        burst = [
            asyncio.create_task(processor.process_update(update_from(1, n), slow(f"a{n}")))
            for n in range(1, 6)
        ]
        await asyncio.sleep(0.05)
        await asyncio.wait_for(processor.process_update(update_from(2, 9), quick("b")), 1)
        assert log == ["start a1", "run b"]
        assert processor.current_concurrent_updates == 1
        release.set()
        await asyncio.gather(*burst)
    assert log == ["start a1", "run b", "start a2", "start a3", "start a4", "start a5"]


async def test_updates_beyond_those_waiting_are_dropped_with_one_notice():
    told: list[int] = []

    async def notice(update) -> None:
        told.append(update.update_id)

    processor = PerPersonUpdateProcessor(max_waiting=3, on_flood=notice)
    ran: list[int] = []
    release = asyncio.Event()

    async def work(n: int) -> None:
        ran.append(n)
        await release.wait()

    async with processor:
        coroutines = [work(n) for n in range(1, 9)]
        tasks = [
            asyncio.create_task(processor.process_update(update_from(1, n), coroutine))
            for n, coroutine in zip(range(1, 9), coroutines, strict=True)
        ]
        await asyncio.sleep(0.05)
        # One running and three waiting; the other four were dropped, and closed (no
        # "never awaited" warning), with one notice for the first of them.
        assert ran == [1] and told == [5] and processor.dropped == 4
        assert [inspect.getcoroutinestate(c) for c in coroutines[4:]] == [inspect.CORO_CLOSED] * 4
        release.set()
        await asyncio.gather(*tasks)
        assert ran == [1, 2, 3, 4]
        # The burst is over: a new one earns a new notice.
        release.clear()
        tasks = [
            asyncio.create_task(processor.process_update(update_from(1, n), work(n)))
            for n in range(10, 15)
        ]
        await asyncio.sleep(0.05)
        assert told == [5, 14]
        release.set()
        await asyncio.gather(*tasks)
    assert processor._queues == {} and processor._waiting == {}

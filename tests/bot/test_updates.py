"""The update processor: one person's updates in order, different people's at once."""

import asyncio

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

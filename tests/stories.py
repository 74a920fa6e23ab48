"""Parts of a person's story that several end-to-end tests tell the same way, whether the
bot runs in the test's process (tests/e2e.py) or as a real process (tests/faults)."""

from __future__ import annotations

from emulator import SimulatedUser


async def schedule_and_invite(
    person: SimulatedUser, topic: str, password: str, *, first_reply_within: float | None = None
) -> None:
    """Schedule a conference tomorrow at 15:00 for an hour with a password, then send one
    invitation e-mail, to bob@example.com. `first_reply_within`: how long the first reply
    may take (a process that is still starting)."""
    await person.send("/schedule")
    await person.expect_message(timeout=first_reply_within)
    await person.send(topic)
    await person.expect_message()
    await person.send("tomorrow 15:00")
    await person.expect_message()
    await person.send("1h")
    review = await person.expect_message()
    await person.press(review, "Password")
    await person.expect_edit(review)
    await person.send(password)
    review = await person.expect_message()
    await person.press(review, "✅ Schedule")
    card = await person.expect_edit(review)
    await person.press(card, "Send invitation e-mail")
    await person.expect_edit(card)
    await person.send("bob@example.com")
    confirm = await person.expect_message()
    await person.press(confirm, "✉️ Send")
    assert "1 invitation e-mail is on its way" in (await person.expect_edit(confirm)).text


async def at_the_name_step(
    person: SimulatedUser, *, first_reply_within: float | None = None
) -> None:
    """Into a dialog: Personal information, Name; the bot asks for the name (saved)."""
    await person.send("/profile")
    profile = await person.expect_message(timeout=first_reply_within)
    await person.press(profile, "Name")
    await person.expect_edit(profile)

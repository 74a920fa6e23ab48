"""Deep links as an attacker would use them: a link to a conference that is over or
deleted, a link the owner replaced with "New link", a removed participant coming back."""

from datetime import timedelta

from tests.handlers.test_conference_log import add_conferences, person


async def token_of(bot, owner_id, conference_id):
    conference = await bot.services.conferences.owned(owner_id, conference_id)
    return await bot.services.sharing.share_token(conference)


async def test_a_link_to_a_conference_that_is_over_shows_nothing_and_adds_nobody(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [1], topic="Board meeting")
    token = await token_of(bot, anna.id, conference_id)
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    bot.clock.advance(timedelta(hours=3))  # it ended an hour ago: in the archive

    eve, _ = await person(emu, "Eve")
    await eve.send(f"/start {token}")
    answer = await eve.expect_message()
    assert "This link is no longer valid" in answer.text
    for secret in ("Board meeting", conference.password, conference.conference_code):
        assert secret not in answer.text
    assert not await bot.services.sharing.is_participant(conference_id, eve.id)
    assert await bot.services.sharing.participants(conference_id) == []
    # Not even the owner sees it through the link.
    await anna.send(f"/start {token}")
    assert "This link is no longer valid" in (await anna.expect_message()).text


async def test_a_link_to_a_deleted_conference_shows_nothing(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [2], topic="Secret plans")
    token = await token_of(bot, anna.id, conference_id)
    await bot.services.conferences.delete(anna.id, conference_id)
    eve, _ = await person(emu, "Ева", "ru")
    await eve.send(f"/start {token}")
    answer = await eve.expect_message()
    assert "Эта ссылка больше не действует" in answer.text and "Secret plans" not in answer.text

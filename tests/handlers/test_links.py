"""Deep links as an attacker would use them: a link to a conference that is over or
deleted, a link the owner replaced with "New link", a removed participant coming back."""

from datetime import timedelta

from tests.handlers.test_conference_log import add_conferences, person
from tests.handlers.test_sharing import card_of


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


async def test_new_link_makes_the_old_one_worthless(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3], topic="Budget 2027")
    old_token = await token_of(bot, anna.id, conference_id)
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    early, _ = await person(emu, "Early")
    await early.send(f"/start {old_token}")
    assert "Budget 2027" in (await early.expect_message()).text

    card = await card_of(anna)
    await anna.press(card, "🔗 New link")
    question = await anna.expect_edit(card)
    assert "will stop working" in question.text
    await anna.press(question, "🔗 Make a new link")
    made = await anna.expect_message()
    new_link = next(line for line in made.text.splitlines() if "t.me/" in line)
    new_token = new_link.split("start=")[1]
    assert new_token != old_token and len(new_token) >= 16
    assert "Budget 2027" in (await anna.expect_edit(question)).text  # the card again

    # Someone who got the old link, reading in Russian: told in Russian, shown nothing.
    late, _ = await person(emu, "Поздний", "ru")
    await late.send(f"/start {old_token}")
    answer = await late.expect_message()
    assert "Эта ссылка больше не действует" in answer.text
    for secret in ("Budget 2027", conference.password, conference.conference_code):
        assert secret not in answer.text
    assert not await bot.services.sharing.is_participant(conference_id, late.id)
    # An unknown token gets the very same answer, so links cannot be told apart.
    await late.send("/start AAAAAAAAAAAAAAAA")
    assert (await late.expect_message()).text == answer.text
    # The new link works; who opened the old one stays a participant.
    await late.send(f"/start {new_token}")
    assert "Budget 2027" in (await late.expect_message()).text
    assert await bot.services.sharing.is_participant(conference_id, early.id)


async def test_new_link_is_for_the_owner_only(bot, emu):
    anna, _ = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [3])
    token = await token_of(bot, anna.id, conference_id)
    eve, eve_menu = await person(emu, "Eve")
    await eve.press_data(eve_menu, f"conf:relinkok:{conference_id}")
    assert (await eve.expect_callback_answer()).text == "This conference no longer exists."
    assert (await bot.services.conferences.owned(anna.id, conference_id)).share_token == token

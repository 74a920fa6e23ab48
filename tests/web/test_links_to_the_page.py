"""With PUBLIC_URL set, every link handed out points to the join page, never to the video
platform: the invitation e-mail (plain, HTML, and the calendar event's URL, LOCATION and
DESCRIPTION, each invitee with a link of their own), the share text's "Join directly",
a group's invite card, an inline card, the owner's card and "Add to calendar". The links
are taken from what people receive, followed with an HTTP client, and revoked the way
the owner revokes them (removing an invitee, "New link")."""

import re

import pytest
from icalendar import Calendar

from tests.e2e import smtp_settings
from tests.handlers.test_conference_log import add_conferences, person
from tests.handlers.test_invitations import invite, open_card
from tests.handlers.test_platform_wording import group_card, shared_text
from tests.web.visitors import PLATFORM, base_url, browser, fetch, web_settings

PLATFORM_ROOT = PLATFORM.split("{")[0]  # https://video.example/
_PAGE = re.compile(r"http://127\.0\.0\.1:\d+/j/[A-Za-z0-9_-]+")


def pages_in(text: str) -> set[str]:
    return set(_PAGE.findall(text))


@pytest.fixture
def bot_settings(smtp):
    return {**web_settings(), **smtp_settings(smtp)}


async def received_invitation(user, smtp, address):
    """Invite `address` through the card; the e-mail's plain and HTML bodies and its
    calendar event, as the invitee's mail program gets them."""
    sent = len(smtp.messages)
    card = await open_card(user)
    confirm = await invite(user, card, address)
    await user.press(confirm, "✉️ Send")
    await user.expect_edit(confirm)
    message = next(m for m in await smtp.wait_for(sent + 1) if m["To"] == address)
    alternative, _ = message.iter_parts()
    plain_body = alternative.get_body(("plain",)).get_content()
    html_body = alternative.get_body(("html",)).get_content()
    [calendar_part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")[0]
    return plain_body, html_body, event


async def test_each_invitee_gets_a_page_of_their_own_and_removing_them_revokes_it(bot, emu, smtp):
    anna, _ = await person(emu)
    await bot.update_profile(anna.id, email="anna@example.com")
    await add_conferences(bot, anna.id, [0], topic="Board")
    plain_body, html_body, event = await received_invitation(anna, smtp, "bob@example.com")

    [page] = pages_in(plain_body)
    assert page.startswith(base_url(bot) + "/j/")
    assert pages_in(html_body) == {page}
    assert str(event["url"]) == page and str(event["location"]) == page
    assert pages_in(str(event["description"])) == {page}
    # The website beside it takes the ID and password, so the ID is no mere reference.
    assert f"{base_url(bot)}/" in plain_body and "for reference" not in plain_body
    for text in (plain_body, html_body, event.to_ical().decode()):
        assert PLATFORM_ROOT not in text

    _, _, carol_event = await received_invitation(anna, smtp, "carol@example.com")
    assert str(carol_event["url"]) != page  # a token per invitee

    async with browser() as session:
        status, shown, _ = await fetch(session, "GET", page)
        assert status == 200 and "Board" in shown
        # The owner removes Bob: his link finds nothing any more; Carol's still works.
        card = await open_card(anna)
        await anna.press(card, "👥 Participants")
        listing = await anna.expect_edit(card)
        await anna.press(listing, "✖️ 1. bob@example.com")
        question = await anna.expect_edit(listing)
        await anna.press(question, "✖️ Remove")
        await anna.expect_edit(question)
        status, shown, _ = await fetch(session, "GET", page)
        assert status == 404 and "Board" not in shown
        status, _, _ = await fetch(session, "GET", str(carol_event["url"]))
        assert status == 200


async def test_share_text_and_cards_point_to_the_conference_page_which_new_link_replaces(
    bot, emu, smtp
):
    anna, _ = await person(emu)
    await add_conferences(bot, anna.id, [0], topic="Sales")
    card = await open_card(anna)
    [on_card] = pages_in(card.text)
    assert PLATFORM_ROOT not in card.text
    assert f"Or type the conference ID and password at {base_url(bot)}/" in card.text

    text = await shared_text(anna, card)
    assert f"Join directly: {on_card}" in text and PLATFORM_ROOT not in text

    posted = await group_card(emu, anna, "Sales")
    [[_open, join]] = posted.buttons
    assert join.url == on_card

    await anna.press(card, "📆 Add to calendar")
    event = Calendar.from_ical((await anna.expect_message()).document.content).walk("VEVENT")[0]
    assert str(event["url"]) == on_card and PLATFORM_ROOT not in event.to_ical().decode()

    answer = await anna.inline_query("")
    assert on_card in str(answer.results[0])

    async with browser() as session:
        assert (await fetch(session, "GET", on_card))[0] == 200
        await anna.press(card, "🔗 New link")
        question = await anna.expect_edit(card)
        await anna.press(question, "🔗 Make a new link")
        await anna.expect_message()  # the new deep link
        card = await anna.expect_edit(question)
        assert (await fetch(session, "GET", on_card))[0] == 404
        [renewed] = pages_in(card.text)
        assert renewed != on_card
        assert (await fetch(session, "GET", renewed))[0] == 200

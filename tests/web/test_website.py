"""The website, PUBLIC_URL/: a conference ID and password, then the join page's rules.
Wrong pairs get one neutral answer, and guessing is locked per client IP and ID."""

from datetime import timedelta

import pytest

from storage.conferences import ConferenceRepository
from tests.web.visitors import base_url, browser, conference_of, csrf_of, fetch, web_settings


@pytest.fixture
def bot_settings():
    return web_settings()


async def code_of(bot, conference_id: int) -> str:
    conference = await ConferenceRepository(bot.services.database).get(conference_id)
    return conference.conference_code


async def send_form(session, bot, code: str, password: str, name: str = "Boris", **extra):
    """Open the website and send its form, as a person would."""
    url = base_url(bot) + "/"
    _, page, _ = await fetch(session, "GET", url)
    form = {"csrf": csrf_of(page), "conference_id": code, "password": password, "name": name}
    return await fetch(session, "POST", url, data={**form, **extra})


async def test_a_right_id_and_password_go_to_the_platform_under_the_name(bot, emu):
    _, conference_id = await conference_of(bot, emu)
    code = await code_of(bot, conference_id)
    async with browser() as session:
        status, page, headers = await fetch(session, "GET", base_url(bot) + "/")
        assert status == 200 and "Conference ID" in page and 'type="password"' in page
        assert "form-action 'self' https://video.example" in headers["Content-Security-Policy"]
        # Typed as people type IDs: upper case, spaces around.
        status, _, headers = await send_form(session, bot, f"  {code.upper()} ", "pw12", "Boris")
    assert status == 303
    assert headers["Location"] == f"https://video.example/{code}?name=Boris"


async def test_wrong_pairs_get_one_neutral_answer(bot, emu):
    _, conference_id = await conference_of(bot, emu, topic="Secret board")
    code = await code_of(bot, conference_id)
    async with browser() as session:
        answers = set()
        for typed_code, password in ((code, "wrong"), ("no-such-id", "pw12"), (code, "PW12")):
            status, page, headers = await send_form(session, bot, typed_code, password)
            assert status == 403 and "Location" not in headers
            assert "No conference matches this ID and password." in page
            assert "Secret board" not in page
            answers.add(page.split('id="error">')[1].split("<")[0])
        assert len(answers) == 1


async def test_ten_wrong_tries_lock_that_id_for_that_ip_for_15_minutes(bot, emu):
    _, conference_id = await conference_of(bot, emu)
    code = await code_of(bot, conference_id)
    async with browser(**{"X-Forwarded-For": "203.0.113.7"}) as attacker:
        for _ in range(10):
            status, _, _ = await send_form(attacker, bot, code, "guess")
            assert status == 403
        # Locked, even for the right password, and the answer says so.
        status, page, headers = await send_form(attacker, bot, code, "pw12")
        assert status == 429 and "Too many wrong tries" in page and "15 min" in page
        assert "Location" not in headers
        # Other IDs from that IP, and that ID from another IP, are not locked.
        status, _, _ = await send_form(attacker, bot, "another-id", "guess")
        assert status == 403
    async with browser(**{"X-Forwarded-For": "198.51.100.9"}) as someone_else:
        status, _, headers = await send_form(someone_else, bot, code, "pw12")
        assert status == 303
    bot.clock.advance(timedelta(minutes=14))
    async with browser(**{"X-Forwarded-For": "203.0.113.7"}) as attacker:
        status, page, _ = await send_form(attacker, bot, code, "pw12")
        assert status == 429 and "1 min" in page
        bot.clock.advance(timedelta(minutes=1))
        status, _, _ = await send_form(attacker, bot, code, "pw12")
        assert status == 303


async def test_nine_wrong_tries_spread_over_more_than_15_minutes_do_not_lock(bot, emu):
    _, conference_id = await conference_of(bot, emu)
    code = await code_of(bot, conference_id)
    async with browser() as session:
        for _ in range(9):
            await send_form(session, bot, code, "guess")
        bot.clock.advance(timedelta(minutes=16))
        status, _, _ = await send_form(session, bot, code, "guess")
        assert status == 403  # the 10th, but the first nine are out of the window
        status, _, _ = await send_form(session, bot, code, "pw12")
        assert status == 303


async def test_not_yet_open_the_website_waits_and_then_goes_in_by_itself(bot, emu):
    anna, conference_id = await conference_of(bot, emu)
    await bot.services.conferences.edit(anna.id, conference_id, allow_without_owner=False)
    code = await code_of(bot, conference_id)
    base = base_url(bot)
    async with browser() as session:
        status, _, headers = await send_form(session, bot, code, "pw12", "Carol C")
        assert status == 303 and headers["Location"] == "/"
        assert "website_pass=" in headers["Set-Cookie"]
        status, page, _ = await fetch(session, "GET", base + "/")
        assert status == 200 and "The owner has not joined yet" in page
        assert "You will join as Carol C." in page and 'data-poll="/status"' in page
        assert "pw12" not in page
        _, body, _ = await fetch(session, "GET", base + "/status")
        assert body == '{"state": "wait"}'
        await ConferenceRepository(bot.services.database).mark_owner_joined(
            conference_id, now=bot.clock.timestamp()
        )
        _, body, _ = await fetch(session, "GET", base + "/status")
        assert body == '{"state": "open"}'
        status, _, headers = await fetch(session, "GET", base + "/")
        assert status == 303 and headers["Location"].endswith("name=Carol%20C")
        # Once in, the website is the form again.
        status, page, _ = await fetch(session, "GET", base + "/")
        assert status == 200 and 'id="website-form"' in page


async def test_a_new_password_voids_the_waiting_page(bot, emu):
    anna, conference_id = await conference_of(bot, emu, starts_in_hours=2)
    code = await code_of(bot, conference_id)
    base = base_url(bot)
    async with browser() as session:
        status, _, _ = await send_form(session, bot, code, "pw12")
        assert status == 303
        status, page, _ = await fetch(session, "GET", base + "/")
        assert "You can join from" in page
        await bot.services.conferences.edit(anna.id, conference_id, password="new-pass")
        status, page, _ = await fetch(session, "GET", base + "/")
        assert status == 200 and 'id="website-form"' in page
        status, _, _ = await fetch(session, "GET", base + "/status")
        assert status == 404


async def test_the_remembered_name_fills_in_and_not_you_forgets_it(bot, emu):
    _, conference_id = await conference_of(bot, emu)
    code = await code_of(bot, conference_id)
    base = base_url(bot)
    async with browser() as session:
        status, _, _ = await send_form(session, bot, code, "pw12", "Dana", remember="1")
        assert status == 303
        status, page, _ = await fetch(session, "GET", base + "/")
        assert "You will join as Dana." in page and 'href="/forget"' in page
        status, _, headers = await send_form(session, bot, code, "pw12", "")
        assert status == 303 and headers["Location"].endswith("name=Dana")
        await fetch(session, "GET", base + "/forget")
        status, page, _ = await send_form(session, bot, code, "pw12", "")
        assert status == 400 and "Please type your name" in page


async def test_the_website_form_needs_its_csrf_token(bot, emu):
    _, conference_id = await conference_of(bot, emu)
    code = await code_of(bot, conference_id)
    async with browser() as session:
        form = {"conference_id": code, "password": "pw12", "name": "Eve"}
        status, page, headers = await fetch(session, "POST", base_url(bot) + "/", data=form)
    assert status == 403 and "Location" not in headers and "expired" in page

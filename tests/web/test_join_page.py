"""The join page, PUBLIC_URL/j/<token>, as a visitor's browser meets it (an HTTP client
that keeps cookies): what it shows, the way in under the seed's rules, the remembered
name, the calendar file, and every way a link stops working."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
from icalendar import Calendar
from yarl import URL

from storage.conferences import ConferenceRepository
from tests.handlers.test_conference_log import add_conferences, person
from tests.web.visitors import (
    base_url,
    browser,
    conference_of,
    csrf_of,
    fetch,
    invite,
    share_url,
    web_settings,
    without_nonce,
)


@pytest.fixture
def bot_settings():
    return web_settings()


async def test_the_page_shows_the_conference_and_a_name_form_while_it_is_open(bot, emu):
    anna, conference_id = await conference_of(bot, emu, topic="Board <b>& co</b>")
    url = await share_url(bot, anna.id, conference_id)
    assert url.startswith(base_url(bot) + "/j/")
    async with browser() as session:
        status, page, headers = await fetch(session, "GET", url)
    assert status == 200
    assert "Board &lt;b&gt;&amp; co&lt;/b&gt;" in page and "<b>& co" not in page
    # Times in the server's zone, named, and machine-readable for the visitor's own zone.
    assert "Wed 25 Nov 2026, 15:00 Moscow time (UTC+3)" in page
    assert '<time datetime="2026-11-25T12:00:00Z" data-kind="full">' in page
    assert "code00001" in page and "pw12" in page and "Online" in page
    assert 'name="name"' in page and "Remember me" in page
    assert f'href="/j/{url.rsplit("/", 1)[1]}.ics"' in page
    assert "https://github.com/jitsi" not in page  # template platform: its own downloads
    assert "https://video.example/" in page  # ... which default to the platform's site
    assert "/code00001" not in page  # never the platform's join link itself
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "form-action 'self' https://video.example" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page and f'<style nonce="{nonce}">' in page
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"


async def test_a_name_goes_to_the_platform_and_remember_me_goes_straight_there_next_time(bot, emu):
    anna, conference_id = await conference_of(bot, emu)
    url = await share_url(bot, anna.id, conference_id)
    async with browser() as session:
        _, page, _ = await fetch(session, "GET", url)
        form = {"csrf": csrf_of(page), "name": "  Борис & Co  ", "remember": "1"}
        status, _, headers = await fetch(session, "POST", url, data=form)
        assert status == 303
        assert headers["Location"] == (
            f"https://video.example/code00001{anna.id}?name=%D0%91%D0%BE%D1%80%D0%B8%D1%81%20%26%20Co"
        )
        cookie = headers["Set-Cookie"]
        assert "remember=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # PUBLIC_URL is http here
        # The next visit goes straight in, under the remembered name.
        status, _, headers = await fetch(session, "GET", url)
        assert status == 303 and unquote(headers["Location"]).endswith("name=Борис & Co")
        # "Not you?" forgets the name: the page asks again.
        status, _, headers = await fetch(session, "GET", f"{url}/forget")
        assert status == 303 and headers["Location"] == url.removeprefix(base_url(bot))
        status, page, _ = await fetch(session, "GET", url)
        assert status == 200 and 'name="name"' in page


async def test_without_remember_me_the_name_is_not_kept(bot, emu):
    anna, conference_id = await conference_of(bot, emu)
    url = await share_url(bot, anna.id, conference_id)
    async with browser() as session:
        _, page, _ = await fetch(session, "GET", url)
        status, _, headers = await fetch(
            session, "POST", url, data={"csrf": csrf_of(page), "name": "Boris"}
        )
        assert status == 303 and headers["Location"].endswith("name=Boris")
        status, page, _ = await fetch(session, "GET", url)
        assert status == 200 and 'name="name"' in page


async def test_a_bad_name_keeps_the_form_with_a_message(bot, emu):
    anna, conference_id = await conference_of(bot, emu)
    url = await share_url(bot, anna.id, conference_id)
    async with browser() as session:
        _, page, _ = await fetch(session, "GET", url)
        for name in ("", "   ", "x" * 65):
            status, answer, _ = await fetch(
                session, "POST", url, data={"csrf": csrf_of(page), "name": name}
            )
            assert status == 400 and "1 to 64 characters" in answer


async def test_forms_without_the_right_csrf_token_are_refused(bot, emu):
    anna, conference_id = await conference_of(bot, emu)
    url = await share_url(bot, anna.id, conference_id)
    async with browser() as other:
        _, other_page, _ = await fetch(other, "GET", url)
    async with browser() as session:
        # No cookie at all (a forged cross-site form), then a token of another browser.
        status, page, _ = await fetch(session, "POST", url, data={"name": "Boris"})
        assert status == 403 and "This form has expired" in page
        await fetch(session, "GET", url)  # now this browser has a CSRF cookie of its own
        for token in (csrf_of(other_page), "", "x" * 30):
            status, page, headers = await fetch(
                session, "POST", url, data={"csrf": token, "name": "Boris"}
            )
            assert status == 403 and "Location" not in headers


async def test_a_forged_remember_cookie_is_ignored(bot, emu):
    anna, conference_id = await conference_of(bot, emu)
    url = await share_url(bot, anna.id, conference_id)
    async with browser() as session:
        _, page, _ = await fetch(session, "GET", url)
        form = {"csrf": csrf_of(page), "name": "Boris", "remember": "1"}
        await fetch(session, "POST", url, data=form)
        signed = session.cookie_jar.filter_cookies(URL(base_url(bot)))["remember"].value
    payload, signed_at, mac = signed.split(".")
    forged = [f"{payload[:-2]}QQ.{signed_at}.{mac}", f"{payload}.{int(signed_at) + 1}.{mac}", "x"]
    for value in forged:
        async with browser() as session:
            session.cookie_jar.update_cookies({"remember": value})
            status, page, _ = await fetch(session, "GET", url)
            assert status == 200 and 'name="name"' in page


async def test_offline_the_page_tells_when_it_opens_and_hides_the_password(bot, emu):
    anna, conference_id = await conference_of(bot, emu, starts_in_hours=3)
    url = await share_url(bot, anna.id, conference_id)
    async with browser() as session:
        status, page, headers = await fetch(session, "GET", url)
        assert status == 200
        assert "You can join from" in page and "17:50 Moscow time (UTC+3)" in page
        assert "Offline" in page and "pw12" not in page and 'name="name"' not in page
        assert '<meta http-equiv="refresh" content="15">' in page  # inside <noscript>
        assert f'data-poll="/j/{url.rsplit("/", 1)[1]}/status"' in page
        status, body, _ = await fetch(session, "GET", f"{url}/status")
        assert status == 200 and body == '{"state": "not_started"}'
        # A form sent anyway (a page kept open from earlier) does not get in.
        form = {"csrf": csrf_of_any(session, bot), "name": "Boris", "remember": "1"}
        status, _, headers = await fetch(session, "POST", url, data=form)
        assert status == 303 and headers["Location"] == url.removeprefix(base_url(bot))
        # It opens JOIN_EARLY_MINUTES before the start: the remembered name goes in.
        bot.clock.advance(timedelta(hours=3, minutes=-10))
        status, body, _ = await fetch(session, "GET", f"{url}/status")
        assert body == '{"state": "open"}'
        status, _, headers = await fetch(session, "GET", url)
        assert status == 303 and headers["Location"].endswith("name=Boris")


def csrf_of_any(session, bot) -> str:
    """The CSRF field that goes with this browser's cookie (as a kept-open page has it)."""
    secret = session.cookie_jar.filter_cookies(URL(base_url(bot))).get("csrf")
    if secret is None:
        session.cookie_jar.update_cookies({"csrf": "a-secret-of-this-browser"})
        secret_value = "a-secret-of-this-browser"
    else:
        secret_value = secret.value
    return bot.services.join_page.csrf_token(secret_value)


async def test_with_the_owner_absence_rule_the_page_waits_for_the_owner(bot, emu):
    anna, conference_id = await conference_of(bot, emu)
    await bot.services.conferences.edit(anna.id, conference_id, allow_without_owner=False)
    url = await share_url(bot, anna.id, conference_id)
    async with browser() as session:
        status, page, _ = await fetch(session, "GET", url)
        assert status == 200 and "The owner has not joined yet" in page
        assert "Online" in page and "pw12" not in page and 'name="name"' not in page
        _, body, _ = await fetch(session, "GET", f"{url}/status")
        assert body == '{"state": "wait"}'
        # The owner joins through the bot.
        await ConferenceRepository(bot.services.database).mark_owner_joined(
            conference_id, now=bot.clock.timestamp()
        )
        _, body, _ = await fetch(session, "GET", f"{url}/status")
        assert body == '{"state": "open"}'
        status, page, _ = await fetch(session, "GET", url)
        assert status == 200 and "pw12" in page and 'name="name"' in page


async def test_add_to_calendar_publishes_the_event_with_the_page_as_its_link(bot, emu):
    anna, conference_id = await conference_of(bot, emu)
    url = await share_url(bot, anna.id, conference_id)
    async with browser() as session:
        status, body, headers = await fetch(session, "GET", f"{url}.ics")
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    assert "attachment" in headers["Content-Disposition"]
    calendar = Calendar.from_ical(body)
    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["URL"]) == url and str(event["LOCATION"]) == url
    assert "code00001" in str(event["DESCRIPTION"])
    assert "pw12" not in body and "video.example" not in body


async def test_every_dead_link_gives_the_same_404_page_with_nothing_about_the_conference(bot, emu):
    anna, _ = await person(emu)
    owner_id = anna.id
    conference_id, archived_id, deleted_id = await add_conferences(
        bot, owner_id, [0, -5, 1], topic="Secret board {n}"
    )
    shared = await share_url(bot, owner_id, conference_id)
    removed = await invite(bot, owner_id, conference_id, "removed@example.org")
    kept = await invite(bot, owner_id, conference_id, "kept@example.org")
    archived = await share_url(bot, owner_id, archived_id)
    deleted = await share_url(bot, owner_id, deleted_id)

    assert await bot.services.sharing.new_share_token(owner_id, conference_id)
    invitation_id = await bot.services.database.fetch_value(
        "SELECT id FROM invitations WHERE email = 'removed@example.org'"
    )
    owner = await bot.services.users.get(owner_id)
    await bot.services.invitations.remove_invitee(owner, conference_id, invitation_id)
    assert await bot.services.conferences.delete(owner_id, deleted_id)

    base = base_url(bot)
    dead = [shared, removed, archived, deleted, f"{base}/j/unknown-token-123", f"{base}/j/x"]
    pages = set()
    async with browser() as session:
        for url in dead:
            for suffix in ("", ".ics", "/status"):
                status, page, _ = await fetch(session, "GET", url + suffix)
                assert status == 404, url + suffix
                assert "board" not in page.lower() and "code0000" not in page
                if suffix == "":
                    pages.add(without_nonce(page))
            _, page, _ = await fetch(session, "POST", url, data={"name": "Boris"})
            assert "board" not in page.lower()
        assert len(pages) == 1 and "does not lead to a conference" in pages.pop()
        # The invitee who was kept still gets in.
        status, page, _ = await fetch(session, "GET", kept)
        assert status == 200 and "Secret board 1" in page

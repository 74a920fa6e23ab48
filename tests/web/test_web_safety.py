"""The web side's defences, as an attacker or a crowd meets them: requests per IP (429),
X-Forwarded-For believed only from a trusted proxy, cookies flagged for https, and the
page's language from the browser, with a switch that is remembered."""

import pytest

from tests.web.visitors import base_url, browser, conference_of, fetch, share_url, web_settings


@pytest.fixture
def bot_settings():
    return web_settings()


class TestRequestsPerIp:
    @pytest.fixture
    def bot_settings(self):
        return web_settings(WEB_RATE_LIMIT="5")

    async def test_past_the_limit_an_ip_gets_429_and_others_do_not(self, bot, emu):
        anna, conference_id = await conference_of(bot, emu)
        url = await share_url(bot, anna.id, conference_id)
        # The peer (127.0.0.1) is a trusted proxy: the client is the address it forwards.
        async with browser(**{"X-Forwarded-For": "203.0.113.7"}) as crowd:
            for _ in range(5):
                status, _, _ = await fetch(crowd, "GET", url)
                assert status == 200
            status, page, headers = await fetch(crowd, "GET", url)
            assert status == 429 and headers["Retry-After"] == "60"
            assert "Too many requests" in page and "Board" not in page
            # Unknown tokens count too, and the website, and the form.
            for path in ("/j/unknown-token-1", "/"):
                status, _, _ = await fetch(crowd, "GET", base_url(bot) + path)
                assert status == 429
            status, _, _ = await fetch(crowd, "POST", url, data={"name": "x"})
            assert status == 429
            # The polling of a waiting page has room of its own.
            status, _, _ = await fetch(crowd, "GET", f"{url}/status")
            assert status == 200
        async with browser(**{"X-Forwarded-For": "198.51.100.9"}) as someone_else:
            status, _, _ = await fetch(someone_else, "GET", url)
            assert status == 200
        # /healthz is not a join page.
        async with browser(**{"X-Forwarded-For": "203.0.113.7"}) as crowd:
            status, _, _ = await fetch(crowd, "GET", base_url(bot) + "/healthz")
            assert status == 200

    async def test_a_client_cannot_slip_past_with_a_forwarded_for_of_its_own(self, bot, emu):
        anna, conference_id = await conference_of(bot, emu)
        url = await share_url(bot, anna.id, conference_id)
        # A client writes any X-Forwarded-For it likes; the trusted proxy appends the
        # address it saw, which is the one that counts.
        for n in range(7):
            async with browser(**{"X-Forwarded-For": f"10.0.0.{n}, 203.0.113.7"}) as liar:
                status, _, _ = await fetch(liar, "GET", url)
        assert status == 429


class TestUntrustedPeer:
    @pytest.fixture
    def bot_settings(self):
        return web_settings(WEB_RATE_LIMIT="3", WEB_TRUSTED_PROXIES="none")

    async def test_without_a_trusted_proxy_forwarded_for_is_ignored(self, bot, emu):
        anna, conference_id = await conference_of(bot, emu)
        url = await share_url(bot, anna.id, conference_id)
        statuses = []
        for n in range(4):
            async with browser(**{"X-Forwarded-For": f"203.0.113.{n}"}) as visitor:
                statuses.append((await fetch(visitor, "GET", url))[0])
        assert statuses == [200, 200, 200, 429]


class TestHttps:
    @pytest.fixture
    def bot_settings(self):
        return web_settings(PUBLIC_URL="https://conf.example.org")

    async def test_cookies_are_secure_and_host_only_behind_https(self, bot, emu):
        anna, conference_id = await conference_of(bot, emu)
        url = await share_url(bot, anna.id, conference_id)
        assert url.startswith("https://conf.example.org/j/")
        local = base_url(bot) + url.removeprefix("https://conf.example.org")
        async with browser() as session:
            status, page, headers = await fetch(session, "GET", local)
        assert status == 200
        cookie = headers["Set-Cookie"]
        assert cookie.startswith("__Host-csrf=")
        assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
        assert "Domain" not in cookie


async def test_the_page_speaks_the_browsers_language_and_the_switch_is_remembered(bot, emu):
    anna, conference_id = await conference_of(bot, emu, starts_in_hours=3)
    url = await share_url(bot, anna.id, conference_id)
    async with browser(**{"Accept-Language": "de-DE, ru;q=0.9, en;q=0.8"}) as session:
        _, page, _ = await fetch(session, "GET", url)
        assert '<html lang="ru"' in page and "Подключиться можно с" in page
        assert "ср, 25 нояб. 2026" in page.lower() and "Офлайн" in page
        assert 'href="?lang=en"' in page and ">English<" in page
        _, page, headers = await fetch(session, "GET", url + "?lang=en")
        assert '<html lang="en"' in page and "You can join from" in page
        assert "lang=en" in headers["Set-Cookie"]
        _, page, _ = await fetch(session, "GET", url)  # the choice is kept
        assert '<html lang="en"' in page
    async with browser(**{"Accept-Language": "fr, en;q=0.5, ru;q=0.4"}) as session:
        _, page, _ = await fetch(session, "GET", url)
        assert '<html lang="en"' in page
    async with browser(**{"Accept-Language": "ru;q=0, en-GB"}) as session:
        _, page, _ = await fetch(session, "GET", base_url(bot) + "/j/unknown-token-1")
        assert '<html lang="en"' in page
    async with browser(**{"Accept-Language": "ru-RU"}) as session:
        status, page, _ = await fetch(session, "GET", base_url(bot) + "/j/unknown-token-1")
        assert status == 404 and "Эта ссылка не ведёт ни к одной конференции" in page


class TestNoPublicUrl:
    @pytest.fixture
    def bot_settings(self):
        return {}

    async def test_no_links_without_public_url(self, bot, emu):
        anna, conference_id = await conference_of(bot, emu)
        conference = await bot.services.conferences.owned(anna.id, conference_id)
        links = bot.services.links
        assert not links.enabled and links.website() is None
        assert await links.shared(conference) is None
        assert await links.personal(conference_id, "a@example.org") is None

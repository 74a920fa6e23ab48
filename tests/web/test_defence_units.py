"""The pieces of the web side's defences on their own: the sliding window, whose address
counts behind proxies, Accept-Language with q-values, the CSP of a page."""

import pytest
from aiohttp.test_utils import make_mocked_request

from web.language import from_accept_language
from web.pages import platform_origin
from web.security import SlidingWindowLimiter, TrustedProxies, content_security_policy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_instead_of_resetting_on_the_minute():
    clock = Clock()
    limiter = SlidingWindowLimiter(10, window=60, clock=clock)
    assert all(limiter.allow("a") for _ in range(10))
    assert not limiter.allow("a") and limiter.allow("b")
    # Just into the next minute, last minute's ten still weigh almost whole: one more.
    clock.now += 61
    assert sum(limiter.allow("a") for _ in range(10)) == 1
    # Half-way through it they weigh five: with the one, four more.
    clock.now += 29
    assert sum(limiter.allow("a") for _ in range(10)) == 4
    # Two quiet minutes later, all forgotten.
    clock.now += 180
    assert sum(limiter.allow("a") for _ in range(12)) == 10


def test_a_refused_request_does_not_count_and_zero_means_no_limit():
    clock = Clock()
    limiter = SlidingWindowLimiter(2, window=60, clock=clock)
    assert [limiter.allow("a") for _ in range(50)] == [True, True] + [False] * 48
    clock.now += 120
    assert limiter.allow("a")
    assert all(SlidingWindowLimiter(0).allow("a") for _ in range(1000))


def test_the_limiter_keeps_a_bounded_number_of_addresses():
    limiter = SlidingWindowLimiter(1, clock=Clock(), max_keys=100)
    for n in range(1000):
        limiter.allow(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter._keys) == 100


def request_from(peer: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = make_mocked_request("GET", "/", headers=headers)
    return request.clone(remote=peer)


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # not a proxy of ours: ignored
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("127.0.0.1", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # the client wrote 1.2.3.4
        ("127.0.0.1", "198.51.100.1, 10.1.2.3", "198.51.100.1"),  # through two proxies
        ("127.0.0.1", "garbage, 198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "198.51.100.1, garbage", "127.0.0.1"),
        ("127.0.0.1", "10.1.2.3", "10.1.2.3"),  # only proxies: the farthest
    ],
)
def test_the_client_address_behind_trusted_proxies(peer, forwarded, client):
    proxies = TrustedProxies(["127.0.0.1", "::1", "10.0.0.0/8"])
    assert proxies.client_ip(request_from(peer, forwarded)) == client


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en-US,en;q=0.9,ru;q=0.8", "en"),
        ("de-DE, ru;q=0.5, en;q=0.4", "ru"),
        ("en;q=0.4, ru;q=0.5", "ru"),
        ("ru;q=0, en", "en"),
        ("fr, de", "ru"),  # nothing we speak: the default
        ("*", "ru"),
        ("", "ru"),
        ("ru;q=oops, en;q=0.1", "en"),
        ("RU", "ru"),
    ],
)
def test_accept_language_with_q_values(header, language):
    assert from_accept_language(header, "ru") == language


def test_the_policy_of_a_page():
    policy = content_security_policy("abc", ["https://meet.example.org"])
    assert policy.startswith("default-src 'none';")
    assert "script-src 'nonce-abc'" in policy and "style-src 'nonce-abc'" in policy
    assert "form-action 'self' https://meet.example.org;" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe" not in policy


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://meet.jit.si", "https://meet.jit.si"),
        ("https://bbb.example.org/", "https://bbb.example.org"),
        ("http://127.0.0.1:8123/", "http://127.0.0.1:8123"),
        ("https://{id}.meet.example.org/", "https:"),
    ],
)
def test_the_platform_origin_for_form_action(url, origin):
    assert platform_origin(url) == origin

"""The join page's and the website's defences: the client's address (behind a trusted
reverse proxy), requests per IP, the Content-Security-Policy with a nonce per answer, and
cookies with the right flags.

Requests per IP are counted in memory with a sliding window (the current minute's count
plus the previous minute's, weighted by how much of it still lies in the window): O(1)
per address, at most MAX_CLIENTS addresses kept. Several processes count separately.
"""

from __future__ import annotations

import ipaddress
import math
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aiohttp import web

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

STATUS_SUFFIX = "_status"  # the pages' polling: counted apart, with a larger limit
STATUS_FACTOR = 5
WINDOW_SECONDS = 60.0
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9._-]{0,3000}")
MAX_CLIENTS = 100_000


class TrustedProxies:
    """Which peers may tell us the client's address in X-Forwarded-For."""

    def __init__(self, networks: Iterable[str]) -> None:
        self._networks: list[IPNetwork] = [
            ipaddress.ip_network(network, strict=False) for network in networks
        ]
        self._known: dict[str, bool] = {}  # address -> trusted, as parsing is not free

    def trusts(self, address: str | None) -> bool:
        known = self._known.get(address or "")
        if known is None:
            ip = _ip(address)
            known = ip is not None and any(ip in network for network in self._networks)
            if len(self._known) >= MAX_CLIENTS:
                self._known.clear()
            self._known[address or ""] = known
        return known

    def client_ip(self, request: web.Request) -> str:
        """The peer, or, when the peer is a trusted proxy, the nearest address in
        X-Forwarded-For that is not itself a trusted proxy (each proxy appends the
        address it saw, so the entries on the left are whatever the client wrote)."""
        peer = request.remote or "unknown"
        if not self.trusts(peer):
            return peer
        forwarded = ",".join(request.headers.getall("X-Forwarded-For", []))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        client = peer
        for hop in reversed(hops):
            if _ip(hop) is None:
                break  # garbage: keep the last address we could trust
            client = hop
            if not self.trusts(hop):
                break
        return client


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


@dataclass
class _Window:
    started: float  # the start of the current window
    current: int
    previous: int


class SlidingWindowLimiter:
    """At most `limit` requests per `window` seconds per key (0: no limit)."""

    def __init__(
        self,
        limit: int,
        *,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_CLIENTS,
    ) -> None:
        self.limit = limit
        self._window = window
        self._clock = clock
        self._max_keys = max_keys
        self._keys: OrderedDict[str, _Window] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Count one request; False when it is over the limit (then it is not counted)."""
        if self.limit <= 0:
            return True
        now = self._clock()
        entry = self._keys.pop(key, None)
        if entry is None:
            entry = _Window(now, 0, 0)
        elapsed = now - entry.started
        if elapsed >= self._window:
            windows = math.floor(elapsed / self._window)
            entry.previous = entry.current if windows == 1 else 0
            entry.current = 0
            entry.started += windows * self._window
            elapsed = now - entry.started
        self._keys[key] = entry  # the most recent last; the oldest are dropped first
        if len(self._keys) > self._max_keys:
            self._keys.popitem(last=False)
        weight = 1.0 - elapsed / self._window
        if entry.previous * weight + entry.current >= self.limit:
            return False
        entry.current += 1
        return True


class RequestLimit:
    """Requests per client IP on the join page's and the website's routes (named join...
    and website...): the pages' own, and their polling (..._status), counted apart with
    a larger limit."""

    def __init__(self, proxies: TrustedProxies, limit: int) -> None:
        self._proxies = proxies
        self._pages = SlidingWindowLimiter(limit)
        self._polls = SlidingWindowLimiter(limit * STATUS_FACTOR)

    def allows(self, request: web.Request, route: str) -> bool:
        """Count the request to `route`; False when its client is over the limit."""
        limiter = self._polls if route.endswith(STATUS_SUFFIX) else self._pages
        return limiter.allow(self._proxies.client_ip(request))


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def content_security_policy(nonce: str, form_targets: Iterable[str] = ()) -> str:
    """Only our own inline style and script (by nonce), fetches to ourselves, forms to
    ourselves and to the video platform (a form's redirect must match form-action too),
    no framing, no plugins, no base-URI tricks."""
    targets = " ".join(["'self'", *form_targets])
    return (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        f"connect-src 'self'; img-src 'self'; form-action {targets}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


def page_headers(nonce: str, form_targets: Iterable[str]) -> dict[str, str]:
    """The headers of a page: HTML, its CSP, and never cached (it may show a password,
    and what it shows changes by the minute)."""
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": content_security_policy(nonce, form_targets),
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


class Cookies:
    """Cookie names and flags: HttpOnly and SameSite=Lax always; Secure, and the __Host-
    prefix (no Domain, Path=/, only over https), when PUBLIC_URL is https.

    The header is written here rather than through http.cookies: every value we set is
    URL-safe base64, digits and dots (checked), and a first visit sets one on each page."""

    def __init__(self, *, secure: bool) -> None:
        self.secure = secure
        self._flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")

    def name(self, base: str) -> str:
        return f"__Host-{base}" if self.secure else base

    def get(self, request: web.Request, base: str) -> str | None:
        return request.cookies.get(self.name(base))

    def set(
        self, response: web.StreamResponse, base: str, value: str, *, max_age: int | None
    ) -> None:
        if not _COOKIE_VALUE.fullmatch(value):
            raise ValueError("a cookie value must be URL-safe base64, digits and dots")
        age = "" if max_age is None else f"; Max-Age={max_age}"
        response.headers.add("Set-Cookie", f"{self.name(base)}={value}{age}{self._flags}")

    def delete(self, response: web.StreamResponse, base: str) -> None:
        response.headers.add(
            "Set-Cookie",
            f"{self.name(base)}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT{self._flags}",
        )

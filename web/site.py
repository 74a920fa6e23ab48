"""The aiohttp Application of the web side: every feature's routes, and the headers
every answer carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.context import Services
from bot.metrics import Metrics
from web import health, join, metrics, website
from web.pages import PAGES_KEY, Pages
from web.security import RequestLimit

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Routes whose names start so are the pages: the join page and the website. Their
# requests are counted for /metrics and limited per IP.
PAGE_ROUTES = ("join", "website")

# Every answer: no framing, no sniffing, no referrer (tokens are in paths), nothing
# loaded. Pages send their own Content-Security-Policy (with a nonce); these fill in the
# rest.
SAFETY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def add_safety_headers(response: web.StreamResponse) -> None:
    headers = response.headers
    for name, value in SAFETY_HEADERS.items():
        if name not in headers:
            headers[name] = value


@web.middleware
async def safety_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    add_safety_headers(response)
    return response


def front_door(
    counters: Metrics,
    limit: RequestLimit,
    too_many: Callable[[web.Request], web.StreamResponse],
) -> Middleware:
    """The site's one middleware (every layer costs on each request, and the join page is
    the hot path): on the pages' routes, count the request, refuse it past the per-IP
    `limit` (429, counted too, so refusals show in /metrics) and count its 303 redirects
    to a conference (returned or raised as web.HTTPSeeOther); on every answer, the
    safety headers."""
    requests = _Children(counters.web_requests)
    redirects = _Children(counters.web_redirects)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.name
        if route is None or not route.startswith(PAGE_ROUTES):
            response = await handler(request)
        else:
            requests.of(route).inc()
            if not limit.allows(request, route):
                return too_many(request)
            try:
                response = await handler(request)
            except web.HTTPException as raised:
                if raised.status == 303:
                    redirects.of(route).inc()
                raise
            if response.status == 303:
                redirects.of(route).inc()
        add_safety_headers(response)
        return response

    return guard


class _Children:
    """A labelled metric's child per route, looked up once (prometheus' labels() takes
    a lock and builds a key on every call)."""

    def __init__(self, metric: Any) -> None:
        self._metric = metric
        self._children: dict[str, Any] = {}

    def of(self, route: str) -> Any:
        child = self._children.get(route)
        if child is None:
            child = self._children[route] = self._metric.labels(route)
        return child


def build_site(services: Services) -> web.Application:
    pages = Pages(services.join_page, services.settings)
    limit = RequestLimit(pages.proxies, services.settings.web_rate_limit)
    app = web.Application(
        middlewares=[front_door(services.metrics, limit, pages.too_many)],
        client_max_size=64 * 1024,
    )
    app[health.HEALTH_KEY] = services.health
    app.add_routes(health.routes())
    app[metrics.SERVICES_KEY] = services
    app.add_routes(metrics.routes())
    # The join page (/j/<token>) and the website (/): route names start with "join" or
    # "website", which is what the per-IP limit counts.
    app[PAGES_KEY] = pages
    app.add_routes(join.routes())
    app.add_routes(website.routes())
    return app


def build_standby_site() -> web.Application:
    """What a standby serves while it waits for the leadership lock: 503 on every path."""
    app = web.Application(middlewares=[safety_headers], client_max_size=1024)
    app.add_routes(health.standby_routes())
    return app

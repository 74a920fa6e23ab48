"""The aiohttp Application of the web side: every feature's routes, and the headers
every answer carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.context import Services
from bot.metrics import Metrics
from web import health, join, metrics, website
from web.pages import PAGES_KEY, Pages
from web.security import request_limit_middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer: no framing, no sniffing, no referrer (tokens are in paths)."""
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"
    )
    return response


# Routes whose names start so are counted for /metrics: the join page and the website.
COUNTED_ROUTES = ("join", "website")


def counting(counters: Metrics) -> Middleware:
    """Count requests to the join page and website by route name, and their 303
    redirects to a conference (answered or raised as web.HTTPSeeOther)."""

    @web.middleware
    async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.name
        if route is None or not route.startswith(COUNTED_ROUTES):
            return await handler(request)
        counters.web_requests.labels(route).inc()
        try:
            response = await handler(request)
        except web.HTTPException as raised:
            if raised.status == 303:
                counters.web_redirects.labels(route).inc()
            raise
        if response.status == 303:
            counters.web_redirects.labels(route).inc()
        return response

    return count


def build_site(services: Services) -> web.Application:
    pages = Pages(services.join_page, services.settings)
    limit_requests = request_limit_middleware(
        pages.proxies, services.settings.web_rate_limit, pages.too_many
    )
    # Counted before the limit, so refused requests (429) show in /metrics too.
    app = web.Application(
        middlewares=[security_headers, counting(services.metrics), limit_requests],
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
    app = web.Application(middlewares=[security_headers], client_max_size=1024)
    app.add_routes(health.standby_routes())
    return app

"""The aiohttp Application of the web side: every feature's routes, and the headers
every answer carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.context import Services
from web import health

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


def build_site(services: Services) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[health.HEALTH_KEY] = services.health
    app.add_routes(health.routes())
    return app

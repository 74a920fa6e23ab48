"""GET /healthz: 200 with a small JSON when the bot can work, 503 when it cannot.

`"role"` says whether this process serves ("active") or waits for the leadership lock
("standby", bot/leadership.py): a standby answers 503, so that a load balancer sends
webhooks to the active process only.
"""

from __future__ import annotations

from aiohttp import web

from bot.health import HealthService

HEALTH_KEY = web.AppKey("health", HealthService)


async def healthz(request: web.Request) -> web.Response:
    report = await request.app[HEALTH_KEY].check()
    body = {
        "status": "ok" if report.healthy else "unavailable",
        "role": "active",
        "database": "ok" if report.database_ok else "unreachable",
        "last_update_at": report.last_update_at,
        "outbox": {
            "pending": report.outbox_pending,
            "oldest_pending_age_seconds": report.oldest_pending_age,
        },
    }
    return web.json_response(body, status=200 if report.healthy else 503)


async def standby_healthz(request: web.Request) -> web.Response:
    """A standby's answer: it serves nothing until it holds the lock."""
    return web.json_response({"status": "standby", "role": "standby"}, status=503)


async def standby_elsewhere(request: web.Request) -> web.Response:
    """Any other path (a webhook, a join page) on a standby: 503, so that a proxy with
    passive health checks (nginx's proxy_next_upstream http_503) tries the active one."""
    return web.Response(status=503, text="standby: another process serves")


def routes() -> list[web.RouteDef]:
    return [web.get("/healthz", healthz)]


def standby_routes() -> list[web.RouteDef]:
    return [web.get("/healthz", standby_healthz), web.route("*", "/{path:.*}", standby_elsewhere)]

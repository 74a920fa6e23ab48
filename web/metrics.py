"""GET /metrics: the bot's counters in Prometheus' text format (bot/metrics.py).

With METRICS_TOKEN set, a scrape must send `Authorization: Bearer <METRICS_TOKEN>`,
compared in constant time; anything else gets 401. The outbox gauges are read from the
database at each scrape.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.context import Services

log = logging.getLogger(__name__)

SERVICES_KEY = web.AppKey("metrics_services", Services)


async def metrics(request: web.Request) -> web.Response:
    services = request.app[SERVICES_KEY]
    token = services.settings.metrics_token
    if token is not None:
        given = request.headers.get("Authorization", "").encode("utf-8", "replace")
        wanted = f"Bearer {token.reveal()}".encode()
        if not hmac.compare_digest(given, wanted):
            return web.Response(
                status=401, text="unauthorized", headers={"WWW-Authenticate": "Bearer"}
            )
    try:
        await services.metrics.read_outbox(services.database)
    except Exception as error:  # the counters still tell something; /healthz says why
        log.warning("/metrics: the outbox could not be read (%s)", type(error).__name__)
    response = web.Response(body=services.metrics.exposition())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def routes() -> list[web.RouteDef]:
    return [web.get("/metrics", metrics, name="metrics")]

"""Wiring the web side (web/) to the running bot: built and started only when PUBLIC_URL
is set, stopped first on the way down so nothing new arrives while the bot stops."""

from __future__ import annotations

from aiohttp import web
from telegram.ext import Application

from bot.context import Services
from web.server import WebServer
from web.site import build_site

_WEB_SERVER = "web_server"


async def start_web(
    application: Application, routes: list[web.RouteDef] | None = None
) -> WebServer | None:
    """Serve the site, plus `routes` of the wiring (the webhook, app/webhook.py)."""
    services: Services = application.bot_data["services"]
    settings = services.settings
    if settings.public_url is None:
        return None
    site = build_site(services)
    site.add_routes(routes or [])
    server = WebServer(site, host=settings.web_host, port=settings.web_port)
    await server.start()
    application.bot_data[_WEB_SERVER] = server
    return server


async def stop_web(application: Application) -> None:
    server = application.bot_data.pop(_WEB_SERVER, None)
    if isinstance(server, WebServer):
        await server.stop()


def web_server_of(application: Application) -> WebServer | None:
    """The running web server, if any (tests and the sandbox print its address)."""
    server = application.bot_data.get(_WEB_SERVER)
    return server if isinstance(server, WebServer) else None

"""The bot's web side: one aiohttp server inside the bot process, beside Telegram.

Served only when PUBLIC_URL is set (app/factory.py builds it, app/runner.py starts and
stops it with the bot). It is a user interface like handlers/, for people outside
Telegram and for operators: it calls the core (bot/) and never imports handlers/.
Routes are grouped by feature (web/health.py, ...), assembled in web/site.py.
"""

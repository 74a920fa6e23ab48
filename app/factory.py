"""Builds the python-telegram-bot Application: the one place where the layers meet.

The core services (bot/) are created here and handed to the handlers (handlers/) through
the typed context (bot/context.py); start-up and shutdown open and close what they use.
"""

from __future__ import annotations

import logging
import secrets
import warnings
from functools import partial

from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.warnings import PTBUserWarning

from bot import dates, timezones
from bot.admin import AdminService
from bot.clock import Clock
from bot.conferences import ConferenceService
from bot.context import BotContext, Services, install_services
from bot.health import HealthService
from bot.invitations import InvitationService
from bot.join_page import JoinPageService
from bot.joining import JoinService
from bot.keys import room_secret, web_secret
from bot.links import JoinLinks
from bot.mail.outbox import MailSender
from bot.metrics import Metrics
from bot.persistence import SQLitePersistence
from bot.platforms import make_platform
from bot.ratelimit import RetryingRateLimiter
from bot.reminders import ReminderService
from bot.series_changes import SeriesService
from bot.settings import Settings
from bot.sharing import SharingService
from bot.transport import AiohttpRequest
from bot.update_ledger import UpdateLedger
from bot.updates import PerPersonUpdateProcessor
from bot.users import UserService
from bot.verification import EmailVerificationService
from handlers import register_handlers
from handlers.commands import publish_default_commands
from handlers.users import send_flood_notice
from storage.db import Database

log = logging.getLogger(__name__)

# A token the local emulator accepts when no real one is configured (sandbox, tests).
OFFLINE_TOKEN = "1:offline-sandbox-token-not-for-telegram"


def quiet_design_warnings() -> None:
    """Called once at start-up (app/main.py), never on import.

    Our conversations mix message and button handlers with per_message=False on purpose
    (one dialog per chat and user, whichever message a button sits on); PTB warns about
    it at every start.
    """
    warnings.filterwarnings("ignore", message=r".*per_message.*", category=PTBUserWarning)


async def build_application(settings: Settings, *, clock: Clock | None = None) -> Application:
    """Open the database and build the Application with every handler registered.

    The caller owns the result: BotRunner (app/runner.py) starts and stops it.
    """
    database = await Database.open(settings.database)
    clock = clock or Clock()
    # Jitsi rooms are named under the bot's own key, made on the first start.
    video = make_platform(
        settings, clock=clock, room_secret=await room_secret(database, settings, clock)
    )
    metrics = Metrics()
    mail_sender = MailSender(
        database,
        settings,
        clock,
        base_delay=settings.mail_retry_seconds,
        # Only the process holding the leadership lock sends (bot/leadership.py), one pass
        # at a time: a claim must outlast only a killed holder's, until a standby may take
        # over; then the rows it never marked go out again, with their Message-ID.
        claim_seconds=settings.failover_seconds,
        metrics=metrics,
    )
    sharing = SharingService(database, clock)
    # The links handed out: the join page with PUBLIC_URL set, else the platform's.
    links = JoinLinks(database, settings, sharing, video)
    invitations = InvitationService(database, clock, settings, links, wake_sender=mail_sender.wake)
    verification = EmailVerificationService(database, clock, settings, wake_sender=mail_sender.wake)
    users = UserService(
        database,
        clock,
        default_timezone=settings.default_timezone,
        verification=verification,
        ask_timezone=settings.ask_timezone,
    )
    conferences = ConferenceService(database, clock, join_early_minutes=settings.join_early_minutes)
    persistence = SQLitePersistence(database)
    ledger = UpdateLedger(database, clock, persistence)
    joining = JoinService(database, clock, conferences, asks_name=video.link_carries_name())
    join_page = JoinPageService(
        database,
        clock,
        conferences,
        joining,
        video,
        # The web side's key, made and kept only where there is a web side.
        signing_key=(
            await web_secret(database, clock) if settings.public_url else secrets.token_urlsafe()
        ),
    )
    services = Services(
        settings=settings,
        database=database,
        clock=clock,
        users=users,
        verification=verification,
        conferences=conferences,
        video=video,
        sharing=sharing,
        invitations=invitations,
        mail_sender=mail_sender,
        joining=joining,
        reminders=ReminderService(database, clock, default_minutes=settings.reminder_minutes),
        admin=AdminService(
            database,
            clock,
            join_early_minutes=settings.join_early_minutes,
            on_unreachable=sharing.chat_unreachable,
        ),
        health=HealthService(database, clock),
        metrics=metrics,
        updates=ledger,
        join_page=join_page,
        links=links,
        series=SeriesService(database, clock, conferences),
    )
    token = settings.telegram_bot_token.reveal() if settings.telegram_bot_token else OFFLINE_TOKEN
    updates = PerPersonUpdateProcessor(ledger=ledger, metrics=metrics)
    builder = (
        ApplicationBuilder()
        .token(token)
        .persistence(persistence)
        .context_types(ContextTypes(context=BotContext))
        # Outgoing floods wait for Telegram's limits; 429 and network errors are retried.
        .rate_limiter(RetryingRateLimiter(metrics=metrics))
        # aiohttp under PTB: the same requests for less CPU than httpx (bot/transport.py).
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        # Different people's updates concurrently, each person's in order.
        .concurrent_updates(updates)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
    )
    if settings.telegram_base_url:
        base = settings.telegram_base_url
        file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base
        builder = builder.base_url(base).base_file_url(file_base)
    application = builder.build()
    # A person's updates beyond those waiting their turn are dropped, with one notice.
    updates.on_flood = partial(send_flood_notice, application.bot)
    install_services(application, services)
    register_handlers(application, settings)
    return application


def warm_up() -> None:
    """Load slow data (zone names, dateparser's languages: seconds of CPU) now rather
    than on the first person's message.

    `python -m bot` on PostgreSQL calls it before it contends for the leadership lock
    (app/main.py): once active, the lock's check must run every second, and seconds of
    CPU on the event loop would starve it until the server ended the silent session
    (FAILOVER_SECONDS) and the new active process fenced itself on a busy machine.
    Done again at start-up (`on_startup`) it costs nothing.
    """
    timezones.warm_up()
    dates.warm_up()


async def on_startup(application: Application) -> None:
    warm_up()  # done already by `python -m bot`; the tests and the sandbox start here
    await publish_default_commands(application.bot)
    services: Services = application.bot_data["services"]
    # Mail queued before a restart goes out now.
    services.mail_sender.start()
    services.mail_sender.wake()
    # A broadcast cut short by a restart carries on.
    for broadcast_id, admin_id, text in await services.admin.unfinished_broadcasts():
        application.create_task(
            services.admin.deliver_broadcast(application.bot, broadcast_id, admin_id, text),
            name=f"broadcast-{broadcast_id}",
        )
    log.info("Bot @%s is up", application.bot.username)


async def on_shutdown(application: Application) -> None:
    services: Services = application.bot_data["services"]
    await services.mail_sender.stop()
    await services.video.close()
    await services.database.close()

"""The typed context every handler receives: services, the current user, their texts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from telegram.ext import Application, CallbackContext, ExtBot

from bot.admin import AdminService
from bot.clock import Clock
from bot.conferences import ConferenceService
from bot.health import HealthService
from bot.i18n import Translator
from bot.invitations import InvitationService
from bot.join_page import JoinPageService
from bot.joining import JoinService
from bot.links import JoinLinks
from bot.mail.outbox import MailSender
from bot.metrics import Metrics
from bot.platforms import VideoPlatform
from bot.reminders import ReminderService
from bot.series_changes import SeriesService
from bot.settings import Settings
from bot.sharing import SharingService
from bot.update_ledger import UpdateLedger
from bot.users import UserService
from bot.verification import EmailVerificationService
from storage.db import Database
from storage.users import UserRecord

_SERVICES_KEY = "services"


@dataclass
class Services:
    """Everything the handlers may call; built once in app/factory.py."""

    settings: Settings
    database: Database
    clock: Clock
    users: UserService
    verification: EmailVerificationService
    conferences: ConferenceService
    video: VideoPlatform
    sharing: SharingService
    invitations: InvitationService
    mail_sender: MailSender
    joining: JoinService
    reminders: ReminderService
    admin: AdminService
    health: HealthService
    metrics: Metrics
    updates: UpdateLedger  # which updates were handled; their states saved with them
    join_page: JoinPageService  # the web's join page and website (web/)
    links: JoinLinks  # where the join page of a conference or an invitee is
    series: SeriesService  # one meeting of a series or all of them changed


# ExtBot[Any]: sends may carry our limiter's `rate_limit_args` (bot/ratelimit.py Bulk).
class BotContext(CallbackContext[ExtBot[Any], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """CallbackContext plus the services and the user of this update.

    PTB builds one context per update and shares it across handler groups, so the user
    loaded by the group -2 handler (handlers/users.py) is seen by every later handler.
    """

    def __init__(
        self, application: Application, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._user: UserRecord | None = None
        self.user_is_new = False
        # Replies held until the update's dialog state is saved (handlers/common.py).
        self.pending_replies: list[Callable[[], Awaitable[object]]] | None = None
        self.handling_started: float | None = None  # time.perf_counter() at group -4

    @property
    def services(self) -> Services:
        return self.application.bot_data[_SERVICES_KEY]

    @property
    def current_user(self) -> UserRecord:
        """The person of this update, as stored. Every feature handler runs after the user
        layer (handlers/users.py, group -2) has loaded them, so they never see None; code
        that may run without a person (the error handler) uses `user_if_known`."""
        if self._user is None:
            raise LookupError("no user on this update: the user layer has not loaded one")
        return self._user

    @current_user.setter
    def current_user(self, user: UserRecord) -> None:
        self._user = user

    @property
    def user_if_known(self) -> UserRecord | None:
        return self._user

    @property
    def user_data(self) -> dict[str, Any]:
        """The person's drafts and dialog data (persisted). Every update a feature handles
        comes from a person, so unlike PTB's Optional this is always a dict."""
        data = super().user_data
        if data is None:
            raise LookupError("no user_data: this update has no person")
        return data

    @user_data.setter
    def user_data(self, _: object) -> NoReturn:
        raise AttributeError("user_data cannot be replaced; change its keys instead")

    @property
    def language(self) -> str:
        if self._user is not None:
            return self._user.language
        return self.services.settings.default_language

    @property
    def t(self) -> Translator:
        """Texts in the current user's language: `context.t("menu.title")`."""
        return Translator(self.language)


def install_services(application: Application, services: Services) -> None:
    application.bot_data[_SERVICES_KEY] = services

"""Telegram UI. `register_handlers` is the whole surface of the bot on one screen.

Order matters: PTB tries the handlers of a group in the order they were added and stops
at the first that matches; groups run from the lowest number up.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.settings import Settings
from handlers import (
    admin,
    conference_form,
    conference_log,
    download,
    errors,
    invitations,
    joining,
    language,
    menu,
    participants,
    participation,
    persistence_flush,
    privacy,
    profile,
    reminders,
    series_changes,
    sharing,
    users,
    zone_check,
)

# Group -4: replies of this update wait until its dialog state is saved (group 99).
HOLD_GROUP = -4
# Group -3: flood control, before anything touches the database.
FLOOD_GROUP = -3
# Group -2: before any feature, register or refresh the user and load their language;
# blocked users stop here.
USER_GROUP = -2
# Group -1: private screens stay in the private chat; in a group their commands and
# buttons get a hint to open the private chat, and no feature sees them.
PRIVACY_GROUP = -1
# Group 0: the time zone, asked once before a newcomer's first schedule or conference card
# (the update waits and is handled again once answered); everyone else passes through.
ZONE_GROUP = 0
# Group 1: features. Conversations come first so that a dialog in progress gets its input;
# the catch-all for what nothing understood comes last (in the same group, so it only runs
# when no feature matched).
FEATURE_GROUP = 1
# Group 99: after everything, write dialog states so a restart resumes them, then send
# the replies held since group -4.
FLUSH_GROUP = 99


def register_handlers(application: Application, settings: Settings) -> None:
    application.add_handler(persistence_flush.holding_handler(), group=HOLD_GROUP)
    application.add_handler(
        users.flood_handler(settings.flood_max_updates, settings.flood_window_seconds),
        group=FLOOD_GROUP,
    )
    application.add_handler(users.handler(), group=USER_GROUP)
    application.add_handler(privacy.handler(), group=PRIVACY_GROUP)
    application.add_handler(zone_check.handler(), group=ZONE_GROUP)

    application.add_handler(users.membership_handler(), group=FEATURE_GROUP)
    application.add_handlers(admin.handlers(settings), group=FEATURE_GROUP)

    application.add_handlers(profile.handlers(), group=FEATURE_GROUP)
    application.add_handlers(conference_form.handlers(), group=FEATURE_GROUP)
    application.add_handlers(invitations.handlers(), group=FEATURE_GROUP)
    application.add_handlers(joining.handlers(), group=FEATURE_GROUP)
    application.add_handlers(conference_log.handlers(), group=FEATURE_GROUP)
    application.add_handlers(sharing.handlers(), group=FEATURE_GROUP)
    application.add_handlers(series_changes.handlers(), group=FEATURE_GROUP)
    application.add_handlers(participants.handlers(), group=FEATURE_GROUP)
    application.add_handlers(participation.handlers(), group=FEATURE_GROUP)
    application.add_handlers(language.handlers(), group=FEATURE_GROUP)
    application.add_handlers(download.handlers(), group=FEATURE_GROUP)
    application.add_handlers(menu.handlers(), group=FEATURE_GROUP)

    # A confirmation code typed outside any dialog: after every dialog, before the catch-all.
    application.add_handlers(profile.code_handlers(), group=FEATURE_GROUP)
    application.add_handlers(menu.fallback_handlers(), group=FEATURE_GROUP)
    application.add_handler(persistence_flush.handler(), group=FLUSH_GROUP)
    application.add_error_handler(errors.on_error)
    reminders.schedule(application, settings.reminder_check_seconds)

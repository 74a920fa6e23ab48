"""E-mail: the messages the bot sends (compose) and, beside it, their delivery.

`bot.mail.compose` builds invitations, updates, cancellations and the notice of a changed
profile address as `EmailMessage` objects, without any I/O.
"""

from bot.mail.compose import (
    ConferenceMail,
    Method,
    email_changed_message,
    invitation_message,
    mail_address,
    message_domain,
)

__all__ = [
    "ConferenceMail",
    "Method",
    "email_changed_message",
    "invitation_message",
    "mail_address",
    "message_domain",
]

"""E-mail: the messages the bot sends (compose) and, beside it, their delivery.

`bot.mail.compose` builds invitations, updates, cancellations, the confirmation code of a
profile address and the notice to the previous address as `EmailMessage` objects, without
any I/O.
"""

from bot.mail.compose import (
    ConferenceMail,
    Method,
    address_changed_message,
    invitation_message,
    mail_address,
    message_domain,
    verification_code_message,
)

__all__ = [
    "ConferenceMail",
    "Method",
    "address_changed_message",
    "invitation_message",
    "mail_address",
    "message_domain",
    "verification_code_message",
]

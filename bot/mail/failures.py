"""Why an e-mail could not be delivered: in the server's words for admins, and as a
category the owner reads in their language.

The server's reply can name hosts, paths and internal addresses; it goes to `last_error`,
which only admins see (/outbox). The owner's card shows the category through the
catalogs (`delivery.reason_<category>`), never the reply itself.
"""

from __future__ import annotations

import aiosmtplib

MAILBOX = "mailbox"  # the recipient's mailbox is unavailable (or unknown)
REFUSED = "refused"  # the server refused the message
CONNECT = "connect"  # the server could not be reached, or the connection broke
TIMEOUT = "timeout"  # the server did not answer in time
ERROR = "error"  # anything else (a file that could not be written, a bad address)
REASONS = (MAILBOX, REFUSED, CONNECT, TIMEOUT, ERROR)

# Replies to RCPT that are about the mailbox itself (RFC 5321 4.2.2): unavailable, not
# local, over its storage, a name that is not allowed.
_MAILBOX_CODES = frozenset({450, 452, 550, 551, 552, 553})
_MAX_DESCRIPTION = 500  # characters of a server's reply kept in last_error


def describe(error: BaseException) -> str:
    """A short reason for last_error and the logs (a server reply, or the error's type)."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPResponseException):
        text = f"{error.code} {error.message}".strip()
    else:
        detail = str(error).strip()
        text = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return " ".join(text.split())[:_MAX_DESCRIPTION]


def is_permanent(error: BaseException) -> bool:
    """A 5xx reply, or a message/address the server cannot take at all."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refusal.code for refusal in error.recipients]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return error.code >= 500
    # ValueError: an address aiosmtplib refuses to put on the wire;
    # SMTPNotSupported: a non-ASCII address and a server without SMTPUTF8.
    return isinstance(error, (ValueError, aiosmtplib.SMTPNotSupported))


def reason_of(error: BaseException) -> str:
    """The category of a failed try, from the SMTP reply code or the exception's type."""
    if isinstance(error, TimeoutError):  # aiosmtplib's timeouts are TimeoutErrors too
        return TIMEOUT
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPRecipientRefused):
        return MAILBOX if error.code in _MAILBOX_CODES else REFUSED
    if isinstance(error, (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPNotSupported)):
        return REFUSED
    if isinstance(error, (ConnectionError, OSError)):
        return CONNECT
    return ERROR

"""Rules for the values a person types into "Personal information".

Each validator returns the clean value or raises InvalidInput with the catalog key of the
message that tells the person what to type instead.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from bot.mail.compose import mail_address
from bot.text import strip_invisible
from bot.timezones import resolve_timezone
from bot.validation import InvalidInput

MAX_NAME_LENGTH = 64
MAX_EMAIL_LENGTH = 254
CLEAR_VALUE = "-"


def clean_name(typed: str) -> str:
    """A person's name or joining name: 1..64 printable characters on one line, without
    invisible characters that could disguise it (they are dropped, not refused)."""
    name = " ".join(strip_invisible(" ".join(typed.split())).split())
    if not 1 <= len(name) <= MAX_NAME_LENGTH or "\n" in typed.strip() or not _printable(name):
        raise InvalidInput("profile.bad_name")
    return name


def clean_email(typed: str) -> str | None:
    """A syntactically valid address (no DNS lookup), normalised; '-' clears it."""
    candidate = typed.strip()
    if candidate == CLEAR_VALUE:
        return None
    shown = candidate[:80]
    if len(candidate) > MAX_EMAIL_LENGTH:
        raise InvalidInput(
            "profile.bad_email", {"value": shown}, {"reason": "profile.email_reason_too_long"}
        )
    try:
        address = validate_email(candidate, check_deliverability=False).normalized
        # It must also fit a mail header as one plain address: it becomes the organizer
        # of invitations once confirmed.
        mail_address(address)
    except (EmailNotValidError, ValueError):
        raise InvalidInput(
            "profile.bad_email", {"value": shown}, {"reason": "profile.email_reason_syntax"}
        ) from None
    return address


def clean_timezone(typed: str) -> str:
    zone = resolve_timezone(typed.strip())
    if zone is None:
        raise InvalidInput("profile.bad_timezone", {"value": typed.strip()[:64]})
    return zone


def clean_display_name(typed: str) -> str | None:
    """The name used when joining; '-' means "use my profile name"."""
    return None if typed.strip() == CLEAR_VALUE else clean_name(typed)


def joining_name_if_different(full_name: str, display_name: str | None) -> str | None:
    """The name for joining, where it differs from the profile name; None otherwise.

    A person has one name for joining: their profile name, unless they chose another.
    A stored one equal to the profile name (typed so, or the profile name changed to it
    later) is no other name, and is shown and offered as none.
    """
    if display_name is None or display_name == full_name:
        return None
    return display_name


def _printable(text: str) -> bool:
    # Invisible characters are already gone (strip_invisible); what is left of category C
    # is private-use, unassigned or broken text, which shows as boxes: refused.
    return all(unicodedata.category(char) not in ("Co", "Cn", "Cs") for char in text)

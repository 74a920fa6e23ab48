"""The e-mails the bot sends, built as `EmailMessage` objects: pure functions, no I/O.

- `invitation_message`: an invitation (F3), an update (F8 "Notify participants") or a
  cancellation (F10) for one recipient, in the owner's language, with an iTIP calendar:

      multipart/mixed
        multipart/alternative
          text/plain
          text/html
          text/calendar; method=REQUEST (or CANCEL); charset=utf-8
        application/ics; name="invite.ics"   (the same calendar, as an attachment)

  Outlook reads the text/calendar alternative, Google and Apple the attachment or either.
- `verification_code_message`: the confirmation code sent to a new profile address, and
  `address_changed_message`: the notice to the previous one once the new one is confirmed
  (F11). Both carry only the bot's own words, the code and its expiry: nothing a person
  typed (no name, no topic, not the other address), because whoever types an address
  decides who receives them.

Topics, names and addresses come from users. Nothing they type can add a header: text
that goes into a header loses its control characters (CR, LF and the like), and an
address that is not one plain `name@example.com` is refused with ValueError. The modern
email API (`email.policy.SMTP`) encodes non-ASCII headers and bodies.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy as email_policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, make_msgid
from enum import StrEnum
from typing import Literal, NamedTuple

from bot import series_text
from bot.calendar import Recurrence, calendar_description, invitation_ics
from bot.changes import Change, shown_values
from bot.formatting import format_moment
from bot.i18n import FALLBACK_LANGUAGE, LANGUAGES, Html, plain, text

# CRLF line ends, as SMTP and .eml files want them; 7-bit bodies (quoted-printable or base64,
# whichever is shorter), so that no relay needs 8BITMIME.
POLICY = email_policy.SMTP.clone(cte_type="7bit")
DEFAULT_SENDER_NAME = "Conference Bot"
ATTACHMENT_NAME = "invite.ics"


class Method(StrEnum):
    """The iTIP method of the calendar in an invitation e-mail (RFC 5546)."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class ConferenceMail:
    """Everything that goes into an invitation, already decided by the caller.

    `language` is the recipient's (that of their first invitation), `timezone` the
    owner's; times are aware (UTC). `uid` is `bot.calendar.conference_uid(conference)`,
    the same for the invitation, every update and the cancellation; `sequence` is 0 for
    the first invitation and higher for each later message. `organizer_email` None means
    the sender's address is the ORGANIZER. `reply_to` is where replies go (the owner's
    verified address now), None for no Reply-To. `attendees` are every invitee's address.
    `changes` are what an update changed since the invitees were last told.
    The way in is worded from the video platform's facts (bot/platforms/base.py):
    `website_url` takes the ID and password (None: no website does, the ID is a
    reference), `link_note` names what the link carries or needs, and `link_opens_room`
    False means the link alone lets nobody in (no Join button then).
    """

    language: str
    timezone: str
    topic: str
    starts_at: datetime
    ends_at: datetime
    conference_code: str
    password: str
    website_url: str | None
    join_url: str
    uid: str
    sequence: int
    organizer_name: str
    organizer_email: str | None
    attendees: tuple[str, ...]
    link_note: str | None = None
    link_opens_room: bool = True
    reply_to: str | None = None
    changes: tuple[Change, ...] = ()
    # A series: the calendar carries its rule, zone and exceptions (bot/calendar.py).
    recurrence: Recurrence | None = None


# --- Building blocks ---------------------------------------------------------------------------


def header_text(value: str) -> str:
    """`value` on one line: control characters and line/paragraph separators become spaces."""
    cleaned = "".join(
        " " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char for char in value
    )
    return " ".join(cleaned.split())


def mail_address(value: str) -> str:
    """A bare address ("name@example.com") fit for a header, or ValueError.

    Refuses line breaks, commas, display names and angle brackets, so one value is always
    exactly one recipient. An internationalised domain is written in its ASCII (IDNA) form;
    a non-ASCII local part is refused, as it needs SMTPUTF8, which the bot does not use.
    """
    if not isinstance(value, str) or any(char in value for char in "\r\n,"):
        raise ValueError(f"not a single e-mail address: {value!r}")
    candidate = value.strip()
    try:
        address = Address(addr_spec=candidate)
    except (ValueError, HeaderParseError, IndexError) as error:
        raise ValueError(f"not a single e-mail address: {value!r}") from error
    if not address.username or not address.domain or address.addr_spec != candidate:
        raise ValueError(f"not a single e-mail address: {value!r}")
    try:
        domain = address.domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"the domain of {value!r} is not valid") from error
    return f"{address.username}@{domain}"


def sender_address(sender: str) -> Address:
    """The configured sender ("Conference Bot <bot@example.com>") as one Address."""
    if not isinstance(sender, str) or "\r" in sender or "\n" in sender:
        raise ValueError(f"not a sender address: {sender!r}")
    header = email_policy.default.header_factory("From", sender)
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    if len(addresses) != 1:
        raise ValueError(f"the sender must be exactly one address: {sender!r}")
    parsed = addresses[0]
    return Address(
        display_name=header_text(parsed.display_name), addr_spec=mail_address(parsed.addr_spec)
    )


def message_domain(sender: str) -> str:
    """The domain of the sender's address, for Message-IDs."""
    return sender_address(sender).domain


def _language(language: str) -> str:
    return language if language in LANGUAGES else FALLBACK_LANGUAGE


def _require_aware(**moments: datetime) -> None:
    for name, moment in moments.items():
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be an aware datetime")


def _message_id(message_id: str | None, sender: str) -> str:
    if message_id is None:
        return make_msgid(domain=message_domain(sender))
    value = message_id.strip()
    if not (value.startswith("<") and value.endswith(">") and "@" in value) or any(
        char.isspace() or unicodedata.category(char) == "Cc" for char in value
    ):
        raise ValueError(f"not a Message-ID: {message_id!r}")
    return value


def _new_message(
    *,
    sender: Address,
    recipient: str,
    subject: str,
    now: datetime,
    message_id: str,
    reply_to: str | None = None,
) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = Address(addr_spec=recipient)
    if reply_to:
        message["Reply-To"] = Address(addr_spec=reply_to)
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = message_id
    message["MIME-Version"] = "1.0"
    return message


def _text_part(body: str, subtype: str) -> MIMEPart:
    """A text/`subtype` part holding `body` in UTF-8."""
    part = MIMEPart(policy=POLICY)
    part.set_content(body, subtype=subtype, charset="utf-8")
    return part


def _make_alternative(container: MIMEPart, *parts: MIMEPart) -> None:
    """Turns `container` into a multipart/alternative of `parts`, in this order."""
    container.make_alternative()
    for part in parts:
        container.attach(part)


def _alternative(*parts: MIMEPart) -> MIMEPart:
    """A new multipart/alternative part of `parts`, in this order."""
    alternative = MIMEPart(policy=POLICY)
    _make_alternative(alternative, *parts)
    return alternative


def _is_web_link(url: str) -> bool:
    return url.lower().startswith(("https://", "http://"))


def _html_link(url: str, label: str | None = None, *, style: str = "") -> str:
    """An <a> for http(s) URLs (escaped for the attribute too); other values stay text."""
    shown = html.escape(label if label is not None else url, quote=False)
    if not _is_web_link(url):
        return shown
    styled = f' style="{style}"' if style else ""
    return f'<a href="{html.escape(url, quote=True)}"{styled}>{shown}</a>'


_BODY_STYLE = "font-family: Arial, Helvetica, sans-serif; font-size: 15px; color: #222222;"
_LABEL_STYLE = "text-align: left; vertical-align: top; padding: 4px 16px 4px 0; color: #555555;"
_VALUE_STYLE = "padding: 4px 0;"
_BUTTON_STYLE = (
    "display: inline-block; padding: 10px 18px; background: #1a73e8; color: #ffffff;"
    " text-decoration: none; border-radius: 4px;"
)
_NOTE_STYLE = "color: #666666; font-size: 13px;"


def _html_document(language: str, title: str, body: Iterable[str]) -> str:
    """A whole HTML page in `language`, titled `title`, around the `body` lines."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{language}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title, quote=False)}</title>",
            "</head>",
            f'<body style="{_BODY_STYLE}">',
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


# --- Invitations, updates, cancellations ---------------------------------------------------

_Kind = Literal["invitation", "update", "cancellation"]

_CALENDAR_HINTS: dict[_Kind, str] = {
    "invitation": "mail.calendar_hint",
    "update": "mail.calendar_hint_update",
    "cancellation": "mail.calendar_hint_cancellation",
}


class _Row(NamedTuple):
    """One detail shown in an invitation: its label's text key, its value, whether a link."""

    label_key: str
    value: str
    is_link: bool


def _check_invitation(mail: ConferenceMail, *, method: Method, update: bool, now: datetime) -> None:
    """Nothing, or ValueError for a cancelling update, a negative sequence or a naive time."""
    if method is Method.CANCEL and update:
        raise ValueError("a cancellation cannot also be an update")
    if mail.sequence < 0:
        raise ValueError("sequence cannot be negative")
    _require_aware(starts_at=mail.starts_at, ends_at=mail.ends_at, now=now)


def _invitation_kind(method: Method, update: bool) -> _Kind:
    """Which message this is: "cancellation", "update" or "invitation"."""
    return "cancellation" if method is Method.CANCEL else "update" if update else "invitation"


def _invitation_attendees(attendees: Iterable[str], recipient: str) -> list[str]:
    """The calendar's attendees, each checked, with `recipient` added if it is missing."""
    checked = [mail_address(address) for address in attendees]
    if recipient.casefold() not in {address.casefold() for address in checked}:
        checked.append(recipient)
    return checked


def _invitation_calendar(
    mail: ConferenceMail,
    *,
    method: Method,
    language: str,
    now: datetime,
    topic: str,
    organizer_email: str,
    organizer_name: str,
    attendees: list[str],
) -> bytes:
    """The iTIP calendar (bot.calendar.invitation_ics), its description in `language`."""
    cancelled = method is Method.CANCEL
    if cancelled:
        description = plain(language, "mail.calendar_cancelled", code=mail.conference_code)
    else:
        description = calendar_description(
            language,
            code=mail.conference_code,
            password=mail.password,
            join_url=mail.join_url,
            website=mail.website_url,
            link_note=mail.link_note,
        )
    return invitation_ics(
        method=method.value,
        uid=mail.uid,
        sequence=mail.sequence,
        now=now,
        starts_at=mail.starts_at,
        ends_at=mail.ends_at,
        summary=topic,
        description=description,
        join_url=None if cancelled else mail.join_url,
        organizer_email=organizer_email,
        organizer_name=organizer_name,
        attendees=attendees,
        recurrence=mail.recurrence,
    )


def _invitation_rows(
    mail: ConferenceMail, *, topic: str, organizer: str, start: str, end: str, cancelled: bool
) -> list[_Row]:
    """The details shown in the message, in order; a cancellation has no link or password."""
    rows = [_Row("mail.label_topic", topic, False)]
    if organizer:
        rows.append(_Row("mail.label_organizer", organizer, False))
    rows += [_Row("mail.label_start", start, False), _Row("mail.label_end", end, False)]
    recurrence = mail.recurrence
    if recurrence is not None and recurrence.only is None:  # the whole series: its rhythm
        rhythm = series_text.describe(mail.language, recurrence.rule)
        until = series_text.describe_end(mail.language, recurrence.rule, recurrence.timezone)
        rows.append(_Row("mail.label_repeats", f"{rhythm}; {until}", False))
    if cancelled:
        rows.append(_Row("mail.label_code", mail.conference_code, False))
    elif mail.website_url is None:  # no website takes the ID: it is a reference
        rows += [
            _Row("mail.label_code_reference", mail.conference_code, False),
            _Row("mail.label_password", mail.password, False),
            _Row("mail.label_join", mail.join_url, True),
        ]
    else:
        rows += [
            _Row("mail.label_website", mail.website_url, True),
            _Row("mail.label_code", mail.conference_code, False),
            _Row("mail.label_password", mail.password, False),
            _Row("mail.label_join", mail.join_url, True),
        ]
    return rows


# The label of each field an update can change (bot/changes.py).
_CHANGE_LABELS = {
    "topic": "mail.label_topic",
    "starts_at": "mail.label_start",
    "ends_at": "mail.label_end",
    "conference_code": "mail.label_code",
    "password": "mail.label_password",
}


class _ChangeRow(NamedTuple):
    """One changed field of an update, as the recipient reads it: "Start: 15:00 → 16:00"."""

    label_key: str
    old: str
    new: str


def _change_rows(mail: ConferenceMail, language: str) -> list[_ChangeRow]:
    """The update's changes in the recipient's language (times in the mail's zone)."""
    rows = []
    for change in mail.changes:
        old, new = shown_values(change, mail.timezone, language)
        rows.append(_ChangeRow(_CHANGE_LABELS[change.field], header_text(old), header_text(new)))
    return rows


def _join_hint_keys(mail: ConferenceMail, kind: _Kind) -> list[str]:
    """How to join, as the platform allows: the website or the link, then what the link
    carries or needs; nothing for a cancellation."""
    if kind == "cancellation":
        return []
    keys = []
    if mail.website_url is not None:
        keys.append("mail.join_hint")
    elif mail.link_opens_room:
        keys.append("mail.join_hint_link")
    if mail.link_note is not None:
        keys.append(f"mail.link_{mail.link_note}")
    return keys


def _invitation_plain_body(
    language: str,
    kind: _Kind,
    rows: Iterable[_Row],
    *,
    hint_keys: list[str],
    footer_key: str,
    changes: Iterable[_ChangeRow] = (),
) -> str:
    """The text/plain body: intro, what changed (an update), one "Label: value" line per
    row, hints and signature."""
    lines = [plain(language, f"mail.intro_{kind}"), ""]
    changed = [
        plain(
            language, "mail.change_line", label=plain(language, c.label_key), old=c.old, new=c.new
        )
        for c in changes
    ]
    if changed:
        lines += [plain(language, "mail.changes_title"), *changed, ""]
    lines += [f"{plain(language, row.label_key)}: {row.value}" for row in rows]
    lines.append("")
    for key in hint_keys:
        lines += [plain(language, key), ""]
    lines += [plain(language, _CALENDAR_HINTS[kind]), "", "-- ", plain(language, footer_key), ""]
    return "\n".join(lines)


def _invitation_html_body(
    language: str,
    kind: _Kind,
    rows: Iterable[_Row],
    *,
    title: str,
    join_url: str | None,
    hint_keys: list[str],
    footer_key: str,
    changes: Iterable[_ChangeRow] = (),
) -> str:
    """The text/html document: intro, what changed (an update; the old value struck
    through), a table of the rows, join button, hints and signature."""
    body = [f"<p>{text(language, f'mail.intro_{kind}')}</p>"]
    changed = [
        text(
            language,
            "mail.change_line",
            label=plain(language, c.label_key),
            old=Html(f'<s style="{_NOTE_STYLE}">{html.escape(c.old, quote=False)}</s>'),
            new=Html(f"<strong>{html.escape(c.new, quote=False)}</strong>"),
        )
        for c in changes
    ]
    if changed:
        body.append(f"<p><strong>{text(language, 'mail.changes_title')}</strong></p>")
        body.append("<ul>" + "".join(f"<li>{line}</li>" for line in changed) + "</ul>")
    body.append('<table role="presentation" cellspacing="0" cellpadding="0">')
    for row in rows:
        shown = _html_link(row.value) if row.is_link else html.escape(row.value, quote=False)
        body.append(
            f'<tr><th style="{_LABEL_STYLE}">{text(language, row.label_key)}</th>'
            f'<td style="{_VALUE_STYLE}">{shown}</td></tr>'
        )
    body.append("</table>")
    if kind != "cancellation" and join_url is not None and _is_web_link(join_url):
        button = _html_link(join_url, plain(language, "mail.join_button"), style=_BUTTON_STYLE)
        body.append(f"<p>{button}</p>")
    for key in hint_keys:
        body.append(f"<p>{text(language, key)}</p>")
    body.append(f'<p style="{_NOTE_STYLE}">{text(language, _CALENDAR_HINTS[kind])}</p>')
    body.append(f'<hr><p style="{_NOTE_STYLE}">{text(language, footer_key)}</p>')
    return _html_document(language, title, body)


def _invitation_from(bot: Address, organizer: str, language: str) -> Address:
    """The From address: the bot's, shown as "{organizer} via {bot name}" if there is one."""
    sender_name = bot.display_name or DEFAULT_SENDER_NAME
    from_name = (
        plain(language, "mail.from_via", name=organizer, sender=sender_name)
        if organizer
        else bot.display_name
    )
    return Address(display_name=header_text(from_name), addr_spec=bot.addr_spec)


def _calendar_part(calendar: bytes, method: Method) -> MIMEPart:
    """The text/calendar alternative (method=REQUEST or CANCEL) that Outlook reads."""
    part = MIMEPart(policy=POLICY)
    part.set_content(
        calendar,
        maintype="text",
        subtype="calendar",
        cte="base64",
        params={"method": method.value, "charset": "utf-8"},
    )
    return part


def _ics_attachment(calendar: bytes) -> MIMEPart:
    """The same calendar as the invite.ics attachment (application/ics)."""
    part = MIMEPart(policy=POLICY)
    part.set_content(
        calendar,
        maintype="application",
        subtype="ics",
        cte="base64",
        disposition="attachment",
        filename=ATTACHMENT_NAME,
        params={"name": ATTACHMENT_NAME},
    )
    return part


def _attach_invitation_parts(
    message: MIMEPart,
    *,
    plain_body: str,
    html_body: str,
    calendar: bytes,
    method: Method,
    language: str,
) -> None:
    """Makes `message` mixed{alternative{plain, html, calendar}, invite.ics} in `language`."""
    message.make_mixed()
    message.attach(
        _alternative(
            _text_part(plain_body, "plain"),
            _text_part(html_body, "html"),
            _calendar_part(calendar, method),
        )
    )
    message.attach(_ics_attachment(calendar))
    message["Content-Language"] = language  # after make_mixed(), which moves Content-* down


def invitation_message(
    mail: ConferenceMail,
    *,
    method: Method,
    update: bool = False,
    recipient: str,
    sender: str,
    now: datetime,
    message_id: str | None = None,
) -> EmailMessage:
    """One invitation e-mail to `recipient`, in `mail.language`, with its calendar.

    `method` REQUEST with `update` False is the first invitation, with `update` True a
    changed conference ("Updated: ...", listing `mail.changes`); CANCEL is the
    cancellation (no join link, no password). `sender` is MAIL_FROM; the display name
    becomes "{organizer} via {sender name}" when the organizer's name is known, and
    Reply-To is `mail.reply_to` when there is one.
    The recipient is added to the calendar's attendees if the caller left it out.
    Raises ValueError for an address that is not exactly one plain address.
    """
    method = Method(method)
    _check_invitation(mail, method=method, update=update, now=now)
    kind = _invitation_kind(method, update)
    language = _language(mail.language)
    to = mail_address(recipient)
    bot = sender_address(sender)
    owner_email = mail_address(mail.organizer_email) if mail.organizer_email else None
    attendees = _invitation_attendees(mail.attendees, to)
    organizer = header_text(mail.organizer_name)
    topic = header_text(mail.topic)
    start = format_moment(mail.starts_at, mail.timezone, language)
    end = format_moment(mail.ends_at, mail.timezone, language)
    subject = plain(language, f"mail.subject_{kind}", topic=topic, start=start)
    calendar = _invitation_calendar(
        mail,
        method=method,
        language=language,
        now=now,
        topic=topic,
        attendees=attendees,
        organizer_email=owner_email or bot.addr_spec,
        organizer_name=organizer or bot.display_name or DEFAULT_SENDER_NAME,
    )
    rows = _invitation_rows(
        mail,
        topic=topic,
        organizer=organizer,
        start=start,
        end=end,
        cancelled=kind == "cancellation",
    )
    reply_to = mail_address(mail.reply_to) if mail.reply_to else None
    footer_key = "mail.footer_reply" if reply_to else "mail.footer"
    hint_keys = _join_hint_keys(mail, kind)
    changes = _change_rows(mail, language) if kind == "update" else []
    plain_body = _invitation_plain_body(
        language, kind, rows, hint_keys=hint_keys, footer_key=footer_key, changes=changes
    )
    html_body = _invitation_html_body(
        language,
        kind,
        rows,
        title=subject,
        join_url=mail.join_url if mail.link_opens_room else None,  # a button that opens it
        hint_keys=hint_keys,
        footer_key=footer_key,
        changes=changes,
    )
    message = _new_message(
        sender=_invitation_from(bot, organizer, language),
        recipient=to,
        subject=subject,
        now=now,
        message_id=_message_id(message_id, sender),
        reply_to=reply_to,
    )
    _attach_invitation_parts(
        message,
        plain_body=plain_body,
        html_body=html_body,
        calendar=calendar,
        method=method,
        language=language,
    )
    return message


# --- Profile: confirming an address, and the notice to the previous one ---------------------


def _account_message(
    *,
    language: str,
    recipient: str,
    sender: str,
    now: datetime,
    message_id: str | None,
    subject: str,
    paragraphs: list[str],
) -> EmailMessage:
    """A short automatic message of the bot's own texts (catalog keys with their values),
    plain and HTML, no Reply-To, marked Auto-Submitted so that nobody's autoresponder
    answers it."""
    _require_aware(now=now)
    bot = sender_address(sender)
    to = mail_address(recipient)
    plain_body = "\n".join(
        [
            *(line for paragraph in paragraphs for line in (paragraph, "")),
            "-- ",
            plain(language, "verifymail.footer", sender=_sender_name(bot)),
            "",
        ]
    )
    html_body = _html_document(
        language,
        subject,
        [
            *(f"<p>{html.escape(paragraph, quote=False)}</p>" for paragraph in paragraphs),
            f'<hr><p style="{_NOTE_STYLE}">'
            f"{text(language, 'verifymail.footer', sender=_sender_name(bot))}</p>",
        ],
    )
    message = _new_message(
        sender=bot,
        recipient=to,
        subject=subject,
        now=now,
        message_id=_message_id(message_id, sender),
    )
    message["Auto-Submitted"] = "auto-generated"
    _make_alternative(message, _text_part(plain_body, "plain"), _text_part(html_body, "html"))
    message["Content-Language"] = language
    return message


def _sender_name(bot: Address) -> str:
    return bot.display_name or DEFAULT_SENDER_NAME


def verification_code_message(
    *,
    language: str,
    recipient: str,
    code: str,
    expires_at: datetime,
    minutes: int,
    sender: str,
    now: datetime,
    message_id: str | None = None,
) -> EmailMessage:
    """The code that confirms `recipient` as someone's profile address (F11).

    In the person's language; says who the bot is (the sender's name), the code, how long
    it works (until `expires_at`, shown in UTC), and that whoever did not ask for it can
    ignore it. Raises ValueError for a code that is not six digits or a bad address."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise ValueError("a confirmation code is six digits")
    _require_aware(expires_at=expires_at)
    language = _language(language)
    name = _sender_name(sender_address(sender))
    until = format_moment(expires_at, "UTC", language)
    return _account_message(
        language=language,
        recipient=recipient,
        sender=sender,
        now=now,
        message_id=message_id,
        subject=plain(language, "verifymail.code_subject", sender=name),
        paragraphs=[
            plain(language, "verifymail.code_intro", sender=name),
            plain(language, "verifymail.code_line", code=code),
            plain(language, "verifymail.code_expiry", minutes=minutes, until=until),
            plain(language, "verifymail.code_ignore"),
        ],
    )


def address_changed_message(
    *,
    language: str,
    recipient: str,
    sender: str,
    now: datetime,
    message_id: str | None = None,
) -> EmailMessage:
    """The notice to a profile's previous verified address that the profile now has
    another one (which it does not name). Raises ValueError for a bad address."""
    language = _language(language)
    name = _sender_name(sender_address(sender))
    return _account_message(
        language=language,
        recipient=recipient,
        sender=sender,
        now=now,
        message_id=message_id,
        subject=plain(language, "verifymail.changed_subject", sender=name),
        paragraphs=[
            plain(language, "verifymail.changed_body", sender=name),
            plain(language, "verifymail.changed_warning"),
        ],
    )

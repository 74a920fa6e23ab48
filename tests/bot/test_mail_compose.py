"""The e-mails the bot sends: MIME structure, texts, the iTIP calendar, header safety.

Every message is serialised and parsed back, as a mail client would see it.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from bot.calendar import conference_uid, invitation_ics
from bot.changes import Change
from bot.formatting import format_moment
from bot.mail import (
    ConferenceMail,
    Method,
    address_changed_message,
    invitation_message,
    mail_address,
    message_domain,
    verification_code_message,
)
from storage.conferences import ConferenceRecord

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
END = START + timedelta(minutes=90)
SENDER = "Conference Bot <bot@example.com>"
NASTY = '<b>x</b> & <a href="y">'
JOIN_URL = "https://meet.example.com/team-sync-2026?pwd=s3cr&t=1"
WEBSITE = "https://meet.example.com"

RECORD = ConferenceRecord(
    id=42,
    owner_id=1,
    topic="Team sync",
    starts_at=int(START.timestamp()),
    ends_at=int(END.timestamp()),
    conference_code="team-sync-2026",
    password="s3cr<e>t",
    allow_without_owner=True,
    sequence=0,
    changed_since_notice=False,
    owner_joined_at=None,
    created_at=1_700_000_000,
    updated_at=1_700_000_000,
)

MAIL = ConferenceMail(
    language="en",
    timezone="Europe/Moscow",
    topic="Team sync",
    starts_at=START,
    ends_at=END,
    conference_code="team-sync-2026",
    password="s3cr<e>t",
    website_url=WEBSITE,
    join_url=JOIN_URL,
    uid=conference_uid(RECORD),
    sequence=0,
    organizer_name="Anna Petrova",
    organizer_email="anna@example.com",
    attendees=("bob@example.org", "carol@example.net"),
    reply_to="anna@example.com",
)


def roundtrip(message: EmailMessage) -> EmailMessage:
    data = message.as_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    return email.message_from_bytes(data, policy=email.policy.default)


def invite(
    mail: ConferenceMail = MAIL,
    *,
    method: Method = Method.REQUEST,
    update=False,
    recipient="bob@example.org",
    sender=SENDER,
    **extra,
) -> EmailMessage:
    return roundtrip(
        invitation_message(
            mail,
            method=method,
            update=update,
            recipient=recipient,
            sender=sender,
            now=NOW,
            **extra,
        )
    )


def parts(message: EmailMessage):
    """(plain, html, calendar part, attachment) after checking the exact MIME tree."""
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html, calendar = alternative.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("charset").lower() == "utf-8"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_param("name") == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    # The same calendar bytes twice (get_content() would decode the text/calendar one).
    assert calendar.get_payload(decode=True) == attachment.get_payload(decode=True)
    for part in (alternative, plain, html, calendar, attachment):
        assert "MIME-Version" not in part
    return plain.get_content(), html.get_content(), calendar, attachment


def event_of(calendar_part) -> tuple[Calendar, object]:
    data = calendar_part.get_payload(decode=True)
    assert b"\r\n" in data
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_invitation_has_the_outlook_structure_and_every_detail():
    message = invite()
    assert message["MIME-Version"] == "1.0"
    plain, html, calendar_part, _ = parts(message)
    start = format_moment(START, "Europe/Moscow", "en")
    end = format_moment(END, "Europe/Moscow", "en")
    assert start.endswith("Moscow time (UTC+3)") and "15:00" in start and "16:30" in end
    for body in (plain, html.replace("&amp;", "&")):
        for value in ("Team sync", start, end, WEBSITE, "team-sync-2026", JOIN_URL):
            assert value in body
    assert "s3cr<e>t" in plain and "s3cr&lt;e&gt;t" in html
    assert "You are invited" in plain
    assert message["Subject"] == f"Invitation: Team sync — {start}"
    assert calendar_part.get_param("method") == "REQUEST"


def test_the_calendar_is_a_valid_itip_request():
    _, _, calendar_part, _ = parts(invite())
    calendar, event = event_of(calendar_part)
    assert calendar["method"] == calendar_part.get_param("method") == "REQUEST"
    assert calendar["version"] == "2.0" and calendar["prodid"]
    assert event["uid"] == conference_uid(RECORD)
    assert event["sequence"] == 0
    assert event.decoded("dtstart") == START
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == END
    assert event.decoded("dtstamp") == NOW
    assert event["summary"] == "Team sync"
    assert event["location"] == JOIN_URL and event["url"] == JOIN_URL
    assert "team-sync-2026" in event["description"] and "s3cr<e>t" in event["description"]
    assert event["status"] == "CONFIRMED"
    organizer = event["organizer"]
    assert str(organizer) == "mailto:anna@example.com"
    assert organizer.params["CN"] == "Anna Petrova"
    attendees = event["attendee"]
    assert [str(a) for a in attendees] == ["mailto:bob@example.org", "mailto:carol@example.net"]
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"


def test_invitation_update_and_cancellation_keep_the_uid_and_raise_the_sequence():
    first = invite(MAIL)
    updated = invite(
        replace(
            MAIL, sequence=1, starts_at=START + timedelta(hours=1), ends_at=END + timedelta(hours=1)
        ),
        update=True,
    )
    cancelled = invite(replace(MAIL, sequence=2), method=Method.CANCEL)
    events = [event_of(parts(m)[2]) for m in (first, updated, cancelled)]
    assert {event["uid"] for _, event in events} == {conference_uid(RECORD)}
    assert [event["sequence"] for _, event in events] == [0, 1, 2]
    assert [calendar["method"] for calendar, _ in events] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [event["status"] for _, event in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert events[1][1].decoded("dtstart") == START + timedelta(hours=1)
    assert updated["Subject"].startswith("Updated: Team sync — ")
    assert "has been changed" in parts(updated)[0]


def test_cancellation_says_so_and_has_no_join_link():
    message = invite(replace(MAIL, sequence=2), method=Method.CANCEL)
    plain, html, calendar_part, attachment = parts(message)
    assert message["Subject"].startswith("Cancelled: Team sync — ")
    assert calendar_part.get_param("method") == "CANCEL"
    assert Calendar.from_ical(attachment.get_content())["method"] == "CANCEL"
    start = format_moment(START, "Europe/Moscow", "en")
    for body in (plain, html):
        assert "cancelled" in body and "Team sync" in body and start in body
        assert "meet.example.com/team-sync" not in body and "s3cr" not in body
    calendar, event = event_of(calendar_part)
    assert calendar["method"] == "CANCEL" and event["status"] == "CANCELLED"
    assert str(event["organizer"]) == "mailto:anna@example.com"
    assert len(event["attendee"]) == 2  # a cancellation names the attendees it removes
    assert "url" not in event


def test_a_cancellation_cannot_be_an_update():
    with pytest.raises(ValueError):
        invitation_message(
            MAIL,
            method=Method.CANCEL,
            update=True,
            recipient="bob@example.org",
            sender=SENDER,
            now=NOW,
        )


def test_headers():
    message = invite(message_id="<fixed-id@example.com>")
    assert message["From"].addresses[0].addr_spec == "bot@example.com"
    assert message["From"].addresses[0].display_name == "Anna Petrova via Conference Bot"
    assert message["To"].addresses[0].addr_spec == "bob@example.org"
    assert len(message["To"].addresses) == 1
    assert message["Reply-To"].addresses[0].addr_spec == "anna@example.com"
    assert message["Message-ID"] == "<fixed-id@example.com>"
    assert email.utils.parsedate_to_datetime(message["Date"]) == NOW


def test_message_id_is_generated_with_the_sender_domain():
    one, two = invite(), invite()
    assert one["Message-ID"].endswith("@example.com>")
    assert one["Message-ID"] != two["Message-ID"]
    assert message_domain(SENDER) == "example.com"
    assert message_domain("conference-bot@localhost") == "localhost"


def test_without_owner_address_there_is_no_reply_to_and_the_bot_organizes():
    message = invite(replace(MAIL, organizer_email=None, organizer_name="", reply_to=None))
    assert "Reply-To" not in message
    assert message["From"].addresses[0].display_name == "Conference Bot"
    _, event = event_of(parts(message)[2])
    assert str(event["organizer"]) == "mailto:bot@example.com"
    assert "Reply to" not in parts(message)[0]


def test_the_organizer_stays_while_replies_go_where_the_owner_reads_now():
    """The bot organized the first invitation (the owner had no verified address then):
    it still does, and replies reach the address the owner verified since."""
    message = invite(
        replace(MAIL, organizer_email=None, organizer_name="Anna", reply_to="anna@new.example")
    )
    _, event = event_of(parts(message)[2])
    assert str(event["organizer"]) == "mailto:bot@example.com"
    assert message["Reply-To"].addresses[0].addr_spec == "anna@new.example"
    assert "Reply to it" in parts(message)[0]


def test_an_update_says_what_changed_old_to_new_in_text_and_html():
    moved = START + timedelta(hours=1)
    mail = replace(
        MAIL,
        topic="Daily <sync>",
        starts_at=moved,
        ends_at=moved + timedelta(minutes=90),
        changes=(
            Change("topic", "Team <sync>", "Daily <sync>"),
            Change("starts_at", int(START.timestamp()), int(moved.timestamp())),
            Change(
                "starts_at", int(START.timestamp()), int((START + timedelta(days=2)).timestamp())
            ),
        ),
    )
    plain, html, _, _ = parts(invite(mail, update=True))
    assert "What changed:" in plain
    assert "Topic: Team <sync> → Daily <sync>" in plain
    # Moved within the day: the day is said once, times in the owner's zone.
    assert "Start: Wed 25 Nov 2026, 15:00 Moscow time (UTC+3) → 16:00 Moscow time (UTC+3)" in plain
    assert "Start: Wed 25 Nov 2026, 15:00 Moscow time (UTC+3) → Fri 27 Nov 2026, 15:00" in plain
    assert plain.index("What changed:") < plain.index("Conference ID:")
    assert "<s " in html and "Team &lt;sync&gt;</s> → <strong>Daily &lt;sync&gt;</strong>" in html
    assert "→ <strong>16:00 Moscow time (UTC+3)</strong>" in html
    # A first invitation and a cancellation list no changes, whatever they are given.
    for message in (invite(mail), invite(mail, method=Method.CANCEL)):
        assert "What changed" not in parts(message)[0]


def test_an_update_in_russian_says_what_changed_in_russian():
    mail = replace(MAIL, language="ru", changes=(Change("password", "old-pw", "s3cr<e>t"),))
    plain, html, _, _ = parts(invite(mail, update=True))
    assert "Что изменилось:\r\nПароль: old-pw → s3cr<e>t" in plain
    assert "Пароль: <s" in html


def test_the_recipient_is_always_an_attendee():
    message = invite(recipient="dave@example.com")
    _, event = event_of(parts(message)[2])
    assert "mailto:dave@example.com" in [str(a) for a in event["attendee"]]


def test_russian_texts():
    mail = replace(MAIL, language="ru", topic="Планёрка отдела", organizer_name="Анна Петрова")
    invitation = invite(mail)
    plain, html, _, _ = parts(invitation)
    start = format_moment(START, "Europe/Moscow", "ru")
    assert invitation["Subject"] == f"Приглашение: Планёрка отдела — {start}"
    assert "Вы приглашены на видеоконференцию" in plain
    assert "Идентификатор конференции: team-sync-2026" in plain
    assert "Пароль: s3cr<e>t" in plain and "Ссылка для подключения" in html
    assert invitation["From"].addresses[0].display_name == "Анна Петрова через Conference Bot"
    assert invite(replace(mail, sequence=1), update=True)["Subject"].startswith("Изменено: ")
    cancelled = invite(replace(mail, sequence=2), method=Method.CANCEL)
    assert cancelled["Subject"].startswith("Отменено: ")
    assert "отменена" in parts(cancelled)[0]


def test_html_escapes_every_value_and_the_topic_shows_literally():
    message = invite(replace(MAIL, topic=NASTY, organizer_name=NASTY, password='p"<&>'))
    plain, html, calendar_part, _ = parts(message)
    assert NASTY in plain
    assert NASTY not in html and "<b>x</b>" not in html
    assert '&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href="y"&gt;' in html
    assert 'p"&lt;&amp;&gt;' in html
    assert f'href="{JOIN_URL.replace("&", "&amp;")}"' in html
    assert message["Subject"].startswith(f"Invitation: {NASTY} — ")
    _, event = event_of(calendar_part)
    assert event["summary"] == NASTY


def test_non_http_links_are_not_made_clickable():
    _, html, _, _ = parts(invite(replace(MAIL, join_url="javascript:alert(1)")))
    assert 'href="javascript' not in html and "javascript:alert(1)" in html


def test_non_ascii_topic_round_trips_in_the_subject():
    topic = "Встреча «Q4» — 日本 ✅"
    message = invitation_message(
        replace(MAIL, topic=topic),
        method=Method.REQUEST,
        recipient="bob@example.org",
        sender=SENDER,
        now=NOW,
    )
    raw = message.as_bytes()
    raw.decode("ascii")  # every header and body is 7-bit
    assert topic in roundtrip(message)["Subject"]


def header_names(message: EmailMessage) -> list[str]:
    return [name.lower() for name in message.keys()]


@pytest.mark.parametrize("attack", ["\r\nBcc: x@y", "\nBcc: x@y", "\rBcc: x@y", "\u2028Bcc: x@y"])
def test_header_injection_in_topic_and_names_creates_no_header(attack):
    mail = replace(MAIL, topic=f"Sync{attack}", organizer_name=f"Anna{attack}")
    message = invite(mail)
    assert "bcc" not in header_names(message)
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert "Bcc: x@y" in message["Subject"]  # kept as harmless text on the same line
    assert message["From"].addresses[0].addr_spec == "bot@example.com"
    assert len(message["From"].addresses) == 1
    _, event = event_of(parts(message)[2])
    assert "\n" not in event["organizer"].params["CN"]


@pytest.mark.parametrize(
    "recipient",
    [
        "bob@example.org\r\nBcc: x@y",
        "bob@example.org\nBcc: x@y",
        "bob@example.org, x@y",
        "Bob <bob@example.org>",
        "bob",
        "",
        "@example.org",
        "bob@",
        "пользователь@example.org",
    ],
)
def test_bad_recipients_are_refused(recipient):
    with pytest.raises(ValueError):
        invitation_message(MAIL, method=Method.REQUEST, recipient=recipient, sender=SENDER, now=NOW)
    with pytest.raises(ValueError):
        code_message(recipient=recipient)
    with pytest.raises(ValueError):
        address_changed_message(language="en", recipient=recipient, sender=SENDER, now=NOW)


@pytest.mark.parametrize("field", ["organizer_email", "reply_to", "attendees"])
def test_bad_addresses_in_the_conference_are_refused(field):
    bad = "anna@example.com\r\nBcc: x@y"
    mail = replace(MAIL, **{field: (bad,) if field == "attendees" else bad})
    with pytest.raises(ValueError):
        invitation_message(
            mail, method=Method.REQUEST, recipient="bob@example.org", sender=SENDER, now=NOW
        )


def test_international_domain_is_written_in_ascii():
    assert mail_address(" ivan@пример.рф ") == "ivan@xn--e1afmkfd.xn--p1ai"
    message = invite(recipient="ivan@пример.рф")
    assert message["To"].addresses[0].addr_spec == "ivan@xn--e1afmkfd.xn--p1ai"


def code_message(**overrides) -> EmailMessage:
    values = dict(
        language="en",
        recipient="anna.new@example.com",
        code="042917",
        expires_at=NOW + timedelta(minutes=15),
        minutes=15,
        sender=SENDER,
        now=NOW,
    )
    return verification_code_message(**{**values, **overrides})


def test_the_code_message_carries_the_code_the_expiry_and_who_may_ignore_it():
    message = roundtrip(code_message())
    assert message["Subject"] == "Conference Bot: your confirmation code"
    assert message["To"].addresses[0].addr_spec == "anna.new@example.com"
    assert message["From"].addresses[0].addr_spec == "bot@example.com"
    assert message["Reply-To"] is None and message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@example.com>")
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_payload()
    assert [plain.get_content_type(), html.get_content_type()] == ["text/plain", "text/html"]
    for body in (plain.get_content(), html.get_content()):
        assert "042917" in body and "15 minutes" in body and "09:45 UTC" in body
        assert "If you did not ask for this, ignore this message" in body
        assert "Conference Bot" in body
    assert not any(part.get_content_type() == "text/calendar" for part in message.walk())

    russian = roundtrip(code_message(language="ru"))
    assert russian["Subject"] == "Conference Bot: ваш код подтверждения"
    assert "042917" in russian.get_body(("plain",)).get_content()


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "１２３４５６", ""])
def test_the_code_is_six_ascii_digits(code):
    with pytest.raises(ValueError):
        code_message(code=code)


def test_the_notice_to_the_previous_address_names_no_address_of_the_profile():
    message = roundtrip(
        address_changed_message(
            language="en", recipient="anna.old@example.com", sender=SENDER, now=NOW
        )
    )
    assert message["To"].addresses[0].addr_spec == "anna.old@example.com"
    assert message["Reply-To"] is None and message["Auto-Submitted"] == "auto-generated"
    plain, html = message.get_payload()
    for body in (plain.get_content(), html.get_content()):
        assert "was changed" in body and "@" not in body.replace("anna.old@example.com", "")


def test_invitation_ics_refuses_what_rfc_5546_forbids():
    common = dict(
        uid="u@x",
        sequence=0,
        now=NOW,
        starts_at=START,
        ends_at=END,
        summary="S",
        description="D",
        join_url=JOIN_URL,
        organizer_email="anna@example.com",
        organizer_name="Anna",
    )
    with pytest.raises(ValueError):
        invitation_ics(method="PUBLISH", attendees=["b@example.org"], **common)
    with pytest.raises(ValueError):
        invitation_ics(method="REQUEST", attendees=[], **common)
    with pytest.raises(ValueError):
        invitation_ics(method="REQUEST", attendees=["b@example.org\r\nX: y"], **common)
    common["summary"] = "Планёрка " * 40
    data = invitation_ics(method="REQUEST", attendees=["b@example.org", "B@example.org"], **common)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # folded, in octets
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["attendee"]) == "mailto:b@example.org"  # duplicates written once
    assert event["summary"] == common["summary"]


def test_the_way_in_is_worded_from_the_platform_facts():
    # A website that takes the ID and password (the later join page): named, with the hint.
    plain, html, calendar_part, _ = parts(invite())
    assert f"Website: {WEBSITE}" in plain and "Conference ID: team-sync-2026" in plain
    assert "or enter the conference ID and password on the website" in plain
    _, event = event_of(calendar_part)
    assert f"Or enter the conference ID and password at {WEBSITE}" in str(event["description"])
    # No website (every platform today): the ID is a reference, the link the way in.
    plain, html, calendar_part, _ = parts(invite(replace(MAIL, website_url=None)))
    for body in (plain, html):
        assert "Website" not in body and "on the website" not in body
        assert "To join, open the link." in body
    assert "Conference ID (for reference): team-sync-2026" in plain
    assert "Join the conference</a>" in html
    _, event = event_of(calendar_part)
    description = str(event["description"])
    assert description.startswith("Conference ID (for reference): team-sync-2026\n")
    assert "Website" not in description
    # A link that opens nothing alone (Jitsi with tokens): said, and no button for it.
    jwt_mail = replace(MAIL, website_url=None, link_note="jwt", link_opens_room=False)
    plain, html, calendar_part, _ = parts(invite(jwt_mail))
    for body in (plain, html):
        assert "This link alone does not open the room" in body
        assert "To join, open the link." not in body
    assert "Join the conference</a>" not in html
    _, event = event_of(calendar_part)
    assert "This link alone does not open the room" in str(event["description"])
    # A template says what its link includes, in the owner's language.
    ru = replace(MAIL, language="ru", website_url=None, link_note="template_id_password")
    plain, _, _, _ = parts(invite(ru))
    assert "В ссылке есть идентификатор конференции и пароль." in plain
    assert "Идентификатор конференции (для справки): team-sync-2026" in plain

"""The mail outbox and its sender, against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import socket
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bot.clock import FixedClock
from bot.mail.failures import reason_of
from bot.mail.outbox import MailSender, SendReport, enqueue, mask_address, smtp_client, smtp_options
from bot.settings import load_settings
from storage.db import Database
from storage.outbox import OutboxRepository

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
BASE_DELAY = 10
PASSWORD = "Sup3r-Secret-Pa55"


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """An aiosmtpd handler: records accepted messages, counts connections, and answers RCPT
    or DATA with scripted replies (consumed in order) to play a flaky or strict server."""

    def __init__(self) -> None:
        self.accepted: list[tuple[str, list[str], bytes]] = []
        self.connections = 0
        self.rcpt_replies: list[str] = []
        self.data_replies: list[str] = []
        self.refuse: dict[str, str] = {}  # recipient -> permanent reply
        self.data_started = threading.Event()
        self.release = threading.Event()
        self.release.set()  # clear it to make DATA hang

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        if not self.release.is_set():
            await self.release.wait()
            return "451 4.4.2 Too late, the client is gone"  # never counted as accepted
        if self.data_replies:
            return self.data_replies.pop(0)
        self.accepted.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def parsed(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for _, _, raw in self.accepted
        ]


class Servers:
    def __init__(self) -> None:
        self.controllers: list[Controller] = []

    def start(self, handler, port: int | None = None, **smtp_parameters) -> Controller:
        controller = Controller(
            handler, hostname="127.0.0.1", port=port or free_port(), **smtp_parameters
        )
        controller.start()
        self.controllers.append(controller)
        return controller

    def stop_all(self) -> None:
        for controller in self.controllers:
            try:
                controller.stop()
            except AssertionError:  # already stopped
                pass
        self.controllers.clear()


@pytest.fixture
def servers():
    running = Servers()
    yield running
    running.stop_all()


@pytest.fixture
def clock():
    return FixedClock(START)


def smtp_settings(port: int, **extra: str):
    values = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_TLS": "none", **extra}
    return load_settings(values, env_file=None, require_token=False)


def body(message: EmailMessage, subtype: str) -> str:
    """A text part's content with line ends normalised (on the wire they are CRLF)."""
    return message.get_body((subtype,)).get_content().replace("\r\n", "\n")


def make_message(to: str = "alice@example.com", *, topic: str = "Weekly sync") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Conference Bot <bot@example.org>"
    message["To"] = f"Alice Example <{to}>"
    message["Subject"] = f"Приглашение: {topic}"
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(f"Join {topic}: https://meet.example.org/123\nПароль: 4711\n" + "x" * 200)
    message.add_alternative(f"<p>Join <b>{topic}</b></p>", subtype="html")
    message.add_attachment(
        b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
    )
    return message


async def queue(
    db, message: EmailMessage, clock, *, kind="invitation", owner_id=7, conference_id=1
) -> int:
    async with db.transaction() as tx:
        return await enqueue(
            tx,
            message,
            kind=kind,
            owner_id=owner_id,
            conference_id=conference_id,
            now=clock.timestamp(),
        )


def sender_for(db, settings, clock, **options) -> MailSender:
    options = {
        "base_delay": BASE_DELAY,
        "max_delay": 1000,
        "jitter": 0.0,
        "smtp_timeout": 5.0,
        **options,
    }
    return MailSender(db, settings, clock, **options)


async def until(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


# --------------------------------------------------------------------------- enqueue


async def test_enqueue_stores_the_message_as_sent_on_the_wire(db, clock):
    message = make_message("alice@example.com")
    row_id = await queue(db, message, clock, kind="invitation", owner_id=7, conference_id=3)
    row = await OutboxRepository(db).get(row_id)
    assert row.message_id == message["Message-ID"]
    assert (row.recipient, row.sender) == ("alice@example.com", "bot@example.org")
    assert (row.kind, row.owner_id, row.conference_id) == ("invitation", 7, 3)
    assert (row.status, row.next_attempt_at, row.created_at) == (
        "pending",
        clock.timestamp(),
        clock.timestamp(),
    )
    assert b"\r\n" in row.raw and b"\n" not in row.raw.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert parsed["Message-ID"] == message["Message-ID"]


async def test_enqueue_refuses_messages_it_cannot_deliver_as_one(db, clock):
    no_id = make_message()
    del no_id["Message-ID"]
    two = make_message()
    two.replace_header("To", "a@example.com, b@example.com")
    cc = make_message()
    cc["Cc"] = "c@example.com"
    nobody = make_message()
    del nobody["To"]
    for bad in (no_id, two, cc, nobody):
        with pytest.raises(ValueError):
            await queue(db, bad, clock)
    assert sum((await OutboxRepository(db).counts()).values()) == 0


async def test_enqueue_in_a_rolled_back_transaction_leaves_nothing(db, clock):
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bot_data (id, data) VALUES (1, '{}')")
            await enqueue(
                tx,
                make_message(),
                kind="invitation",
                owner_id=7,
                conference_id=1,
                now=clock.timestamp(),
            )
            raise RuntimeError("the change it announces failed")
    assert await db.fetch_value("SELECT COUNT(*) FROM outbox") == 0
    assert await db.fetch_value("SELECT COUNT(*) FROM bot_data") == 0

    async with db.transaction() as tx:  # committed: both the change and the mail exist
        await tx.execute("INSERT INTO bot_data (id, data) VALUES (1, '{}')")
        await enqueue(
            tx,
            make_message(),
            kind="invitation",
            owner_id=7,
            conference_id=1,
            now=clock.timestamp(),
        )
    assert await db.fetch_value("SELECT COUNT(*) FROM outbox") == 1


def test_mask_address():
    assert mask_address("alice@example.com") == "a***@example.com"
    assert mask_address("x@y.org") == "x***@y.org"
    assert mask_address("not-an-address") == "***"


# --------------------------------------------------------------------------- SMTP


async def test_messages_arrive_intact_over_one_connection_per_batch(db, clock, servers):
    handler = Recorder()
    controller = servers.start(handler)
    messages = [make_message(f"user{n}@example.com", topic=f"Topic {n}") for n in range(3)]
    ids = [await queue(db, message, clock) for message in messages]
    sender = sender_for(db, smtp_settings(controller.port), clock, batch_size=2)

    assert await sender.send_due() == SendReport(sent=2)
    assert handler.connections == 1
    assert await sender.send_due() == SendReport(sent=1)
    assert handler.connections == 2
    assert await sender.send_due() == SendReport()  # nothing due: no connection at all
    assert handler.connections == 2

    assert [(mail_from, rcpt) for mail_from, rcpt, _ in handler.accepted] == [
        ("bot@example.org", [f"user{n}@example.com"]) for n in range(3)
    ]
    for original, received in zip(messages, handler.parsed(), strict=True):
        assert received["Message-ID"] == original["Message-ID"]
        assert received["Subject"] == original["Subject"]
        assert body(received, "plain") == body(original, "plain")
        assert body(received, "html") == body(original, "html")
        [attachment] = list(received.iter_attachments())
        [sent_attachment] = list(original.iter_attachments())
        assert attachment.get_filename() == "invite.ics"
        assert (
            attachment.get_payload(decode=True)
            == sent_attachment.get_payload(decode=True)
            == b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
        )
    outbox = OutboxRepository(db)
    for row_id in ids:
        row = await outbox.get(row_id)
        assert (row.status, row.sent_at, row.attempts) == ("sent", clock.timestamp(), 1)


async def test_smtp_down_then_back_retries_with_growing_delays(db, clock, servers):
    port = free_port()  # nothing listens here yet: connection refused
    ids = [await queue(db, make_message(f"user{n}@example.com"), clock) for n in range(2)]
    sender = sender_for(db, smtp_settings(port), clock)
    outbox = OutboxRepository(db)

    expected_delays = [BASE_DELAY, 2 * BASE_DELAY, 4 * BASE_DELAY]
    for attempt, delay in enumerate(expected_delays, start=1):
        assert await sender.send_due() == SendReport(retried=2)
        for row_id in ids:
            row = await outbox.get(row_id)
            assert row.status == "pending" and row.attempts == attempt
            assert row.next_attempt_at == clock.timestamp() + delay
            assert row.last_error
        assert await sender.send_due() == SendReport()  # not due yet
        clock.advance(timedelta(seconds=delay))

    handler = Recorder()
    servers.start(handler, port=port)
    assert await sender.send_due() == SendReport(sent=2)
    assert await sender.send_due() == SendReport()
    clock.advance(timedelta(hours=5))
    assert await sender.send_due() == SendReport()
    assert sorted(rcpt[0] for _, rcpt, _ in handler.accepted) == [
        "user0@example.com",
        "user1@example.com",
    ]
    assert handler.connections == 1
    assert [(await outbox.get(i)).status for i in ids] == ["sent", "sent"]


async def test_retry_delay_is_capped_and_jittered(db, clock):
    sender = MailSender(db, smtp_settings(25), clock, base_delay=30, max_delay=3600, jitter=0.1)
    assert 30 <= sender.retry_delay(0) <= 33
    assert 60 <= sender.retry_delay(1) <= 66
    assert 3600 <= sender.retry_delay(20) <= 3960
    assert 3600 <= sender.retry_delay(500) <= 3960


async def test_temporary_refusal_then_success(db, clock, servers):
    handler = Recorder()
    handler.rcpt_replies = ["451 4.3.0 Mailbox busy, try later"]
    controller = servers.start(handler)
    message = make_message()
    row_id = await queue(db, message, clock)
    sender = sender_for(db, smtp_settings(controller.port), clock)
    outbox = OutboxRepository(db)

    assert await sender.send_due() == SendReport(retried=1)
    row = await outbox.get(row_id)
    assert row.status == "pending" and "451" in row.last_error and "busy" in row.last_error
    assert row.next_attempt_at == clock.timestamp() + BASE_DELAY

    clock.advance(timedelta(seconds=BASE_DELAY))
    assert await sender.send_due() == SendReport(sent=1)
    assert [m["Message-ID"] for m in handler.parsed()] == [message["Message-ID"]]
    assert (await outbox.get(row_id)).attempts == 2


async def test_permanent_refusal_fails_at_once_and_the_batch_goes_on(db, clock, servers):
    handler = Recorder()
    handler.refuse["ghost@example.com"] = "550 5.1.1 No such user here"
    controller = servers.start(handler)
    bad = await queue(db, make_message("ghost@example.com"), clock)
    rejected_data = await queue(db, make_message("spam@example.com"), clock)
    good = await queue(db, make_message("bob@example.com"), clock)
    handler.data_replies = ["554 5.7.1 Message rejected as spam"]  # the first DATA only
    sender = sender_for(db, smtp_settings(controller.port), clock)
    outbox = OutboxRepository(db)

    assert await sender.send_due() == SendReport(sent=1, failed=2)
    assert handler.connections == 1
    row = await outbox.get(bad)
    assert (row.status, row.attempts) == ("failed", 1)
    assert (row.last_error, row.reason) == ("550 5.1.1 No such user here", "mailbox")
    row = await outbox.get(rejected_data)
    assert (row.status, row.last_error) == ("failed", "554 5.7.1 Message rejected as spam")
    assert row.reason == "refused"
    assert (await outbox.get(good)).status == "sent"
    assert [rcpt for _, rcpt, _ in handler.accepted] == [["bob@example.com"]]
    clock.advance(timedelta(days=1))
    assert await sender.send_due() == SendReport()  # failed rows are not retried by themselves


async def test_max_attempts_then_failed_then_admin_retry(db, clock, servers):
    handler = Recorder()
    handler.rcpt_replies = ["452 4.2.2 Mailbox full"] * 4
    controller = servers.start(handler)
    row_id = await queue(db, make_message(), clock)
    settings = smtp_settings(controller.port, MAIL_MAX_ATTEMPTS="3")
    sender = sender_for(db, settings, clock)
    outbox = OutboxRepository(db)

    assert await sender.send_due() == SendReport(retried=1)
    clock.advance(timedelta(seconds=BASE_DELAY))
    assert await sender.send_due() == SendReport(retried=1)
    clock.advance(timedelta(seconds=2 * BASE_DELAY))
    assert await sender.send_due() == SendReport(failed=1)
    row = await outbox.get(row_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "452 4.2.2 Mailbox full")

    # An admin puts it back: one more try (attempts are kept), which fails again...
    assert await outbox.retry(row_id, clock.timestamp())
    assert await sender.send_due() == SendReport(failed=1)
    # ...and once the mailbox has room, the next retry delivers it.
    assert await outbox.retry_all_failed(clock.timestamp()) == 1
    assert await sender.send_due() == SendReport(sent=1)
    assert len(handler.accepted) == 1


async def test_connection_refused_until_max_attempts_fails_every_row(db, clock):
    settings = smtp_settings(free_port(), MAIL_MAX_ATTEMPTS="2")
    ids = [await queue(db, make_message(f"u{n}@example.com"), clock) for n in range(3)]
    sender = sender_for(db, settings, clock)
    assert await sender.send_due() == SendReport(retried=3)
    clock.advance(timedelta(seconds=BASE_DELAY))
    assert await sender.send_due() == SendReport(failed=3)
    outbox = OutboxRepository(db)
    for row_id in ids:
        row = await outbox.get(row_id)
        assert row.status == "failed" and row.attempts == 2 and row.last_error
        assert row.reason == "connect"


async def test_a_restart_sends_pending_rows_once_and_sent_rows_never_again(
    tmp_path, clock, servers
):
    handler = Recorder()
    controller = servers.start(handler)
    settings = smtp_settings(controller.port)
    path = tmp_path / "bot.sqlite3"

    db = await Database.open(path)
    first = make_message("alice@example.com")
    await queue(db, first, clock)
    assert await sender_for(db, settings, clock).send_due() == SendReport(sent=1)
    second = make_message("bob@example.com")
    await queue(db, second, clock)
    await db.close()  # "crash" before the second one was sent

    db = await Database.open(path)
    try:
        sender = sender_for(db, settings, clock)
        assert await sender.send_due() == SendReport(sent=1)
        clock.advance(timedelta(days=2))
        assert await sender.send_due() == SendReport()
    finally:
        await db.close()
    assert [m["Message-ID"] for m in handler.parsed()] == [
        first["Message-ID"],
        second["Message-ID"],
    ]


async def test_non_ascii_addresses_go_out_with_smtputf8(db, clock, servers):
    handler = Recorder()
    controller = servers.start(handler)
    message = make_message()
    message.replace_header("To", "Юля <юля@пример.рф>")
    row_id = await queue(db, message, clock)
    assert (await OutboxRepository(db).get(row_id)).recipient == "юля@пример.рф"
    sender = sender_for(db, smtp_settings(controller.port), clock)
    assert await sender.send_due() == SendReport(sent=1)
    [(_, rcpt, raw)] = handler.accepted
    assert rcpt == ["юля@пример.рф"]
    assert "Юля <юля@пример.рф>".encode() in raw  # UTF-8 header, not broken RFC 2047
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Message-ID"] == message["Message-ID"]


def test_transport_options_follow_the_settings():
    def options(mode, **extra):
        values = {"SMTP_HOST": "smtp.example.org", "SMTP_PORT": "465", "SMTP_TLS": mode, **extra}
        return smtp_options(load_settings(values, env_file=None, require_token=False))

    starttls = options("starttls", SMTP_USERNAME="bot", SMTP_PASSWORD=PASSWORD)
    assert (starttls["start_tls"], starttls["use_tls"]) == (True, False)
    assert (starttls["username"], starttls["password"]) == ("bot", PASSWORD)
    assert (starttls["hostname"], starttls["port"]) == ("smtp.example.org", 465)
    assert 0 < starttls["timeout"] <= 60
    tls = options("tls")
    assert (tls["start_tls"], tls["use_tls"]) == (False, True)
    assert "username" not in tls and "password" not in tls
    plain = options("none")
    assert (plain["start_tls"], plain["use_tls"]) == (False, False)

    client = smtp_client(
        load_settings(
            {"SMTP_HOST": "smtp.example.org", "SMTP_TLS": "tls", "SMTP_PORT": "465"},
            env_file=None,
            require_token=False,
        )
    )
    assert (client.hostname, client.port, client.use_tls) == ("smtp.example.org", 465, True)

    with pytest.raises(ValueError):
        smtp_options(load_settings({}, env_file=None, require_token=False))


async def test_smtp_credentials_are_used_and_never_logged(db, clock, servers, caplog):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == b"bot"
            and auth_data.password == PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False)

    handler = Recorder()
    controller = servers.start(handler, authenticator=authenticator, auth_require_tls=False)
    caplog.set_level(logging.DEBUG)

    await queue(db, make_message("alice@example.com"), clock)
    good = smtp_settings(controller.port, SMTP_USERNAME="bot", SMTP_PASSWORD=PASSWORD)
    assert await sender_for(db, good, clock).send_due() == SendReport(sent=1)

    await queue(db, make_message("bob@example.com"), clock)
    wrong = smtp_settings(controller.port, SMTP_USERNAME="bot", SMTP_PASSWORD=PASSWORD + "x")
    assert await sender_for(db, wrong, clock).send_due() == SendReport(retried=1)
    [row] = await OutboxRepository(db).due(clock.timestamp() + BASE_DELAY, 10)
    assert "535" in row.last_error and PASSWORD not in row.last_error

    assert len(handler.accepted) == 1
    ours = [r for r in caplog.records if r.name.startswith("bot.")]
    assert any("a***@example.com" in r.getMessage() for r in ours)
    for record in caplog.records:
        text = record.getMessage()
        assert PASSWORD not in text
        assert "alice@example.com" not in text or not record.name.startswith("bot.")


# --------------------------------------------------------------------------- files


async def test_without_smtp_messages_become_eml_files(db, clock, tmp_path, caplog):
    mail_dir = tmp_path / "data" / "mail"
    settings = load_settings({"MAIL_DIR": str(mail_dir)}, env_file=None, require_token=False)
    message = make_message("alice@example.com")
    row_id = await queue(db, message, clock)
    caplog.set_level(logging.INFO, logger="bot.mail.outbox")

    assert await sender_for(db, settings, clock).send_due() == SendReport(sent=1)
    path = mail_dir / f"{clock.timestamp()}-{row_id}.eml"
    assert sorted(p.name for p in mail_dir.iterdir()) == [path.name]
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == message["Message-ID"]
    assert parsed["To"].addresses[0].addr_spec == "alice@example.com"
    assert body(parsed, "plain") == body(message, "plain")
    assert (await OutboxRepository(db).get(row_id)).status == "sent"

    lines = [r.getMessage() for r in caplog.records if r.name == "bot.mail.outbox"]
    assert any("a***@example.com" in line and str(path) in line for line in lines)
    assert not any("alice@example.com" in line or "Weekly sync" in line for line in lines)


async def test_unwritable_mail_dir_retries(db, clock, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    settings = load_settings(
        {"MAIL_DIR": str(blocker / "mail")}, env_file=None, require_token=False
    )
    row_id = await queue(db, make_message(), clock)
    assert await sender_for(db, settings, clock).send_due() == SendReport(retried=1)
    row = await OutboxRepository(db).get(row_id)
    assert row.status == "pending" and "cannot write" in row.last_error
    assert row.reason == "error"


async def test_the_hourly_limit_holds_the_rest_for_later(db, clock, tmp_path):
    settings = load_settings(
        {"MAIL_DIR": str(tmp_path / "mail"), "MAIL_HOURLY_LIMIT": "2"},
        env_file=None,
        require_token=False,
    )
    ids = [await queue(db, make_message(f"u{n}@example.com"), clock) for n in range(5)]
    sender = sender_for(db, settings, clock)
    assert await sender.send_due() == SendReport(sent=2)
    start = clock.timestamp()
    assert await sender.send_due() == SendReport(held_until=start + 3600)
    clock.advance(timedelta(minutes=59, seconds=59))
    assert (await sender.send_due()).held_until == start + 3600
    clock.advance(timedelta(seconds=1))
    assert await sender.send_due() == SendReport(sent=2)
    clock.advance(timedelta(hours=1))
    assert await sender.send_due() == SendReport(sent=1)
    outbox = OutboxRepository(db)
    assert [(await outbox.get(row_id)).status for row_id in ids] == ["sent"] * 5


async def test_a_leftover_temporary_file_is_replaced_with_a_private_one(db, clock, tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    row_id = await queue(db, make_message(), clock)
    leftover = mail_dir / f"{clock.timestamp()}-{row_id}.eml.tmp"
    leftover.write_bytes(b"half a message")
    leftover.chmod(0o644)
    settings = load_settings({"MAIL_DIR": str(mail_dir)}, env_file=None, require_token=False)
    assert await sender_for(db, settings, clock).send_due() == SendReport(sent=1)
    [written] = mail_dir.iterdir()
    assert written.suffix == ".eml" and written.stat().st_mode & 0o777 == 0o600


# --------------------------------------------------------------------------- the loop


async def test_background_sender_wakes_on_demand(db, clock, servers):
    handler = Recorder()
    controller = servers.start(handler)
    sender = sender_for(db, smtp_settings(controller.port), clock, poll_interval=30.0)
    sender.start()
    try:
        await asyncio.sleep(0.05)  # the first pass finds nothing; the loop now sleeps 30 s
        await queue(db, make_message(), clock)
        sender.wake()
        await until(lambda: len(handler.accepted) == 1)
    finally:
        await sender.stop()
    assert not sender.running


async def test_background_sender_survives_errors(db, clock, servers, caplog):
    handler = Recorder()
    controller = servers.start(handler)
    sender = sender_for(db, smtp_settings(controller.port), clock, poll_interval=0.05)
    real_claim = sender._outbox.claim_due
    calls = 0

    async def flaky_claim(now, limit, *, lease_until):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database hiccup")
        return await real_claim(now, limit, lease_until=lease_until)

    sender._outbox.claim_due = flaky_claim
    await queue(db, make_message(), clock)
    sender.start()
    try:
        await until(lambda: len(handler.accepted) == 1)
    finally:
        await sender.stop()
    assert any("pass failed" in r.getMessage() for r in caplog.records)


async def test_stop_abandons_an_in_flight_send_without_marking_it(db, clock, servers):
    handler = Recorder()
    handler.release.clear()  # DATA hangs until released
    controller = servers.start(handler)
    settings = smtp_settings(controller.port)
    message = make_message()
    row_id = await queue(db, message, clock)
    sender = sender_for(db, settings, clock)
    sender.start()
    await until(handler.data_started.is_set)
    await asyncio.wait_for(sender.stop(grace=0.1), 2)
    row = await OutboxRepository(db).get(row_id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, None)

    handler.release.set()
    # A new sender (after a restart) delivers it; it carries the same Message-ID.
    assert await sender_for(db, settings, clock).send_due() == SendReport(sent=1)
    assert [m["Message-ID"] for m in handler.parsed()] == [message["Message-ID"]]


async def test_stop_when_idle_is_quick_and_repeatable(db, clock):
    settings = load_settings({}, env_file=None, require_token=False)
    sender = sender_for(db, settings, clock, poll_interval=30.0)
    await sender.stop()  # never started
    sender.start()
    sender.start()  # once only
    await asyncio.sleep(0.01)
    await asyncio.wait_for(sender.stop(), 1)
    assert not sender.running


# --------------------------------------------------------------------------- reasons


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "x", "a")]),
            "mailbox",
        ),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(452, "x", "a")]),
            "mailbox",
        ),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(554, "x", "a")]),
            "refused",
        ),
        (aiosmtplib.SMTPDataError(554, "rejected at relay.internal"), "refused"),
        (aiosmtplib.SMTPSenderRefused(553, "x", "s"), "refused"),
        (aiosmtplib.SMTPNotSupported("SMTPUTF8"), "refused"),
        (aiosmtplib.SMTPConnectError("Error connecting to mx.internal on port 25"), "connect"),
        (aiosmtplib.SMTPServerDisconnected("gone"), "connect"),
        (ConnectionRefusedError(111, "refused"), "connect"),
        (aiosmtplib.SMTPConnectTimeoutError("slow"), "timeout"),
        (aiosmtplib.SMTPReadTimeoutError("slow"), "timeout"),
        (TimeoutError(), "timeout"),
        (ValueError("bad address"), "error"),
        (RuntimeError("?"), "error"),
    ],
)
def test_a_failure_gets_a_reason_the_owner_can_read(error, reason):
    assert reason_of(error) == reason

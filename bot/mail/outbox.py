"""The transactional mail outbox and its background sender.

`enqueue` stores a composed message in the outbox table using the caller's transaction, so
the e-mail exists exactly when the change it announces was committed. `MailSender` delivers
what is due: to the SMTP server from the settings (one connection per batch), or, with no
SMTP server configured, as .eml files in MAIL_DIR (readable by the bot's user only) so
nothing is lost. At most MAIL_HOURLY_LIMIT messages leave per rolling hour; the rest wait
their turn. Bodies of sent and cancelled messages are deleted after MAIL_KEEP_DAYS, and
that of a confirmation code as soon as it is sent.

Delivery is at least once: each accepted message is marked sent at once, in its own small
write, so only a crash in the instant between the server's "250 OK" and that write can make
a message go out twice. Re-sends use the stored bytes unchanged (same Message-ID), so a
receiving server or client can recognise the duplicate.

Logs name recipients masked (a***@example.com) and never contain bodies or credentials.
"""

from __future__ import annotations

import asyncio
import email.policy
import logging
import os
import random
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import aiosmtplib

from bot.clock import Clock
from bot.mail.failures import CONNECT, ERROR, describe, is_permanent, reason_of
from bot.metrics import Metrics
from bot.settings import Settings
from storage.db import Queryable
from storage.outbox import OutboxRepository, OutboxRow

log = logging.getLogger(__name__)

# The kind of a message that carries a confirmation code: its body is deleted as soon as
# it is sent, so the code does not stay readable in the database.
CODE_KIND = "verification"
HOUR = 3600
DAY = 86_400
_PURGE_EVERY = 3600.0  # seconds between clean-ups of old bodies (one at start)


# --------------------------------------------------------------------------- enqueue


async def enqueue(
    tx: Queryable,
    message: EmailMessage,
    *,
    kind: str,
    owner_id: int | None,
    conference_id: int | None,
    now: int,
) -> int:
    """Queue `message` in the outbox inside the caller's transaction; returns the row id.

    The message must carry a Message-ID, exactly one To address and a From address; Cc and
    Bcc are refused (queue one message per recipient). It is stored as sent on the wire:
    `as_bytes()` with the SMTP policy (CRLF line ends), or SMTPUTF8 when an address is not
    ASCII.
    """
    message_id = str(message.get("Message-ID") or "").strip()
    if not message_id:
        raise ValueError("the message has no Message-ID header")
    recipients = _addresses(message, "To")
    if len(recipients) != 1:
        raise ValueError(f"the message must have exactly one To address, not {len(recipients)}")
    if message.get("Cc") is not None or message.get("Bcc") is not None:
        raise ValueError("Cc and Bcc are not supported: queue one message per recipient")
    senders = _addresses(message, "From")
    if len(senders) != 1:
        raise ValueError(f"the message must have exactly one From address, not {len(senders)}")
    # An address with non-ASCII characters cannot be encoded in ASCII headers: such a
    # message goes out with SMTPUTF8 (UTF-8 headers), which the sender then requests.
    ascii_only = f"{recipients[0]}{senders[0]}".isascii()
    raw = message.as_bytes(policy=email.policy.SMTP if ascii_only else email.policy.SMTPUTF8)
    return await OutboxRepository(tx).add(
        message_id=message_id,
        kind=kind,
        owner_id=owner_id,
        conference_id=conference_id,
        recipient=recipients[0],
        sender=senders[0],
        raw=raw,
        now=now,
    )


def _addresses(message: EmailMessage, header: str) -> list[str]:
    values = [str(value) for value in message.get_all(header, [])]
    return [address for _name, address in getaddresses(values) if address]


def mask_address(address: str) -> str:
    """ "alice@example.com" -> "a***@example.com": enough to tell mails apart in a log."""
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


# --------------------------------------------------------------------------- transport


def smtp_options(settings: Settings, *, timeout: float = 30.0) -> dict[str, Any]:
    """Keyword arguments for aiosmtplib.SMTP from the settings.

    SMTP_TLS=tls: TLS from the first byte (port 465 usually); starttls: upgrade after
    EHLO (the upgrade is required, not opportunistic); none: plain text, no upgrade even
    if the server offers one. Credentials only when a username is set.
    """
    if not settings.smtp_host:
        raise ValueError("SMTP_HOST is not set")
    options: dict[str, Any] = {
        "hostname": settings.smtp_host,
        "port": settings.smtp_port,
        "use_tls": settings.smtp_tls == "tls",
        "start_tls": settings.smtp_tls == "starttls",
        "timeout": timeout,
    }
    if settings.smtp_username:
        options["username"] = settings.smtp_username
        options["password"] = (
            settings.smtp_password.reveal() if settings.smtp_password is not None else ""
        )
    return options


def smtp_client(settings: Settings, *, timeout: float = 30.0) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(**smtp_options(settings, timeout=timeout))


# --------------------------------------------------------------------------- sender


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held_until: int | None = None  # the hourly limit is reached: nothing more before then

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


class _Tally:
    def __init__(self) -> None:
        self.sent = self.retried = self.failed = 0

    def report(self, held_until: int | None = None) -> SendReport:
        return SendReport(self.sent, self.retried, self.failed, held_until)


class MailSender:
    """Delivers due outbox rows; one background task, woken by `wake()` or a timer."""

    def __init__(
        self,
        database: Queryable,
        settings: Settings,
        clock: Clock,
        *,
        batch_size: int = 200,
        base_delay: int = 30,
        max_delay: int = 3600,
        poll_interval: float = 30.0,
        jitter: float = 0.1,
        smtp_timeout: float = 30.0,
        claim_seconds: int = 120,
        metrics: Metrics | None = None,
    ) -> None:
        self._outbox = OutboxRepository(database)
        self._metrics = metrics
        self._settings = settings
        self._clock = clock
        self._batch_size = batch_size
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._poll_interval = poll_interval
        self._jitter = jitter
        self._smtp_timeout = smtp_timeout
        # How long a batch taken for sending is not given to anyone else (another pass,
        # or a standby process after a failover): rows the sender never marked (it was
        # killed mid-send) go out again after this, with their Message-ID.
        self._claim_seconds = claim_seconds
        self._wake_event = asyncio.Event()
        self._pass_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._next_purge = 0.0  # the event loop's time of the next clean-up of old bodies
        self._held = False  # the hourly limit holds mail back (logged once per hold)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the background task (once; a second call does nothing)."""
        if self._task is not None and not self._task.done():
            return
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="mail-sender")

    async def stop(self, *, grace: float = 5.0) -> None:
        """Stop the task: a pass in progress ends after the message being sent (waiting up to
        `grace` seconds); after that the send in flight is abandoned and its row stays
        pending, unmarked, to be sent again later."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake_event.set()
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # stop() itself was cancelled: pass that on
        except Exception:  # pragma: no cover - _run catches everything
            log.exception("The mail sender ended with an error")
        finally:
            self._stopping = False  # direct send_due() calls work again

    def wake(self) -> None:
        """Run a pass now (call after committing an enqueue)."""
        self._wake_event.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        errors = 0
        while not self._stopping:
            self._wake_event.clear()
            try:
                await self._purge_when_due()
                report = await self.send_due()
            except Exception:
                errors += 1
                log.exception("The mail sender's pass failed; it tries again shortly")
                await self._wait(min(self._poll_interval, 2.0 ** min(errors, 8)))
                continue
            errors = 0
            if report.total and report.held_until is None and not self._stopping:
                continue  # rows were processed: look again for more that are due now
            # Sleep until the next retry falls due, or the hourly limit lets more out (or
            # the poll interval, or a wake-up).
            next_due = report.held_until or await self._outbox.next_attempt_at()
            pause = self._poll_interval
            if next_due is not None:
                pause = min(pause, max(0.05, next_due - self._clock.timestamp()))
            await self._wait(pause)

    async def _purge_when_due(self) -> None:
        now = asyncio.get_running_loop().time()
        if now >= self._next_purge:
            self._next_purge = now + _PURGE_EVERY
            await self.forget_old_bodies()

    async def forget_old_bodies(self) -> int:
        """Delete the bodies of e-mails sent or cancelled more than MAIL_KEEP_DAYS ago
        (their delivery state stays); returns how many. Runs at start and hourly."""
        before = self._clock.timestamp() - self._settings.mail_keep_days * DAY
        total = 0
        while removed := await self._outbox.forget_bodies(before):
            total += removed
        if total:
            log.info(
                "Deleted the text of %d e-mail(s) older than %d days",
                total,
                self._settings.mail_keep_days,
            )
        return total

    async def _wait(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake_event.wait(), seconds)
        except TimeoutError:
            pass

    # ------------------------------------------------------------------ one pass

    def retry_delay(self, attempts: int) -> int:
        """Seconds before the next try of a row that has failed `attempts` times before."""
        delay = min(self._max_delay, self._base_delay * 2 ** min(attempts, 64))
        delay += delay * self._jitter * random.random()
        return max(1, int(delay))

    async def send_due(self) -> SendReport:
        """Deliver the rows due now (at most one batch, and no more than the hourly limit
        leaves); safe to call while the task runs."""
        async with self._pass_lock:
            now = self._clock.timestamp()
            sent_last_hour, first_sent = await self._outbox.sent_since(now - HOUR + 1)
            allowance = self._settings.mail_hourly_limit - sent_last_hour
            if allowance <= 0:
                # Held, not dropped: the rows stay pending until the window moves on.
                held_until = (first_sent or now) + HOUR
                if not self._held:
                    log.warning(
                        "MAIL_HOURLY_LIMIT (%d) reached: e-mail waits, sending resumes in %d s",
                        self._settings.mail_hourly_limit,
                        held_until - now,
                    )
                self._held = True
                return SendReport(held_until=held_until)
            self._held = False
            rows = await self._outbox.claim_due(
                now, min(self._batch_size, allowance), lease_until=now + self._claim_seconds
            )
            tally = _Tally()
            if rows:
                try:
                    if self._settings.smtp_host:
                        await self._send_smtp(rows, tally)
                    else:
                        await self._write_files(rows, tally)
                finally:
                    if self._stopping:
                        # Rows not tried go back to the queue now, not at the lease's end.
                        await asyncio.shield(
                            self._outbox.release(
                                [row.id for row in rows], now + self._claim_seconds, now
                            )
                        )
            return tally.report()

    async def _send_smtp(self, rows: list[OutboxRow], tally: _Tally) -> None:
        smtp = smtp_client(self._settings, timeout=self._smtp_timeout)
        try:
            await smtp.connect()
        except Exception as error:
            reason = describe(error)
            log.warning(
                "Cannot reach the SMTP server %s:%s (%s); %d e-mail(s) will be retried",
                self._settings.smtp_host,
                self._settings.smtp_port,
                reason,
                len(rows),
            )
            smtp.close()
            for row in rows:
                await self._give_up_or_retry(row, reason, reason_of(error), tally, quiet=True)
            return
        # Each accepted message is marked sent at once, in its own write; the write runs
        # while the next message is on the wire, and the batch waits for all of them.
        marks: list[asyncio.Task[None]] = []
        try:
            for index, row in enumerate(rows):
                if self._stopping:
                    break
                options = [] if f"{row.sender}{row.recipient}".isascii() else ["SMTPUTF8"]
                try:
                    await smtp.sendmail(row.sender, [row.recipient], row.raw, mail_options=options)
                except Exception as error:
                    await self._give_up_or_retry(
                        row, describe(error), reason_of(error), tally, permanent=is_permanent(error)
                    )
                    if not smtp.is_connected:
                        rest = rows[index + 1 :]
                        if rest and not self._stopping:
                            lost = f"connection lost: {describe(error)}"
                            for other in rest:
                                await self._give_up_or_retry(
                                    other, lost, CONNECT, tally, quiet=True
                                )
                        break
                    continue
                marks.append(asyncio.ensure_future(self._mark_sent(row)))
                tally.sent += 1
                log.debug(
                    "E-mail to %s sent (%s, outbox #%d)",
                    mask_address(row.recipient),
                    row.kind,
                    row.id,
                )
        except BaseException:
            smtp.close()  # cancelled, or the database failed: drop the connection
            await asyncio.gather(*marks, return_exceptions=True)
            raise
        await asyncio.gather(*marks)
        if marks:
            log.info("%d e-mail(s) sent to %s", len(marks), self._settings.smtp_host)
        if smtp.is_connected:
            try:
                await smtp.quit()
            except Exception:
                smtp.close()

    async def _write_files(self, rows: list[OutboxRow], tally: _Tally) -> None:
        folder = Path(self._settings.mail_dir)
        for row in rows:
            if self._stopping:
                break
            path = folder / f"{row.created_at}-{row.id}.eml"
            try:
                await asyncio.to_thread(_write_file, path, row.raw)
            except OSError as error:
                problem = f"cannot write {path}: {error.strerror or type(error).__name__}"
                await self._give_up_or_retry(row, problem, ERROR, tally)
                continue
            await self._mark_sent(row)
            tally.sent += 1
            log.info("E-mail to %s written to %s", mask_address(row.recipient), path)

    async def _mark_sent(self, row: OutboxRow) -> None:
        await self._outbox.mark_sent(
            row.id, self._clock.timestamp(), forget_body=row.kind == CODE_KIND
        )
        if self._metrics is not None:
            self._metrics.mail_sent.inc()

    async def _give_up_or_retry(
        self,
        row: OutboxRow,
        error: str,
        reason: str,
        tally: _Tally,
        *,
        permanent: bool = False,
        quiet: bool = False,
    ) -> None:
        """`error`: the raw reason (admins, logs); `reason`: its category (the owner)."""
        attempts = row.attempts + 1
        who = mask_address(row.recipient)
        if permanent or attempts >= self._settings.mail_max_attempts:
            await self._outbox.mark_failed(row.id, error, reason=reason)
            tally.failed += 1
            if self._metrics is not None:
                self._metrics.mail_failed.inc()
            log.warning(
                "E-mail to %s (outbox #%d) failed after %d attempt(s): %s",
                who,
                row.id,
                attempts,
                error,
            )
            return
        delay = self.retry_delay(row.attempts)
        await self._outbox.mark_retry(row.id, error, self._clock.timestamp() + delay, reason=reason)
        tally.retried += 1
        log.log(
            logging.DEBUG if quiet else logging.INFO,
            "E-mail to %s (outbox #%d) will be retried in %d s: %s",
            who,
            row.id,
            delay,
            error,
        )


def _write_file(path: Path, raw: bytes) -> None:
    """Write via a temporary file and a rename, so no half-written .eml is ever seen.

    The folder is created 0700 and the file 0600 (the mode given to open itself, so the
    file is never readable by others, not even for an instant): e-mails carry conference
    passwords and confirmation codes."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)  # a leftover of a crash: O_EXCL below needs it gone
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(temporary, flags, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(raw)
    os.replace(temporary, path)

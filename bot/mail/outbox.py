"""The transactional mail outbox and its background sender.

`enqueue` stores a composed message in the outbox table using the caller's transaction, so
the e-mail exists exactly when the change it announces was committed. `MailSender` delivers
what is due: to the SMTP server from the settings (one connection per batch), or, with no
SMTP server configured, as .eml files in MAIL_DIR so nothing is lost.

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
from bot.settings import Settings
from storage.db import Queryable
from storage.outbox import OutboxRepository, OutboxRow

log = logging.getLogger(__name__)

_MAX_REASON = 500  # characters of a server's reply kept in last_error


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


def _describe(error: BaseException) -> str:
    """A short reason for last_error and the logs (a server reply, or the error's type)."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPResponseException):
        text = f"{error.code} {error.message}".strip()
    else:
        detail = str(error).strip()
        text = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return " ".join(text.split())[:_MAX_REASON]


def _is_permanent(error: BaseException) -> bool:
    """A 5xx reply, or a message/address the server cannot take at all."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refusal.code for refusal in error.recipients]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return error.code >= 500
    # ValueError: an address aiosmtplib refuses to put on the wire;
    # SMTPNotSupported: a non-ASCII address and a server without SMTPUTF8.
    return isinstance(error, (ValueError, aiosmtplib.SMTPNotSupported))


# --------------------------------------------------------------------------- sender


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


class _Tally:
    def __init__(self) -> None:
        self.sent = self.retried = self.failed = 0

    def report(self) -> SendReport:
        return SendReport(self.sent, self.retried, self.failed)


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
    ) -> None:
        self._outbox = OutboxRepository(database)
        self._settings = settings
        self._clock = clock
        self._batch_size = batch_size
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._poll_interval = poll_interval
        self._jitter = jitter
        self._smtp_timeout = smtp_timeout
        self._wake_event = asyncio.Event()
        self._pass_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

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
                report = await self.send_due()
            except Exception:
                errors += 1
                log.exception("The mail sender's pass failed; it tries again shortly")
                await self._wait(min(self._poll_interval, 2.0 ** min(errors, 8)))
                continue
            errors = 0
            if report.total and not self._stopping:
                continue  # rows were processed: look again for more that are due now
            # Sleep until the next retry falls due (or the poll interval, or a wake-up).
            next_due = await self._outbox.next_attempt_at()
            pause = self._poll_interval
            if next_due is not None:
                pause = min(pause, max(0.05, next_due - self._clock.timestamp()))
            await self._wait(pause)

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
        """Deliver the rows due now (at most one batch); safe to call while the task runs."""
        async with self._pass_lock:
            rows = await self._outbox.due(self._clock.timestamp(), self._batch_size)
            tally = _Tally()
            if rows:
                if self._settings.smtp_host:
                    await self._send_smtp(rows, tally)
                else:
                    await self._write_files(rows, tally)
            return tally.report()

    async def _send_smtp(self, rows: list[OutboxRow], tally: _Tally) -> None:
        smtp = smtp_client(self._settings, timeout=self._smtp_timeout)
        try:
            await smtp.connect()
        except Exception as error:
            reason = _describe(error)
            log.warning(
                "Cannot reach the SMTP server %s:%s (%s); %d e-mail(s) will be retried",
                self._settings.smtp_host,
                self._settings.smtp_port,
                reason,
                len(rows),
            )
            smtp.close()
            for row in rows:
                await self._give_up_or_retry(row, reason, tally, quiet=True)
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
                        row, _describe(error), tally, permanent=_is_permanent(error)
                    )
                    if not smtp.is_connected:
                        rest = rows[index + 1 :]
                        if rest and not self._stopping:
                            reason = f"connection lost: {_describe(error)}"
                            for other in rest:
                                await self._give_up_or_retry(other, reason, tally, quiet=True)
                        break
                    continue
                marks.append(
                    asyncio.ensure_future(self._outbox.mark_sent(row.id, self._clock.timestamp()))
                )
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
                reason = f"cannot write {path}: {error.strerror or type(error).__name__}"
                await self._give_up_or_retry(row, reason, tally)
                continue
            await self._outbox.mark_sent(row.id, self._clock.timestamp())
            tally.sent += 1
            log.info("E-mail to %s written to %s", mask_address(row.recipient), path)

    async def _give_up_or_retry(
        self,
        row: OutboxRow,
        reason: str,
        tally: _Tally,
        *,
        permanent: bool = False,
        quiet: bool = False,
    ) -> None:
        attempts = row.attempts + 1
        who = mask_address(row.recipient)
        if permanent or attempts >= self._settings.mail_max_attempts:
            await self._outbox.mark_failed(row.id, reason)
            tally.failed += 1
            log.warning(
                "E-mail to %s (outbox #%d) failed after %d attempt(s): %s",
                who,
                row.id,
                attempts,
                reason,
            )
            return
        delay = self.retry_delay(row.attempts)
        await self._outbox.mark_retry(row.id, reason, self._clock.timestamp() + delay)
        tally.retried += 1
        log.log(
            logging.DEBUG if quiet else logging.INFO,
            "E-mail to %s (outbox #%d) will be retried in %d s: %s",
            who,
            row.id,
            delay,
            reason,
        )


def _write_file(path: Path, raw: bytes) -> None:
    """Write via a temporary file and a rename, so no half-written .eml is ever seen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(raw)
    os.replace(temporary, path)

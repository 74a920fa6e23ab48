"""B4: 1,000 e-mail invitations through the outbox to an SMTP server on loopback.

Enqueue: InvitationService.invite with MAIL_MAX_RECIPIENTS (20) addresses for each of 50
conferences of one owner (composed invitations with calendars, stored in the outbox). One
conference with 1,000 invitees would measure something else: every invitation lists all
attendees, so composing is quadratic there (see docs/BENCHMARKS.md). Then
MailSender.send_due is called until it reports nothing left (timed). Baseline: one
aiosmtplib connection sending the same 1,000 stored raw messages in a loop. The server
(bench/smtp_sink.py, its own process) records each accepted Message-ID: every message must
arrive exactly once, and every outbox row must be marked sent.
"""

from __future__ import annotations

import asyncio
import collections
import subprocess
import time
from pathlib import Path

from bench.common import TOKEN, Result, TempDir, child_env, free_port, spawn, stop

MESSAGES = 1000
CHUNK = 20


def start_sink(folder: Path, name: str) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    record = folder / f"{name}.txt"
    record.touch()
    process = spawn(
        ["-m", "bench.smtp_sink", str(port), str(record)],
        env=child_env(),
        cwd=folder,
        stdout=subprocess.PIPE,
    )
    if process.stdout.readline().strip() != "ready":
        raise RuntimeError("the SMTP sink did not start: " + stop(process))
    return process, port, record


def received(record: Path) -> collections.Counter:
    return collections.Counter(record.read_text().split())


async def measure(result: Result, folder: Path) -> None:
    import aiosmtplib

    from bot.clock import Clock
    from bot.invitations import InvitationService
    from bot.links import JoinLinks
    from bot.mail.outbox import MailSender
    from bot.platforms import make_platform
    from bot.settings import load_settings
    from bot.sharing import SharingService
    from storage.conferences import ConferenceRepository, NewConference
    from storage.db import Database
    from storage.outbox import OutboxRepository
    from storage.users import UserRepository

    sink, port, record = start_sink(folder, "product")
    try:
        settings = load_settings(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "DATABASE_PATH": str(folder / "bot.sqlite3"),
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(port),
                "SMTP_TLS": "none",
                "MAIL_FROM": "Conference Bot <bot@conference.test>",
                "MAIL_DAILY_LIMIT": "100000",
                "MAIL_HOURLY_LIMIT": "1000000",  # the throughput is measured, not the cap
                "LOG_LEVEL": "WARNING",
            },
            env_file=None,
        )
        clock = Clock()
        db = await Database.open(settings.database_path)
        now = clock.timestamp()
        owner, _ = await UserRepository(db).record_seen(
            80_000,
            username="owner",
            full_name="Owner",
            language="en",
            timezone="Europe/Moscow",
            now=now,
        )
        video = make_platform(settings, clock=clock, room_secret="bench-room-key-0123456789")
        links = JoinLinks(db, settings, SharingService(db, clock), video)
        invitations = InvitationService(db, clock, settings, links)
        t0 = time.perf_counter()
        for first in range(0, MESSAGES, CHUNK):
            cid = await ConferenceRepository(db).create(
                NewConference(
                    owner.id,
                    f"Review {first}",
                    now + 86_400 + first * 60,
                    now + 90_000 + first * 60,
                    f"review{first:05d}",
                    "pw1234",
                ),
                now=now,
            )
            await invitations.invite(
                owner, cid, [f"guest{n}@example.org" for n in range(first, first + CHUNK)]
            )
        enqueue_s = time.perf_counter() - t0
        sender = MailSender(db, settings, clock)
        t0 = time.perf_counter()
        passes = 0
        while True:
            report = await sender.send_due()
            passes += 1
            if report.total == 0:
                break
        product_s = time.perf_counter() - t0
        rows = await db.fetch_all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        statuses = {row[0]: row[1] for row in rows}
        raws = [
            (r.sender, r.recipient, r.raw)
            for r in [
                await OutboxRepository(db).get(row[0])
                for row in await db.fetch_all("SELECT id FROM outbox ORDER BY id")
            ]
        ]
        await db.close()
    finally:
        stop(sink)
    product_got = received(record)

    sink, port, record = start_sink(folder, "baseline")
    try:
        t0 = time.perf_counter()
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await smtp.connect()
        for sender_address, recipient, raw in raws:
            await smtp.sendmail(sender_address, [recipient], raw)
        await smtp.quit()
        baseline_s = time.perf_counter() - t0
    finally:
        stop(sink)
    baseline_got = received(record)

    product_rate, baseline_rate = MESSAGES / product_s, MESSAGES / baseline_s
    once = sum(1 for n in product_got.values() if n == 1)
    lost = MESSAGES - len(product_got)
    size = sum(len(raw) for _s, _r, raw in raws) / len(raws)
    result.note(
        f"enqueue (compose + store, {MESSAGES // CHUNK} invite() calls): {enqueue_s:.2f} s;"
        f" average message {size / 1000:.1f} kB"
    )
    result.note(
        f"outbox: {MESSAGES} sent in {product_s:.2f} s ({passes} send_due passes) = "
        f"{product_rate:.0f}/s; outbox statuses {statuses}; server got {len(product_got)}"
        f" distinct, {once} exactly once"
    )
    result.note(
        f"plain aiosmtplib loop: {MESSAGES} in {baseline_s:.2f} s = {baseline_rate:.0f}/s;"
        f" server got {len(baseline_got)} distinct"
    )
    ratio = product_rate / baseline_rate
    result.add(
        f"{MESSAGES} e-mails via outbox",
        f"{product_rate:.0f}/s ({product_s:.2f} s)",
        f"{baseline_rate:.0f}/s ({baseline_s:.2f} s)",
        f"{ratio:.2f}",
        ">= 0.80",
        ratio >= 0.8,
    )
    result.add(
        "e-mails delivered exactly once, marked sent",
        f"{once}/{MESSAGES}, sent {statuses.get('sent', 0)}",
        "",
        "",
        "nothing lost",
        once == MESSAGES and lost == 0 and statuses.get("sent") == MESSAGES,
    )
    result.add(
        "enqueue 1,000 invitations (compose + store)", f"{enqueue_s:.2f} s", "", "", "(info)"
    )


def run(result: Result) -> None:
    with TempDir("b4") as folder:
        asyncio.run(measure(result, folder))

"""Admin operations (F13). Every action that changes something is written to the audit log.

Broadcasts are delivered here too: each recipient is claimed in the database before the
message goes out, so a restart resumes a broadcast without sending anyone it twice.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.delivery import Notice, UnreachableHook, send_to_many
from bot.i18n import FALLBACK_LANGUAGE, Translator
from storage.admin import AdminRepository, Stats
from storage.conferences import ConferenceRecord, ConferenceRepository
from storage.db import Database
from storage.outbox import CANCELLED, OutboxRepository, OutboxRow
from storage.users import UserRecord, UserRepository

log = logging.getLogger(__name__)

# Telegram ids typed by an admin: ASCII digits only (str.isdigit also accepts '²').
_ID = re.compile(r"[0-9]{1,18}")
BROADCAST_BATCH = 30  # one second's worth at Telegram's overall limit


class AdminService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        join_early_minutes: int,
        on_unreachable: UnreachableHook,
    ) -> None:
        self._database = database
        self._clock = clock
        self._join_early_seconds = join_early_minutes * 60
        self._on_unreachable = on_unreachable

    async def stats(self) -> Stats:
        return await AdminRepository(self._database).stats(
            now=self._clock.timestamp(), join_early_seconds=self._join_early_seconds
        )

    async def find(self, query: str) -> tuple[list[ConferenceRecord], UserRecord | None]:
        """A conference ID, a Telegram user id or an @username."""
        query = query.strip()
        conferences = ConferenceRepository(self._database)
        users = UserRepository(self._database)
        if query.startswith("@"):
            user_id = await AdminRepository(self._database).find_user_by_username(query[1:])
            user = await users.get(user_id) if user_id else None
            return [], user
        found = await conferences.get_by_code(query.lower())
        user = await users.get(int(query)) if _ID.fullmatch(query) else None
        return ([found] if found else []), user

    async def conference(self, conference_id: int) -> ConferenceRecord | None:
        """Any conference, whoever owns it (admins may act on all)."""
        return await ConferenceRepository(self._database).get(conference_id)

    async def scheduled_count(self, user_id: int) -> int:
        return await ConferenceRepository(self._database).count_scheduled(
            user_id, now=self._clock.timestamp()
        )

    async def set_blocked(self, admin_id: int, user_id: int, blocked: bool) -> tuple[bool, int]:
        """Block or unblock a person; returns (changed, e-mails cancelled). Blocking also
        cancels the e-mail they caused that has not left yet: it is never sent, and an
        admin's "Retry" does not bring it back."""
        now = self._clock.timestamp()
        async with self._database.transaction() as tx:
            admin = AdminRepository(tx)
            changed = await admin.set_blocked(user_id, blocked)
            cancelled = await OutboxRepository(tx).cancel_pending(user_id, now) if blocked else 0
            if changed:
                await admin.audit(
                    admin_id, "block" if blocked else "unblock", str(user_id), now=now
                )
        return changed, cancelled

    async def delete_conference(self, admin_id: int, conference_id: int) -> ConferenceRecord | None:
        async with self._database.transaction() as tx:
            conferences = ConferenceRepository(tx)
            conference = await conferences.get(conference_id)
            if conference is None:
                return None
            await conferences.delete(conference_id)
            await AdminRepository(tx).audit(
                admin_id,
                "delete_conference",
                conference.conference_code,
                now=self._clock.timestamp(),
            )
        return conference

    async def failed_mail(self, limit: int = 10) -> list[OutboxRow]:
        return await OutboxRepository(self._database).failed(limit)

    async def cancelled_mail(self, limit: int = 10) -> list[OutboxRow]:
        """E-mails stopped before they left (their sender was blocked), the newest first."""
        return await OutboxRepository(self._database).with_status(CANCELLED, limit)

    async def mail_counts(self) -> dict[str, int]:
        """Outbox rows per status (pending, sent, failed, cancelled)."""
        return await OutboxRepository(self._database).counts()

    async def retry_mail(self, admin_id: int, outbox_id: int | None) -> int:
        """Put one failed e-mail (or all, with None) back in the queue."""
        now = self._clock.timestamp()
        async with self._database.transaction() as tx:
            outbox = OutboxRepository(tx)
            if outbox_id is None:
                count = await outbox.retry_all_failed(now)
            else:
                count = int(await outbox.retry(outbox_id, now))
            if count:
                await AdminRepository(tx).audit(
                    admin_id, "retry_mail", "all" if outbox_id is None else str(outbox_id), now=now
                )
        return count

    async def recipients_count(self) -> int:
        return await AdminRepository(self._database).count_recipients()

    async def start_broadcast(self, admin_id: int, text: str) -> int:
        async with self._database.transaction() as tx:
            admin = AdminRepository(tx)
            broadcast_id = await admin.start_broadcast(admin_id, text, now=self._clock.timestamp())
            await admin.audit(admin_id, "broadcast", str(broadcast_id), now=self._clock.timestamp())
        return broadcast_id

    async def unfinished_broadcasts(self) -> list[tuple[int, int, str]]:
        return await AdminRepository(self._database).unfinished_broadcasts()

    async def next_recipients(self, broadcast_id: int, limit: int) -> list[int]:
        """The next users to send to, each claimed first so nobody gets it twice: a user
        another process claimed meanwhile (its row came first) is left out."""
        async with self._database.transaction() as tx:
            admin = AdminRepository(tx)
            users = await admin.broadcast_recipients(broadcast_id, limit)
            claimed = [
                user_id for user_id in users if await admin.claim_delivery(broadcast_id, user_id)
            ]
        return claimed

    async def delivered(self, broadcast_id: int, user_id: int, *, ok: bool = True) -> None:
        """Settle a claimed recipient: reached, or refused (ok=False)."""
        await AdminRepository(self._database).set_delivery(broadcast_id, user_id, ok=ok)

    async def finish_broadcast(self, broadcast_id: int) -> tuple[int, int, int]:
        """(delivered, not delivered, missed at a restart) of a broadcast now done."""
        return await AdminRepository(self._database).finish_broadcast(
            broadcast_id, now=self._clock.timestamp()
        )

    async def deliver_broadcast(
        self, bot: ExtBot[Any], broadcast_id: int, admin_id: int, text: str
    ) -> None:
        """Send to every active user not reached yet, paced as bulk, then report to the
        admin. Runs as background work; after a restart, `unfinished_broadcasts` resumes."""
        body = html.escape(text, quote=False)
        while recipients := await self.next_recipients(broadcast_id, BROADCAST_BATCH):
            outcomes = await send_to_many(
                bot,
                [Notice(user_id, body) for user_id in recipients],
                on_unreachable=self._on_unreachable,
                purpose=f"broadcast {broadcast_id}",
            )
            for user_id, outcome in zip(recipients, outcomes, strict=True):
                await self.delivered(broadcast_id, user_id, ok=outcome.reached)
        ok, failed, missed = await self.finish_broadcast(broadcast_id)
        admin = await UserRepository(self._database).get(admin_id)
        t = Translator(admin.language if admin else FALLBACK_LANGUAGE)
        summary = t("admin.broadcast_done", id=broadcast_id, ok=ok, failed=failed)
        if missed:  # claimed by a process that was killed while sending them
            summary += "\n" + t("admin.broadcast_missed", count=missed)
        try:
            await bot.send_message(admin_id, summary, parse_mode=ParseMode.HTML)
        except TelegramError as error:
            log.warning("Could not report broadcast %s: %s", broadcast_id, error)

    async def audit(self, admin_id: int, action: str, target: str = "") -> None:
        await AdminRepository(self._database).audit(
            admin_id, action, target, now=self._clock.timestamp()
        )

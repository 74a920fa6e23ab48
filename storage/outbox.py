"""The mail outbox: e-mails queued in the same transaction as the change they announce.

One row per message and recipient. A row is `pending` until the sender delivers it
(`sent`), gives up (`failed`), or an admin's block stops it (`cancelled`); `attempts`
counts the tries made, `next_attempt_at` says when a pending row is due. A failure keeps
the server's words in `last_error` (for admins) and their category in `reason` (for the
owner). The raw bytes are stored exactly as they are sent, so a re-send carries the same
Message-ID; those of sent and cancelled rows are deleted after a while (`forget_bodies`).
Times are UTC Unix seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from storage.db import Queryable, Row, skip_locked

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
STATUSES = (PENDING, SENT, FAILED, CANCELLED)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    message_id: str
    kind: str
    owner_id: int | None
    conference_id: int | None
    recipient: str
    sender: str
    raw: bytes = field(repr=False)
    status: str
    attempts: int
    next_attempt_at: int
    last_error: str | None
    created_at: int
    sent_at: int | None
    reason: str | None = None  # a failure's category: mailbox, refused, connect, timeout, error

    @classmethod
    def from_row(cls, row: Row) -> OutboxRow:
        record = {f.name: row[f.name] for f in fields(cls)}
        record["raw"] = bytes(record["raw"] or b"")
        return cls(**record)


# The delivery state and the message itself, kept in two tables (migration 6). Rows to
# send need their body; lists and cards do not, and a body may have been deleted.
_SELECT = "SELECT o.*, b.raw FROM outbox AS o JOIN outbox_bodies AS b ON b.outbox_id = o.id"
_SELECT_ANY = (
    "SELECT o.*, b.raw FROM outbox AS o LEFT JOIN outbox_bodies AS b ON b.outbox_id = o.id"
)
_SELECT_STATE = "SELECT o.*, NULL AS raw FROM outbox AS o"


class OutboxRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def add(
        self,
        *,
        message_id: str,
        kind: str,
        owner_id: int | None,
        conference_id: int | None,
        recipient: str,
        sender: str,
        raw: bytes,
        now: int,
    ) -> int:
        """Queue a message (pending, due at once); returns its id."""
        outbox_id = await self._db.insert(
            "INSERT INTO outbox (message_id, kind, owner_id, conference_id, recipient, sender,"
            " status, attempts, next_attempt_at, created_at)"
            " VALUES (:message_id, :kind, :owner_id, :conference_id, :recipient, :sender,"
            " :pending, 0, :now, :now)",
            {
                "message_id": message_id,
                "kind": kind,
                "owner_id": owner_id,
                "conference_id": conference_id,
                "recipient": recipient,
                "sender": sender,
                "pending": PENDING,
                "now": now,
            },
        )
        await self._db.execute(
            "INSERT INTO outbox_bodies (outbox_id, raw) VALUES (:outbox_id, :raw)",
            {"outbox_id": outbox_id, "raw": bytes(raw)},
        )
        return outbox_id

    async def get(self, outbox_id: int) -> OutboxRow | None:
        """The row, with its body (empty once the body was deleted)."""
        row = await self._db.fetch_one(
            f"{_SELECT_ANY} WHERE id = :outbox_id", {"outbox_id": outbox_id}
        )
        return None if row is None else OutboxRow.from_row(row)

    async def next_attempt_at(self) -> int | None:
        """When the earliest pending message falls due (None: nothing pending)."""
        return await self._db.fetch_value(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = :pending", {"pending": PENDING}
        )

    async def backlog(self) -> tuple[int, int | None]:
        """How many messages wait to be sent, and when the oldest of them was queued."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = :pending",
            {"pending": PENDING},
        )
        return (int(row[0]), row[1]) if row is not None else (0, None)

    async def count_by_status(self) -> dict[str, int]:
        """How many messages are in each status (pending, sent, failed, cancelled)."""
        rows = await self._db.fetch_all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {str(row[0]): int(row[1]) for row in rows}

    async def due(self, now: int, limit: int) -> list[OutboxRow]:
        """Pending rows whose time has come, those waiting longest first."""
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE status = :pending AND next_attempt_at <= :now"
            " ORDER BY next_attempt_at, id LIMIT :limit",
            {"pending": PENDING, "now": now, "limit": limit},
        )
        return [OutboxRow.from_row(row) for row in rows]

    async def claim_due(self, now: int, limit: int, *, lease_until: int) -> list[OutboxRow]:
        """Take pending rows whose time has come (those waiting longest first) for sending.

        One statement makes each due again only at `lease_until`, so that no other pass
        or process takes it meanwhile; on PostgreSQL rows that another transaction is
        claiming are skipped, not waited for. A row its sender never marks (the process
        died mid-send) is sent again once the lease ends, under the same Message-ID."""
        claimed = await self._db.fetch_all(
            "UPDATE outbox SET next_attempt_at = :lease_until WHERE id IN ("
            " SELECT id FROM outbox WHERE status = :pending AND next_attempt_at <= :now"
            f" ORDER BY next_attempt_at, id LIMIT :limit{skip_locked(self._db)})"
            " RETURNING id",
            {"lease_until": lease_until, "pending": PENDING, "now": now, "limit": limit},
        )
        if not claimed:
            return []
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE id IN :ids ORDER BY id", {"ids": [row[0] for row in claimed]}
        )
        return [OutboxRow.from_row(row) for row in rows]

    async def release(self, outbox_ids: list[int], lease_until: int, now: int) -> None:
        """Give back claimed rows that are still pending under that lease (not tried, or
        abandoned mid-send): due at `now` (a sender that stops mid-batch)."""
        if outbox_ids:
            await self._db.execute(
                "UPDATE outbox SET next_attempt_at = :now WHERE id IN :ids"
                " AND status = :pending AND next_attempt_at = :lease_until",
                {"now": now, "ids": outbox_ids, "pending": PENDING, "lease_until": lease_until},
            )

    async def mark_sent(self, outbox_id: int, now: int, *, forget_body: bool = False) -> None:
        """The server accepted the message (or it was written to a file); counts the try.

        `forget_body`: the body carries a secret (a confirmation code) and is deleted at
        once; otherwise it is kept for MAIL_KEEP_DAYS from now."""
        await self._db.execute(
            "UPDATE outbox SET status = :sent, sent_at = :now, attempts = attempts + 1,"
            " body_kept_since = :value WHERE id = :outbox_id",
            {
                "sent": SENT,
                "now": now,
                "value": None if forget_body else now,
                "outbox_id": outbox_id,
            },
        )
        if forget_body:
            await self._db.execute(
                "DELETE FROM outbox_bodies WHERE outbox_id = :outbox_id", {"outbox_id": outbox_id}
            )

    async def mark_retry(
        self, outbox_id: int, error: str, next_attempt_at: int, *, reason: str | None = None
    ) -> None:
        """A try failed for a passing reason: try again at `next_attempt_at`."""
        await self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = :error, reason = :reason,"
            " next_attempt_at = :next_attempt_at WHERE id = :outbox_id AND status = :pending",
            {
                "error": error,
                "reason": reason,
                "next_attempt_at": next_attempt_at,
                "outbox_id": outbox_id,
                "pending": PENDING,
            },
        )

    async def mark_failed(self, outbox_id: int, error: str, *, reason: str | None = None) -> None:
        """A try failed for good (a 5xx, or the last allowed attempt). `error` is the raw
        reason for admins, `reason` its category for the owner."""
        await self._db.execute(
            "UPDATE outbox SET status = :failed, attempts = attempts + 1, last_error = :error,"
            " reason = :reason"
            " WHERE id = :outbox_id AND status = :pending",
            {
                "failed": FAILED,
                "error": error,
                "reason": reason,
                "outbox_id": outbox_id,
                "pending": PENDING,
            },
        )

    async def cancel_pending(self, owner_id: int, now: int, *, kind: str | None = None) -> int:
        """Stop an owner's queued mail (all of it, or of one kind); returns how many."""
        kind_clause = "" if kind is None else " AND kind = :kind"
        return await self._db.execute(
            "UPDATE outbox SET status = :cancelled, body_kept_since = :now"
            f" WHERE owner_id = :owner_id AND status = :pending{kind_clause}",
            {"cancelled": CANCELLED, "now": now, "owner_id": owner_id, "pending": PENDING}
            | ({} if kind is None else {"kind": kind}),
        )

    async def sent_since(self, since: int) -> tuple[int, int | None]:
        """How many messages were sent since `since`, and when the first of them was."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*), MIN(sent_at) FROM outbox WHERE sent_at >= :since", {"since": since}
        )
        return (0, None) if row is None else (int(row[0]), row[1])

    async def forget_bodies(self, before: int, limit: int = 500) -> int:
        """Delete the bodies of rows sent or cancelled before `before`, at most `limit`;
        returns how many. Reads only the rows still waiting for this (a partial index)."""
        rows = await self._db.fetch_all(
            "SELECT id FROM outbox WHERE body_kept_since IS NOT NULL AND body_kept_since < :before"
            " ORDER BY body_kept_since LIMIT :limit",
            {"before": before, "limit": limit},
        )
        ids = [row[0] for row in rows]
        if not ids:
            return 0
        await self._db.execute("DELETE FROM outbox_bodies WHERE outbox_id IN :ids", {"ids": ids})
        await self._db.execute(
            "UPDATE outbox SET body_kept_since = NULL WHERE id IN :ids", {"ids": ids}
        )
        return len(ids)

    async def delivery_state(self, conference_id: int) -> dict[str, OutboxRow]:
        """The latest row per recipient of a conference's mail (for the owner's card)."""
        rows = await self._db.fetch_all(
            f"{_SELECT_STATE} WHERE id IN ("
            " SELECT MAX(id) FROM outbox WHERE conference_id = :conference_id GROUP BY recipient)"
            " ORDER BY id",
            {"conference_id": conference_id},
        )
        return {row["recipient"]: OutboxRow.from_row(row) for row in rows}

    async def count_recent(
        self, owner_id: int, since: int, *, kinds: Iterable[str] | None = None
    ) -> int:
        """Messages an owner queued since `since` (of these kinds, or all), whatever became
        of them."""
        kind_list = None if kinds is None else list(dict.fromkeys(kinds))
        if kind_list == []:
            return 0
        sql = "SELECT COUNT(*) FROM outbox WHERE owner_id = :owner_id AND created_at >= :since"
        params: dict[str, object] = {"owner_id": owner_id, "since": since}
        if kind_list:
            sql += " AND kind IN :kinds"
            params["kinds"] = kind_list
        return int(await self._db.fetch_value(sql, params))

    async def first_since(self, owner_id: int, kind: str, since: int) -> int | None:
        """When the owner's first message of `kind` since `since` was queued."""
        return await self._db.fetch_value(
            "SELECT MIN(created_at) FROM outbox WHERE owner_id = :owner_id AND created_at >= :since"
            " AND kind = :kind",
            {"owner_id": owner_id, "since": since, "kind": kind},
        )

    async def counts(self) -> dict[str, int]:
        """Rows per status; every status is present, zero when there is none."""
        result = dict.fromkeys(STATUSES, 0)
        for row in await self._db.fetch_all(
            "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status"
        ):
            result[row["status"]] = int(row["n"])
        return result

    async def failed(self, limit: int, offset: int = 0) -> list[OutboxRow]:
        """Failed rows, the newest first (the admin's list)."""
        return await self.with_status(FAILED, limit, offset)

    async def with_status(self, status: str, limit: int, offset: int = 0) -> list[OutboxRow]:
        """Rows of one status, the newest first, without their bodies."""
        rows = await self._db.fetch_all(
            f"{_SELECT_STATE} WHERE status = :status ORDER BY id DESC LIMIT :limit OFFSET :offset",
            {"status": status, "limit": limit, "offset": offset},
        )
        return [OutboxRow.from_row(row) for row in rows]

    async def retry(self, outbox_id: int, now: int) -> bool:
        """Put a failed row back in the queue, due now; attempts and last error are kept."""
        changed = await self._db.execute(
            "UPDATE outbox SET status = :pending, next_attempt_at = :now WHERE id = :outbox_id AND"
            " status = :failed",
            {"pending": PENDING, "now": now, "outbox_id": outbox_id, "failed": FAILED},
        )
        return changed > 0

    async def retry_all_failed(self, now: int) -> int:
        """Put every failed row back in the queue; returns how many."""
        return await self._db.execute(
            "UPDATE outbox SET status = :pending, next_attempt_at = :now WHERE status = :failed",
            {"pending": PENDING, "now": now, "failed": FAILED},
        )

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

from storage.db import Queryable, Row

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
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            (message_id, kind, owner_id, conference_id, recipient, sender, PENDING, now, now),
        )
        await self._db.execute(
            "INSERT INTO outbox_bodies (outbox_id, raw) VALUES (?, ?)", (outbox_id, bytes(raw))
        )
        return outbox_id

    async def get(self, outbox_id: int) -> OutboxRow | None:
        """The row, with its body (empty once the body was deleted)."""
        row = await self._db.fetch_one(f"{_SELECT_ANY} WHERE id = ?", (outbox_id,))
        return None if row is None else OutboxRow.from_row(row)

    async def next_attempt_at(self) -> int | None:
        """When the earliest pending message falls due (None: nothing pending)."""
        return await self._db.fetch_value(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = ?", (PENDING,)
        )

    async def backlog(self) -> tuple[int, int | None]:
        """How many messages wait to be sent, and when the oldest of them was queued."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = ?", (PENDING,)
        )
        return (int(row[0]), row[1]) if row is not None else (0, None)

    async def count_by_status(self) -> dict[str, int]:
        """How many messages are in each status (pending, sent, failed, cancelled)."""
        rows = await self._db.fetch_all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {str(row[0]): int(row[1]) for row in rows}

    async def due(self, now: int, limit: int) -> list[OutboxRow]:
        """Pending rows whose time has come, those waiting longest first."""
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE status = ? AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            (PENDING, now, limit),
        )
        return [OutboxRow.from_row(row) for row in rows]

    async def mark_sent(self, outbox_id: int, now: int, *, forget_body: bool = False) -> None:
        """The server accepted the message (or it was written to a file); counts the try.

        `forget_body`: the body carries a secret (a confirmation code) and is deleted at
        once; otherwise it is kept for MAIL_KEEP_DAYS from now."""
        await self._db.execute(
            "UPDATE outbox SET status = ?, sent_at = ?, attempts = attempts + 1,"
            " body_kept_since = ? WHERE id = ?",
            (SENT, now, None if forget_body else now, outbox_id),
        )
        if forget_body:
            await self._db.execute("DELETE FROM outbox_bodies WHERE outbox_id = ?", (outbox_id,))

    async def mark_retry(
        self, outbox_id: int, error: str, next_attempt_at: int, *, reason: str | None = None
    ) -> None:
        """A try failed for a passing reason: try again at `next_attempt_at`."""
        await self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, reason = ?,"
            " next_attempt_at = ? WHERE id = ? AND status = ?",
            (error, reason, next_attempt_at, outbox_id, PENDING),
        )

    async def mark_failed(self, outbox_id: int, error: str, *, reason: str | None = None) -> None:
        """A try failed for good (a 5xx, or the last allowed attempt). `error` is the raw
        reason for admins, `reason` its category for the owner."""
        await self._db.execute(
            "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?, reason = ?"
            " WHERE id = ? AND status = ?",
            (FAILED, error, reason, outbox_id, PENDING),
        )

    async def cancel_pending(self, owner_id: int, now: int, *, kind: str | None = None) -> int:
        """Stop an owner's queued mail (all of it, or of one kind); returns how many."""
        kind_clause, params = ("", ()) if kind is None else (" AND kind = ?", (kind,))
        return await self._db.execute(
            "UPDATE outbox SET status = ?, body_kept_since = ?"
            f" WHERE owner_id = ? AND status = ?{kind_clause}",
            (CANCELLED, now, owner_id, PENDING, *params),
        )

    async def sent_since(self, since: int) -> tuple[int, int | None]:
        """How many messages were sent since `since`, and when the first of them was."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*), MIN(sent_at) FROM outbox WHERE sent_at >= ?", (since,)
        )
        return (0, None) if row is None else (int(row[0]), row[1])

    async def forget_bodies(self, before: int, limit: int = 500) -> int:
        """Delete the bodies of rows sent or cancelled before `before`, at most `limit`;
        returns how many. Reads only the rows still waiting for this (a partial index)."""
        rows = await self._db.fetch_all(
            "SELECT id FROM outbox WHERE body_kept_since IS NOT NULL AND body_kept_since < ?"
            " ORDER BY body_kept_since LIMIT ?",
            (before, limit),
        )
        ids = [row[0] for row in rows]
        if not ids:
            return 0
        marks = ", ".join("?" for _ in ids)
        await self._db.execute(f"DELETE FROM outbox_bodies WHERE outbox_id IN ({marks})", ids)
        await self._db.execute(
            f"UPDATE outbox SET body_kept_since = NULL WHERE id IN ({marks})", ids
        )
        return len(ids)

    async def delivery_state(self, conference_id: int) -> dict[str, OutboxRow]:
        """The latest row per recipient of a conference's mail (for the owner's card)."""
        rows = await self._db.fetch_all(
            f"{_SELECT_STATE} WHERE id IN ("
            " SELECT MAX(id) FROM outbox WHERE conference_id = ? GROUP BY recipient)"
            " ORDER BY id",
            (conference_id,),
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
        sql = "SELECT COUNT(*) FROM outbox WHERE owner_id = ? AND created_at >= ?"
        params: list[object] = [owner_id, since]
        if kind_list:
            sql += f" AND kind IN ({', '.join('?' for _ in kind_list)})"
            params += kind_list
        return int(await self._db.fetch_value(sql, params))

    async def first_since(self, owner_id: int, kind: str, since: int) -> int | None:
        """When the owner's first message of `kind` since `since` was queued."""
        return await self._db.fetch_value(
            "SELECT MIN(created_at) FROM outbox WHERE owner_id = ? AND created_at >= ?"
            " AND kind = ?",
            (owner_id, since, kind),
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
            f"{_SELECT_STATE} WHERE status = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            (status, limit, offset),
        )
        return [OutboxRow.from_row(row) for row in rows]

    async def retry(self, outbox_id: int, now: int) -> bool:
        """Put a failed row back in the queue, due now; attempts and last error are kept."""
        changed = await self._db.execute(
            "UPDATE outbox SET status = ?, next_attempt_at = ? WHERE id = ? AND status = ?",
            (PENDING, now, outbox_id, FAILED),
        )
        return changed > 0

    async def retry_all_failed(self, now: int) -> int:
        """Put every failed row back in the queue; returns how many."""
        return await self._db.execute(
            "UPDATE outbox SET status = ?, next_attempt_at = ? WHERE status = ?",
            (PENDING, now, FAILED),
        )

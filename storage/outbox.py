"""The mail outbox: e-mails queued in the same transaction as the change they announce.

One row per message and recipient. A row is `pending` until the sender delivers it
(`sent`) or gives up (`failed`); `attempts` counts the tries made, `next_attempt_at` says
when a pending row is due. The raw bytes are stored exactly as they are sent, so a re-send
carries the same Message-ID. Times are UTC Unix seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from storage.db import Queryable, Row

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
STATUSES = (PENDING, SENT, FAILED)


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

    @classmethod
    def from_row(cls, row: Row) -> OutboxRow:
        record = {f.name: row[f.name] for f in fields(cls)}
        record["raw"] = bytes(record["raw"])
        return cls(**record)


# The delivery state and the message itself, kept in two tables (migration 6).
_SELECT = "SELECT o.*, b.raw FROM outbox AS o JOIN outbox_bodies AS b ON b.outbox_id = o.id"


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
        row = await self._db.fetch_one(f"{_SELECT} WHERE id = ?", (outbox_id,))
        return None if row is None else OutboxRow.from_row(row)

    async def next_attempt_at(self) -> int | None:
        """When the earliest pending message falls due (None: nothing pending)."""
        return await self._db.fetch_value(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = ?", (PENDING,)
        )

    async def due(self, now: int, limit: int) -> list[OutboxRow]:
        """Pending rows whose time has come, those waiting longest first."""
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE status = ? AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            (PENDING, now, limit),
        )
        return [OutboxRow.from_row(row) for row in rows]

    async def mark_sent(self, outbox_id: int, now: int) -> None:
        """The server accepted the message (or it was written to a file); counts the try."""
        await self._db.execute(
            "UPDATE outbox SET status = ?, sent_at = ?, attempts = attempts + 1 WHERE id = ?",
            (SENT, now, outbox_id),
        )

    async def mark_retry(self, outbox_id: int, error: str, next_attempt_at: int) -> None:
        """A try failed for a passing reason: try again at `next_attempt_at`."""
        await self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
            " WHERE id = ? AND status = ?",
            (error, next_attempt_at, outbox_id, PENDING),
        )

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        """A try failed for good (a 5xx, or the last allowed attempt)."""
        await self._db.execute(
            "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?"
            " WHERE id = ? AND status = ?",
            (FAILED, error, outbox_id, PENDING),
        )

    async def delivery_state(self, conference_id: int) -> dict[str, OutboxRow]:
        """The latest row per recipient of a conference's mail (for the owner's card)."""
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE id IN ("
            " SELECT MAX(id) FROM outbox WHERE conference_id = ? GROUP BY recipient)"
            " ORDER BY id",
            (conference_id,),
        )
        return {row["recipient"]: OutboxRow.from_row(row) for row in rows}

    async def count_recent(self, owner_id: int, kinds: Iterable[str], since: int) -> int:
        """Messages of these kinds an owner queued since `since`, whatever became of them."""
        kinds = list(dict.fromkeys(kinds))
        if not kinds:
            return 0
        marks = ", ".join("?" for _ in kinds)
        return int(
            await self._db.fetch_value(
                f"SELECT COUNT(*) FROM outbox WHERE owner_id = ? AND created_at >= ?"
                f" AND kind IN ({marks})",
                (owner_id, since, *kinds),
            )
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
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE status = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            (FAILED, limit, offset),
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

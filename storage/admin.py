"""What admins read and write: service statistics, the audit log, broadcasts."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import NO_PARAMS, Params, Queryable, Row

# broadcast_deliveries.ok: 1 delivered, 0 refused (e.g. bot blocked), IN_FLIGHT claimed
# and being sent (what is left so after a restart was missed: it is not sent again).
IN_FLIGHT = -1


@dataclass(frozen=True)
class Stats:
    users_total: int
    users_active_7d: int
    users_blocked: int
    users_unreachable: int
    scheduled: int
    online_now: int
    archived: int
    mail_pending: int
    mail_sent: int
    mail_failed: int
    new_users_24h: int
    conferences_created_24h: int
    mail_sent_24h: int


class AdminRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def stats(self, *, now: int, join_early_seconds: int) -> Stats:
        day, week = now - 86_400, now - 7 * 86_400
        users = await _aggregate(
            self._db,
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE last_seen_at >= :week), SUM(is_blocked),"
            " SUM(1 - is_active), COUNT(*) FILTER (WHERE created_at >= :day) FROM users",
            {"week": week, "day": day},
        )
        conferences = await _aggregate(
            self._db,
            "SELECT COUNT(*) FILTER (WHERE ends_at > :now),"
            " COUNT(*) FILTER (WHERE starts_at - :join_early <= :now AND ends_at >= :now),"
            " COUNT(*) FILTER (WHERE ends_at <= :now), COUNT(*) FILTER (WHERE created_at >= :day)"
            " FROM conferences",
            {"now": now, "join_early": join_early_seconds, "day": day},
        )
        mail = await _aggregate(
            self._db,
            "SELECT COUNT(*) FILTER (WHERE status = 'pending'),"
            " COUNT(*) FILTER (WHERE status = 'sent'), COUNT(*) FILTER (WHERE status = 'failed'),"
            " COUNT(*) FILTER (WHERE sent_at >= :day) FROM outbox",
            {"day": day},
        )
        number = lambda value: int(value or 0)  # noqa: E731 - SUM over no rows is NULL
        return Stats(
            users_total=number(users[0]),
            users_active_7d=number(users[1]),
            users_blocked=number(users[2]),
            users_unreachable=number(users[3]),
            new_users_24h=number(users[4]),
            scheduled=number(conferences[0]),
            online_now=number(conferences[1]),
            archived=number(conferences[2]),
            conferences_created_24h=number(conferences[3]),
            mail_pending=number(mail[0]),
            mail_sent=number(mail[1]),
            mail_failed=number(mail[2]),
            mail_sent_24h=number(mail[3]),
        )

    async def audit(self, admin_id: int, action: str, target: str, *, now: int) -> None:
        await self._db.execute(
            "INSERT INTO audit_log (admin_id, action, target, created_at) VALUES (:admin_id,"
            " :action, :target, :now)",
            {"admin_id": admin_id, "action": action, "target": target[:200], "now": now},
        )

    async def audit_entries(self, limit: int = 50) -> list[tuple[int, str, str, int]]:
        rows = await self._db.fetch_all(
            "SELECT admin_id, action, target, created_at FROM audit_log ORDER BY id DESC LIMIT"
            " :limit",
            {"limit": limit},
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def set_blocked(self, user_id: int, blocked: bool) -> bool:
        return bool(
            await self._db.execute(
                "UPDATE users SET is_blocked = :blocked WHERE id = :user_id",
                {"blocked": int(blocked), "user_id": user_id},
            )
        )

    async def find_user_by_username(self, username: str) -> int | None:
        return await self._db.fetch_value(
            "SELECT id FROM users WHERE lower(username) = lower(:username) ORDER BY id LIMIT 1",
            {"username": username},
        )

    # -- broadcasts -------------------------------------------------------------------
    async def start_broadcast(self, admin_id: int, text: str, *, now: int) -> int:
        return await self._db.insert(
            "INSERT INTO broadcasts (admin_id, text, created_at) VALUES (:admin_id, :text, :now)",
            {"admin_id": admin_id, "text": text, "now": now},
        )

    async def unfinished_broadcasts(self) -> list[tuple[int, int, str]]:
        rows = await self._db.fetch_all(
            "SELECT id, admin_id, text FROM broadcasts WHERE status = 'sending' ORDER BY id"
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def broadcast_recipients(self, broadcast_id: int, limit: int) -> list[int]:
        """Active users this broadcast has not reached yet (resumes after a restart)."""
        rows = await self._db.fetch_all(
            "SELECT u.id FROM users AS u WHERE u.is_active = 1 AND u.is_blocked = 0"
            " AND NOT EXISTS (SELECT 1 FROM broadcast_deliveries AS d"
            "                 WHERE d.broadcast_id = :broadcast_id AND d.user_id = u.id)"
            " ORDER BY u.id LIMIT :limit",
            {"broadcast_id": broadcast_id, "limit": limit},
        )
        return [row[0] for row in rows]

    async def count_recipients(self) -> int:
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM users WHERE is_active = 1 AND is_blocked = 0"
            )
        )

    async def claim_delivery(self, broadcast_id: int, user_id: int) -> bool:
        """Claim this user for the broadcast before sending (ok = IN_FLIGHT); False if
        already recorded: never twice. A claim still in flight when the broadcast
        finishes was cut short by a restart: counted as missed, never sent again."""
        return bool(
            await self._db.execute(
                "INSERT INTO broadcast_deliveries (broadcast_id, user_id, ok) VALUES"
                " (:broadcast_id, :user_id, :in_flight)"
                " ON CONFLICT DO NOTHING",
                {"broadcast_id": broadcast_id, "user_id": user_id, "in_flight": IN_FLIGHT},
            )
        )

    async def record_delivery(self, broadcast_id: int, user_id: int, ok: bool) -> bool:
        """Claim this user for the broadcast; False if already recorded (never twice)."""
        return bool(
            await self._db.execute(
                "INSERT INTO broadcast_deliveries (broadcast_id, user_id, ok) VALUES"
                " (:broadcast_id, :user_id, :ok)"
                " ON CONFLICT DO NOTHING",
                {"broadcast_id": broadcast_id, "user_id": user_id, "ok": int(ok)},
            )
        )

    async def set_delivery(self, broadcast_id: int, user_id: int, ok: bool) -> None:
        await self._db.execute(
            "UPDATE broadcast_deliveries SET ok = :ok WHERE broadcast_id = :broadcast_id AND"
            " user_id = :user_id",
            {"ok": int(ok), "broadcast_id": broadcast_id, "user_id": user_id},
        )

    async def finish_broadcast(self, broadcast_id: int, *, now: int) -> tuple[int, int, int]:
        """Mark it done; returns (delivered, not delivered, missed: in flight at a restart)."""
        await self._db.execute(
            "UPDATE broadcasts SET status = 'done', finished_at = :now WHERE id = :broadcast_id",
            {"now": now, "broadcast_id": broadcast_id},
        )
        row = await _aggregate(
            self._db,
            "SELECT COUNT(*) FILTER (WHERE ok = 1), COUNT(*) FILTER (WHERE ok = 0),"
            " COUNT(*) FILTER (WHERE ok = :in_flight) FROM broadcast_deliveries"
            " WHERE broadcast_id = :broadcast_id",
            {"broadcast_id": broadcast_id, "in_flight": IN_FLIGHT},
        )
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


async def _aggregate(db: Queryable, sql: str, params: Params = NO_PARAMS) -> Row:
    """The one row an aggregate query (COUNT, SUM) always returns."""
    row = await db.fetch_one(sql, params)
    if row is None:
        raise LookupError("an aggregate query returned no row")
    return row

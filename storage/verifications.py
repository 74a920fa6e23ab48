"""E-mail addresses waiting for their confirmation code (email_verifications).

One row per person at most: the address they asked for, the hash of the code last sent
(never the code itself), when it expires and how many wrong codes were typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Queryable, Row


@dataclass(frozen=True)
class PendingEmail:
    user_id: int
    email: str
    code_hash: str | None  # None: no code sent yet (an address from before verification)
    expires_at: int | None
    wrong_tries: int
    created_at: int

    @classmethod
    def from_row(cls, row: Row) -> PendingEmail:
        return cls(
            user_id=row["user_id"],
            email=row["email"],
            code_hash=row["code_hash"],
            expires_at=row["expires_at"],
            wrong_tries=row["wrong_tries"],
            created_at=row["created_at"],
        )


class VerificationRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def get(self, user_id: int) -> PendingEmail | None:
        row = await self._db.fetch_one(
            "SELECT * FROM email_verifications WHERE user_id = :user_id", {"user_id": user_id}
        )
        return None if row is None else PendingEmail.from_row(row)

    async def start(self, user_id: int, email: str, *, now: int) -> None:
        """A new address waits (replacing any other); no code yet, no wrong tries."""
        await self._db.execute(
            "INSERT INTO email_verifications (user_id, email, created_at) VALUES (:user_id,"
            " :email, :now)"
            " ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, code_hash = NULL,"
            " expires_at = NULL, wrong_tries = 0, created_at = excluded.created_at",
            {"user_id": user_id, "email": email, "now": now},
        )

    async def set_code(self, user_id: int, code_hash: str, expires_at: int) -> None:
        """A new code was sent: only its hash is kept; the earlier code stops working."""
        await self._db.execute(
            "UPDATE email_verifications SET code_hash = :code_hash, expires_at = :expires_at WHERE"
            " user_id = :user_id",
            {"code_hash": code_hash, "expires_at": expires_at, "user_id": user_id},
        )

    async def count_wrong_try(self, user_id: int) -> int:
        """One more wrong code; returns how many there have been."""
        tries = await self._db.fetch_value(
            "UPDATE email_verifications SET wrong_tries = wrong_tries + 1 WHERE user_id = :user_id"
            " RETURNING wrong_tries",
            {"user_id": user_id},
        )
        return int(tries or 0)

    async def drop(self, user_id: int) -> bool:
        """Forget the pending address; False if there was none."""
        return bool(
            await self._db.execute(
                "DELETE FROM email_verifications WHERE user_id = :user_id", {"user_id": user_id}
            )
        )

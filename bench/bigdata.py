"""B2's data set, built once per run and shared with B6: 100,000 users and 1,000,000
conferences (plus participants, invitations and some outbox rows) in the migrated schema.

Generated straight into SQLite with executemany in big transactions: the schema comes from
storage.db.Database (the real migrations); the conference indexes are dropped during the
load and rebuilt from their own CREATE statements afterwards (faster than updating five
indexes row by row). The folder is deleted when the process exits.

Shape (fixed seed):
- owners are skewed: conference i belongs to user int(N_USERS * u**2) (u uniform), so the
  busiest owner has ~3,000 conferences, the top 1% of users own ~10% of all, and a
  typical user has a handful;
- starts are uniform from three years ago to 90 days ahead (~92% archived), lengths 30 to
  120 minutes, created up to two weeks before the start;
- 10% of conferences are weekly series (migration 18: one row each, its current meeting in
  starts_at/ends_at; 4 to 52 meetings, one in five without end), anchored where a single
  conference would start; the rest are single conferences (active_until = ends_at);
- 10% of conferences have a share token; 200,000 participant rows (people in random
  conferences, skewed like owners: most users take part in one or two, the busiest in
  ~600), 2,000 of them left on their own and 2,000 removed by the owner; 100,000
  invitations; 20,000 outbox rows of ~2 KB.
"""

from __future__ import annotations

import asyncio
import atexit
import random
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

N_USERS = 100_000
N_CONFERENCES = 1_000_000
N_PARTICIPANTS = 200_000
N_INVITATIONS = 100_000
N_OUTBOX = 20_000
FIRST_USER_ID = 10_000_000  # Telegram-like ids
DAY = 86_400
WEEK = 7 * DAY


@dataclass(frozen=True)
class BigData:
    path: Path
    now: int
    seconds: float  # generation time
    heaviest_owner: int
    heaviest_count: int
    busiest_participant: int
    busiest_participations: int


_cache: BigData | None = None


def owner_of(u: float) -> int:
    return FIRST_USER_ID + min(N_USERS - 1, int(N_USERS * u * u))


def get() -> BigData:
    global _cache
    if _cache is None:
        _cache = _build()
    return _cache


def _build() -> BigData:
    from storage.db import Database

    folder = Path(tempfile.mkdtemp(prefix="bench-bigdata-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "big.sqlite3"
    started = time.perf_counter()

    async def migrate() -> None:
        db = await Database.open(path)
        await db.close()

    asyncio.run(migrate())
    rng = random.Random(7)
    now = int(time.time())
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users (id, username, full_name, email, language, timezone, created_at,"
        " updated_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                FIRST_USER_ID + i,
                f"user{i}" if i % 3 else None,
                f"User Number {i}",
                f"user{i}@example.com" if i % 4 == 0 else None,
                "ru" if i % 2 else "en",
                "Europe/Moscow" if i % 2 else "UTC",
                now - rng.randrange(3 * 365 * DAY),
                now - rng.randrange(365 * DAY),
                now - rng.randrange(60 * DAY),
            )
            for i in range(N_USERS)
        ),
    )
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'conferences'"
        " AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f"DROP INDEX {name}")
    counts: dict[int, int] = {}

    def conferences():
        for i in range(N_CONFERENCES):
            owner = owner_of(rng.random())
            counts[owner] = counts.get(owner, 0) + 1
            start = now - 3 * 365 * DAY + rng.randrange(3 * 365 * DAY + 90 * DAY)
            start -= start % 300
            created = min(now, start - rng.randrange(14 * DAY))
            length = 60 * rng.choice((30, 45, 60, 90, 120))
            rule = zone = anchor = None
            current, until = start, start + length
            if i % 10 == 5:  # a weekly series, in UTC: its meetings are 7 days apart
                anchor, zone = start, "UTC"
                day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[(start // DAY + 3) % 7]
                count = None if rng.random() < 0.2 else rng.randrange(4, 53)
                rule = f"FREQ=WEEKLY;BYDAY={day}" + (f";COUNT={count}" if count else "")
                # The current meeting: the first whose end is ahead, else the last.
                ahead = max(0, -(-(now - start - length) // WEEK))
                current = start + (ahead if count is None else min(ahead, count - 1)) * WEEK
                until = 2**62 if count is None else start + (count - 1) * WEEK + length
            yield (
                owner,
                f"Meeting {i % 977}",
                current,
                current + length,
                str(100_000_000 + i),
                f"pw{i % 10_000:04d}",
                created,
                created,
                f"tok{i}" if i % 10 == 0 else None,
                rule,
                zone,
                anchor,
                until,
            )

    conn.executemany(
        "INSERT INTO conferences (owner_id, topic, starts_at, ends_at, conference_code,"
        " password, created_at, updated_at, share_token, rrule, rrule_timezone, series_start,"
        " active_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        conferences(),
    )
    for _name, sql in indexes:
        conn.execute(sql)
    # People take part the way they own: a few very often, most now and then (the log
    # of the busiest lists hundreds of participations beside their own conferences).
    conn.executemany(
        "INSERT OR IGNORE INTO participants (conference_id, chat_id, kind, title, created_at,"
        " removed_at, left_at) VALUES (?, ?, 'user', '', ?, ?, ?)",
        (
            (
                rng.randrange(1, N_CONFERENCES + 1),
                owner_of(rng.random()),
                now,
                now if i % 100 < 2 else None,  # 1% left, 1% removed by the owner
                now if i % 100 == 0 else None,
            )
            for i in range(N_PARTICIPANTS)
        ),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO invitations (conference_id, email, created_at) VALUES (?, ?, ?)",
        (
            (rng.randrange(1, N_CONFERENCES + 1), f"guest{i}@example.org", now)
            for i in range(N_INVITATIONS)
        ),
    )
    raw = b"X" * 2048
    conn.executemany(
        "INSERT INTO outbox (id, message_id, kind, owner_id, conference_id, recipient, sender,"
        " status, attempts, next_attempt_at, created_at, sent_at)"
        " VALUES (?, ?, 'invitation', ?, ?, ?, 'bot@example.org', 'sent', 1, ?, ?, ?)",
        (
            (
                i + 1,
                f"<m{i}@bench>",
                owner_of(rng.random()),
                rng.randrange(1, N_CONFERENCES + 1),
                f"guest{i}@example.org",
                now - i,
                now - i,
                now - i,
            )
            for i in range(N_OUTBOX)
        ),
    )
    # Message bodies live in their own table (migration 6).
    conn.executemany(
        "INSERT INTO outbox_bodies (outbox_id, raw) VALUES (?, ?)",
        ((i + 1, raw) for i in range(N_OUTBOX)),
    )
    conn.execute("COMMIT")
    # No ANALYZE: the bot never runs it, so the planner sees what production would see.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    heaviest = max(counts, key=counts.__getitem__)
    conn = sqlite3.connect(path)
    busiest, participations = conn.execute(
        "SELECT chat_id, COUNT(*) AS n FROM participants GROUP BY chat_id ORDER BY n DESC LIMIT 1"
    ).fetchone()
    conn.close()
    return BigData(
        path,
        now,
        time.perf_counter() - started,
        heaviest,
        counts[heaviest],
        busiest,
        participations,
    )


def size_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return total / 1e6

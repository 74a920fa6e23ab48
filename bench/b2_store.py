"""B2: the store at scale (100,000 users, 1,000,000 conferences; bench/bigdata.py).

Product path: the bot's own code on its own connection (storage.db.Database, aiosqlite):
- "my scheduled" / "my archive" page = ConferenceService.page (count_log + list_log: what
  the person owns and what they take part in), owners drawn in proportion to how many
  conferences they own (busy people open their log more), 70% first pages, 30% deep pages
  (clamped to the last page, the worst offset);
- "participant's scheduled" / "participant's archive": the same pages for people drawn in
  proportion to how often they take part in someone else's conference;
- scheduling = ConferenceService.schedule of a fresh draft;
- editing = ConferenceService.edit moving a scheduled conference's start.
Baseline: the same SQL on a plain sqlite3 connection to the same file, same parameters.

Every statement those paths run is captured (sqlite3 trace callback) and its
EXPLAIN QUERY PLAN checked for a full table scan ("SCAN <table>" without an index); the
reminder query (storage/reminders.py), the admin statistics (storage/admin.py) and other
lookups are checked too and reported.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import time
from dataclasses import replace

from bench import bigdata
from bench.common import Result, ms, p50, p99

SAMPLES = 400
WRITES = 200
PAGE_SIZE = 6


def _normalise(sql: str) -> str:
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return " ".join(sql.split())


def full_scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    """Plan lines that read a whole table without an index."""
    head = sql.lstrip().split(None, 1)[0].upper()
    if head not in ("SELECT", "UPDATE", "DELETE", "WITH"):
        return []
    plan = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    return [
        row[3]
        for row in plan
        if row[3].startswith("SCAN ") and "USING" not in row[3] and "CONSTANT" not in row[3]
    ]


def index_scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    """Plan lines that walk a whole index (no range): O(rows) too, only cheaper per row."""
    head = sql.lstrip().split(None, 1)[0].upper()
    if head not in ("SELECT", "UPDATE", "DELETE", "WITH"):
        return []
    plan = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    return [row[3] for row in plan if row[3].startswith("SCAN ") and "USING" in row[3]]


async def measure(data: bigdata.BigData, result: Result) -> dict[str, float]:
    from bot.admin import AdminService
    from bot.clock import Clock
    from bot.conferences import ConferenceService, ListKind
    from bot.series_current import advance_series
    from storage.conferences import (
        LOG_COUNT_SQL,
        LOG_PAGE_SQL,
        ConferenceRepository,
        log_window,
    )
    from storage.db import Database
    from storage.outbox import OutboxRepository
    from storage.participants import ParticipantRepository
    from storage.reminders import ReminderRepository
    from storage.users import UserRepository

    rng = random.Random(11)
    plain = sqlite3.connect(data.path, isolation_level=None)
    plain.execute("PRAGMA journal_mode=WAL")
    plain.execute("PRAGMA synchronous=NORMAL")
    db = await Database.open(data.path)
    traced: list[str] = []
    raw = await db._conn.get_raw_connection()  # noqa: SLF001 - benchmark probe
    await raw.driver_connection.set_trace_callback(traced.append)
    statements: dict[str, dict[str, str]] = {}  # path -> normalised -> one real statement

    def collect(path: str) -> None:
        for sql in traced:
            statements.setdefault(path, {}).setdefault(_normalise(sql), sql)
        traced.clear()

    clock = Clock()
    service = ConferenceService(db, clock, join_early_minutes=10)
    now = clock.timestamp()
    top = rng.randrange(1, bigdata.N_CONFERENCES + 1)
    ids = [rng.randrange(1, bigdata.N_CONFERENCES + 1) for _ in range(SAMPLES)]
    owners = [
        plain.execute("SELECT owner_id FROM conferences WHERE id = ?", (i,)).fetchone()[0]
        for i in ids
    ]
    pages = [0 if rng.random() < 0.7 else 10_000 for _ in owners]

    # -- pages -------------------------------------------------------------------------
    # The log lists what a person owns and what they take part in (storage/conferences.py):
    # the baseline runs the same two statements on a plain connection.
    def plain_page(kind, person, number):
        archive = kind is ListKind.ARCHIVE
        params = {"person": person, "now": now}
        total = plain.execute(LOG_COUNT_SQL[archive], params).fetchone()[0]
        last = max(0, -(-total // PAGE_SIZE) - 1)
        number = min(max(0, number), last)
        window = log_window(total, PAGE_SIZE, number * PAGE_SIZE)
        page = {**params, "limit": window.limit, "offset": window.offset}
        rows = plain.execute(LOG_PAGE_SQL[archive, window.backwards], page).fetchall()
        return rows[::-1] if window.backwards else rows

    async def pages_of(label, people, numbers, kind, heavy, heavy_name, heavy_detail):
        # Warm the caches for both sides.
        for person, number in zip(people[:50], numbers[:50], strict=True):
            await service.page(person, kind, number)
            plain_page(kind, person, number)
        traced.clear()
        mine, base = [], []
        for person, number in zip(people, numbers, strict=True):
            t0 = time.perf_counter()
            await service.page(person, kind, number)
            t1 = time.perf_counter()
            plain_page(kind, person, number)
            t2 = time.perf_counter()
            mine.append(t1 - t0)
            base.append(t2 - t1)
        collect("pages")
        # The busiest person's deepest page: the worst case of the OFFSET and the sort.
        t0 = time.perf_counter()
        await service.page(heavy, kind, 10_000)
        worst = time.perf_counter() - t0
        t0 = time.perf_counter()
        plain_page(kind, heavy, 10_000)
        worst_base = time.perf_counter() - t0
        collect("pages")
        result.note(
            f"{label} page (count + list), {len(people)} people: p50 {ms(p50(mine))}, "
            f"p99 {ms(p99(mine))}; plain sqlite3 p50 {ms(p50(base))}, "
            f"p99 {ms(p99(base))}; {heavy_name} ({heavy_detail}), last page: {ms(worst)} "
            f"(plain {ms(worst_base)})"
        )
        result.add(
            f"{label} page p50",
            ms(p50(mine)),
            ms(p50(base)),
            f"{p50(mine) / p50(base):.1f}x",
            "(info)",
        )
        result.add(
            f"{label} page p99",
            ms(p99(mine)),
            ms(p99(base)),
            f"{p99(mine) / p99(base):.1f}x",
            "< 2 ms",
            p99(mine) < 0.002,
        )
        result.add(
            f"{label}, {heavy_name}'s last page",
            ms(worst),
            ms(worst_base),
            f"{worst / worst_base:.1f}x",
            "(info)",
        )

    owner_detail = f"{data.heaviest_count} conferences"
    for kind, label in ((ListKind.SCHEDULED, "my scheduled"), (ListKind.ARCHIVE, "my archive")):
        await pages_of(
            label, owners, pages, kind, data.heaviest_owner, "busiest owner", owner_detail
        )
    # Participants drawn in proportion to how often they take part, among the rows that
    # still count (not removed or left): their log is owned + participated.
    max_row = plain.execute("SELECT MAX(rowid) FROM participants").fetchone()[0]
    participants: list[int] = []
    while len(participants) < SAMPLES:
        row = plain.execute(
            "SELECT chat_id FROM participants WHERE rowid = ? AND removed_at IS NULL",
            (rng.randrange(1, max_row + 1),),
        ).fetchone()
        if row is not None:
            participants.append(row[0])
    participant_pages = [0 if rng.random() < 0.7 else 10_000 for _ in participants]
    participant_detail = (
        f"{data.busiest_participations} participations, "
        f"{_owned(plain, data.busiest_participant)} own"
    )
    for kind, label in (
        (ListKind.SCHEDULED, "participant's scheduled"),
        (ListKind.ARCHIVE, "participant's archive"),
    ):
        await pages_of(
            label,
            participants,
            participant_pages,
            kind,
            data.busiest_participant,
            "busiest participant",
            participant_detail,
        )

    # -- scheduling --------------------------------------------------------------------
    mine, base = [], []
    for n in range(WRITES):
        owner = owners[n % len(owners)]
        start = now + 86_400 + n * 600
        draft = replace(
            await service.new_draft(f"Bench {n}"), starts_at=start, ends_at=start + 3600
        )
        traced.clear()
        t0 = time.perf_counter()
        await service.schedule(owner, draft)
        mine.append(time.perf_counter() - t0)
        collect("scheduling")
        code = f"b{n:08d}"
        t0 = time.perf_counter()
        plain.execute("BEGIN IMMEDIATE")
        plain.execute(
            "SELECT 1 FROM conferences WHERE conference_code = ? AND id IS NOT ?", (code, None)
        ).fetchone()
        cur = plain.execute(
            "INSERT INTO conferences (owner_id, topic, starts_at, ends_at, conference_code,"
            " password, allow_without_owner, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (owner, f"Bench {n}", start, start + 3600, code, "pw1234", 1, now, now),
        )
        plain.execute("SELECT * FROM conferences WHERE id = ?", (cur.lastrowid,)).fetchone()
        plain.execute("COMMIT")
        base.append(time.perf_counter() - t0)
    result.note(
        f"scheduling: p50 {ms(p50(mine))}, p99 {ms(p99(mine))}; plain sqlite3 p50 "
        f"{ms(p50(base))}, p99 {ms(p99(base))}"
    )
    result.add(
        "scheduling p50 / p99",
        f"{ms(p50(mine))} / {ms(p99(mine))}",
        f"{ms(p50(base))} / {ms(p99(base))}",
        f"{p50(mine) / p50(base):.1f}x",
        "(info)",
    )

    # -- editing -----------------------------------------------------------------------
    targets = plain.execute(
        "SELECT id, owner_id, starts_at FROM conferences WHERE starts_at > ? LIMIT ?",
        (now + 3600, WRITES * 2),
    ).fetchall()
    mine, base = [], []
    for n, (cid, owner, start) in enumerate(targets[:WRITES]):
        traced.clear()
        t0 = time.perf_counter()
        await service.edit(owner, cid, starts_at=start + 1800)
        mine.append(time.perf_counter() - t0)
        collect("editing")
        cid2, _owner2, start2 = targets[WRITES + n]
        t0 = time.perf_counter()
        plain.execute("BEGIN IMMEDIATE")
        row = plain.execute("SELECT * FROM conferences WHERE id = ?", (cid2,)).fetchone()
        plain.execute(
            "UPDATE conferences SET starts_at = ?, ends_at = ?, owner_joined_at = ?,"
            " updated_at = ?, changed_since_notice = CASE WHEN ? THEN 1 ELSE"
            " changed_since_notice END WHERE id = ?",
            (start2 + 1800, row[4] + 1800, None, now, 1, cid2),
        )
        plain.execute("SELECT * FROM conferences WHERE id = ?", (cid2,)).fetchone()
        plain.execute("COMMIT")
        base.append(time.perf_counter() - t0)
    result.note(
        f"editing: p50 {ms(p50(mine))}, p99 {ms(p99(mine))}; plain sqlite3 p50 "
        f"{ms(p50(base))}, p99 {ms(p99(base))}"
    )
    result.add(
        "editing p50 / p99",
        f"{ms(p50(mine))} / {ms(p99(mine))}",
        f"{ms(p50(base))} / {ms(p99(base))}",
        f"{p50(mine) / p50(base):.1f}x",
        "(info)",
    )

    # -- other queries at scale: reminders, admin statistics, lookups ---------------------
    timings: dict[str, float] = {}

    async def timed(label: str, path: str, call) -> None:
        traced.clear()
        t0 = time.perf_counter()
        await call
        timings[label] = time.perf_counter() - t0
        collect(path)

    await timed(
        "reminder query (storage/reminders.py)",
        "reminders",
        ReminderRepository(db).due(now=now, window=3600, default_minutes=10, limit=100),
    )
    # Series whose meeting has ended move on before reminders are claimed: through the
    # partial index on series rows, only those that can have moved are read. Here a week
    # passes, so each weekly series' current meeting has ended once: the worst tick.
    # Nothing due (the usual tick, and what a page pays): the median of 50 calls.
    nothing_due = []
    for _ in range(50):
        traced.clear()
        t0 = time.perf_counter()
        await advance_series(db, now)
        nothing_due.append(time.perf_counter() - t0)
        collect("series")
    timings["series advance, nothing due, median of 50 (bot/series_current.py)"] = p50(nothing_due)
    behind = plain.execute(
        "SELECT COUNT(*) FROM conferences WHERE rrule IS NOT NULL AND ends_at < active_until"
        " AND ends_at <= ?",
        (now + 3600,),
    ).fetchone()[0]
    await timed(
        f"series advance an hour later ({behind} series moved, batches of 200)",
        "series",
        _advance_all(db, now + 3600),
    )
    admin = AdminService(db, clock, join_early_minutes=10, on_unreachable=_ignore)
    await timed("admin /stats (storage/admin.py)", "admin stats", admin.stats())
    await timed("admin /find @username", "admin find", admin.find("@user12345"))
    await timed("admin /find conference ID", "admin find", admin.find("100000042"))
    await timed("user lookup", "lookups", UserRepository(db).get(owners[0]))
    await timed("participants of a conference", "lookups", ParticipantRepository(db).active(top))
    await timed(
        "conference by share token",
        "lookups",
        ConferenceRepository(db).get_by_share_token("tok420"),
    )
    await timed("outbox due", "lookups", OutboxRepository(db).due(now, 50))
    for label, seconds in timings.items():
        result.note(f"{label}: {ms(seconds)}")
    plan = [
        row[3]
        for row in plain.execute(
            "EXPLAIN QUERY PLAN " + statements["reminders"][next(iter(statements["reminders"]))]
        )
    ]
    result.note("reminder query plan: " + " | ".join(plan))

    # -- plans -------------------------------------------------------------------------
    scans_on_budget: list[str] = []
    for path, found in statements.items():
        for normalised, real in found.items():
            walks = index_scans(plain, real)
            if walks:
                result.note(f"WHOLE-INDEX SCAN {path}: {'; '.join(walks)} in: {normalised[:150]}")
            bad = full_scans(plain, real)
            if bad:
                line = f"{path}: {'; '.join(bad)} in: {normalised[:150]}"
                result.note("FULL SCAN " + line)
                if path in ("pages", "scheduling", "editing"):
                    scans_on_budget.append(line)
    checked = sum(len(found) for found in statements.values())
    result.add(
        "full table scans in page/schedule/edit plans",
        str(len(scans_on_budget)),
        "",
        "",
        "0",
        not scans_on_budget,
    )
    other = [
        f"{path}"
        for path, found in statements.items()
        if path not in ("pages", "scheduling", "editing")
        and any(full_scans(plain, real) for real in found.values())
    ]
    result.add(
        "full scans elsewhere (reminders/admin/lookups)",
        ", ".join(sorted(set(other))) or "none",
        "",
        "",
        "(report)",
    )
    result.note(f"{checked} distinct statements checked with EXPLAIN QUERY PLAN")
    await db.close()
    plain.close()
    return timings


def run(result: Result) -> None:
    data = bigdata.get()
    size = bigdata.size_mb(data.path)
    result.note(
        f"generated {bigdata.N_USERS:,} users, {bigdata.N_CONFERENCES:,} conferences in "
        f"{data.seconds:.1f} s; database {size:.0f} MB"
    )
    result.add("database size", f"{size:.0f} MB", "", "", "(info)")
    result.add(
        "data generation",
        f"{data.seconds:.1f} s",
        "",
        "",
        "a couple of minutes",
        data.seconds < 150,
    )
    timings = asyncio.run(measure(data, result))
    for label in timings:
        if label.startswith(("reminder query", "admin /stats", "series advance")):
            result.add(label, ms(timings[label]), "", "", "(info)")


def _owned(conn: sqlite3.Connection, person: int) -> int:
    return int(
        conn.execute("SELECT COUNT(*) FROM conferences WHERE owner_id = ?", (person,)).fetchone()[0]
    )


async def _advance_all(db, now: int) -> int:  # noqa: ANN001 - a bench helper
    from bot.series_current import advance_series

    moved = total = 0
    while True:
        moved = await advance_series(db, now)
        total += moved
        if moved == 0:
            return total


async def _ignore(chat_id: int) -> None:
    """No message is sent in B2: nothing can become unreachable."""

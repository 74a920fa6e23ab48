"""B2PG and B1PG: B2 and B1 with the bot on PostgreSQL (issue 16).

The server: BENCH_DATABASE_URL (a role that may CREATE DATABASE), or a throwaway one
started like the tests' (tests/postgres.py: Debian's binaries, 127.0.0.1, fsync off, in
a temporary folder, stopped at the end).

B2PG: B2's data set (bench/bigdata.py: 100,000 users, 1,000,000 conferences, ...) is
built in SQLite as for B2 and moved into an empty PostgreSQL database with the bot's own
`copy-db` (storage/copy.py, timed; it ends with VACUUM ANALYZE). A page of a person's
conference log (count + list, scheduled and archive, 70% first pages and 30% last pages, as
in B2) is
read through the product path, ConferenceService.page over storage.db.Database
(SQLAlchemy, asyncpg, the pool), and, as the same-run baseline, the same two statements
on a plain asyncpg connection with the same parameters (PostgreSQL's page statement,
LOG_PAGE_SQL_PG). Budget: p99 < 2 ms.

B1PG: B1 (bench/b1_throughput.py) with the bot's DATABASE_URL on that server (a fresh
database each round), against the same echo bot, three rounds taking turns; the figure
is the median of the rounds' ratios. Budget: >= 0.8x the echo bot.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import time

from bench import b1_throughput, bigdata
from bench.common import Result, ms, p50, p99

SAMPLES = 2000
PAGE_SIZE = 5


class _Server:
    def __init__(self) -> None:
        from tests.postgres import PostgresServer, binaries

        outside = os.environ.get("BENCH_DATABASE_URL")
        if outside:
            self.server = PostgresServer(outside)
        else:
            bin_dir = binaries()
            if bin_dir is None:
                raise RuntimeError("no PostgreSQL: set BENCH_DATABASE_URL or install postgresql")
            self.server = PostgresServer.start(bin_dir)

    async def database(self) -> str:
        return await self.server.create(migrated=False)

    def stop(self) -> None:
        self.server.stop()


def _dollar(sql: str, params: dict[str, object]) -> tuple[str, list[object]]:
    """`:name` binds as asyncpg's `$n` (for the baseline only)."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    rendered = re.sub(r"(?<![:\w]):(\w+)", number, sql)
    return rendered, [params[name] for name in names]


async def b2(server: _Server, data: bigdata.BigData, result: Result) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    from bot.clock import Clock
    from bot.conferences import ConferenceService, ListKind
    from storage.conferences import LOG_COUNT_SQL, LOG_PAGE_SQL_PG, log_window
    from storage.copy import copy_database
    from storage.db import Database

    url = await server.database()
    source = await Database.open(data.path)
    db = await Database.open(url)
    started = time.perf_counter()
    counts = await copy_database(source, db)
    copied = time.perf_counter() - started
    await source.close()
    rows = sum(count.target for count in counts)
    result.note(f"copy-db of B2's data: {rows} rows in {copied:.1f} s")
    result.add(
        "copy-db of B2's data into PostgreSQL", f"{copied:.1f} s", f"{rows} rows", "", "(info)"
    )

    parts = make_url(url)
    plain = await asyncpg.connect(
        host=parts.host, port=parts.port, user=parts.username, database=parts.database
    )
    rng = random.Random(11)
    clock = Clock()
    now = clock.timestamp()
    service = ConferenceService(db, clock, join_early_minutes=10)
    ids = [rng.randrange(1, bigdata.N_CONFERENCES + 1) for _ in range(SAMPLES)]
    owners = [
        int(await plain.fetchval("SELECT owner_id FROM conferences WHERE id = $1", i)) for i in ids
    ]
    numbers = [0 if rng.random() < 0.7 else 10_000 for _ in owners]

    async def plain_page(kind: ListKind, person: int, number: int) -> list[object]:
        archive = kind is ListKind.ARCHIVE
        params: dict[str, object] = {"person": person, "now": now}
        total = await plain.fetchval(*_args(LOG_COUNT_SQL[archive], params))
        last = max(0, -(-total // PAGE_SIZE) - 1)
        number = min(max(0, number), last)
        window = log_window(total, PAGE_SIZE, number * PAGE_SIZE)
        page = {
            **params,
            "limit": window.limit,
            "offset": window.offset,
            "reach": window.offset + window.limit,
        }
        found = await plain.fetch(*_args(LOG_PAGE_SQL_PG[archive, window.backwards], page))
        return found[::-1] if window.backwards else found

    for kind, label in ((ListKind.SCHEDULED, "my scheduled"), (ListKind.ARCHIVE, "my archive")):
        for person, number in zip(owners[:50], numbers[:50], strict=True):  # warm both
            await service.page(person, kind, number)
            await plain_page(kind, person, number)
        mine, base = [], []
        for person, number in zip(owners, numbers, strict=True):
            t0 = time.perf_counter()
            await service.page(person, kind, number)
            t1 = time.perf_counter()
            await plain_page(kind, person, number)
            t2 = time.perf_counter()
            mine.append(t1 - t0)
            base.append(t2 - t1)
        result.note(
            f"{label} page on PostgreSQL (count + list), {len(owners)} people: "
            f"p50 {ms(p50(mine))}, p99 {ms(p99(mine))}; plain asyncpg p50 {ms(p50(base))}, "
            f"p99 {ms(p99(base))}"
        )
        result.add(
            f"PostgreSQL: {label} page p50",
            ms(p50(mine)),
            f"{ms(p50(base))} (asyncpg)",
            f"{p50(mine) / p50(base):.1f}x",
            "(info)",
        )
        result.add(
            f"PostgreSQL: {label} page p99",
            ms(p99(mine)),
            f"{ms(p99(base))} (asyncpg)",
            f"{p99(mine) / p99(base):.1f}x",
            "< 2 ms",
            p99(mine) < 0.002,
        )
    await plain.close()
    await db.close()
    await server.server.drop(url)


def _args(sql: str, params: dict[str, object]) -> list[object]:
    rendered, values = _dollar(sql, params)
    return [rendered, *values]


def run_b2(result: Result) -> None:
    server = _Server()
    try:
        data = bigdata.get()  # built with asyncio.run of its own: before ours
        asyncio.run(b2(server, data, result))
    finally:
        server.stop()


ROUNDS_B1 = 3  # echo bot and conference bot taking turns; the median of the rounds' ratios


def run_b1(result: Result) -> None:
    server = _Server()
    rounds: list[tuple[float, float, int, float]] = []  # echo/s, bot/s, bot updates, bot s
    try:
        for _ in range(ROUNDS_B1):
            # Each pair sees the same moment of the machine (the echo bot's rate alone
            # moved between 40 and 170 updates/s from one run to the next).
            echo_s, echo_n = asyncio.run(b1_throughput.run_one("echo"))
            url = asyncio.run(server.database())
            bot_s, bot_n = asyncio.run(b1_throughput.run_one("product", database_url=url))
            rounds.append((echo_n / echo_s, bot_n / bot_s, bot_n, bot_s))
    finally:
        server.stop()
    for echo_rate, bot_rate, bot_n, bot_s in rounds:
        result.note(
            f"echo bot {echo_rate:.1f} updates/s; conference bot on PostgreSQL "
            f"{bot_rate:.1f} updates/s ({bot_n} updates in {bot_s:.2f} s)"
        )
    ratio = statistics.median(bot / echo for echo, bot, *_ in rounds)
    result.add(
        f"PostgreSQL: updates/s, {b1_throughput.USERS} users x "
        f"{b1_throughput.UPDATES_PER_USER} updates",
        f"{statistics.median(bot for _, bot, *_ in rounds):.1f}/s",
        f"{statistics.median(echo for echo, *_ in rounds):.1f}/s (echo bot)",
        f"{ratio:.2f} (median of {ROUNDS_B1} rounds)",
        ">= 0.80",
        ratio >= 0.8,
    )

"""`python -m bench [B1 B2 ...]`: run the benchmarks (all, or the named ones) and print a
table: benchmark, figure, baseline, ratio, budget, PASS/MISS. See docs/BENCHMARKS.md."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
import traceback

from bench.common import Result, machine

BENCHMARKS = {
    "B1": ("bench.b1_throughput", "updates per second vs an echo bot"),
    "B1W": ("bench.b1_webhook", "B1 by webhook vs PTB's own webhook echo bot"),
    "B2": ("bench.b2_store", "the store at 100k users / 1M conferences vs plain sqlite3"),
    "B3": ("bench.b3_notify", "notifying 1,000 participants at 30 messages/s"),
    "B4": ("bench.b4_mail", "1,000 e-mails through the outbox vs a plain aiosmtplib loop"),
    "B5": ("bench.b5_dates", "date parsing vs dateparser"),
    "B6": ("bench.b6_startup", "start-up and memory vs an echo bot"),
    "B7": ("bench.b7_join_page", "the join page under wrk vs a bare aiohttp handler"),
    "B1PG": ("bench.b1_postgres", "B1 with the bot on PostgreSQL vs the echo bot"),
    "B2PG": ("bench.b2_postgres", "B2's pages on PostgreSQL vs plain asyncpg"),
    "B8": ("bench.b8_failover", "PostgreSQL: SIGKILL of the active bot to the standby's answer"),
}


def table(results: list[Result]) -> str:
    header = ("bench", "what", "figure", "baseline", "ratio", "budget", "verdict")
    rows = [header] + [
        (r.bench, r.what, r.figure, r.baseline, r.ratio, r.budget, r.verdict)
        for result in results
        for r in result.rows
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(results: list[Result]) -> str:
    lines = [
        "| bench | what | figure | baseline | ratio | budget | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for r in result.rows:
            cells = (r.bench, r.what, r.figure, r.baseline, r.ratio, r.budget, r.verdict)
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="B1..B7", help="benchmarks to run (default: all)"
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="also print the table as Markdown (for docs/BENCHMARKS.md)",
    )
    args = parser.parse_args(argv)
    names = [n.upper() for n in args.names] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    logging.basicConfig(level=logging.WARNING)
    facts = machine()
    print(
        f"machine: {facts['nproc']} cpu(s), {facts['cpu']}, Python {facts['python']}, "
        f"{facts['platform']}",
        flush=True,
    )
    results: list[Result] = []
    started = time.perf_counter()
    for name in names:
        module_name, title = BENCHMARKS[name]
        print(f"\n== {name}: {title}", flush=True)
        result = Result(name)
        t0 = time.perf_counter()
        try:
            importlib.import_module(module_name).run(result)
        except Exception as error:  # one broken benchmark must not hide the others
            traceback.print_exc()
            result.add("run", f"error: {type(error).__name__}: {error}"[:120], ok=False)
        result.seconds = time.perf_counter() - t0
        print(f"  ({result.seconds:.1f} s)", flush=True)
        results.append(result)
    total = time.perf_counter() - started
    print("\n" + table(results))
    if args.markdown:
        print("\n" + markdown(results))
    print(f"\ntotal: {total:.0f} s ({', '.join(f'{r.name} {r.seconds:.0f} s' for r in results)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

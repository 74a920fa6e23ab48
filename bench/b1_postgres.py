"""B1PG: B1 with the bot on PostgreSQL (bench/b_postgres.py)."""

from bench.b_postgres import run_b1 as run

__all__ = ["run"]

"""B2PG: B2 with the store on PostgreSQL (bench/b_postgres.py)."""

from bench.b_postgres import run_b2 as run

__all__ = ["run"]

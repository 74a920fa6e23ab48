"""Benchmarks B1-B6 (issue #7): `python -m bench [B1 ...]`; see docs/BENCHMARKS.md.

Each benchmark measures its baseline in the same run and prints a ratio. Nothing here is
part of the test suite, and nothing in the bot imports it.
"""

"""Small rules for showing text that people typed."""

from __future__ import annotations

ELLIPSIS = "…"


def shorten(value: str, width: int) -> str:
    """`value` cut to at most `width` characters, the cut marked with "…"."""
    return value if len(value) <= width else value[: width - 1] + ELLIPSIS

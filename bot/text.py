"""Small rules for showing text that people typed."""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"


def shorten(value: str, width: int) -> str:
    """`value` cut to at most `width` characters, the cut marked with "…"."""
    return value if len(value) <= width else value[: width - 1] + ELLIPSIS


# Zero width joiner: glues emoji into one picture (👩‍💻); elsewhere it is invisible.
_ZWJ = "\u200d"
# Tag characters spell a region inside a flag emoji (🏴 + tags = the flag of England).
_TAGS = range(0xE0020, 0xE0080)


def strip_invisible(text: str) -> str:
    """`text` without invisible characters that can disguise it: control characters and
    every format character (Unicode category Cf: bidi overrides and isolates, zero-width
    spaces, joiners, soft hyphens...), except a zero width joiner between two emoji and
    the tag characters of a flag emoji, which are part of the picture."""
    kept: list[str] = []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cc":
            continue
        if category == "Cf":
            if char == _ZWJ and kept and _is_emoji(kept[-1]) and _next_is_emoji(text, index):
                kept.append(char)
            elif ord(char) in _TAGS and kept and (_is_emoji(kept[-1]) or ord(kept[-1]) in _TAGS):
                kept.append(char)
            continue
        kept.append(char)
    return "".join(kept)


def _next_is_emoji(text: str, index: int) -> bool:
    return index + 1 < len(text) and _is_emoji(text[index + 1])


def _is_emoji(char: str) -> bool:
    """Pictographs and what modifies them (skin tones, the emoji variation selector)."""
    code = ord(char)
    return (
        unicodedata.category(char) == "So"
        or 0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or code == 0xFE0F
    )

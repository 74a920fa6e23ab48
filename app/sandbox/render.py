"""Telegram messages as terminal text: entities as ANSI styles (or plain), buttons numbered.

Telegram gives a message as plain text plus entities whose offsets count UTF-16 code
units; the emulator keeps exactly that, so rendering works from it rather than from the
HTML the bot sent. Links keep their address visible: "text (url)".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from emulator import Button, SentMessage

# Entity type -> SGR parameters when styling is on.
_SGR = {
    "bold": "1",
    "italic": "3",
    "underline": "4",
    "strikethrough": "9",
    "code": "36",
    "pre": "36",
    "spoiler": "2",
    "text_link": "4;34",
    "url": "4;34",
    "email": "4;34",
    "mention": "34",
    "text_mention": "34",
    "bot_command": "34",
    "blockquote": "3",
    "expandable_blockquote": "3",
}
RESET = "\x1b[0m"


@dataclass(frozen=True)
class Style:
    """ANSI styles on (a terminal) or off (a pipe, a file, NO_COLOR)."""

    ansi: bool

    def wrap(self, text: str, sgr: str) -> str:
        return f"\x1b[{sgr}m{text}{RESET}" if self.ansi and text else text

    def dim(self, text: str) -> str:
        return self.wrap(text, "2")

    def bold(self, text: str) -> str:
        return self.wrap(text, "1")

    def accent(self, text: str) -> str:
        return self.wrap(text, "36")


def _utf16_to_index(text: str) -> list[int]:
    """position in UTF-16 code units -> index into the Python string."""
    table: list[int] = []
    for index, char in enumerate(text):
        table.append(index)
        if ord(char) > 0xFFFF:
            table.append(index)  # the second half of a surrogate pair
    table.append(len(text))
    return table


def render_text(text: str, entities: Iterable[dict[str, Any]], style: Style) -> str:
    """The text with its entities shown: ANSI styles when on, and "(url)" after each
    link whose address is not its own text."""
    table = _utf16_to_index(text)
    limit = len(table) - 1

    def index(units: int) -> int:
        return table[max(0, min(units, limit))]

    spans = []
    for entity in entities:
        start = index(int(entity.get("offset", 0)))
        end = index(int(entity.get("offset", 0)) + int(entity.get("length", 0)))
        if end > start:
            spans.append((start, end, entity))
    if not spans:
        return text
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out: list[str] = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        active = [entity for start, end, entity in spans if start <= left and right <= end]
        codes = [_SGR[e["type"]] for e in active if e.get("type") in _SGR]
        out.append(style.wrap(text[left:right], ";".join(codes)) if codes else text[left:right])
        for start, end, entity in spans:
            if end == right and entity.get("type") == "text_link":
                url = str(entity.get("url", ""))
                if url and url != text[start:end]:
                    out.append(" " + style.dim(f"({url})"))
    return "".join(out)


def render_message(message: SentMessage, style: Style) -> str:
    """The text (or caption) with its formatting; empty for a message without text."""
    return render_text(message.text, message.entities, style)


def numbered_buttons(message: SentMessage) -> list[Button]:
    """The buttons in the order they are numbered: row by row, left to right."""
    return message.all_buttons()


def render_buttons(rows: Sequence[Sequence[Button]], style: Style, indent: str = "  ") -> list[str]:
    """One line per keyboard row: [1] Text  [2] Text; links and other kinds say where
    they lead."""
    lines: list[str] = []
    number = 0
    for row in rows:
        cells = []
        for button in row:
            number += 1
            cells.append(
                f"{style.bold(f'[{number}]')} {button.text}{_button_target(button, style)}"
            )
        lines.append(indent + "  ".join(cells))
    return lines


def _button_target(button: Button, style: Style) -> str:
    if button.url:
        return " " + style.dim(f"({button.url})")
    if button.web_app_url:
        return " " + style.dim(f"(web app {button.web_app_url})")
    if (
        button.switch_inline_query is not None
        or button.switch_inline_query_current_chat is not None
    ):
        # No words: they would stand in the button's own language (↗ @bot: posts to a chat).
        return " " + style.dim("(↗ @…)")
    if button.copy_text is not None:
        return " " + style.dim("(copies text)")
    return ""

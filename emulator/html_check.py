"""Validation of message text the way the Bot API parses it.

For ``parse_mode=HTML`` this follows tdlib's ``parse_html`` closely: only
Telegram's tags are allowed, tags must nest properly, and only the entities
``&lt; &gt; &amp; &quot;`` plus numeric ones are decoded.  Error messages copy
Telegram's wording (including *byte* offsets into the UTF-8 source), because a
bot author debugging a failing test should see what production would say.

One deliberate deviation: real Telegram silently keeps a bare ``&`` that does
not start a known entity.  The emulator rejects it by default
(``strict_ampersand=True``) because an unescaped ``&`` almost always means user
input was not passed through ``html.escape`` - and the next user types ``<``.

The result is the *plain* text (what the user sees) plus Telegram-style
``entities`` (offsets in UTF-16 code units), so PTB's ``Message.text_html``
round-trips on messages the emulator returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import BotAPIError, bad_request

__all__ = [
    "ParsedText",
    "parse_html",
    "parse_text",
    "check_message_text",
    "check_caption",
    "utf16_len",
    "MAX_MESSAGE_LENGTH",
    "MAX_CAPTION_LENGTH",
]

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

# tag name -> entity type.  "span" is only valid with class="tg-spoiler",
# "a" becomes a text_link, code inside pre sets the pre's language.
_TAG_ENTITY: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_SPACE = " \t\r\n"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units - the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _decode_entity_at(src: str, i: int) -> tuple[str, int] | None:
    """Decode the entity starting at ``src[i] == '&'``: (character, end index) or None."""
    m = _ENTITY_RE.match(src, i)
    if not m:
        return None
    named, dec, hexa = m.groups()
    if named:
        return _NAMED_ENTITIES[named], m.end()
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


def _decode_attr(value: str) -> str:
    """Decode entities inside an attribute value; unknown ones stay verbatim (as in tdlib)."""

    def repl(m: re.Match[str]) -> str:
        decoded = _decode_entity_at(m.group(0), 0)
        return decoded[0] if decoded else m.group(0)

    return _ENTITY_RE.sub(repl, value)


@dataclass(frozen=True)
class ParsedText:
    """Text as displayed to the user, with its formatting entities."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    byte_offset: int
    start: int  # UTF-16 offset in the output where the tag's content starts
    attrs: dict[str, str]


class _HtmlParser:
    """Single-pass parser; raises BotAPIError on the first error like tdlib."""

    def __init__(self, source: str, *, strict_ampersand: bool) -> None:
        self.src = source
        self.strict_ampersand = strict_ampersand
        self.out: list[str] = []
        self.out_len = 0  # UTF-16 length of everything in self.out
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    # -- helpers -----------------------------------------------------------
    def _fail(self, detail: str) -> BotAPIError:
        return bad_request(f"can't parse entities: {detail}")

    def _byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.out_len += utf16_len(text)

    # -- main loop ----------------------------------------------------------
    def parse(self) -> ParsedText:
        src, n, i = self.src, len(self.src), 0
        while i < n:
            ch = src[i]
            if ch == "&":
                decoded = _decode_entity_at(src, i)
                if decoded is not None:
                    self._emit(decoded[0])
                    i = decoded[1]
                    continue
                if self.strict_ampersand:
                    raise self._fail(
                        f"Unescaped '&' at byte offset {self._byte_offset(i)}: "
                        "use &amp; (emulator is stricter than Telegram here)"
                    )
                self._emit("&")
                i += 1
                continue
            if ch != "<":
                j = i
                while j < n and src[j] not in "<&":
                    j += 1
                self._emit(src[i:j])
                i = j
                continue
            if i + 1 < n and src[i + 1] == "/":
                i = self._end_tag(i)
            else:
                i = self._start_tag(i)
        if self.stack:
            raise self._fail(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def _start_tag(self, i: int) -> int:
        src, n = self.src, len(self.src)
        offset = self._byte_offset(i)
        j = i + 1
        while j < n and src[j] not in _SPACE and src[j] != ">":
            j += 1
        name = src[i + 1 : j].lower()
        if j >= n:
            raise self._fail(f"Unclosed start tag at byte offset {offset}")
        if name not in _TAG_ENTITY:
            raise self._fail(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and src[j] in _SPACE:
                j += 1
            if j >= n:
                raise self._fail(f"Unclosed start tag at byte offset {offset}")
            if src[j] == ">":
                j += 1
                break
            k = j
            while k < n and src[k] not in _SPACE and src[k] not in "=>":
                k += 1
            attr = src[j:k].lower()
            j = k
            while j < n and src[j] in _SPACE:
                j += 1
            if j >= n or src[j] != "=":
                # Valueless attributes are only meaningful as <blockquote expandable>;
                # tdlib rejects them elsewhere.
                if name == "blockquote" and attr == "expandable":
                    attrs[attr] = ""
                    continue
                raise self._fail(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{name}" at byte offset {offset}'
                )
            j += 1
            while j < n and src[j] in _SPACE:
                j += 1
            if j >= n:
                raise self._fail(f"Unclosed start tag at byte offset {offset}")
            if src[j] in "\"'":
                quote = src[j]
                end = src.find(quote, j + 1)
                if end < 0:
                    raise self._fail(
                        f'Unclosed end of an attribute value of the tag "{name}" '
                        f"at byte offset {offset}"
                    )
                value = src[j + 1 : end]
                j = end + 1
            else:
                k = j
                while k < n and src[k] not in _SPACE and src[k] != ">":
                    k += 1
                value = src[j:k]
                j = k
            attrs[attr] = _decode_attr(value)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise self._fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise self._fail(
                f'Tag "tg-emoji" must have a numeric attribute "emoji-id" at byte offset {offset}'
            )
        self.stack.append(_OpenTag(name, offset, self.out_len, attrs))
        return j

    def _end_tag(self, i: int) -> int:
        src = self.src
        offset = self._byte_offset(i)
        end = src.find(">", i + 2)
        if end < 0:
            raise self._fail(f"Unclosed end tag at byte offset {offset}")
        name = src[i + 2 : end].strip().lower()
        if not self.stack:
            raise self._fail(f"Unexpected end tag at byte offset {offset}")
        open_tag = self.stack[-1]
        if name != open_tag.name:
            raise self._fail(
                f'Unmatched end tag at byte offset {offset}, expected "</{open_tag.name}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        self._close(open_tag)
        return end + 1

    def _close(self, tag: _OpenTag) -> None:
        length = self.out_len - tag.start
        if tag.name == "code" and self.stack and self.stack[-1].name == "pre":
            # <pre><code class="language-x"> is one pre entity with a language.
            cls = tag.attrs.get("class", "")
            if cls.startswith("language-"):
                self.stack[-1].attrs["language"] = cls[len("language-") :]
                return
        if length <= 0:
            return  # Telegram drops empty entities
        entity: dict[str, Any] = {
            "type": _TAG_ENTITY[tag.name],
            "offset": tag.start,
            "length": length,
        }
        if tag.name == "a":
            href = tag.attrs.get("href", "")
            if not href:
                return  # <a> without href is accepted but produces no entity
            entity["url"] = href
        elif tag.name == "pre" and tag.attrs.get("language"):
            entity["language"] = tag.attrs["language"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        self.entities.append(entity)


def parse_html(source: str, *, strict_ampersand: bool = True) -> ParsedText:
    """Parse Telegram-HTML; raise ``400 can't parse entities`` like the Bot API."""
    return _HtmlParser(source, strict_ampersand=strict_ampersand).parse()


def parse_text(source: str, parse_mode: str | None, *, strict_ampersand: bool = True) -> ParsedText:
    """Plain text + entities for any parse mode.

    Markdown modes are not validated (out of scope for this project, which
    uses HTML); their raw source is taken as the plain text.
    """
    mode = (parse_mode or "").strip().lower()
    if mode == "html":
        return parse_html(source, strict_ampersand=strict_ampersand)
    if mode in ("", "markdown", "markdownv2"):
        return ParsedText(source, [])
    raise bad_request("unsupported parse_mode")


def _trim(parsed: ParsedText) -> ParsedText:
    """Strip leading/trailing whitespace like Telegram, keeping entities aligned."""
    text = parsed.text
    stripped = text.strip()
    if stripped == text:
        return parsed
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    new_len = utf16_len(stripped)
    entities = []
    for ent in parsed.entities:
        start = max(ent["offset"] - lead, 0)
        end = min(ent["offset"] + ent["length"] - lead, new_len)
        if end > start:
            entities.append({**ent, "offset": start, "length": end - start})
    return ParsedText(stripped, entities)


def check_message_text(
    source: str | None, parse_mode: str | None, *, strict_ampersand: bool = True
) -> ParsedText:
    """Validate the ``text`` of sendMessage/editMessageText."""
    if source is None or source == "":
        raise bad_request("message text is empty")
    parsed = _trim(parse_text(source, parse_mode, strict_ampersand=strict_ampersand))
    if not parsed.text:
        raise bad_request("message text is empty")
    # tdlib counts Unicode code points for this limit.
    if len(parsed.text) > MAX_MESSAGE_LENGTH:
        raise bad_request("message is too long")
    return parsed


def check_caption(
    source: str | None, parse_mode: str | None, *, strict_ampersand: bool = True
) -> ParsedText:
    """Validate a media caption (may be empty, at most 1024 characters)."""
    if not source:
        return ParsedText("", [])
    parsed = _trim(parse_text(source, parse_mode, strict_ampersand=strict_ampersand))
    if len(parsed.text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return parsed

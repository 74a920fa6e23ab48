"""Telegram-HTML parsing: plain text, entities (UTF-16 offsets) and error wording."""

from __future__ import annotations

import pytest

from emulator.errors import BotAPIError
from emulator.html_check import check_caption, check_message_text, parse_html


def test_plain_text_and_entities() -> None:
    parsed = parse_html("Hi <b>bold <i>both</i></b> &lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42;")
    assert parsed.text == 'Hi bold both <tag> & "q" AB'
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
    ]


def test_offsets_are_utf16() -> None:
    parsed = parse_html("😀 <u>x</u>")
    assert parsed.entities == [{"type": "underline", "offset": 3, "length": 1}]


def test_all_telegram_tags() -> None:
    source = (
        "<strong>a</strong><em>b</em><ins>c</ins><s>d</s><strike>e</strike><del>f</del>"
        '<span class="tg-spoiler">g</span><tg-spoiler>h</tg-spoiler>'
        '<a href="https://example.org/?a=1&amp;b=2">i</a><code>j</code>'
        '<pre><code class="language-python">k</code></pre><blockquote>l</blockquote>'
        "<blockquote expandable>m</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    parsed = parse_html(source)
    types = [e["type"] for e in parsed.entities]
    assert types == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "strikethrough",
        "strikethrough",
        "spoiler",
        "spoiler",
        "text_link",
        "code",
        "pre",
        "blockquote",
        "expandable_blockquote",
        "custom_emoji",
    ]
    link = parsed.entities[8]
    assert link["url"] == "https://example.org/?a=1&b=2"
    assert parsed.entities[10]["language"] == "python"


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("ä <b", "Unclosed start tag at byte offset 3"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<i>x", 'Can\'t find end tag corresponding to start tag "i"'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("a & b", "Unescaped '&' at byte offset 2"),
        ("&nbsp;", "Unescaped '&' at byte offset 0"),
    ],
)
def test_errors_use_telegram_wording(source: str, detail: str) -> None:
    with pytest.raises(BotAPIError) as info:
        parse_html(source)
    assert info.value.error_code == 400
    assert info.value.description.startswith("Bad Request: can't parse entities: ")
    assert detail in info.value.description


def test_bare_ampersand_allowed_when_not_strict() -> None:
    assert parse_html("a & b", strict_ampersand=False).text == "a & b"


def test_message_text_limits_and_trimming() -> None:
    parsed = check_message_text("  <b> hi </b>\n", "HTML")
    assert parsed.text == "hi"
    assert parsed.entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert len(check_message_text("x" * 4096, None).text) == 4096
    with pytest.raises(BotAPIError, match="message is too long"):
        check_message_text("x" * 4097, None)
    with pytest.raises(BotAPIError, match="message text is empty"):
        check_message_text("<i></i>", "HTML")
    with pytest.raises(BotAPIError, match="message text is empty"):
        check_message_text("", None)
    with pytest.raises(BotAPIError, match="message caption is too long"):
        check_caption("x" * 1025, None)
    assert check_caption(None, "HTML").text == ""

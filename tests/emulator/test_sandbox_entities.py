"""HTML / MarkdownV2 / Markdown parsing and auto-detected entities."""

from __future__ import annotations

import pytest

from sandbox.entities import format_text
from sandbox.textutil import EntityParseError


def test_html() -> None:
    result = format_text(
        '<b>fett</b> <i>k</i> <a href="https://x.de/?a=1&amp;b=2">link</a> &lt;3 &#128512;', "HTML", None
    )
    assert result.text == "fett k link <3 😀"
    assert result.entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 5, "length": 1},
        {"type": "text_link", "url": "https://x.de/?a=1&b=2", "offset": 7, "length": 4},
    ]


def test_html_nested_pre_code_spoiler_and_quote() -> None:
    result = format_text(
        '<pre><code class="language-python">x = 1</code></pre><tg-spoiler>s</tg-spoiler>'
        "<blockquote expandable>q</blockquote>",
        "html",
        None,
    )
    assert result.text == "x = 1sq"
    assert [e["type"] for e in result.entities] == ["pre", "spoiler", "expandable_blockquote"]
    assert result.entities[0]["language"] == "python"


def test_utf16_offsets() -> None:
    result = format_text("😀 <b>ä😀</b>", "HTML", None)
    assert result.entities == [{"type": "bold", "offset": 3, "length": 3}]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
        ("ä</b>", "Unexpected end tag at byte offset 2"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x>y', "Unclosed start tag at byte offset 0"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ],
)
def test_html_errors(text: str, error: str) -> None:
    with pytest.raises(EntityParseError) as excinfo:
        format_text(text, "HTML", None)
    assert str(excinfo.value) == error
    assert excinfo.value.description == f"can't parse entities: {error}"


def test_markdown_v2() -> None:
    result = format_text(
        r"*fett* _kursiv_ __unter__ ~weg~ ||geheim|| [Link](https://a.de/\(x\)) `c` 1\.5\!", "MarkdownV2", None
    )
    assert result.text == "fett kursiv unter weg geheim Link c 1.5!"
    types = [(e["type"], e["offset"], e["length"]) for e in result.entities]
    assert types == [
        ("bold", 0, 4), ("italic", 5, 6), ("underline", 12, 5), ("strikethrough", 18, 3),
        ("spoiler", 22, 6), ("text_link", 29, 4), ("code", 34, 1),
    ]  # fmt: skip
    assert result.entities[5]["url"] == "https://a.de/(x)"


def test_markdown_v2_pre_and_quote() -> None:
    pre = format_text("```python\nprint(1)\n```", "MarkdownV2", None)
    assert pre.text == "print(1)" and pre.entities[0]["language"] == "python"
    quote = format_text(">zitat\n>zwei\ndanach", "MarkdownV2", None)
    assert quote.text == "zitat\nzwei\ndanach"
    assert quote.entities == [{"type": "blockquote", "offset": 0, "length": 11}]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Preis: 5.00", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("a-b", "Character '-' is reserved and must be escaped with the preceding '\\'"),
        ("*offen", "Can't find end of Bold entity at byte offset 0"),
        ("ok _kursiv", "Can't find end of Italic entity at byte offset 3"),
        ("[x](https://a", "Can't find end of a URL at byte offset 4"),
    ],
)
def test_markdown_v2_errors(text: str, error: str) -> None:
    with pytest.raises(EntityParseError, match="^" + __import__("re").escape(error) + "$"):
        format_text(text, "MarkdownV2", None)


def test_legacy_markdown() -> None:
    result = format_text("*b* _i_ `c` [l](http://x.de) a\\_b", "Markdown", None)
    assert result.text == "b i c l a_b"
    assert [e["type"] for e in result.entities] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(EntityParseError, match="Can't find end of the entity starting at byte offset 2"):
        format_text("a *b", "Markdown", None)


def test_auto_entities_and_trimming() -> None:
    result = format_text("  /start@anlaufstelle_test_bot hi @someone #tag https://ex.org/x. mail@ex.org  ", None, None)
    assert result.text.startswith("/start@") and not result.text.endswith(" ")
    assert [e["type"] for e in result.entities] == ["bot_command", "mention", "hashtag", "url", "email"]
    assert result.entities[0] == {"type": "bot_command", "offset": 0, "length": 28}
    assert format_text("<code>/notacommand</code>", "HTML", None).entities == [
        {"type": "code", "offset": 0, "length": 12}
    ]


def test_explicit_entities_win_over_parse_mode() -> None:
    entities = [{"type": "bold", "offset": 0, "length": 3}]
    result = format_text("<b>", "HTML", entities)
    assert result.text == "<b>" and result.entities == entities
    with pytest.raises(EntityParseError, match="Unsupported entity type"):
        format_text("x", None, [{"type": "sparkle", "offset": 0, "length": 1}])

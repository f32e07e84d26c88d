"""Formatting: HTML / MarkdownV2 / Markdown parsing into Bot API entities, auto-detected entities.

Offsets and lengths are in UTF-16 code units, as in the Bot API. Error texts follow Telegram's
("can't parse entities: ..." is prefixed by the caller).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.markdown import parse_markdown, parse_markdown_v2
from sandbox.textutil import EntityParseError, TextBuilder, byte_offset, utf16_len

ENTITY_TYPES = frozenset(
    {
        "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bold", "italic",
        "underline", "strikethrough", "spoiler", "blockquote", "expandable_blockquote", "code", "pre",
        "text_link", "text_mention", "custom_emoji", "date_time",
    }
)  # fmt: skip
_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler",
}  # fmt: skip
_HTML_TAGS = frozenset({*_SIMPLE_TAGS, "a", "code", "pre", "blockquote", "tg-emoji", "tg-time"})
_HTML_ENTITY = re.compile(r"&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,8}|[a-zA-Z]{2,8});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\u00a0"}
_SPACE = " \t\r\n"


@dataclass
class Formatted:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Open:
    name: str
    start: int
    attrs: dict[str, str]
    byte_pos: int
    language: str | None = None


def _decode_entity(match: re.Match[str]) -> str | None:
    body = match.group(1)
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return _NAMED.get(body)
    return chr(code) if 0 < code <= 0x10FFFF else None


def _read_attrs(text: str, j: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while j < n and text[j] in _SPACE:
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(text, begin)}")
        if text[j] == ">":
            return attrs, j + 1
        k = j
        while k < n and (text[k].isascii() and (text[k].isalnum() or text[k] in "-_")):
            k += 1
        if k == j:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(text, begin)}')
        name, j = text[j:k].lower(), k
        while j < n and text[j] in _SPACE:
            j += 1
        if j >= n or text[j] != "=":
            attrs[name] = ""
            continue
        j += 1
        while j < n and text[j] in _SPACE:
            j += 1
        if j < n and text[j] in "\"'":
            end = text.find(text[j], j + 1)
            if end < 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(text, begin)}")
            value, j = text[j + 1 : end], end + 1
        else:
            k = j
            while k < n and text[k] not in _SPACE + ">":
                k += 1
            value, j = text[j:k], k
        attrs[name] = html.unescape(value)


def _close_html(out: TextBuilder, tag: _Open, stack: list[_Open]) -> None:
    start, length = tag.start, out.utf16 - tag.start
    if tag.name == "code" and stack and stack[-1].name == "pre":
        cls = tag.attrs.get("class", "")
        if cls.startswith("language-") and stack[-1].start == start:
            stack[-1].language = cls[len("language-") :]
        return
    entity: dict[str, Any] | None = None
    if tag.name in _SIMPLE_TAGS:
        entity = {"type": _SIMPLE_TAGS[tag.name]}
    elif tag.name == "code":
        entity = {"type": "code"}
    elif tag.name == "pre":
        entity = {"type": "pre"}
        if tag.language:
            entity["language"] = tag.language
    elif tag.name == "blockquote":
        entity = {"type": "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"}
    elif tag.name == "a":
        href = tag.attrs.get("href", "")
        entity = {"type": "text_link", "url": href} if href else None
    elif tag.name == "tg-emoji":
        entity = {"type": "custom_emoji", "custom_emoji_id": tag.attrs.get("emoji-id", "")}
    elif tag.name == "tg-time" and tag.attrs.get("unix", "").isdigit():
        entity = {"type": "date_time", "unix_time": int(tag.attrs["unix"])}
        if tag.attrs.get("format"):
            entity["date_time_format"] = tag.attrs["format"]
    if entity is not None and length > 0:
        out.entities.append({**entity, "offset": start, "length": length})


def parse_html(text: str) -> Formatted:
    out = TextBuilder()
    stack: list[_Open] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            match = _HTML_ENTITY.match(text, i)
            decoded = _decode_entity(match) if match else None
            if match and decoded is not None:
                out.add(decoded)
                i = match.end()
            else:
                out.add(c)
                i += 1
            continue
        if c != "<":
            out.add(c)
            i += 1
            continue
        begin = i
        if i + 1 < n and text[i + 1] == "/":
            j = i + 2
            while j < n and text[j] not in _SPACE + ">":
                j += 1
            name = text[i + 2 : j].lower()
            while j < n and text[j] in _SPACE:
                j += 1
            if j >= n or text[j] != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(text, begin)}")
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(text, begin)}")
            if name != stack[-1].name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {byte_offset(text, begin)}, "
                    f'expected "</{stack[-1].name}>", found "</{name}>"'
                )
            _close_html(out, stack.pop(), stack)
            i = j + 1
            continue
        j = i + 1
        while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "-"):
            j += 1
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset(text, begin)}')
        attrs, i = _read_attrs(text, j, name, begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(text, begin)}')
        stack.append(_Open(name, out.utf16, attrs, byte_offset(text, begin)))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return Formatted(out.text(), out.entities)


_AUTO_PATTERNS = (
    ("bot_command", re.compile(r"(?<![\w/<>@.])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
    ("email", re.compile(r"(?<![\w.@])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
)
_NO_AUTO_INSIDE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji", "url", "email"})


def detect_entities(text: str, explicit: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Entities Telegram finds by itself (commands, links, mentions, hashtags, e-mail addresses)."""
    blocked = [(e["offset"], e["offset"] + e["length"]) for e in explicit or [] if e["type"] in _NO_AUTO_INSIDE]
    found: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start = utf16_len(text[: match.start()])
            end = start + utf16_len(match.group(0))
            if any(a < end and start < b for a, b in blocked + taken):
                continue
            taken.append((start, end))
            found.append({"type": kind, "offset": start, "length": end - start})
    return found


def sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _trim(formatted: Formatted) -> Formatted:
    text = formatted.text
    stripped_left = text.lstrip()
    lead = utf16_len(text[: len(text) - len(stripped_left)])
    body = stripped_left.rstrip()
    end = utf16_len(body)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        stop = min(entity["offset"] + entity["length"] - lead, end)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return Formatted(body, entities)


def format_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None, *, auto: bool = True
) -> Formatted:
    """Apply parse_mode (or explicit entities), trim like Telegram, add auto-detected entities.

    Raises EntityParseError for malformed markup and ValueError("unsupported parse_mode").
    """
    if entities is not None:
        for entity in entities:
            if entity.get("type") not in ENTITY_TYPES:
                raise EntityParseError("Unsupported entity type specified", prefix="can't parse MessageEntity")
        total = utf16_len(text)
        clipped = [
            {**e, "length": min(e["length"], total - e["offset"])}
            for e in entities
            if 0 <= e["offset"] < total and e["length"] > 0
        ]
        formatted = Formatted(text, clipped)
    elif not parse_mode:
        formatted = Formatted(text, [])
    else:
        mode = parse_mode.lower()
        if mode == "html":
            formatted = parse_html(text)
        elif mode == "markdownv2":
            plain, found = parse_markdown_v2(text)
            formatted = Formatted(plain, found)
        elif mode == "markdown":
            plain, found = parse_markdown(text)
            formatted = Formatted(plain, found)
        else:
            raise ValueError("unsupported parse_mode")
    formatted = _trim(formatted)
    if auto:
        formatted.entities.extend(detect_entities(formatted.text, formatted.entities))
    formatted.entities = sort_entities(formatted.entities)
    return formatted

"""MarkdownV2 and legacy Markdown parsing, following tdlib's algorithm and error texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.textutil import EntityParseError, TextBuilder, byte_offset

_RESERVED = "_*[]()~`>#+-=|{}.!"
_TYPE_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "pre_code": "PreCode", "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}  # fmt: skip


@dataclass
class _Nested:
    kind: str
    start: int
    byte_pos: int
    text_pos: int
    argument: str = ""


def _reserved(c: str) -> EntityParseError:
    return EntityParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")


def _is_end(kind: str, text: str, i: int) -> bool:
    c = text[i]
    nxt = text[i + 1 : i + 2]
    return {
        "bold": c == "*",
        "italic": c == "_" and nxt != "_",
        "code": c == "`",
        "pre": text.startswith("```", i),
        "pre_code": text.startswith("```", i),
        "text_link": c == "]",
        "underline": text.startswith("__", i),
        "strikethrough": c == "~",
        "spoiler": text.startswith("||", i),
        "custom_emoji": c == "]",
    }.get(kind, False)


def _open_entity(text: str, i: int) -> tuple[str, int, str]:
    """Return (kind, new index of the last consumed char, argument) for an entity start at ``i``."""
    c = text[i]
    if c == "_":
        return ("underline", i + 1, "") if text.startswith("__", i) else ("italic", i, "")
    if c == "*":
        return "bold", i, ""
    if c == "~":
        return "strikethrough", i, ""
    if c == "|":
        if text.startswith("||", i):
            return "spoiler", i + 1, ""
        raise _reserved(c)
    if c == "[":
        return "text_link", i, ""
    if c == "!" and text.startswith("![", i):
        return "custom_emoji", i + 1, ""
    if c != "`":
        raise _reserved(c)
    if not text.startswith("```", i):
        return "code", i, ""
    i += 3
    end = i
    while end < len(text) and text[end] not in " \t\r\n`":
        end += 1
    kind, argument = "pre", ""
    if end != i and end < len(text) and text[end] != "`":
        kind, argument, i = "pre_code", text[i:end], end
    if text[i : i + 1] in ("\n", "\r"):
        pair = text[i : i + 2]
        i += 2 if pair in ("\r\n", "\n\r") else 1
    return kind, i - 1, argument


def _close_link(text: str, i: int, out: TextBuilder, top: _Nested) -> tuple[str | None, int]:
    if text[i + 1 : i + 2] != "(":
        return out.tail_from(top.start), i
    i += 2
    begin = i
    url: list[str] = []
    while i < len(text) and text[i] != ")":
        if text[i] == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126:
            url.append(text[i + 1])
            i += 2
            continue
        url.append(text[i])
        i += 1
    if i >= len(text):
        raise EntityParseError(f"Can't find end of a URL at byte offset {byte_offset(text, begin)}")
    return "".join(url), i


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = TextBuilder()
    stack: list[_Nested] = []
    quote: int | None = None
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        if at_line_start and not stack:
            starts_quote = c == ">" or text.startswith("**>", i)
            if quote is not None and not starts_quote:
                _add_quote(out, quote)
                quote = None
            if starts_quote:
                quote = out.utf16 if quote is None else quote
                i += 3 if c == "*" else 1
                continue
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        reserved = "`" if stack and stack[-1].kind in ("code", "pre", "pre_code") else _RESERVED
        if c not in reserved:
            out.add(c)
            i += 1
            continue
        if quote is not None and not stack and text.startswith("||", i) and text[i + 2 : i + 3] in ("", "\n"):
            i += 2  # end of an expandable block quotation
            continue
        if not stack or not _is_end(stack[-1].kind, text, i):
            kind, i, argument = _open_entity(text, i)
            stack.append(_Nested(kind, out.utf16, byte_offset(text, i), i, argument))
            i += 1
            continue
        top = stack.pop()
        entity: dict[str, Any] | None = {"type": top.kind}
        if top.kind in ("underline", "spoiler"):
            i += 1
        elif top.kind in ("pre", "pre_code"):
            i += 2
            entity = {"type": "pre", "language": top.argument} if top.argument else {"type": "pre"}
        elif top.kind == "text_link":
            url, i = _close_link(text, i, out, top)
            entity = {"type": "text_link", "url": url} if url else None
        elif top.kind == "custom_emoji":
            target, i = _close_link(text, i, out, top)
            if not target or not target.startswith("tg://emoji?id="):
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            entity = {"type": "custom_emoji", "custom_emoji_id": target.split("=", 1)[1]}
        if entity is not None and out.utf16 > top.start:
            out.entities.append({**entity, "offset": top.start, "length": out.utf16 - top.start})
        i += 1
    if stack:
        top = stack[-1]
        raise EntityParseError(f"Can't find end of {_TYPE_NAMES[top.kind]} entity at byte offset {top.byte_pos}")
    if quote is not None:
        _add_quote(out, quote)
    return out.text(), out.entities


def _add_quote(out: TextBuilder, start: int) -> None:
    if out.utf16 > start:
        out.entities.append({"type": "blockquote", "offset": start, "length": out.utf16 - start})


_LEGACY = {"*": "bold", "_": "italic", "`": "code"}


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = TextBuilder()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and text[i + 1 : i + 2] in ("_", "*", "`", "["):
            out.add(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        begin = i
        is_pre = text.startswith("```", i)
        end_char = "]" if c == "[" else c
        i += 3 if is_pre else 1
        language = ""
        if is_pre:
            j = i
            while j < n and text[j] not in " \t\r\n`":
                j += 1
            if j < n and text[j] in "\r\n" and j > i:
                language, i = text[i:j], j + 1
            elif j < n and text[j] in "\r\n":
                i = j + 1
        start = out.utf16
        while i < n and (text[i] != end_char or (is_pre and not text.startswith("```", i))):
            out.add(text[i])
            i += 1
        if i >= n:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {byte_offset(text, begin)}")
        length = out.utf16 - start
        if is_pre:
            i += 3
            entity: dict[str, Any] | None = {"type": "pre", **({"language": language} if language else {})}
        elif c == "[":
            i += 1
            entity = None
            if text[i : i + 1] == "(":
                close = text.find(")", i)
                if close < 0:
                    raise EntityParseError(f"Can't find end of a URL at byte offset {byte_offset(text, i)}")
                url, i = text[i + 1 : close], close + 1
                entity = {"type": "text_link", "url": url} if url else None
        else:
            i += 1
            entity = {"type": _LEGACY[c]}
        if entity is not None and length > 0:
            out.entities.append({**entity, "offset": start, "length": length})
    return out.text(), out.entities

"""Small text helpers shared by the formatting parsers."""

from __future__ import annotations

from typing import Any


class EntityParseError(ValueError):
    """Malformed markup; ``str(exc)`` is Telegram's description after the prefix."""

    def __init__(self, message: str, *, prefix: str = "can't parse entities") -> None:
        super().__init__(message)
        self.prefix = prefix

    @property
    def description(self) -> str:
        return f"{self.prefix}: {self}"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class TextBuilder:
    """Accumulates visible text and tracks the current UTF-16 offset."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.utf16 = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, chunk: str) -> None:
        self._parts.append(chunk)
        self.utf16 += utf16_len(chunk)

    def text(self) -> str:
        return "".join(self._parts)

    def tail_from(self, utf16_start: int) -> str:
        """The visible text added since ``utf16_start`` (used for ``[url]`` without a target)."""
        encoded = self.text().encode("utf-16-le")
        return encoded[utf16_start * 2 :].decode("utf-16-le")

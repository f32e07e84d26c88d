"""Reduce the scraped Bot API documentation to the facts the emulator needs.

Usage: ``python -m sandbox.spec.reduce [SRC] [DST]``

SRC defaults to ``../shared/telegram-bot-api/api.min.json`` (relative to the project root), DST to
``sandbox/spec/botapi.json``. Only facts are kept: names, field types, required flags, union members and
the constant value of a union member's discriminator field (``"tag": ["type", "photo"]``) when the
documentation states it ("always \"photo\"" / "must be photo"). No description text is copied.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

DEFAULT_SRC = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.min.json"
DEFAULT_DST = Path(__file__).resolve().parent / "botapi.json"

_TAG_FIELDS = ("type", "status", "source")
_TAG_PATTERNS = (re.compile(r'always [“"]([a-z0-9_]+)[”"]'), re.compile(r"must be ([a-z0-9_]+)\b"))


def _fields(raw: dict[str, Any]) -> list[list[Any]]:
    return [[f["name"], list(f["types"]), bool(f["required"])] for f in raw.get("fields", [])]


def _tag(raw: dict[str, Any]) -> list[str] | None:
    for field in raw.get("fields", []):
        if field["name"] not in _TAG_FIELDS:
            continue
        description = field.get("description", "")
        for pattern in _TAG_PATTERNS:
            match = pattern.search(description)
            if match:
                return [field["name"], match.group(1)]
    return None


def reduce_spec(src: dict[str, Any]) -> dict[str, Any]:
    """Return the reduced spec for the parsed upstream document ``src``."""
    union_members = {sub for t in src["types"].values() for sub in t.get("subtypes", [])}
    methods = {
        name: {"fields": _fields(raw), "returns": list(raw.get("returns", []))} for name, raw in src["methods"].items()
    }
    types: dict[str, Any] = {}
    for name, raw in src["types"].items():
        entry: dict[str, Any] = {"fields": _fields(raw), "subtypes": list(raw.get("subtypes", []))}
        if name in union_members:
            tag = _tag(raw)
            if tag is not None:
                entry["tag"] = tag
        types[name] = entry
    return {
        "version": src["version"],
        "release_date": src["release_date"],
        "source": "https://github.com/PaulSonOfLars/telegram-bot-api-spec (MIT)",
        "methods": methods,
        "types": types,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    src = Path(args[0]) if args else DEFAULT_SRC
    dst = Path(args[1]) if len(args) > 1 else DEFAULT_DST
    reduced = reduce_spec(json.loads(src.read_text(encoding="utf-8")))
    lines = ["{"]
    head = {k: v for k, v in reduced.items() if k not in ("methods", "types")}
    lines.extend(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items())
    for section in ("methods", "types"):
        items = list(reduced[section].items())
        lines.append(f' "{section}": {{')
        for i, (name, entry) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            lines.append(f"  {json.dumps(name)}: {json.dumps(entry, ensure_ascii=False)}{comma}")
        lines.append(" }," if section == "methods" else " }")
    lines.append("}")
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{dst}: {reduced['version']}, {len(reduced['methods'])} methods, {len(reduced['types'])} types")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

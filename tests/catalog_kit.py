"""What the bot can say, as `make catalogs` extracts it (the Python sources and the prepared replies' YAML, read
the way babel.cfg says): for the tests that render every text in every language."""

from __future__ import annotations

import functools
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "conversations", "storage")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


@functools.cache
def sendable() -> tuple[tuple[str, str | None], ...]:
    """Every (msgid, plural msgid or None) in the code and the prepared replies, sorted."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, str | None] = {}
    for package in PACKAGES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=method_map, options_map=options_map, keywords=KEYWORDS
        ):
            if isinstance(message, str):
                found.setdefault(message, None)
            else:
                found[message[0]] = message[1]
    return tuple(sorted(found.items()))

"""The bot never forwards a young person's message: a forward shows their account (name, username, and a link
to their profile) to the team. The emulator implements forwardMessage faithfully, so only this check, and the
`never_forwards` fixture of the handoff tests (no forwardMessage call in any of their runs), would notice."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "conversations", "storage")
FORWARDING = re.compile(r"forward_?messages?", re.IGNORECASE)  # forward_message(s), forwardMessage(s)


def test_no_bot_package_mentions_forwarding_a_message() -> None:
    sources = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    assert len(sources) > 20, "the packages were found"
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FORWARDING.search(line)
    ]
    assert not found, "the bot must copy (copyMessage), never forward:\n" + "\n".join(found)


def test_the_check_would_find_each_spelling() -> None:
    for spelling in ("bot.forward_message(", "bot.forward_messages(", '"forwardMessage"', "'forwardMessages'"):
        assert FORWARDING.search(spelling), spelling
    assert not FORWARDING.search("never forwarded; copied with copyMessage")

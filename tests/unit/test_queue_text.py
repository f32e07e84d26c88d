"""/queue with more open cases than one Telegram message holds: the most urgent are shown, and how many are left
out (a longer text would be refused by Telegram, and the team would get no answer at all)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import casework
from bot.delivery.outgoing import TEXT_LIMIT
from bot.i18n import Catalogs
from storage.cases import CaseDTO, QueueEntry

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def entry(n: int) -> QueueEntry:
    waiting = NOW - timedelta(minutes=n)
    case = CaseDTO(n, f"K-{n:04d}", n, "open", 1000 + n, False, None, None, waiting, None, NOW, None)
    return QueueEntry(case, "uk", "peine", None, "active")


def test_a_long_queue_fits_into_one_message_and_says_how_many_are_left_out() -> None:
    tr = Catalogs(ZoneInfo("Europe/Berlin"), "en").translator("en")
    text = casework.queue_text([entry(n) for n in range(300)], tr, NOW)
    assert len(text.encode("utf-16-le")) // 2 <= TEXT_LIMIT
    lines = text.split("\n")
    shown = len(lines) - 2
    assert lines[0] == tr.ngettext("{n} open case", "{n} open cases", 300)
    assert lines[-1] == tr.ngettext("… and {n} more case", "… and {n} more cases", 300 - shown)
    assert "K-0299" in lines[1], "the longest waiting first"


def test_a_short_queue_is_shown_whole() -> None:
    tr = Catalogs(ZoneInfo("Europe/Berlin"), "en").translator("en")
    text = casework.queue_text([entry(n) for n in range(3)], tr, NOW)
    assert len(text.split("\n")) == 4 and "more" not in text

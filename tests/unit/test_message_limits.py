"""Telegram's limits in every language, with the longest inputs: 4096 characters for a text, 1024 for a caption,
200 for a button's answer (answerCallbackQuery), 256 for a command's description, 64 bytes of callback data, and
button labels short enough for a phone. Lengths are counted in UTF-16 code units, as Telegram counts them, after
the right-to-left marks and isolates are in."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from catalog_kit import sendable

from bot import booking, casework, profile
from bot import prepared_replies as prepared
from bot.delivery.outgoing import fit_text
from bot.i18n import Catalogs, Translator
from bot.languages import CHOICES
from bot.tour import StopPlan
from handlers.appointments import STAFF_REASONS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "conversations", "storage")
PLACEHOLDER = re.compile(r"\{(\w*)\}")
TEXT, CAPTION, ANSWER, DESCRIPTION = 4096, 1024, 200, 256
# A button's own words (its inserted values aside: a stop's name is as long as the plan makes it): one button a
# row shows about this much on a phone before Telegram cuts it with "…".
BUTTON = 48

LONGEST_STOP = "S" * int(StopPlan.model_fields["name"].metadata[1].max_length)  # the plan's limit, 120
LONGEST_NAME = "N" * 64  # a worker's display name (/staff add cuts at 64); nicknames are shorter (32)
LONG_LISTS = {"aliases": 200, "cases": 400, "names": 300, "numbers": 120, "entry": 250, "bus_times": 3000}


def size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def longest(values: list[str]) -> str:
    return max(values, key=size)


def samples(tr: Translator) -> dict[str, str]:
    """The longest value each placeholder takes in this language (a generous 120 characters when unknown)."""
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    moments = [datetime.combine(date(2026, 11, 23), time(h, m), tzinfo=UTC) for h in range(24) for m in (0, 30)]
    day, short_day, clock = longest([tr.date(d) for d in days]), longest([tr.day(d) for d in days]), None
    clock = longest([tr.time(m) for m in moments])
    when = tr._("{day}, {time}", day=day, time=clock)
    line = tr._("{when} – {place}", when=when, place=LONGEST_STOP)
    number = tr.number(1234567.5)
    values = {
        "name": LONGEST_NAME,
        "stop": LONGEST_STOP,
        "place": LONGEST_STOP,
        "day": day,
        "date": day,
        "time": clock,
        "start": clock,
        "end": clock,
        "when": when,
        "line": line,
        "before": line,
        "alias": "K-WWWW",
        "language": longest([f"{lang.native_name} ({code})" for code, lang in CHOICES.items()]),
        "reason": "R" * 200,
        "percent": tr.percent(1.234),
        "period": "2026-11-01–2027-05-31",
        "source": "s" * 64,
        "max": tr.number(profile.NICKNAME_MAX),
        "km": tr.number(123.4),
        "day_short": short_day,
        **{key: "L" * n for key, n in LONG_LISTS.items()},
    }
    for key in ("n", "id", "hours", "used", "budget", "left", "cap", "old", "new", "m", "h", "total"):
        values[key] = number
    return values


def _translated(node: ast.AST) -> str | None:
    """The msgid of a `tr._("…")` call (any translator), else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "_":
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _is_data(node: ast.AST) -> bool:
    """Callback data: a string, an f-string, or a call like pick.data(…) (not a keyboard, not None)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.JoinedStr | ast.BinOp) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "data"
    )


def used_as() -> dict[str, set[str]]:
    """Msgids by where the code puts them: button labels, captions, button answers, command descriptions."""
    kinds: dict[str, set[str]] = {"button": set(), "caption": set(), "answer": set(), "description": set()}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Tuple) and len(node.elts) == 2 and _is_data(node.elts[1]):
                    if label := _translated(node.elts[0]):
                        kinds["button"].add(label)
                elif isinstance(node, ast.Dict):
                    for key, value in zip(node.keys, node.values, strict=True):
                        if isinstance(key, ast.Constant) and key.value == "caption" and (text := _translated(value)):
                            kinds["caption"].add(text)
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
                    name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                    texts = [t for arg in node.args[1:] if (t := _translated(arg))]
                    if name == "answer_callback":
                        kinds["answer"].update(texts)
                    elif name == "BotCommand":
                        kinds["description"].update(texts)
    labels = [profile.AGE_BANDS, profile.PLACES, booking.TOPICS, casework.OUTCOMES, STAFF_REASONS]
    kinds["button"].update(label for table in labels for label in table.values())
    kinds["button"].update(reply.label for reply in prepared.load().values())
    return kinds


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs(ZoneInfo("Europe/Berlin"), "de")  # the catalogs the bot reads


@pytest.fixture(scope="module")
def kinds() -> dict[str, set[str]]:
    return used_as()


def test_the_code_scan_finds_each_kind(kinds: dict[str, set[str]]) -> None:
    assert {"Yes, okay", "Move it", "Stay anonymous"} <= kinds["button"]
    assert "This button is no longer active." in kinds["answer"]
    assert "Book a time to talk" in kinds["description"]


@pytest.mark.parametrize("code", list(CHOICES))
def test_every_text_fits_with_the_longest_inputs(catalogs: Catalogs, kinds: dict[str, set[str]], code: str) -> None:
    tr = catalogs.translator(code)
    values = samples(tr)
    limits = {"caption": CAPTION, "answer": ANSWER, "description": DESCRIPTION}
    too_long = []
    for msgid, plural in sendable():
        names = set(PLACEHOLDER.findall(msgid)) | set(PLACEHOLDER.findall(plural or ""))
        given = {name: values.get(name, "X" * 120) for name in names if name != "n" or plural is None}
        texts = [tr._(msgid, **given)] if plural is None else [tr.ngettext(msgid, plural, n, **given) for n in (1, 5)]
        limit = min([TEXT] + [limits[kind] for kind, ids in kinds.items() if kind in limits and msgid in ids])
        too_long += [(msgid, size(text), limit) for text in texts if size(text) > limit]
        if msgid in kinds["button"]:
            label = tr._(msgid, **dict.fromkeys(names, "x"))
            too_long += [(msgid, size(label), BUTTON)] if size(label) > BUTTON else []
    assert not too_long, f"{code}: too long: {too_long[:5]}"


@pytest.mark.parametrize("code", list(CHOICES))
def test_composed_texts_fit(catalogs: Catalogs, code: str) -> None:
    """Texts the code puts together: the consent question with the privacy notice, the help, a prepared reply
    with the longest list of bus times, signed with the longest name."""
    from conversations import intake

    tr = catalogs.translator(code)
    consent, _keyboard = intake.ask_consent(tr)
    assert size(consent) <= TEXT
    hours = next(r for r in prepared.load().values() if "bus_times" in r.placeholders())
    bus_line = tr._(
        "{day} · {start}–{end} · {stop}", day="Mi., 30. Sep.", start="14:00", end="18:00", stop=LONGEST_STOP
    )
    bus_times = fit_text("\n".join([bus_line] * 200), 3000)
    reply = tr.direct(tr.insert(LONGEST_NAME) + ":\n" + tr._(hours.text, bus_times=bus_times))
    assert size(reply) <= TEXT


def test_fit_text_cuts_whole_lines() -> None:
    lines = [f"{n:04d} " + "x" * 95 for n in range(100)]
    cut = fit_text("\n".join(lines), 1000)
    assert size(cut) <= 1000 and cut.endswith("\n…") and cut.split("\n")[:-1] == lines[: len(cut.split("\n")) - 1]
    assert fit_text("short") == "short"
    assert size(fit_text("😀" * 5000)) <= TEXT  # one long line: cut inside it


def test_prepared_reply_buttons_stay_within_64_bytes() -> None:
    key = max(prepared.load(), key=len)
    pick = prepared.Pick(999_999_999, 999_999, key, 999_999_999, date(2026, 12, 31), time(23, 30))
    for action in prepared.ACTIONS:
        assert len(pick.data(action).encode()) <= 64

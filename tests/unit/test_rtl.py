"""Right-to-left: every text the bot can send in Arabic and Farsi, rendered through the Translator with long
left-to-right values for its placeholders, starts every line right-to-left and keeps each inserted value and each
/command in isolates. (The texts put together by code are checked end to end in tests/e2e/test_languages.py.)"""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from catalog_kit import sendable

from bot.i18n import COMMAND, FSI, PDI, RLM, Catalogs, Translator, direct_rtl, first_strong, isolate, starts_rtl

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w*)\}")
COUNTS = (0, 1, 2, 3, 11, 100, 101)


def sample(name: str) -> str:
    """A long value that starts left-to-right (like a Latin stop name or an alias) and is unique per name."""
    return f"Peine-{name}, Marktplatz / K-QF"


def check(tr: Translator, text: str, values: dict[str, str]) -> None:
    for line in text.split("\n"):
        if line.strip():
            assert starts_rtl(line), f"a line does not start right-to-left: {line!r}"
    for name, value in values.items():
        assert text.count(value) == text.count(isolate(value)), f"{{{name}}} is not isolated in {text!r}"
    for found in COMMAND.finditer(text):
        before, after = text[found.start() - 1 : found.start()], text[found.end() : found.end() + 1]
        assert (before, after) == (FSI, PDI), f"{found.group()} is not isolated in {text!r}"


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs(ZoneInfo("Europe/Berlin"), "de")  # the catalogs the bot reads


@pytest.mark.parametrize("code", ["ar", "fa"])
def test_every_message_starts_right_to_left_and_isolates_its_inserts(catalogs: Catalogs, code: str) -> None:
    tr = catalogs.translator(code)
    assert tr.rtl and tr.code == code
    checked = 0
    for msgid, plural in sendable():
        names = set(PLACEHOLDER.findall(msgid)) | set(PLACEHOLDER.findall(plural or ""))
        values = {name: sample(name) for name in names if name != "n" or plural is None}
        if plural is None:
            check(tr, tr._(msgid, **values), values)
        else:
            for n in COUNTS:
                check(tr, tr.ngettext(msgid, plural, n, **values), values)  # the count goes the same way
        checked += 1
    assert checked > 300


def test_direction_rules() -> None:
    assert first_strong("\u2068Peine\u2069 في") == "R"  # the isolate is skipped, as the bidi algorithm does
    assert first_strong("\u2068Peine\u2069 في", skip_isolates=False) == "L"
    assert not starts_rtl("\u2068Peine\u2069 في")  # a client that does not skip isolates would start it LTR
    assert direct_rtl("\u2068Peine\u2069 في\nمرحبا\n\n/help") == f"{RLM}\u2068Peine\u2069 في\nمرحبا\n\n{RLM}/help"
    assert direct_rtl(direct_rtl("Sam:\nمرحبا")) == f"{RLM}Sam:\nمرحبا"  # idempotent
    assert isolate("a\nb") == f"{FSI}a{PDI}\n{FSI}b{PDI}"  # a line break ends an isolate: each line has its own


def test_commands_in_a_translation_are_isolated_but_not_slashes_in_words(catalogs: Catalogs) -> None:
    tr = catalogs.translator("ar")
    text = tr._("/help shows what else you can do here.")
    assert f"{FSI}/help{PDI}" in text
    assert [m.group() for m in COMMAND.finditer("24/7 و/أو https://x.de/a /start@bot")] == ["/start@bot"]


def test_left_to_right_languages_are_left_alone(catalogs: Catalogs) -> None:
    tr = catalogs.translator("de")
    assert tr._("Thanks, {name}!", name="سارا") == "Danke, سارا!"
    assert tr.direct("Sam:\nHallo") == "Sam:\nHallo" and tr.insert("K-7Q2F") == "K-7Q2F"

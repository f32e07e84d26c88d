"""Choosing the language: Telegram's tags normalised to ours, the codes the command menu is published under, and
Babel formatting dates, times, numbers and digits for every language (Kurmanji and Easy German included)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalogs
from bot.languages import CHOICES, EASY_GERMAN, LANGUAGES, normalise_language_code
from bot.runtime import command_menus

LOCALES = Path(__file__).resolve().parents[2] / "locales"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("telegram", "ours"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("de_CH", "de"),
        ("DE-de", "de"),
        ("gsw", "de"),
        ("en", "en"),
        ("en-GB", "en"),
        ("en-us", "en"),
        ("ar", "ar"),
        ("ar-SY", "ar"),
        ("ar-001", "ar"),
        ("fa", "fa"),
        ("fa-IR", "fa"),
        ("fa-AF", "fa"),
        ("prs", "fa"),
        ("uk", "uk"),
        ("uk-UA", "uk"),
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("tr", "tr"),
        ("tr-TR", "tr"),
        ("ku", "kmr"),
        ("ku-Latn-TR", "kmr"),
        ("kmr", "kmr"),
        ("ckb", "kmr"),
        ("pl", "pl"),
        ("ro", "ro"),
        ("ro-MD", "ro"),
        ("mo", "ro"),
        ("de@easy", "de@easy"),
        (" de ", "de"),
        ("pt-br", None),
        ("zh-hans", None),
        ("zh-Hant-TW", None),
        ("es", None),
        ("", None),
        (None, None),
        ("x", None),
        ("-", None),
        ("12-34", None),
    ],
)
def test_telegram_language_codes_are_normalised(telegram: str | None, ours: str | None) -> None:
    assert normalise_language_code(telegram) == ours


def test_every_language_has_a_two_letter_telegram_code_except_easy_german() -> None:
    assert {lang.telegram_code for lang in LANGUAGES.values()} == {
        "de",
        "en",
        "ar",
        "fa",
        "uk",
        "ru",
        "tr",
        "ku",
        "pl",
        "ro",
    }
    assert EASY_GERMAN.telegram_code is None and EASY_GERMAN.base == "de"
    assert list(CHOICES)[:2] == ["de", "de@easy"] and set(CHOICES) == {*LANGUAGES, "de@easy"}
    for lang in LANGUAGES.values():
        assert normalise_language_code(lang.telegram_code) == lang.code


def test_the_command_menu_is_published_for_every_shipped_language() -> None:
    catalogs = Catalogs(BERLIN, "de", LOCALES)
    menus = command_menus(catalogs)
    assert menus[0] == (None, None)
    published = dict(menus[1:])
    assert set(published) == set(LANGUAGES)  # Easy German gets the German menu
    assert all(code is not None and len(code) == 2 for code in published.values())


@pytest.mark.parametrize("code", list(CHOICES))
def test_babel_formats_for_every_language(code: str) -> None:
    tr = Catalogs(BERLIN, "de", LOCALES).translator(code)
    assert tr.code == code, f"{code}: no compiled catalog"
    moment = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)  # Monday 14:05 in Berlin
    for text in (tr.date(moment.date()), tr.day(moment.date()), tr.time(moment), tr.number(1234.5), tr.percent(0.8)):
        assert text and "{" not in text
    assert tr.ngettext("{n} minute", "{n} minutes", 5) != ""


def test_kurmanji_is_formatted_as_kurdish_and_easy_german_as_german() -> None:
    catalogs = Catalogs(BERLIN, "de", LOCALES)
    monday = date(2026, 11, 23)
    assert "duşem" in catalogs.translator("kmr").date(monday)
    german, easy = catalogs.translator("de"), catalogs.translator("de@easy")
    assert easy.date(monday) == german.date(monday) == "Montag, 23. November 2026"
    assert easy.number(1234.5) == "1.234,5"


def test_digits_follow_the_locale() -> None:
    catalogs = Catalogs(BERLIN, "de", LOCALES)
    moment = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)
    farsi, arabic = catalogs.translator("fa"), catalogs.translator("ar")
    assert farsi.time(moment) == "۱۴:۰۵" and farsi.number(12) == "۱۲"
    assert "۲۳" in farsi.date(moment.date())
    assert "14" not in farsi.ngettext("{n} minute", "{n} minutes", 14)
    assert any(ch.isdigit() and ch.isascii() for ch in arabic.time(moment))  # CLDR: Arabic uses Latin digits

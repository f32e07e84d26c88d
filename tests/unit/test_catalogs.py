"""The catalogs: every user-visible string is in every shipped catalog, translated, not fuzzy, with the msgid's
placeholders; and the plumbing handles plural forms and right-to-left languages."""

from __future__ import annotations

import gettext
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from catalog_kit import sendable

from bot import prepared_replies
from bot.i18n import FSI, PDI, RLM, Catalogs, isolate
from bot.languages import CHOICES

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
SHIPPED = sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"\{(\w*)\}")
BIDI_CONTROLS = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")


def extracted_msgids() -> set[str]:
    """What `make catalogs` extracts: the Python sources, and the prepared replies' YAML (babel.cfg says how)."""
    return {msgid for msgid, _plural in sendable()}


def load(code: str) -> Catalog:
    with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_german_and_english_ship() -> None:
    assert {"de", "en"} <= set(SHIPPED)


def test_every_language_ships() -> None:
    assert set(SHIPPED) == set(CHOICES)


def test_the_prepared_replies_are_extracted() -> None:
    msgids = extracted_msgids()
    for reply in prepared_replies.load().values():
        assert {reply.label, reply.text} <= msgids


# The gettext plural rules (GNU gettext's table, as in the CLDR-derived forms translators were asked for): the
# catalog header's Plural-Forms must choose the same form for every n.
PLURAL_RULES = {
    "ar": "n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5",
    "fa": "0",
    "tr": "0",
    "uk": "n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2",
    "ru": "n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2",
    "pl": "n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2",
    "ro": "n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2",
}


@pytest.mark.parametrize("code", SHIPPED)
def test_plural_forms_follow_the_language(code: str) -> None:
    catalog = load(code)
    expected = gettext.c2py(PLURAL_RULES.get(code, "n != 1"))
    actual = gettext.c2py(catalog.plural_expr)
    wrong = [n for n in range(0, 1001) if expected(n) != actual(n)]
    assert not wrong, f"{code}: Plural-Forms {catalog.plural_forms!r} picks other forms for n = {wrong[:6]}"


@pytest.mark.parametrize("code", SHIPPED)
def test_translations_carry_no_direction_marks(code: str) -> None:
    """Direction marks and isolates are the code's job (bot.i18n); a translation that has its own would double
    or break them."""
    for message in load(code):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not any(BIDI_CONTROLS & set(text) for text in strings if text), f"{code}: {message.id!r}"


@pytest.mark.parametrize("code", SHIPPED)
def test_catalog_has_every_string_translated(code: str) -> None:
    catalog = load(code)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    missing = extracted_msgids() - ids
    assert not missing, f"{code}: not in the catalog (run `make catalogs`): {sorted(missing)[:5]}"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{code}: fuzzy: {message.id!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{code}: untranslated: {message.id!r}"
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        for translated in strings:
            assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(msgid)), (
                f"{code}: placeholders differ in {msgid!r}"
            )


@pytest.mark.parametrize("code", SHIPPED)
def test_catalog_passes_babels_own_checks(code: str) -> None:
    """What `pybabel compile` refuses (e.g. a "%" that looks like a printf placeholder) fails here first."""
    problems = [(message.id, [str(error) for error in errors]) for message, errors in load(code).check()]
    assert not problems, f"{code}: {problems[:3]}"


def _compile(tmp: Path, code: str, entries: dict[str | tuple[str, str], str | tuple[str, ...]]) -> Path:
    catalog = Catalog(locale={"ar": "ar", "de": "de"}[code], domain="messages")
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    target = tmp / code / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return tmp


def test_right_to_left_messages_start_rtl_and_isolate_inserts(tmp_path: Path) -> None:
    locales = _compile(tmp_path, "ar", {"Thanks, {name}!": "شكراً يا {name}!", "{alias} at {time}": "{alias} في {time}"})
    tr = Catalogs(ZoneInfo("Europe/Berlin"), "ar", locales).translator("ar")
    assert tr.rtl
    text = tr._("Thanks, {name}!", name="Sam")
    assert isolate("Sam") in text
    assert text[0] not in (FSI, RLM)  # starts with an Arabic letter already
    text = tr._("{alias} at {time}", alias="K-7Q2F", time="14:30")
    assert text.startswith(RLM), "a line that begins with a Latin insert needs a right-to-left mark"
    assert f"{FSI}K-7Q2F{PDI}" in text and f"{FSI}14:30{PDI}" in text


def test_plural_forms_come_from_the_catalog_header(tmp_path: Path) -> None:
    forms = ("لا رسائل", "رسالة واحدة", "رسالتان", "{n} رسائل", "{n} رسالة", "{n} رسالة.")
    locales = _compile(tmp_path, "ar", {("{n} message", "{n} messages"): forms})
    tr = Catalogs(ZoneInfo("Europe/Berlin"), "ar", locales).translator("ar")
    assert tr.ngettext("{n} message", "{n} messages", 0) == forms[0]
    assert "رسالتان" in tr.ngettext("{n} message", "{n} messages", 2)
    assert "رسائل" in tr.ngettext("{n} message", "{n} messages", 5)
    assert tr.ngettext("{n} message", "{n} messages", 1) == forms[1]


def test_babel_formats_dates_for_the_language() -> None:
    catalogs = Catalogs(ZoneInfo("Europe/Berlin"), "de", LOCALES)
    moment = datetime(2026, 3, 29, 12, 30, tzinfo=UTC)  # 14:30 in Berlin, summer time since that morning
    assert catalogs.translator("de").time(moment) == "14:30"
    assert "März" in catalogs.translator("de").date(moment.date())
    assert "March" in catalogs.translator("en").date(moment.date())

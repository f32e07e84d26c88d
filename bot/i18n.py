"""Translations per update, from the person's stored language; Babel for dates, numbers and plurals.

Msgids are English. ``Translator._`` and ``Translator.ngettext`` are what `make catalogs` extracts (keywords
``_``, ``ngettext``, ``N_``). Values are put in with ``str.format`` after translation.

Right-to-left languages (Arabic, Farsi): every inserted value and every ``/command`` in a translation is wrapped in
Unicode isolates (FSI … PDI, each line on its own: a line break ends every isolate), so a time, a number, a stop
name or an alias keeps its own direction and does not reorder the line around it; and every line whose first
strong character (outside isolates) is not right-to-left gets a right-to-left mark, because Telegram lays out each
line by its first strong character. Code that puts texts together from pieces that are not translated uses
``Translator.insert`` and ``Translator.direct`` for the same.

Digits follow the locale (CLDR's default numbering system): Latin digits in Arabic as CLDR has it, Persian
digits in Farsi.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import re
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.languages import CHOICES, Language

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

FSI, LRI, RLI, PDI, RLM = "\u2068", "\u2066", "\u2067", "\u2069", "\u200f"
_OPENERS = (FSI, LRI, RLI)
_STRONG_RTL = ("R", "AL")
# A bot command inside a translated text: a slash not preceded by a letter, digit or slash (so "24/7", "و/أو"
# and URLs are left alone).
COMMAND = re.compile(r"(?<![\w/])/[a-z][a-z0-9_]*(?:@\w+)?")
_DIGITS = {"arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹"}


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


def isolate(value: object) -> str:
    """The value in isolates, each line on its own (a paragraph break would end an isolate anyway)."""
    return "\n".join(f"{FSI}{line}{PDI}" if line else line for line in str(value).split("\n"))


def first_strong(line: str, skip_isolates: bool = True) -> str | None:
    """'R' or 'L': the direction of the first strong character of a line; None if there is none. With
    `skip_isolates`, what is inside isolates is skipped, as the Unicode bidirectional algorithm does to find a
    paragraph's direction (Android does so too); without, as simpler layout engines look at a line."""
    depth = 0
    for char in line:
        if char in _OPENERS:
            depth += skip_isolates
        elif char == PDI:
            depth = max(0, depth - 1)
        elif depth == 0:
            direction = unicodedata.bidirectional(char)
            if direction == "L":
                return "L"
            if direction in _STRONG_RTL:
                return "R"
    return None


def starts_rtl(line: str) -> bool:
    """Whether a line is laid out right-to-left by any client: its first strong character is right-to-left
    whether or not the client skips isolates."""
    return first_strong(line) == "R" and first_strong(line, skip_isolates=False) == "R"


def direct_rtl(text: str) -> str:
    """Every line that would not start right-to-left gets a right-to-left mark in front."""
    return "\n".join(RLM + line if line.strip() and not starts_rtl(line) else line for line in text.split("\n"))


@functools.cache
def numbering_system(babel_locale: str) -> str:
    return str(Locale.parse(babel_locale).default_numbering_system)


class Translator:
    def __init__(self, language: Language, translations: gettext.NullTranslations, tz: ZoneInfo) -> None:
        self.language = language
        self._translations = translations
        self._tz = tz

    @property
    def code(self) -> str:
        return self.language.code

    @property
    def rtl(self) -> bool:
        return self.language.rtl

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def _(self, msgid: str, /, **values: object) -> str:
        return self._finish(self._translations.gettext(msgid), values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        values.setdefault("n", self.number(n))
        return self._finish(self._translations.ngettext(singular, plural, n), values)

    def _finish(self, text: str, values: dict[str, object]) -> str:
        if self.rtl:
            text = COMMAND.sub(lambda found: isolate(found.group()), text)
            values = {key: isolate(value) for key, value in values.items()}
        if values:
            text = text.format(**values)
        return self.direct(text)

    def insert(self, value: object) -> str:
        """A value put into a text by code rather than by a translation: isolated in right-to-left languages."""
        return isolate(value) if self.rtl else str(value)

    def direct(self, text: str) -> str:
        """A text put together by code: in right-to-left languages every line starts right-to-left."""
        return direct_rtl(text) if self.rtl else text

    def _digits(self, text: str) -> str:
        digits = _DIGITS.get(numbering_system(self.language.babel_locale))
        return text.translate(str.maketrans("0123456789", digits)) if digits else text

    def number(self, value: float) -> str:
        locale = self.language.babel_locale
        return self._digits(babel_numbers.format_decimal(value, locale=locale, numbering_system="default"))

    def percent(self, fraction: float) -> str:
        """0.8 -> '80 %' in German, '80%' in English, '۸۰%' in Farsi."""
        locale = self.language.babel_locale
        return self._digits(babel_numbers.format_percent(fraction, locale=locale, numbering_system="default"))

    def date(self, value: dt.date, format: str = "full") -> str:
        return self._digits(babel_dates.format_date(value, format=format, locale=self.language.babel_locale))

    def datetime(self, value: dt.datetime, format: str = "medium") -> str:
        locale = self.language.babel_locale
        return self._digits(babel_dates.format_datetime(value, format=format, tzinfo=self._tz, locale=locale))

    def day(self, value: dt.date) -> str:
        """A short day for a button: 'Tue, 24 Nov' / 'Di., 24. Nov.'."""
        return self._digits(babel_dates.format_skeleton("MMMEd", value, locale=self.language.babel_locale))

    def time(self, value: dt.datetime, format: str = "short") -> str:
        locale = self.language.babel_locale
        return self._digits(babel_dates.format_time(value, format=format, tzinfo=self._tz, locale=locale))


class Catalogs:
    """The compiled catalogs found at start; a language without one is not offered."""

    def __init__(self, tz: ZoneInfo, default_language: str, locales_dir: Path = LOCALES_DIR) -> None:
        self._tz = tz
        self._translations: dict[str, gettext.NullTranslations] = {}
        for code in CHOICES:
            mo = locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if mo.exists():
                with mo.open("rb") as handle:
                    self._translations[code] = gettext.GNUTranslations(handle)
        self.default_language = default_language if default_language in self._translations else "en"

    @property
    def available(self) -> list[Language]:
        return [CHOICES[code] for code in CHOICES if code in self._translations]

    def has(self, code: str | None) -> bool:
        return code is not None and code in self._translations

    def translator(self, code: str | None) -> Translator:
        chosen = code if code in self._translations else self.default_language
        assert chosen is not None
        translations = self._translations.get(chosen, gettext.NullTranslations())
        return Translator(CHOICES[chosen], translations, self._tz)

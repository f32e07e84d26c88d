"""Translations per update, from the person's stored language; Babel for dates, numbers and plurals.

Msgids are English. ``Translator._`` and ``Translator.ngettext`` are what `make catalogs` extracts (keywords
``_``, ``ngettext``, ``N_``). Values are put in with ``str.format`` after translation. In right-to-left languages
every inserted value is wrapped in Unicode isolates (FSI … PDI) so a time, a number or a Latin name does not
reorder the line around it, and each message starts with a right-to-left mark so Telegram lays it out from the
right.
"""

from __future__ import annotations

import datetime as dt
import gettext
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.languages import LANGUAGES, Language

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

FSI, PDI, RLM = "\u2068", "\u2069", "\u200f"
_STRONG_RTL = ("R", "AL")


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


def isolate(value: object) -> str:
    return f"{FSI}{value}{PDI}"


def _starts_rtl(text: str) -> bool:
    import unicodedata

    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("L",):
            return False
        if direction in _STRONG_RTL:
            return True
    return False


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
            values = {key: isolate(value) for key, value in values.items()}
        if values:
            text = text.format(**values)
        if self.rtl and not _starts_rtl(text):
            text = RLM + text
        return text

    def number(self, value: float) -> str:
        return babel_numbers.format_decimal(value, locale=self.language.babel_locale)

    def percent(self, fraction: float) -> str:
        """0.8 -> '80 %' in German, '80%' in English, '٨٠٪' in Arabic."""
        return babel_numbers.format_percent(fraction, locale=self.language.babel_locale)

    def date(self, value: dt.date, format: str = "full") -> str:
        return babel_dates.format_date(value, format=format, locale=self.language.babel_locale)

    def datetime(self, value: dt.datetime, format: str = "medium") -> str:
        return babel_dates.format_datetime(value, format=format, tzinfo=self._tz, locale=self.language.babel_locale)

    def day(self, value: dt.date) -> str:
        """A short day for a button: 'Tue, 24 Nov' / 'Di., 24. Nov.'."""
        return babel_dates.format_skeleton("MMMEd", value, locale=self.language.babel_locale)

    def time(self, value: dt.datetime, format: str = "short") -> str:
        return babel_dates.format_time(value, format=format, tzinfo=self._tz, locale=self.language.babel_locale)


class Catalogs:
    """The compiled catalogs found at start; a language without one is not offered."""

    def __init__(self, tz: ZoneInfo, default_language: str, locales_dir: Path = LOCALES_DIR) -> None:
        self._tz = tz
        self._translations: dict[str, gettext.NullTranslations] = {}
        for code in LANGUAGES:
            mo = locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if mo.exists():
                with mo.open("rb") as handle:
                    self._translations[code] = gettext.GNUTranslations(handle)
        self.default_language = default_language if default_language in self._translations else "en"

    @property
    def available(self) -> list[Language]:
        return [LANGUAGES[code] for code in LANGUAGES if code in self._translations]

    def has(self, code: str | None) -> bool:
        return code is not None and code in self._translations

    def translator(self, code: str | None) -> Translator:
        chosen = code if code in self._translations else self.default_language
        assert chosen is not None
        translations = self._translations.get(chosen, gettext.NullTranslations())
        return Translator(LANGUAGES[chosen], translations, self._tz)

"""The languages the bot speaks: their codes, native names, writing direction and how Telegram names them.

A language is offered to young people only when its catalog is compiled (see ``bot.i18n``); the metadata for
all of them is here so that settings, the picker and normalisation agree on the codes.

``LANGUAGES`` are the ten languages young people write in (the crisis terms cover each of them). ``CHOICES`` adds
the variants a person can choose to be written to in: Easy German (``de@easy``, gettext's modifier syntax, like
``sr@latin``) is German in plain short sentences (Einfache Sprache), formatted by Babel as German; the bot reads
what such a person writes as German, and the report counts them under their own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # our code, also the catalog directory under locales/
    native_name: str  # shown on the picker button, in the language itself
    babel_locale: str  # what Babel formats dates and numbers with
    rtl: bool = False
    # The two-letter ISO 639-1 code Telegram uses for this language (setMyCommands accepts only those); None for
    # a variant that Telegram cannot name (its users get the base language's command menu).
    telegram_code: str | None = None
    variant_of: str | None = None  # Easy German is a variant of German

    @property
    def base(self) -> str:
        return self.variant_of or self.code


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("de", "Deutsch", "de_DE", telegram_code="de"),
        Language("en", "English", "en_GB", telegram_code="en"),
        Language("ar", "العربية", "ar", rtl=True, telegram_code="ar"),
        Language("fa", "فارسی", "fa_IR", rtl=True, telegram_code="fa"),
        Language("uk", "Українська", "uk_UA", telegram_code="uk"),
        Language("ru", "Русский", "ru_RU", telegram_code="ru"),
        Language("tr", "Türkçe", "tr_TR", telegram_code="tr"),
        Language("kmr", "Kurmancî", "ku_TR", telegram_code="ku"),
        Language("pl", "Polski", "pl_PL", telegram_code="pl"),
        Language("ro", "Română", "ro_RO", telegram_code="ro"),
    )
}

EASY_GERMAN = Language("de@easy", "Deutsch (einfach)", "de_DE", variant_of="de")

# Everything a person can choose, in the order of the picker (Easy German next to German).
CHOICES: dict[str, Language] = {
    lang.code: lang for lang in (LANGUAGES["de"], EASY_GERMAN, *(v for k, v in LANGUAGES.items() if k != "de"))
}

# Telegram reports the IETF tag of the app's interface language (``de-AT``, ``pt-br``, ``zh-hans``, ``ku``);
# map the primary subtags that differ from ours. Sorani (ckb) and Southern Kurdish (sdh) get Kurmanji, the
# nearest we have; the picker in the greeting lets them choose otherwise.
_ALIASES = {
    "ku": "kmr",
    "kur": "kmr",
    "ckb": "kmr",
    "sdh": "kmr",
    "prs": "fa",
    "pes": "fa",
    "fas": "fa",
    "per": "fa",
    "dari": "fa",
    "ara": "ar",
    "arb": "ar",
    "apc": "ar",
    "ukr": "uk",
    "ua": "uk",
    "rus": "ru",
    "tur": "tr",
    "pol": "pl",
    "ron": "ro",
    "rum": "ro",
    "mo": "ro",
    "deu": "de",
    "ger": "de",
    "gsw": "de",
    "eng": "en",
}
_TAG = re.compile(r"[a-z]{2,8}")


def normalise_language_code(code: str | None) -> str | None:
    """Our language code for a Telegram ``language_code`` such as ``de-AT``, ``fa-IR``, ``ku`` or ``pt-br``;
    our own codes (``kmr``, ``de@easy``) are kept. Returns None when we do not speak that language."""
    if not code:
        return None
    cleaned = code.strip().lower().replace("_", "-")
    if cleaned in CHOICES:
        return cleaned
    primary = cleaned.split("@")[0].split("-")[0]
    if not _TAG.fullmatch(primary):
        return None
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None

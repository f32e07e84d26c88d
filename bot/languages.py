"""The languages the bot speaks: their codes, native names and writing direction.

A language is offered to young people only when its catalog is compiled (see ``bot.i18n``); the metadata for
all ten is here so that settings, the picker and normalisation agree on the codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # our code, also the catalog directory under locales/
    native_name: str  # shown on the picker button, in the language itself
    babel_locale: str  # what Babel formats dates and numbers with
    rtl: bool = False


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("de", "Deutsch", "de_DE"),
        Language("en", "English", "en_GB"),
        Language("ar", "العربية", "ar", rtl=True),
        Language("fa", "فارسی", "fa_IR", rtl=True),
        Language("uk", "Українська", "uk_UA"),
        Language("ru", "Русский", "ru_RU"),
        Language("tr", "Türkçe", "tr_TR"),
        Language("kmr", "Kurmancî", "ku_TR"),
        Language("pl", "Polski", "pl_PL"),
        Language("ro", "Română", "ro_RO"),
    )
}

# Telegram reports IETF tags chosen by the app's interface language; map the ones that differ from ours.
_ALIASES = {"ku": "kmr", "prs": "fa", "dari": "fa", "pes": "fa", "ckb": "kmr"}


def normalise_language_code(code: str | None) -> str | None:
    """Our language code for a Telegram ``language_code`` such as ``de-AT``, ``fa-IR`` or ``pt-br``.

    Returns None when we do not speak that language.
    """
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    base = _ALIASES.get(base, base)
    return base if base in LANGUAGES else None

"""The answers intake asks for, as data: codes stored in the database and the labels shown for them.

Labels are marked with N_ here and translated where they are shown. Place names are proper nouns and stay as they
are in every language, apart from the words around them.
"""

from __future__ import annotations

import re
import unicodedata

from bot.i18n import N_

AGE_BANDS: dict[str, str] = {
    "15-17": N_("15–17"),
    "18-21": N_("18–21"),
    "22-27": N_("22–27"),
    "na": N_("Rather not say"),
}

PLACES: dict[str, str] = {
    "peine": N_("Peine (town)"),
    "edemissen": "Edemissen",
    "hohenhameln": "Hohenhameln",
    "ilsede": "Ilsede",
    "lengede": "Lengede",
    "vechelde": "Vechelde",
    "wendeburg": "Wendeburg",
    "elsewhere": N_("Somewhere else"),
    "na": N_("Rather not say"),
}

NICKNAME_MAX = 32
_SOURCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SPACES = re.compile(r"\s+")


def clean_nickname(text: str) -> str | None:
    """A nickname as typed, without invisible or control characters; None when nothing usable is left."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs"))
    visible = _SPACES.sub(" ", visible).strip()
    if not visible or len(visible) > NICKNAME_MAX:
        return None
    return visible


def clean_source(payload: str | None) -> str | None:
    """A deep-link payload (such as ``stop_3`` from a poster's QR code) if it has the expected shape."""
    if payload and _SOURCE.match(payload):
        return payload.lower()
    return None


def age_band_for(text: str) -> str | None:
    """Someone who types their age instead of tapping a button: '19' → '18-21'."""
    digits = text.strip()
    if not digits.isdigit():
        return None
    age = int(digits)
    for band, (low, high) in {"15-17": (15, 17), "18-21": (18, 21), "22-27": (22, 27)}.items():
        if low <= age <= high:
            return band
    return None


def place_for(text: str) -> str | None:
    """Someone who types the place instead of tapping it."""
    wanted = text.strip().casefold()
    for code, label in PLACES.items():
        if code not in ("na", "elsewhere") and (wanted == code or wanted == label.casefold()):
            return code
    return None

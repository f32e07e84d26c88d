"""Crisis words: a keyword safety net that flags messages which may signal danger, so staff read them first.

The words are data (``bot/data/crisis_terms.yaml``): per language and category (see ``CATEGORIES``) the phrases,
plus harmless look-alikes under ``exclude``. Every language's terms are checked on every message, because young
people mix languages. Text and terms go through the same normalisation (NFKC, casefold, no zero-width or bidi
controls, no Latin diacritics, ä = ae = a and ß = ss, Arabic and Persian letter variants unified, Latin look-alikes
inside Cyrillic words mapped back); every word of a message also tries a few variants (letters repeated three times
or more collapsed, leetspeak digits read as letters — an extra variant only, because Arabizi writes letters with
digits). Phrase syntax, word by word, separated by spaces:

    word     the word; one typo is tolerated when it has 6 letters or more (7 in Arabic script)
    =word    exactly this word, no typo tolerated
    stem*    any word starting with stem (one typo tolerated in a stem of 6 letters or more)
    a|b|c    any one of these words here (each may carry = or *)
    @group   any word of the list ``groups: group:`` in the data file
    *  *N    up to 2 (or N) other words in between

A hit that an exclusion covers (same words or more, around it) does not count. This module never logs, stores or
returns a message's text: a ``CrisisMatch`` names the category, the term as written in the data, and its language.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from bot.data import SAFE_LOADER
from bot.languages import LANGUAGES

CATEGORIES = ("danger", "suicide", "self_harm", "abuse", "violence")  # a message's hits are reported in this order
EXCLUDE = "exclude"
DEFAULT_GAP = 2
FUZZY_MIN = 6  # words (and stems) this long tolerate one typo; in Arabic script one letter more
TOKEN_CACHE = 65_536

_CONTROLS = [0xAD, 0x61C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF]
_APOSTROPHES = "'`´‘’ʼʻ′"
_MARKS = [*range(0x300, 0x370), *range(0x64B, 0x660), 0x670, 0x640]  # combining accents, Arabic tashkeel, tatweel
_LETTERS = {
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th",
    "ё": "е", "ґ": "г", "ї": "і",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ی", "ي": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ؤ": "و",
}  # fmt: skip
_CYRILLIC_LOOKALIKES = str.maketrans("aeopcxyik", "аеорсхуік")
_LEET = str.maketrans("310457", "eioast")
_TOKEN = re.compile(r"[^\W_]+")
_REPEATS = re.compile(r"(.)\1{2,}")
_PERSIAN_PREFIXES = ("می", "نمی")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _char_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        base = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
        if base and base != chr(code) and base.isascii():
            table[code] = base.lower()
    table.update({ord(letter): plain for letter, plain in _LETTERS.items()})
    table.update({code: None for code in (*_CONTROLS, *_MARKS, *map(ord, _APOSTROPHES))})
    table.update({0x660 + digit: str(digit) for digit in range(10)})
    table.update({0x6F0 + digit: str(digit) for digit in range(10)})
    return table


_TABLE = _char_table()


def normalise(text: str) -> str:
    """The text as the matcher reads it: NFKC, casefolded, controls and apostrophes gone, letters unified."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_TABLE)


def _script_fix(token: str) -> str:
    if _CYRILLIC.search(token):
        return token.translate(_CYRILLIC_LOOKALIKES)
    if token.isascii():  # German umlauts written out: möchte = moechte = mochte
        return token.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return token


def tokens(text: str) -> list[str]:
    """The words of a text, normalised; a Persian ``می``/``نمی`` is joined to its verb as in ``می‌خوام``."""
    words = _TOKEN.findall(normalise(text))
    joined: list[str] = []
    for word in words:
        if joined and joined[-1] in _PERSIAN_PREFIXES:
            joined[-1] += word
        else:
            joined.append(word)
    return [_script_fix(word) for word in joined]


def variants(token: str) -> set[str]:
    """The readings of one normalised word: itself, repeats collapsed (to one and two), leetspeak read."""
    found = {token}
    if _REPEATS.search(token):
        found |= {_REPEATS.sub(r"\1", token), _REPEATS.sub(r"\1\1", token)}
    if token.isascii() and any(c.isdigit() for c in token) and any(c.isalpha() for c in token):
        found |= {word.translate(_LEET) for word in found}
    if token.startswith("و") and len(token) > 2:  # Arabic "and" written onto the word
        found.add(token[1:])
    return {_script_fix(word) for word in found}


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by at most one insertion, deletion, substitution or swap of neighbours."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) <= 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])  # fmt: skip
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@dataclass(frozen=True)
class CrisisMatch:
    category: str  # one of CATEGORIES
    term: str  # the phrase as written in the data file, never the message
    language: str  # the language the term is listed under


@dataclass(frozen=True)
class _Pattern:
    term: str
    language: str
    category: str
    steps: tuple[tuple[frozenset[int], int], ...]  # (word ids allowed here, most words skipped before)


class CrisisMatcher:
    """Compiled terms; ``match`` is a pure function of the text."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._words: dict[tuple[str, bool, bool], int] = {}  # (word, is_prefix, fuzzy) -> id
        self._ids_by_alt: dict[str, int] = {}  # a word as written in the terms -> its id
        self._groups: dict[str, list[str]] = {
            str(k): [str(w) for w in v] for k, v in (data.get("groups") or {}).items()
        }
        self._first: dict[int, list[_Pattern]] = {}
        languages = data.get("languages") or {}
        for language, sections in languages.items():
            if language not in LANGUAGES:
                raise ValueError(f"crisis terms: unknown language {language!r}")
            for category, phrases in sections.items():
                if category not in (*CATEGORIES, EXCLUDE):
                    raise ValueError(f"crisis terms: unknown category {category!r} under {language}")
                for phrase in phrases or ():
                    pattern = self._compile(str(phrase), str(language), str(category))
                    for first in pattern.steps[0][0]:
                        self._first.setdefault(first, []).append(pattern)
        self._index()
        self.token_ids: Callable[[str], frozenset[int]] = functools.lru_cache(maxsize=TOKEN_CACHE)(self._token_ids)

    def _compile(self, phrase: str, language: str, category: str) -> _Pattern:
        steps: list[tuple[frozenset[int], int]] = []
        gap = 0
        for part in phrase.split():
            if re.fullmatch(r"\*\d?", part):
                if not steps:
                    raise ValueError(f"crisis terms: {phrase!r} starts with a gap")
                gap = int(part[1:] or DEFAULT_GAP)
                continue
            ids = frozenset(self._word_id(alt, phrase) for alt in self._alternatives(part, phrase))
            steps.append((ids, gap))
            gap = 0
        if not steps or gap:
            raise ValueError(f"crisis terms: {phrase!r} is empty or ends with a gap")
        return _Pattern(phrase, language, category, tuple(steps))

    def _alternatives(self, part: str, phrase: str) -> list[str]:
        alternatives: list[str] = []
        for alt in part.split("|"):
            if alt.startswith("@"):
                if alt[1:] not in self._groups:
                    raise ValueError(f"crisis terms: unknown group {alt!r} in {phrase!r}")
                alternatives.extend(self._groups[alt[1:]])
            else:
                alternatives.append(alt)
        return alternatives

    def _word_id(self, alt: str, phrase: str) -> int:
        known = self._ids_by_alt.get(alt)  # the groups' words come again in many phrases
        if known is not None:
            return known
        exact, prefix = alt.startswith("="), alt.endswith("*")
        words = tokens(alt.strip("=*"))
        if len(words) != 1 or (prefix and len(words[0]) < 3):
            raise ValueError(f"crisis terms: {alt!r} in {phrase!r} is not one word (or a stem of 3+ letters)")
        arabic = any("\u0600" <= c <= "\u06ff" for c in words[0])  # short vowels unwritten: words lie closer
        key = (words[0], prefix, not exact and len(words[0]) >= FUZZY_MIN + arabic)
        self._ids_by_alt[alt] = self._words.setdefault(key, len(self._words))
        return self._ids_by_alt[alt]

    def _index(self) -> None:
        self._exact: dict[str, set[int]] = {}
        self._prefix: dict[str, set[int]] = {}
        self._fuzzy: dict[str, set[int]] = {}  # a fuzzy word and its deletions -> ids
        self._fuzzy_prefix: dict[int, dict[str, set[int]]] = {}  # by stem length
        self._text = {wid: word for (word, _, _), wid in self._words.items()}
        for (word, prefix, fuzzy), wid in self._words.items():
            (self._prefix if prefix else self._exact).setdefault(word, set()).add(wid)
            if fuzzy:
                index = self._fuzzy_prefix.setdefault(len(word), {}) if prefix else self._fuzzy
                for key in {word} | _deletions(word):
                    index.setdefault(key, set()).add(wid)
        self._prefix_lengths = sorted({len(word) for word in self._prefix})
        # A number (a time, a date, a phone number) is read as a word only if a term could match it: a word of
        # digits, or one that a single edit makes one. Otherwise it costs the lookups of a new word every time.
        self._numbers_match = any(
            sum(not c.isdigit() for c in word) <= (1 if fuzzy else 0) for word, _, fuzzy in self._words
        )

    def _token_ids(self, token: str) -> frozenset[int]:
        if token.isdigit() and not self._numbers_match:
            return frozenset()
        found: set[int] = set()
        for word in variants(token):
            found |= self._exact.get(word, set())
            for length in self._prefix_lengths:
                if length > len(word):
                    break
                found |= self._prefix.get(word[:length], set())
            if len(word) >= FUZZY_MIN - 1:
                for key in {word} | _deletions(word):
                    found |= {w for w in self._fuzzy.get(key, ()) if within_one_edit(word, self._text[w])}
                for length, index in self._fuzzy_prefix.items():
                    head = word[:length]
                    if len(word) >= length - 1:
                        for key in {head} | _deletions(head):
                            found |= {w for w in index.get(key, ()) if self._near_stem(word, self._text[w])}
        return frozenset(found)

    @staticmethod
    def _near_stem(word: str, stem: str) -> bool:
        n = len(stem)
        return any(within_one_edit(word[:k], stem) for k in (n - 1, n, n + 1) if k <= len(word))

    def _spans(self, ids: list[frozenset[int]], exclusions: bool) -> list[tuple[_Pattern, int, int]]:
        found: list[tuple[_Pattern, int, int]] = []
        for start, here in enumerate(ids):
            for wid in here:
                for pattern in self._first.get(wid, ()):
                    if (pattern.category == EXCLUDE) == exclusions:
                        end = _extend(pattern.steps, 1, start + 1, ids)
                        if end is not None:
                            found.append((pattern, start, end))
        return found

    def matches(self, text: str) -> list[CrisisMatch]:
        """Every term found and not covered by an exclusion, most urgent category first."""
        ids = [self.token_ids(token) for token in tokens(text)]
        hits = self._spans(ids, exclusions=False)
        if not hits:
            return []
        covers = [(start, end) for _, start, end in self._spans(ids, exclusions=True)]
        kept = sorted(
            ((p, start) for p, start, end in hits if not any(a <= start and end <= b for a, b in covers)),
            key=lambda hit: (CATEGORIES.index(hit[0].category), hit[1]),
        )
        return list(dict.fromkeys(CrisisMatch(p.category, p.term, p.language) for p, _ in kept))

    def match(self, text: str) -> CrisisMatch | None:
        """The most urgent term in the text, or None."""
        found = self.matches(text)
        return found[0] if found else None


def _extend(steps: tuple[tuple[frozenset[int], int], ...], k: int, pos: int, ids: list[frozenset[int]]) -> int | None:
    if k == len(steps):
        return pos
    allowed, gap = steps[k]
    for at in range(pos, min(pos + gap + 1, len(ids))):
        if not allowed.isdisjoint(ids[at]):
            end = _extend(steps, k + 1, at + 1, ids)
            if end is not None:
                return end
    return None


def load_terms() -> dict[str, Any]:
    text = resources.files("bot.data").joinpath("crisis_terms.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (the safe loader, in C where libyaml is there)
    if not isinstance(data, dict):
        raise ValueError("crisis terms: the data file is not a mapping")
    return data


@functools.cache
def default_matcher() -> CrisisMatcher:
    """The matcher for the terms shipped with the bot, compiled once."""
    return CrisisMatcher(load_terms())


def match(text: str) -> CrisisMatch | None:
    """The most urgent crisis term in ``text`` (any language), or None. Never logs the text."""
    return default_matcher().match(text)

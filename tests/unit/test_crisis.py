"""The crisis matcher: the normalisation steps one by one, the phrase syntax on small data, and the measurement on
the labelled examples in tests/data/crisis_examples.yaml (recall and false alarms; `scripts/crisis-report` prints
the same figures as a table). No test here looks at wall time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import crisis
from bot.crisis import CrisisMatcher
from bot.languages import LANGUAGES

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "crisis_examples.yaml"
HARMLESS = "harmless"


def _examples() -> dict[str, dict[str, list[str]]]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLES.read_text(encoding="utf-8"))
    data.pop("holdout", None)
    return data


def _matcher(**sections: list[str]) -> CrisisMatcher:
    """A matcher over small test data: keyword arguments are categories of one German term list."""
    groups = {"games": ["fifa", "schach"]}
    return CrisisMatcher({"groups": groups, "languages": {"de": dict(sections)}})


# -- normalisation -----------------------------------------------------------------------------------------


def test_nfkc_and_casefold() -> None:
    assert crisis.tokens("ＳＵＩＣＩＤＥ") == ["suicide"]
    assert crisis.tokens("SELBSTMORD!") == ["selbstmord"]
    assert crisis.tokens("Straße") == crisis.tokens("STRASSE") == ["strasse"]


def test_zero_width_and_bidi_controls_are_dropped() -> None:
    assert crisis.tokens("su\u200bi\u200ccide") == ["suicide"]
    assert crisis.tokens("\u200fkill\u2066 myself\u2069\ufeff") == ["kill", "myself"]
    assert crisis.tokens("selbst\u00admord") == ["selbstmord"]


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        ("ölmek istiyorum", "olmek istiyorum"),
        ("İntihar", "intihar"),
        ("yaşamak istemiyorum", "yasamak istemiyorum"),
        ("canıma kıyacağım", "canima kiyacagim"),
        ("să mă sinucid", "sa ma sinucid"),
        ("îmi iau viața", "imi iau viata"),
        ("viaţa", "viata"),
        ("zgwałcił", "zgwalcil"),
        ("nie chcę żyć", "nie chce zyc"),
        ("samobójstwo", "samobojstwo"),
        ("xwekuştin", "xwekustin"),
        ("bijîm", "bijim"),
    ],
)
def test_latin_diacritics_are_stripped(written: str, plain: str) -> None:
    assert crisis.tokens(written) == plain.split()


def test_german_umlauts_written_out_are_the_same() -> None:
    assert crisis.tokens("möchte") == crisis.tokens("moechte") == crisis.tokens("mochte") == ["mochte"]
    assert crisis.tokens("schlägt") == crisis.tokens("schlaegt") == ["schlagt"]
    assert crisis.tokens("Übergriff") == crisis.tokens("Uebergriff")


def test_repeated_letters_collapse_to_one_and_two() -> None:
    assert {"leben", "leeben"} <= crisis.variants("leeeeeben")
    assert "kill" in crisis.variants("killllll")
    assert crisis.variants("leben") == {"leben"}


def test_leetspeak_is_an_extra_reading_only() -> None:
    assert crisis.variants("k1ll") == {"k1ll", "kill"}
    assert "suicide" in crisis.variants("5u1c1d3")
    assert "ento7er" in crisis.variants("ento7er")  # Arabizi keeps its digits as letters
    assert crisis.variants("112") == {"112"}


def test_arabic_letter_variants() -> None:
    assert crisis.tokens("أموت") == crisis.tokens("إموت") == crisis.tokens("آموت") == crisis.tokens("اموت")
    assert crisis.tokens("أَمُوتُ") == crisis.tokens("اموت")  # tashkeel
    assert crisis.tokens("انـــتحار") == crisis.tokens("انتحار")  # tatweel
    assert crisis.tokens("حياة") == crisis.tokens("حیاه")  # teh marbuta, yeh
    assert crisis.tokens("اصحى") == crisis.tokens("اصحي") == crisis.tokens("اصحی")  # alef maksura
    assert "ما" in crisis.variants("وما")  # "and" written onto the word


def test_persian_letter_variants_and_mi_prefix() -> None:
    assert crisis.tokens("خودكشي") == crisis.tokens("خودکشی")
    assert crisis.tokens("می‌خوام") == crisis.tokens("می خوام") == crisis.tokens("میخوام")
    assert crisis.tokens("۱۱۲") == ["112"]


def test_apostrophes_and_cyrillic_lookalikes() -> None:
    assert crisis.tokens("don't") == crisis.tokens("don’t") == ["dont"]
    assert crisis.tokens("б'є") == crisis.tokens("б’є") == crisis.tokens("бʼє") == ["бє"]
    assert crisis.tokens("сyицид") == crisis.tokens("суицид")  # a Latin y inside a Cyrillic word
    assert crisis.tokens("ёлка") == crisis.tokens("елка")


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("suizid", "suizid", True),
        ("suizid", "suizd", True),
        ("suizid", "suizidd", True),
        ("suizid", "siuzid", True),
        ("suizid", "suizad", True),
        ("suizid", "sizd", False),
        ("suizid", "diziu", False),
    ],
)
def test_within_one_edit(a: str, b: str, near: bool) -> None:
    assert crisis.within_one_edit(a, b) is near
    assert crisis.within_one_edit(b, a) is near


# -- phrase syntax -------------------------------------------------------------------------------------------


def test_gaps_allow_up_to_two_words_or_n() -> None:
    matcher = _matcher(suicide=["will * nicht mehr leben"], danger=["hat *3 messer"])
    assert matcher.match("ich will nicht mehr leben") is not None
    assert matcher.match("ich will echt einfach nicht mehr leben") is not None
    assert matcher.match("ich will nicht mit dir nicht mehr leben") is None  # three words between
    assert matcher.match("er hat so ein großes messer") is not None
    assert matcher.match("er hat wohl so ein großes messer") is None


def test_whole_words_prefixes_alternatives_and_groups() -> None:
    matcher = _matcher(
        suicide=["suizid*", "=ritzen"], violence=["schlägt|tritt mich"], exclude=["schlägt mich * @games"]
    )
    assert matcher.match("suizidgedanken") is not None
    assert matcher.match("suizi") is not None  # a stem of 6 letters takes one typo too
    assert matcher.match("sui generis") is None
    assert matcher.match("mein bruder tritt mich") is not None
    assert matcher.match("er schlägt mich") is not None
    assert matcher.match("er schlägt mich im schach") is None
    assert matcher.match("schlagzeug und ritzenreiniger") is None


def test_numbers_are_words_only_when_a_term_could_be_one() -> None:
    """A number is looked up only if a term is a number, or a typo away from one (numbers in a message, times or
    phone numbers, are otherwise new words each time: the lookups of a word the cache has not seen)."""
    plain = _matcher(suicide=["selbstmord"], exclude=["ps5"])
    assert plain.token_ids("0151234567") == frozenset() and plain.match("ruf 0151234567 an") is None
    assert plain.match("selbstmord 0151234567") is not None
    numbers = _matcher(suicide=["=110"], self_harm=["x12345"])  # a number; six characters, a typo from a number
    assert numbers.match("ich rufe 110") is not None
    assert numbers.match("code 912345") is not None


def test_one_typo_from_six_letters_unless_exact() -> None:
    matcher = _matcher(suicide=["selbstmord", "freitod*"], self_harm=["=ritzen", "ritze"])
    assert matcher.match("selbstmrod") is not None  # swapped letters
    assert matcher.match("selbsmord") is not None
    assert matcher.match("freitdo") is not None
    assert matcher.match("sitzen") is None  # =ritzen takes no typo
    assert matcher.match("ritz") is None  # five letters take no typo


def test_exclusions_win_only_when_they_cover_the_hit() -> None:
    matcher = _matcher(suicide=["will * sterben"], exclude=["sterben vor lachen", "ich will * sterben vor lachen"])
    assert matcher.match("ich will sterben") is not None
    assert matcher.match("ich will sterben vor lachen") is None
    assert matcher.match("du willst sterben vor lachen, ich will sterben") is not None


def test_the_most_urgent_category_is_reported_and_no_text() -> None:
    matcher = _matcher(violence=["schlägt mich"], danger=["messer"], suicide=["sterben"])
    found = matcher.match("er schlägt mich und hat ein messer, ich will sterben")
    assert found == crisis.CrisisMatch("danger", "messer", "de")
    assert [hit.category for hit in matcher.matches("er schlägt mich und ich will sterben")] == ["suicide", "violence"]
    assert "stiefvater" not in repr(matcher.match("mein stiefvater schlägt mich"))  # the term, never the text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"languages": {"xx": {"suicide": ["a"]}}}, "unknown language"),
        ({"languages": {"de": {"sadness": ["a"]}}}, "unknown category"),
        ({"languages": {"de": {"suicide": ["* leben"]}}}, "starts with a gap"),
        ({"languages": {"de": {"suicide": ["leben *"]}}}, "ends with a gap"),
        ({"languages": {"de": {"suicide": ["will @nothing"]}}}, "unknown group"),
        ({"languages": {"de": {"suicide": ["will sa-mi"]}}}, "not one word"),
        ({"languages": {"de": {"suicide": ["ab*"]}}}, "not one word"),
    ],
)
def test_malformed_terms_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CrisisMatcher(data)


def test_the_shipped_terms_cover_every_language_and_category() -> None:
    languages = crisis.load_terms()["languages"]
    assert set(languages) == set(LANGUAGES)
    for code, sections in languages.items():
        assert set(crisis.CATEGORIES) <= set(sections), code
        assert sections.get("exclude"), code


def test_languages_are_mixed_in_one_message() -> None:
    assert crisis.match("bin so müde von allem, i want to die") is not None
    assert crisis.match("keine ahnung, bdi mout wallah") is not None


# -- the measurement -----------------------------------------------------------------------------------------


def _tally(groups: dict[str, list[str]]) -> tuple[int, int, int, int]:
    must = hits = harmless = alarms = 0
    for expected, texts in groups.items():
        for text in texts:
            found = crisis.match(text)
            if expected == HARMLESS:
                harmless += 1
                alarms += found is not None
            else:
                must += 1
                hits += found is not None
    return must, hits, harmless, alarms


def test_the_labelled_set_is_big_enough() -> None:
    examples = _examples()
    assert set(examples) == set(LANGUAGES)
    sizes = {code: sum(len(texts) for texts in groups.values()) for code, groups in examples.items()}
    assert all(size >= 25 for size in sizes.values()), sizes
    assert sum(sizes.values()) >= 250
    for code, groups in examples.items():
        assert set(groups) <= {*crisis.CATEGORIES, HARMLESS}, code
        assert groups.get(HARMLESS), code


def test_recall_and_false_alarms_overall() -> None:
    totals = [_tally(groups) for groups in _examples().values()]
    must, hits, harmless, alarms = (sum(column) for column in zip(*totals, strict=True))
    assert hits / must >= 0.9
    assert alarms / harmless <= 0.05


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_recall_per_language(code: str) -> None:
    must, hits, _, _ = _tally(_examples()[code])
    assert hits / must >= 0.8

"""The rules of crisis help and office hours without Telegram: the numbers setting, the card, when the team is back,
the alert's text mentions, the morning digest's times, and the settings' one-line errors."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot import crisis_help, digest
from bot.i18n import Catalogs
from bot.office_hours import OfficeHours
from bot.settings import ConfigError, load_settings
from storage.staff import StaffDTO

BERLIN = ZoneInfo("Europe/Berlin")
CATALOGS = Catalogs(BERLIN, "de")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def test_default_numbers_and_own_labels() -> None:
    numbers = crisis_help.parse_numbers(crisis_help.DEFAULT_NUMBERS)
    assert [n.number for n in numbers] == ["116 111", "0800 111 0 111", "0800 111 0 222", "112", "110"]
    own = crisis_help.parse_numbers(" +49 30  123456 = Krisendienst ; 112=emergency;")
    assert own[0] == crisis_help.HelpNumber("+49 30 123456", "Krisendienst")
    assert own[0].shown(CATALOGS.translator("en")) == "Krisendienst"


@pytest.mark.parametrize("spec", ["", ";", "112", "12=x", "call me=youth", "116 111=", "116 111=" + "x" * 81])
def test_malformed_numbers_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        crisis_help.parse_numbers(spec)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CRISIS_NUMBERS", "112"),
        ("OFFICE_HOURS", "mon 9-17"),
        ("OFFICE_HOURS", "mon-fri 17:00-09:00"),
        ("OFFICE_CLOSED", "2026-02-30"),
        ("OFFICE_REGION", "XX-YY"),
    ],
)
def test_malformed_safety_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value).startswith(variable) and "expected" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_office_hours_defaults_and_off(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(_env_file=None)
    assert (settings.office_hours, settings.office_closed, settings.office_region) == (
        "mon-fri 09:00-17:00",
        "",
        "DE-NI",
    )
    monkeypatch.setenv("OFFICE_HOURS", "")
    assert load_settings(_env_file=None).office_hours == ""


def test_when_the_team_is_back_is_said_as_people_say_it() -> None:
    en, de = CATALOGS.translator("en"), CATALOGS.translator("de")
    friday = at(2026, 11, 27, 18, 0)
    assert crisis_help.when(en, at(2026, 11, 30, 9), friday) == "on Monday, 30 November 2026 at 09:00"
    assert "Montag, 30. November 2026" in crisis_help.when(de, at(2026, 11, 30, 9), friday)
    assert crisis_help.when(en, at(2026, 11, 28, 9), friday) == "tomorrow at 09:00"
    assert crisis_help.when(en, at(2026, 11, 27, 20), friday) == "today at 20:00"


def test_card_in_a_right_to_left_language_isolates_the_numbers() -> None:
    ar = CATALOGS.translator("ar")
    card = crisis_help.card(ar, crisis_help.parse_numbers(crisis_help.DEFAULT_NUMBERS), None)
    assert "\u2068116 111\u2069" in card and "\u2068112 / 110\u2069" in card


def test_alert_mentions_point_at_the_names_in_utf16() -> None:
    workers = [StaffDTO(1, 111, "Zoë 🌻", "worker", True), StaffDTO(2, 222, "Alex", "worker", True)]
    for language in ("de", "fa"):  # a right-to-left team language too
        tr = CATALOGS.translator(language)
        text, entities = crisis_help.alert(tr, "K-ABCD", "self_harm", workers)
        units = text.encode("utf-16-le")
        names = [units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le") for e in entities]
        assert names == ["Zoë 🌻", "Alex"]
        assert [e["user"]["id"] for e in entities] == [111, 222]
        assert "K-ABCD" in text


def test_digest_times_skip_weekends_and_lower_saxonys_holidays() -> None:
    hours = OfficeHours.from_config("mon-fri 09:00-12:30, 13:00-17:00", BERLIN)
    assert digest.next_morning(hours, at(2026, 11, 27, 18)) == at(2026, 11, 30, 9)
    assert digest.next_morning(hours, at(2026, 11, 30, 8, 59)) == at(2026, 11, 30, 9)
    assert digest.next_morning(hours, at(2026, 11, 30, 9)) == at(2026, 12, 1, 9)  # a lunch break is no morning
    assert digest.next_morning(hours, at(2027, 3, 25, 18)) == at(2027, 3, 30, 9)  # Good Friday to Easter Monday
    assert digest.this_morning(hours, at(2026, 11, 30, 13, 30)) == at(2026, 11, 30, 9)
    assert digest.this_morning(hours, at(2026, 11, 30, 17, 0)) is None  # the day is over
    assert digest.this_morning(hours, at(2026, 11, 28, 10)) is None  # Saturday


def test_an_edit_that_changes_nothing_is_recognised() -> None:
    from bot.delivery.shown import ShownMessages

    shown = ShownMessages(recent=2)
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "del:yes"}]]}
    shown.record("sendMessage", {"chat_id": 5, "text": "Delete?", "reply_markup": keyboard}, {"message_id": 1})
    edit = {"chat_id": 5, "message_id": 1, "text": "Okay, nothing was deleted."}
    assert not shown.unchanged("editMessageText", edit)
    shown.record("editMessageText", edit, True)
    assert shown.unchanged("editMessageText", edit)  # the second tap of a double tap
    assert shown.unchanged("editMessageReplyMarkup", {"chat_id": 5, "message_id": 1})  # no buttons left anyway
    assert not shown.unchanged("editMessageText", {**edit, "text": "Something else"})
    assert not shown.unchanged("editMessageText", {**edit, "parse_mode": "HTML"})  # formatting: not judged
    shown.record("sendMessage", {"chat_id": 5, "text": "a"}, {"message_id": 2})
    shown.record("sendMessage", {"chat_id": 5, "text": "b"}, {"message_id": 3})
    assert not shown.unchanged("editMessageText", edit), "only the most recent messages are remembered"

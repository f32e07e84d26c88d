"""What the team types for the hours pool, and the report's calendar rules: months in the local time zone,
office hours, the default period, spreadsheet-safe CSV cells."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import hours as rules
from bot import report
from bot.i18n import Catalogs
from storage.hours import PoolDTO

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("1.5", 90), ("1,5", 90), ("2", 120), ("2h", 120), ("0.25", 15), ("1:30", 90), (" 3 ", 180), ("0.01", 1)],
)
def test_hours_as_typed(typed: str, minutes: int) -> None:
    assert rules.parse_hours(typed) == minutes


@pytest.mark.parametrize("typed", ["0", "-1", "abc", "", "13", "1:75", "nan", "inf", "1e9", "1:5"])
def test_hours_that_are_refused(typed: str) -> None:
    assert rules.parse_hours(typed) is None


def test_entry_numbers() -> None:
    assert [rules.parse_id(t) for t in ("12", "#12", " 7 ", "x", "", "-3", "1" * 10)] == [
        12,
        12,
        7,
        None,
        None,
        None,
        None,
    ]


def test_pool_arguments() -> None:
    assert rules.parse_pool(["400", "2026-11-01", "2027-05-31"]) == rules.PoolRequest(
        400 * 60, date(2026, 11, 1), date(2027, 5, 31), None
    )
    assert rules.parse_pool(["400", "01.11.2026", "31.05.2027", "cap", "20"]) == rules.PoolRequest(
        400 * 60, date(2026, 11, 1), date(2027, 5, 31), 20 * 60
    )
    for wrong in (
        ["400", "2027-05-31", "2026-11-01"],  # the end before the start
        ["400", "2026-11-01"],
        ["400", "2026-11-01", "2027-05-31", "limit", "20"],
        ["400", "2026-11-01", "2027-05-31", "cap", "x"],
        ["lots", "2026-11-01", "2027-05-31"],
    ):
        assert rules.parse_pool(wrong) is None, wrong


def test_amounts_read_in_the_staff_language() -> None:
    catalogs = Catalogs(BERLIN, "de")
    assert rules.amount(catalogs.translator("de"), 90) == "1,5 h"
    assert rules.amount(catalogs.translator("en"), 90) == "1.5 h"
    assert rules.amount(catalogs.translator("de"), 400 * 60) == "400 h"


def test_months_are_calendar_months_clipped_to_the_period() -> None:
    months = report.Period(date(2026, 11, 15), date(2027, 2, 3)).months()
    assert [(m.first, m.last) for m in months] == [
        (date(2026, 11, 15), date(2026, 11, 30)),
        (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 31)),
        (date(2027, 2, 1), date(2027, 2, 3)),
    ]


def test_a_period_is_local_midnight_to_local_midnight() -> None:
    start, end = report.Period(date(2026, 3, 1), date(2026, 3, 31)).window(BERLIN)
    assert start == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)  # winter time
    assert end == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # summer time since 29 March


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        (datetime(2026, 6, 1, 9, 0), True),  # Monday
        (datetime(2026, 6, 1, 8, 59, 59), False),
        (datetime(2026, 6, 1, 16, 59, 59), True),
        (datetime(2026, 6, 1, 17, 0), False),
        (datetime(2026, 6, 5, 12, 0), True),  # Friday
        (datetime(2026, 6, 6, 12, 0), False),  # Saturday
        (datetime(2026, 6, 7, 12, 0), False),  # Sunday
    ],
)
def test_office_hours(local: datetime, inside: bool) -> None:
    moment = local.replace(tzinfo=BERLIN).astimezone(UTC)
    assert report.OFFICE_HOURS.holds(moment) is inside


def test_the_default_period_is_the_running_pool_or_the_last_twelve_months() -> None:
    pool = PoolDTO(1, date(2026, 11, 1), date(2027, 5, 31), 400 * 60, None, None, None)
    assert report.default_period(date(2027, 2, 10), pool) == report.Period(date(2026, 11, 1), date(2027, 2, 10))
    assert report.default_period(date(2027, 7, 10), pool) == report.Period(date(2026, 8, 1), date(2027, 7, 10))
    assert report.default_period(date(2027, 1, 10), None) == report.Period(date(2026, 2, 1), date(2027, 1, 10))
    assert report.parse_period(["2026-01-01", "31.12.2026"]) == report.Period(date(2026, 1, 1), date(2026, 12, 31))
    assert report.parse_period(["2026-12-31", "2026-01-01"]) is None
    assert report.parse_period(["2026-01-01"]) is None


def test_csv_cells_are_never_formulas() -> None:
    assert report._text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert report._text("-stop") == "'-stop"
    assert report._text("stop_3") == "stop_3"

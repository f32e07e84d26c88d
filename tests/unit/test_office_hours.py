"""Office hours: Lower Saxony's public holidays (computed by the holidays package), the next opening across
weekends, Easter and the changes to and from summer time, configured closing days, the window since the last
closing, and clear errors for malformed configuration."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.office_hours import OfficeHours, OfficeHoursError, parse_closed, parse_hours, parse_region

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = "mon-thu 09:00-17:00; fri 09:00-14:00"


def office(closed: str = "", hours: str = HOURS) -> OfficeHours:
    return OfficeHours.from_config(hours, BERLIN, closed=closed, region="DE-NI")


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def holidays_in(year: int) -> dict[date, str]:
    hours = office()
    days = (date(year, 1, 1) + timedelta(days=n) for n in range(366))
    return {day: name for day in days if day.year == year and (name := hours.holiday(day)) is not None}


def test_lower_saxony_holidays_2026() -> None:
    found = holidays_in(2026)
    assert sorted(found) == [
        date(2026, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Whit Monday
        date(2026, 10, 3),
        date(2026, 10, 31),  # Reformation Day, a holiday in Lower Saxony since 2018
        date(2026, 12, 25),
        date(2026, 12, 26),
    ]
    assert found[date(2026, 10, 31)] == "Reformationstag"
    assert found[date(2026, 4, 6)] == "Ostermontag"


def test_lower_saxony_holidays_2027() -> None:
    assert sorted(holidays_in(2027)) == [
        date(2027, 1, 1),
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 1),
        date(2027, 5, 6),  # Ascension
        date(2027, 5, 17),  # Whit Monday
        date(2027, 10, 3),
        date(2027, 10, 31),
        date(2027, 12, 25),
        date(2027, 12, 26),
    ]


def test_holidays_of_other_states_are_working_days_here() -> None:
    hours = office()
    assert hours.holiday(date(2026, 6, 4)) is None  # Corpus Christi (not in Lower Saxony)
    assert hours.holiday(date(2026, 11, 1)) is None  # All Saints
    assert hours.holiday(date(2026, 1, 6)) is None  # Epiphany
    assert hours.is_open(berlin(2026, 6, 4, 10, 0))


def test_is_open() -> None:
    hours = office()
    assert hours.is_open(berlin(2026, 11, 23, 9, 0))  # Monday at opening
    assert not hours.is_open(berlin(2026, 11, 23, 17, 0))  # closing time itself is closed
    assert hours.is_open(berlin(2026, 11, 27, 13, 59))  # Friday
    assert not hours.is_open(berlin(2026, 11, 27, 14, 0))
    assert not hours.is_open(berlin(2026, 11, 28, 11, 0))  # Saturday
    assert hours.is_open(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))  # 09:30 in Berlin


def test_friday_afternoon_opens_again_on_monday_morning() -> None:
    found = office().next_opening(berlin(2026, 11, 20, 15, 30))
    assert found == berlin(2026, 11, 23, 9, 0)
    assert found.tzinfo == BERLIN


def test_next_opening_while_open_is_now() -> None:
    moment = berlin(2026, 11, 24, 11, 15)
    assert office().next_opening(moment) == moment
    assert office().next_opening(berlin(2026, 11, 24, 7, 0)) == berlin(2026, 11, 24, 9, 0)


def test_the_thursday_before_easter_opens_again_on_tuesday_after_easter() -> None:
    assert office().next_opening(berlin(2026, 4, 2, 17, 30)) == berlin(2026, 4, 7, 9, 0)
    assert office().next_opening(berlin(2027, 3, 25, 18, 0)) == berlin(2027, 3, 30, 9, 0)


def test_summer_time_starts_over_the_weekend() -> None:
    # 29 March 2026: 02:00 CET -> 03:00 CEST. Friday 15:00 is UTC+1, Monday 09:00 is UTC+2.
    found = office().next_opening(berlin(2026, 3, 27, 15, 0))
    assert found == berlin(2026, 3, 30, 9, 0)
    assert found.utcoffset() == timedelta(hours=2)
    assert found.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    window = office().overnight_window(berlin(2026, 3, 30, 9, 5))
    assert window.start == berlin(2026, 3, 27, 14, 0)
    assert window.duration == timedelta(hours=66)  # 67 hours on the clock, one skipped


def test_summer_time_ends_over_the_weekend() -> None:
    # 25 October 2026: 03:00 CEST -> 02:00 CET.
    found = office().next_opening(berlin(2026, 10, 23, 15, 0))
    assert found == berlin(2026, 10, 26, 9, 0)
    assert found.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    window = office().overnight_window(berlin(2026, 10, 26, 9, 0))
    assert window.duration == timedelta(hours=68)  # 67 hours on the clock, one repeated


def test_a_whole_day_on_the_day_summer_time_ends_lasts_25_hours() -> None:
    hours = office(hours="sun 00:00-24:00")
    (period,) = hours.periods_on(date(2026, 10, 25))
    assert period.duration == timedelta(hours=25)
    assert hours.is_open(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 02:30 CEST, the first time round
    assert hours.is_open(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # 02:30 CET, the second time round


def test_configured_closing_days() -> None:
    hours = office(closed="2026-12-24..2027-01-01, 2027-01-05")
    assert not hours.is_open(berlin(2026, 12, 28, 10, 0))
    assert hours.next_opening(berlin(2026, 12, 23, 17, 30)) == berlin(2027, 1, 4, 9, 0)
    assert hours.next_opening(berlin(2027, 1, 4, 18, 0)) == berlin(2027, 1, 6, 9, 0)
    assert hours.closed_on(date(2026, 12, 24)) and hours.closed_on(date(2027, 1, 1))
    assert not hours.closed_on(date(2027, 1, 4))


def test_overnight_window() -> None:
    hours = office()
    monday = hours.overnight_window(berlin(2026, 11, 23, 9, 5))
    assert (monday.start, monday.end) == (berlin(2026, 11, 20, 14, 0), berlin(2026, 11, 23, 9, 0))
    early = hours.overnight_window(berlin(2026, 11, 24, 7, 30))  # before opening: up to now
    assert (early.start, early.end) == (berlin(2026, 11, 23, 17, 0), berlin(2026, 11, 24, 7, 30))
    easter = hours.overnight_window(berlin(2026, 4, 7, 9, 0))
    assert (easter.start, easter.end) == (berlin(2026, 4, 2, 17, 0), berlin(2026, 4, 7, 9, 0))


def test_hours_syntax() -> None:
    assert parse_hours(HOURS) == parse_hours("mo-do 09:00-17:00; fr 09:00-14:00")
    assert parse_hours("Mon, Wed 9:00-12:30, 13:00-16:00") == {
        0: ((540, 750), (780, 960)),
        2: ((540, 750), (780, 960)),
    }
    assert set(parse_hours("sat-mon 10:00-12:00")) == {5, 6, 0}  # a range may wrap round the week
    assert parse_hours("sun 20:00-24:00") == {6: ((1200, 1440),)}
    assert parse_hours("mon 09:00-12:00; mon 13:00-17:00") == {0: ((540, 720), (780, 1020))}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "no office hours given"),
        ("  ;  ", "no office hours given"),
        ("mon-thu", "expected days followed by times"),
        ("mnday 09:00-17:00", "'mnday' is not a day"),
        ("mon-thu 9-17", "'9-17' is not a time range"),
        ("mon 09:00", "'09:00' is not a time range"),
        ("mon 09:00-25:00", "'25:00' is not a time of day"),
        ("mon 09:60-10:00", "'09:60' is not a time of day"),
        ("mon 17:00-09:00", "ends before it starts"),
        ("mon 22:00-02:00", "hours past midnight are not supported"),
        ("mon 09:00-12:00, 11:00-13:00", "mon: the hours overlap around 11:00"),
        ("mon-fri 09:00-17:00; fri 16:00-18:00", "fri: the hours overlap"),
    ],
)
def test_malformed_hours(spec: str, message: str) -> None:
    with pytest.raises(OfficeHoursError, match=message):
        parse_hours(spec)


def test_closing_days_syntax() -> None:
    assert parse_closed("") == ()
    assert parse_closed("2027-02-15, 2026-12-24..2027-01-01") == (
        (date(2026, 12, 24), date(2027, 1, 1)),
        (date(2027, 2, 15), date(2027, 2, 15)),
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("2026-13-01", "'2026-13-01' is not a date: expected YYYY-MM-DD"),
        ("24.12.2026", "is not a date"),
        ("2027-01-01..2026-12-24", "ends before it starts"),
        ("2026-01-01..2028-01-01", "longer than a year"),
        ("2026-12-24..", "is not a date"),
    ],
)
def test_malformed_closing_days(spec: str, message: str) -> None:
    with pytest.raises(OfficeHoursError, match=message):
        parse_closed(spec)


def test_regions() -> None:
    assert parse_region("DE-NI") == ("DE", "NI")
    assert parse_region("de") == ("DE", None)
    with pytest.raises(OfficeHoursError, match="not a known holiday region"):
        parse_region("DE-XX")
    with pytest.raises(OfficeHoursError, match="not a known holiday region"):
        OfficeHours.from_config(HOURS, BERLIN, region="XX")


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        office().is_open(datetime(2026, 11, 23, 10, 0))


def test_an_office_that_never_opens_says_so() -> None:
    years = "2026-01-01..2026-12-31, 2027-01-01..2027-12-31, 2028-01-01..2028-12-31"
    with pytest.raises(OfficeHoursError, match="does not open within"):
        office(closed=years).next_opening(berlin(2026, 1, 1, 0, 0))

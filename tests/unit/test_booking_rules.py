"""The appointment rules as plain functions: slots and reminders across the changes to and from summer time
(29 March and 25 October 2026 in Europe/Berlin), cancelled days and extra dates, which reminders to send when
several came due at once, the texts in the person's language and the calendar file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot import booking
from bot.i18n import Catalogs
from storage.appointments import ReminderDTO
from storage.tour import StopDTO, WindowDTO

BERLIN = ZoneInfo("Europe/Berlin")
OFFSETS = booking.parse_offsets("24h,1h")
PEINE = StopDTO(
    1, "peine-markt", "Peine, Marktplatz", "peine", "Marktplatz, 31224 Peine", 52.3203, 10.2336, 2, 30, True
)
MONDAYS = [WindowDTO(1, 0, None, time(14), time(18))]
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin(moment: datetime) -> tuple[date, time]:
    local = moment.astimezone(BERLIN)
    return local.date(), local.time()


def test_offsets_are_parsed() -> None:
    assert booking.parse_offsets("24h, 1h") == [("24h", timedelta(hours=24)), ("1h", timedelta(hours=1))]
    assert booking.parse_offsets("2d,30m") == [("2d", timedelta(days=2)), ("30m", timedelta(minutes=30))]


@pytest.mark.parametrize(
    ("appointment", "day_before"),
    [
        # Monday 30 March 2026 10:00 (summer time, UTC+2): the 24-hour reminder on Sunday 10:00 local.
        (utc(2026, 3, 30, 8, 0), utc(2026, 3, 29, 8, 0)),
        # Sunday 29 March 14:00 summer time; the clocks went forward that night: Saturday 14:00 winter time.
        (utc(2026, 3, 29, 12, 0), utc(2026, 3, 28, 13, 0)),
        # Monday 26 October 2026 10:00 (winter time, UTC+1): Sunday 10:00 local.
        (utc(2026, 10, 26, 9, 0), utc(2026, 10, 25, 9, 0)),
        # Sunday 25 October 14:00 winter time; the clocks went back that night: Saturday 14:00 summer time.
        (utc(2026, 10, 25, 13, 0), utc(2026, 10, 24, 12, 0)),
    ],
)
def test_the_day_before_reminder_keeps_the_wall_clock_time_across_summer_time(
    appointment: datetime, day_before: datetime
) -> None:
    due = booking.reminder_times(appointment, OFFSETS, BERLIN, LONG_AGO)
    assert due == [(day_before, "24h"), (appointment - timedelta(hours=1), "1h")]
    assert berlin(day_before)[1] == berlin(appointment)[1], "same time of day"
    assert berlin(day_before)[0] == berlin(appointment)[0] - timedelta(days=1), "the day before"


def test_the_one_hour_reminder_is_a_real_hour_across_the_change() -> None:
    # Sunday 29 March 2026 03:30 summer time is 01:30 UTC; an hour earlier the clocks showed 01:30 winter time.
    appointment = utc(2026, 3, 29, 1, 30)
    [(_, _), (one_hour, label)] = booking.reminder_times(appointment, OFFSETS, BERLIN, LONG_AGO)
    assert (one_hour, label) == (utc(2026, 3, 29, 0, 30), "1h")
    assert berlin(one_hour)[1] == time(1, 30)


def test_reminders_already_due_are_left_out() -> None:
    appointment = utc(2026, 11, 23, 13, 30)
    assert booking.reminder_times(appointment, OFFSETS, BERLIN, utc(2026, 11, 23, 9, 0)) == [
        (utc(2026, 11, 23, 12, 30), "1h")
    ]
    assert booking.reminder_times(appointment, OFFSETS, BERLIN, appointment) == []
    two_days = booking.parse_offsets("2d")
    assert booking.reminder_times(utc(2026, 3, 30, 8, 0), two_days, BERLIN, LONG_AGO) == [
        (utc(2026, 3, 28, 9, 0), "2d")  # Saturday 10:00 winter time
    ]


@pytest.mark.parametrize(
    ("day", "first_utc"),
    [
        (date(2026, 3, 23), utc(2026, 3, 23, 13, 0)),  # winter time: 14:00 is 13:00 UTC
        (date(2026, 3, 30), utc(2026, 3, 30, 12, 0)),  # the Monday after the change: 14:00 is 12:00 UTC
        (date(2026, 10, 19), utc(2026, 10, 19, 12, 0)),
        (date(2026, 10, 26), utc(2026, 10, 26, 13, 0)),  # the Monday after the change back
    ],
)
def test_slots_stay_at_the_same_local_times_around_the_changes(day: date, first_utc: datetime) -> None:
    slots = booking.slots_on(PEINE, MONDAYS, day, set(), BERLIN)
    assert len(slots) == 8
    assert slots[0].starts_at == first_utc
    assert [berlin(s.starts_at)[1] for s in slots] == [time(14 + n // 2, 30 * (n % 2)) for n in range(8)]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in slots)


def test_slots_on_the_days_of_the_change() -> None:
    windows = [
        WindowDTO(1, None, date(2026, 3, 29), time(10), time(12), "extra"),
        WindowDTO(1, None, date(2026, 3, 29), time(1), time(4), "extra"),
        WindowDTO(1, None, date(2026, 10, 25), time(10), time(12), "extra"),
        WindowDTO(1, None, date(2026, 10, 25), time(1), time(4), "extra"),
    ]
    spring = booking.slots_on(PEINE, windows, date(2026, 3, 29), set(), BERLIN)
    # 01:00–04:00 that night is two real hours (02:00–03:00 does not exist), then 10:00–12:00 summer time.
    assert [berlin(s.starts_at)[1] for s in spring] == [
        time(1),
        time(1, 30),
        time(3),
        time(3, 30),
        time(10),
        time(10, 30),
        time(11),
        time(11, 30),
    ]
    assert spring[4].starts_at == utc(2026, 3, 29, 8, 0)
    autumn = booking.slots_on(PEINE, windows, date(2026, 10, 25), set(), BERLIN)
    # 01:00–04:00 is four real hours (02:00–03:00 comes twice); 10:00 winter time is 09:00 UTC.
    assert len(autumn) == 12
    assert len({s.starts_at for s in autumn}) == 12
    assert autumn[8].starts_at == utc(2026, 10, 25, 9, 0)


def test_local_picks_the_earlier_of_a_time_shown_twice() -> None:
    assert booking.local(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)
    assert booking.local(date(2026, 3, 29), time(14), BERLIN) == utc(2026, 3, 29, 12, 0)


def test_a_cancelled_day_keeps_only_extra_times_added_for_it() -> None:
    monday = date(2026, 11, 23)
    extra = WindowDTO(1, None, monday, time(10), time(11), "extra")
    windows = [*MONDAYS, extra]
    assert len(booking.slots_on(PEINE, windows, monday, set(), BERLIN)) == 10
    cancelled = {(1, monday)}
    assert [berlin(s.starts_at)[1] for s in booking.slots_on(PEINE, windows, monday, cancelled, BERLIN)] == [
        time(10),
        time(10, 30),
    ]
    assert booking.slots_on(PEINE, MONDAYS, monday, cancelled, BERLIN) == []
    other = StopDTO(2, "x", "X", "peine", "x", 0.0, 0.0, 1, 30, True)
    assert booking.slots_on(other, windows, monday, set(), BERLIN) == [], "another stop's windows"
    gone = StopDTO(1, "peine-markt", "P", "peine", "x", 0.0, 0.0, 1, 30, False)
    assert booking.slots_on(gone, windows, monday, set(), BERLIN) == [], "a stop no longer in the plan"
    assert booking.days_with_bus(PEINE, MONDAYS, date(2026, 11, 22), 9, cancelled) == [date(2026, 11, 30)]


def test_free_slots_leave_out_full_and_past_ones() -> None:
    slots = booking.slots_on(PEINE, MONDAYS, date(2026, 11, 23), set(), BERLIN)
    taken = {slots[1].starts_at: 2, slots[2].starts_at: 1}
    free = booking.free(slots, taken, 2, now=slots[0].starts_at)
    assert slots[0] not in free and slots[1] not in free and slots[2] in free and len(free) == 6


def test_only_the_newest_of_several_due_reminders_per_appointment_is_sent() -> None:
    a24 = ReminderDTO(1, 10, utc(2026, 11, 22, 13, 30), "24h")
    a1 = ReminderDTO(2, 10, utc(2026, 11, 23, 12, 30), "1h")
    b24 = ReminderDTO(3, 11, utc(2026, 11, 23, 9, 0), "24h")
    send, dropped = booking.newest_per_appointment([a24, b24, a1])
    assert send == [b24, a1]
    assert dropped == [a24]
    assert booking.newest_per_appointment([]) == ([], [])


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs(BERLIN, "de")


def test_when_text_in_the_persons_language(catalogs: Catalogs) -> None:
    moment = utc(2026, 11, 23, 13, 30)
    assert booking.when_text(catalogs.translator("de"), moment) == "Montag, 23. November 2026, 14:30"
    assert booking.when_text(catalogs.translator("en"), moment) == "Monday, 23 November 2026, 14:30"
    summer = utc(2026, 3, 30, 12, 0)
    assert booking.when_text(catalogs.translator("de"), summer) == "Montag, 30. März 2026, 14:00"


def test_the_calendar_file() -> None:
    starts = utc(2026, 11, 23, 13, 30)
    content = booking.ics_file(
        "appointment-7@anlaufstelle", PEINE, starts, starts + timedelta(minutes=30), "Termin", LONG_AGO
    )
    calendar = Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtstart").astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 11, 23, 14, 30)
    assert event.decoded("dtend") == starts + timedelta(minutes=30)
    assert str(event["location"]) == "Peine, Marktplatz, Marktplatz, 31224 Peine"
    assert str(event["uid"]) == "appointment-7@anlaufstelle"
    assert b"DTSTART:20261123T133000Z" in content


def test_distance() -> None:
    assert booking.distance_km(52.3203, 10.2336, 52.3870, 10.2620) == pytest.approx(7.66, abs=0.01)
    assert booking.distance_km(52.3203, 10.2336, 52.3203, 10.2336) == 0

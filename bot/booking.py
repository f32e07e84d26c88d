"""Rules for appointments: which slots exist, which days the bus comes, when reminders are due, the .ics file.

All times in the database are UTC; the plan's windows are local wall-clock times in the configured time zone, so
a 14:00 slot stays 14:00 across the changes to and from summer time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import N_, Translator
from storage.appointments import ReminderDTO
from storage.tour import StopDTO, WindowDTO

TOPICS: dict[str, str] = {
    "school": N_("School, training or work"),
    "authorities": N_("Letters, forms, authorities"),
    "money": N_("Money or debts"),
    "housing": N_("Housing"),
    "family": N_("Family or relationships"),
    "health": N_("Health or feelings"),
    "residence": N_("Residence status"),
    "other": N_("Something else"),
}


@dataclass(frozen=True)
class Slot:
    stop_id: int
    starts_at: datetime  # UTC
    ends_at: datetime


def local(day: date, clock_time: time, tz: ZoneInfo) -> datetime:
    """A local wall-clock time as an aware UTC datetime (the earlier one if the clock shows it twice)."""
    return datetime.combine(day, clock_time, tzinfo=tz).astimezone(UTC)


def windows_on(
    stop: StopDTO, windows: Iterable[WindowDTO], day: date, cancelled: set[tuple[int, date]]
) -> list[WindowDTO]:
    """The stop's windows on a day. A cancelled day keeps only extra times added for it after the cancellation
    (cancelling a day drops the extras it had)."""
    if not stop.active:
        return []
    found = [w for w in windows if w.stop_id == stop.id and (w.on_date == day or w.weekday == day.weekday())]
    if (stop.id, day) in cancelled:
        return [w for w in found if w.source == "extra"]
    return found


def slots_on(
    stop: StopDTO, windows: Iterable[WindowDTO], day: date, cancelled: set[tuple[int, date]], tz: ZoneInfo
) -> list[Slot]:
    length = timedelta(minutes=stop.slot_minutes)
    found: list[Slot] = []
    for window in windows_on(stop, windows, day, cancelled):
        start, end = local(day, window.starts, tz), local(day, window.ends, tz)
        while start + length <= end:
            found.append(Slot(stop.id, start, start + length))
            start += length
    return sorted(set(found), key=lambda s: s.starts_at)


def days_with_bus(
    stop: StopDTO, windows: list[WindowDTO], first: date, days: int, cancelled: set[tuple[int, date]]
) -> list[date]:
    return [first + timedelta(n) for n in range(days) if windows_on(stop, windows, first + timedelta(n), cancelled)]


def free(slots: list[Slot], taken: dict[datetime, int], capacity: int, now: datetime) -> list[Slot]:
    return [s for s in slots if s.starts_at > now and taken.get(s.starts_at, 0) < capacity]


def parse_offsets(spec: str) -> list[tuple[str, timedelta]]:
    """'24h,1h' → [('24h', 24 h), ('1h', 1 h)]; also minutes ('30m') and days ('2d')."""
    offsets = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        number, unit = int(part[:-1]), part[-1]
        scale = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}[unit]
        offsets.append((part, number * scale))
    return offsets


def reminder_times(
    starts_at: datetime, offsets: list[tuple[str, timedelta]], tz: ZoneInfo, now: datetime
) -> list[tuple[datetime, str]]:
    """When to remind. Whole days before mean the same wall-clock time on the earlier day (so "24 h before" a
    Monday 10:00 appointment is Sunday 10:00 even when the clocks changed in between); shorter offsets are plain
    durations. Reminders that would already be due are left out."""
    due = []
    for label, offset in offsets:
        if offset % timedelta(days=1) == timedelta(0):
            wall = starts_at.astimezone(tz).replace(tzinfo=None) - offset
            at = wall.replace(tzinfo=tz).astimezone(UTC)
        else:
            at = starts_at - offset
        if at > now:
            due.append((at, label))
    return due


def newest_per_appointment(due: list[ReminderDTO]) -> tuple[list[ReminderDTO], list[ReminderDTO]]:
    """Of the reminders due now, the newest for each appointment is sent; older ones for the same appointment
    (the bot was down while both came due) would only repeat it, and are dropped."""
    newest: dict[int, ReminderDTO] = {}
    for reminder in sorted(due, key=lambda r: r.due_at):
        newest[reminder.appointment_id] = reminder
    send = sorted(newest.values(), key=lambda r: r.due_at)
    return send, [r for r in due if newest[r.appointment_id] is not r]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def when_text(tr: Translator, starts_at: datetime) -> str:
    """'Tuesday, 24 November 2026, 14:30' in the person's language (Babel), in the configured time zone."""
    local_start = starts_at.astimezone(tr.tz)
    return tr._("{day}, {time}", day=tr.date(local_start.date(), "full"), time=tr.time(starts_at))


def ics_file(uid: str, stop: StopDTO, starts_at: datetime, ends_at: datetime, summary: str, now: datetime) -> bytes:
    """A calendar entry for the phone (RFC 5545), made with icalendar (imported here: a twentieth of a second of
    every start otherwise, for the first booking only)."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Anlaufstelle//Termin//DE")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("location", f"{stop.name}, {stop.address}")
    event.add("geo", (stop.latitude, stop.longitude))
    calendar.add_component(event)
    content: bytes = calendar.to_ical()
    return content

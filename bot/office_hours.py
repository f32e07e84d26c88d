"""Office hours: when the team is there, public holidays computed for the region, and the time since closing.

Configured as text (see ``parse_hours`` and ``parse_closed``)::

    OFFICE_HOURS="mon-thu 09:00-17:00; fri 09:00-14:00"     (English or German day names; "mo-do", "mon,wed")
    OFFICE_CLOSED="2026-12-24..2027-01-01, 2027-02-15"       (extra closing days, ranges inclusive)
    OFFICE_REGION="DE-NI"                                     (public holidays of Lower Saxony, computed)

Public holidays come from the ``holidays`` package (Easter, Ascension, Whit Monday computed; Reformation Day on
31 October in Lower Saxony since 2018). Hours are wall-clock times in the given time zone; all comparisons happen
in UTC, so the changes to and from summer time need no special case. A period never runs past midnight; "24:00"
ends a day.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
DAYS |= {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EXAMPLE_HOURS = "mon-thu 09:00-17:00; fri 09:00-14:00"
SEARCH_DAYS = 800  # how far next_opening and the last closing are looked for
MAX_CLOSURE_DAYS = 366

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_ENTRY = re.compile(r"^(?P<days>[a-z]+(?:\s*[-,]\s*[a-z]+)*)\s+(?P<times>\S.*)$")

Weekly = dict[int, tuple[tuple[int, int], ...]]  # weekday (0 = Monday) -> sorted (start, end) in minutes of the day


class OfficeHoursError(ValueError):
    """Office hours, closing days or region cannot be read; the message says what was expected."""


def _day(name: str) -> int:
    if name not in DAYS:
        raise OfficeHoursError(f"{name!r} is not a day: expected mon tue wed thu fri sat sun (or mo di mi do fr sa so)")
    return DAYS[name]


def _days(text: str) -> list[int]:
    found: list[int] = []
    for part in re.split(r"\s*,\s*", text):
        first, _, last = (piece.strip() for piece in part.partition("-"))
        start = _day(first)
        end = _day(last) if last else start
        found += [(start + offset) % 7 for offset in range((end - start) % 7 + 1)]  # "sat-mon" wraps round
    return found


def _minutes(text: str, whole: str) -> int:
    found = _TIME.match(text.strip())
    if not found:
        raise OfficeHoursError(f"{whole!r} is not a time range: expected HH:MM-HH:MM such as 09:00-17:00")
    hours, minutes = int(found[1]), int(found[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise OfficeHoursError(f"{text.strip()!r} is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def _format(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hours(spec: str) -> Weekly:
    """Weekly hours from text like ``mon-thu 09:00-17:00; fri 09:00-12:30, 13:00-14:00``."""
    if not spec.strip():
        raise OfficeHoursError(f"no office hours given: expected something like {EXAMPLE_HOURS!r}")
    collected: dict[int, list[tuple[int, int]]] = {}
    for entry in filter(None, (piece.strip().lower() for piece in spec.split(";"))):
        parts = _ENTRY.match(entry)
        if not parts:
            raise OfficeHoursError(f"{entry!r}: expected days followed by times, like 'mon-thu 09:00-17:00'")
        ranges: list[tuple[int, int]] = []
        for piece in parts["times"].split(","):
            start, dash, end = piece.partition("-")
            if not dash:
                raise OfficeHoursError(
                    f"{piece.strip()!r} is not a time range: expected HH:MM-HH:MM such as 09:00-17:00"
                )
            first, last = _minutes(start, piece.strip()), _minutes(end, piece.strip())
            if last <= first:
                raise OfficeHoursError(
                    f"{piece.strip()!r} ends before it starts (hours past midnight are not supported)"
                )
            ranges.append((first, last))
        for weekday in _days(parts["days"]):
            collected.setdefault(weekday, []).extend(ranges)
    if not collected:
        raise OfficeHoursError(f"no office hours given: expected something like {EXAMPLE_HOURS!r}")
    weekly: Weekly = {}
    for weekday, ranges in sorted(collected.items()):
        ranges.sort()
        for (_, end), (start, _) in itertools.pairwise(ranges):
            if start < end:
                raise OfficeHoursError(f"{DAY_NAMES[weekday]}: the hours overlap around {_format(start)}")
        weekly[weekday] = tuple(ranges)
    return weekly


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise OfficeHoursError(f"{text.strip()!r} is not a date: expected YYYY-MM-DD such as 2026-12-24") from None


def parse_closed(spec: str) -> tuple[tuple[date, date], ...]:
    """Extra closing days from text like ``2026-12-24..2027-01-01, 2027-02-15`` (ranges include both ends)."""
    closures: list[tuple[date, date]] = []
    for item in filter(None, (piece.strip() for piece in re.split(r"[,;\s]+", spec))):
        first, dots, last = item.partition("..")
        start = _date(first)
        end = _date(last) if dots else start
        if end < start:
            raise OfficeHoursError(f"{item!r} ends before it starts")
        if (end - start).days >= MAX_CLOSURE_DAYS:
            raise OfficeHoursError(
                f"{item!r} is longer than a year: expected single days or ranges like 2026-12-24..2027-01-01"
            )
        closures.append((start, end))
    return tuple(sorted(closures))


def parse_region(spec: str) -> tuple[str, str | None]:
    """(country, subdivision) from ``DE-NI`` or ``DE``, checked against the holidays package."""
    country, _, subdivision = spec.strip().upper().partition("-")
    try:
        holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError:
        raise OfficeHoursError(f"{spec.strip()!r} is not a known holiday region: expected a code like DE-NI") from None
    return country, subdivision or None


@lru_cache(maxsize=16)
def _calendar(country: str, subdivision: str | None, language: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision, language=language)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        """The real time between start and end (``end - start`` of two Berlin times would count wall-clock hours)."""
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)


class OfficeHours:
    """When the office is open; every datetime returned is aware, in ``tz``."""

    def __init__(
        self,
        weekly: Weekly,
        tz: ZoneInfo,
        closed: tuple[tuple[date, date], ...] = (),
        region: str = "DE-NI",
        language: str | None = "de",
    ) -> None:
        if not any(weekly.values()):
            raise OfficeHoursError(f"no office hours given: expected something like {EXAMPLE_HOURS!r}")
        self.weekly, self.tz, self.closed = weekly, tz, closed
        country, subdivision = parse_region(region)
        self._holidays = _calendar(country, subdivision, language)

    @classmethod
    def from_config(cls, hours: str, tz: ZoneInfo, closed: str = "", region: str = "DE-NI") -> OfficeHours:
        return cls(parse_hours(hours), tz, parse_closed(closed), region)

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on that day, or None."""
        return self._holidays.get(day)

    def closed_on(self, day: date) -> bool:
        """Whether the whole day is closed: a public holiday or a configured closing day."""
        return day in self._holidays or any(start <= day <= end for start, end in self.closed)

    def periods_on(self, day: date) -> list[Period]:
        """The opening periods of a calendar day (in ``tz``), in order; none on closed days."""
        if self.closed_on(day):
            return []
        return [Period(self._at(day, start), self._at(day, end)) for start, end in self.weekly.get(day.weekday(), ())]

    def _at(self, day: date, minutes: int) -> datetime:
        wall = datetime.combine(day + timedelta(days=minutes // 1440), time(minutes % 1440 // 60, minutes % 60))
        return wall.replace(tzinfo=self.tz).astimezone(UTC)

    def _utc(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("moment must be timezone-aware")
        return moment.astimezone(UTC)

    def _current(self, moment: datetime) -> Period | None:
        for period in self.periods_on(moment.astimezone(self.tz).date()):
            if period.start <= moment < period.end:
                return period
        return None

    def is_open(self, moment: datetime) -> bool:
        return self._current(self._utc(moment)) is not None

    def next_opening(self, moment: datetime) -> datetime:
        """When the office is next open: ``moment`` itself if it is open then, else the start of the next period."""
        now = self._utc(moment)
        first = now.astimezone(self.tz).date()
        for offset in range(SEARCH_DAYS):
            for period in self.periods_on(first + timedelta(days=offset)):
                if period.start <= now < period.end:
                    return now.astimezone(self.tz)
                if period.start > now:
                    return period.start.astimezone(self.tz)
        raise OfficeHoursError(f"the office does not open within {SEARCH_DAYS} days")

    def last_closing(self, moment: datetime) -> datetime:
        """The end of the last opening period that ended at or before ``moment``."""
        now = self._utc(moment)
        last = now.astimezone(self.tz).date()
        for offset in range(SEARCH_DAYS):
            for period in reversed(self.periods_on(last - timedelta(days=offset))):
                if period.end <= now:
                    return period.end.astimezone(self.tz)
        raise OfficeHoursError(f"the office was not open in the {SEARCH_DAYS} days before")

    def overnight_window(self, moment: datetime) -> Period:
        """The time the office was closed, for a morning digest of what came in meanwhile.

        While open: from the last closing to the start of the current period (a digest sent at 09:05 covers
        Friday 14:00 to Monday 09:00). While closed: from the last closing up to ``moment``.
        """
        now = self._utc(moment)
        current = self._current(now)
        end = current.start if current is not None else now
        return Period(self.last_closing(end), end.astimezone(self.tz))

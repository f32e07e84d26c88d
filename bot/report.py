"""The report for the youth-welfare committee and the AZAV scorecard: figures → suppression → CSV (and PDF).

Three steps, each only seeing the output of the one before:

1. ``collect`` counts from the database (``storage.report``, ``storage.hours``): raw ``Figures``.
2. ``build`` turns them into a ``Report`` of labelled sections in the report language, and **suppresses small
   counts** on the way: every count from 1 to 4 becomes "<5". Nothing after this step sees a raw count, so neither
   the CSV nor the PDF (``bot.report_pdf``) can show one. 0 stays 0: it reveals nobody, and it tells "none" from
   "a few". Medians and percentiles of answer times are left out for groups of fewer than 5 cases (they would be
   one young person's own times). Hours are not counts of people and are shown as they are.
3. ``to_csv`` writes the sections out (``bot.report_pdf.render`` draws them).

Definitions (they are printed with every report, see ``definitions``):

- *First contact* in a month: a young person who accepted the privacy notice (``contacts.created_at``) then.
- *Returning contact* in a month: a young person whose first contact was in an earlier month and who, in that
  month, wrote to the team (a message into their case, ``case_messages`` direction ``in``; a message to a closed
  case reopens it, so reopened cases are included) or booked an appointment (``appointments.created_at``). Each
  person counts once a month; over the whole period once (a person returning in three months is one returning
  contact of the period). A month is a calendar month in the configured time zone, clipped to the period.
- *Reached* in the period: first and returning contacts of the period. Age band, place, language and source
  are counted over them.
- *Time to the first answer*: ``cases.first_answer_at − cases.opened_at`` for cases opened in the period,
  split by whether the case was opened inside office hours (``OFFICE_HOURS`` below); median, and the 90th
  percentile by the nearest-rank method, in whole minutes.
- *Outcomes*: cases closed in the period that are still closed. *Appointments*: those whose time lies in the
  period, by status. *Hours*: entries for days in the period; each pool with its budget and its use over the
  pool's whole period.

The CSV is one long table (UTF-8 with BOM, ``;`` between fields, decimal comma in German) with the columns
section, title, period, key, label, value, unit: one row per figure, so it opens in a spreadsheet as it is and
pivots without reshaping. ``section`` and ``key`` are stable codes; ``title`` and ``label`` are in the report
language; ``period`` is a month (``2026-11``), a pool's period (``2026-11-01/2027-05-31``) or empty for the whole
report period. The first rows (section ``about``) say what the report covers and how it counts.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
import pickle
import statistics
import sys
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from sqlalchemy.ext.asyncio import AsyncSession

from bot import booking, casework, profile
from bot import hours as hour_rules
from bot.i18n import Translator
from bot.languages import CHOICES, LANGUAGES
from storage import hours, report
from storage.hours import PoolDTO
from storage.report import BusFigures, CaseTiming

# ── OFFICE HOURS ────────────────────────────────────────────────────────────────────────────────────────────────
# The one place that says when the office is open, for splitting the time to the first answer. A DEFAULT until
# the office-hours feature (a later issue) keeps the real hours: Monday–Friday 09:00–17:00, Europe/Berlin,
# public holidays not considered. Replace this constant by that setting then.


@dataclass(frozen=True)
class OfficeHours:
    weekdays: frozenset[int]  # 0 = Monday
    opens: time
    closes: time
    tz: ZoneInfo

    def holds(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz)
        return local.weekday() in self.weekdays and self.opens <= local.time() < self.closes


OFFICE_HOURS = OfficeHours(frozenset(range(5)), time(9, 0), time(17, 0), ZoneInfo("Europe/Berlin"))
# ────────────────────────────────────────────────────────────────────────────────────────────────────────────────

SMALL = 5  # counts below this (and above 0) are shown as "<5"
HIDDEN = "<5"
NOT_STATED = "not_stated"
NO_LINK = "no_link"
AGE_KEYS = ("15-17", "18-21", "22-27")
PLACE_KEYS = tuple(code for code in profile.PLACES if code != "na")
APPOINTMENT_KEYS = ("booked", "attended", "no_show", "cancelled", "open")
_BABEL_LANGUAGE = {"kmr": "ku"}  # Babel names Kurmanji only as Kurdish


# -- 1. figures ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    first: date
    last: date

    def window(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as a half-open UTC interval, from local midnight to local midnight."""
        start = datetime.combine(self.first, time(0), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        return start, end

    def months(self) -> list[Period]:
        """The calendar months the period touches, clipped to it."""
        found: list[Period] = []
        first = self.first
        while first <= self.last:
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            found.append(Period(first, min(self.last, following - timedelta(days=1))))
            first = following
        return found

    def iso(self) -> str:
        return f"{self.first.isoformat()}/{self.last.isoformat()}"


@dataclass(frozen=True)
class MonthCount:
    month: Period
    first: int
    returning: int


@dataclass(frozen=True)
class AnswerTimes:
    answered: int
    unanswered: int
    median_minutes: int | None
    p90_minutes: int | None


@dataclass(frozen=True)
class PoolUse:
    pool: PoolDTO
    used_minutes: int
    cases: int  # cases with hours in the pool
    over_cap: int  # cases over the cap


@dataclass(frozen=True)
class Figures:
    """The raw counts. Never shown as they are: ``build`` suppresses the small ones."""

    period: Period
    months: list[MonthCount]
    first: int
    returning: int
    age_bands: dict[str, int]
    places: dict[str, int]
    languages: dict[str, int]
    sources: dict[str, int]
    topics: dict[str, int]
    outcomes: dict[str, int]
    inside: AnswerTimes
    outside: AnswerTimes
    appointments: dict[str, int]
    bus: BusFigures
    hours_by_activity: dict[str, int]  # minutes
    pools: list[PoolUse]

    @property
    def reached(self) -> int:
        return self.first + self.returning


class AnswerTally:
    """Waits for a first answer, counted as the cases are read; only the seconds are kept."""

    def __init__(self) -> None:
        self.waits = array("d")
        self.unanswered = 0

    def add(self, timing: CaseTiming) -> None:
        if timing.first_answer_at is None:
            self.unanswered += 1
        else:
            self.waits.append((timing.first_answer_at - timing.opened_at).total_seconds())

    def times(self) -> AnswerTimes:
        if not self.waits:
            return AnswerTimes(0, self.unanswered, None, None)
        waits = sorted(self.waits)
        p90 = waits[math.ceil(0.9 * len(waits)) - 1]
        return AnswerTimes(len(waits), self.unanswered, round(statistics.median(waits) / 60), round(p90 / 60))


async def answer_times(session: AsyncSession, start: datetime, end: datetime) -> tuple[AnswerTimes, AnswerTimes]:
    """The time to the first answer for cases opened inside office hours, and for those opened outside."""
    inside, outside = AnswerTally(), AnswerTally()
    async for batch in report.case_timings(session, start, end):
        for timing in batch:
            (inside if OFFICE_HOURS.holds(timing.opened_at) else outside).add(timing)
    return inside.times(), outside.times()


def _keyed(counts: dict[str | None, int], known: Iterable[str], unknown: str = NOT_STATED) -> dict[str, int]:
    """Counts under our keys: every known key (0 when none), and None or 'na' under `unknown`."""
    keyed = dict.fromkeys(known, 0)
    for key, n in counts.items():
        name = unknown if key in (None, "na") else str(key)
        keyed[name] = keyed.get(name, 0) + n
    return keyed


async def collect(session: AsyncSession, period: Period, tz: ZoneInfo) -> Figures:
    start, end = period.window(tz)
    months = []
    for month in period.months():
        m_start, m_end = month.window(tz)
        first = await report.first_contacts(session, m_start, m_end)
        months.append(MonthCount(month, first, await report.returning_contacts(session, m_start, m_end)))
    inside, outside = await answer_times(session, start, end)
    statuses = await report.appointments_by(session, start, end, "status")
    appointments = _keyed(statuses, APPOINTMENT_KEYS[1:])
    appointments["open"] = appointments.pop("booked", 0)
    appointments = {"booked": sum(statuses.values()), **appointments}
    totals = await hours.totals(session, period.first, period.last)
    reached = await report.reached(session, start, end)
    return Figures(
        period=period,
        months=months,
        first=await report.first_contacts(session, start, end),
        returning=await report.returning_contacts(session, start, end),
        age_bands=_keyed(reached["age_band"], AGE_KEYS),
        places=_keyed(reached["place"], PLACE_KEYS),
        languages=_keyed(reached["language"], LANGUAGES),
        sources=_keyed(reached["source"], (), NO_LINK),
        topics=_keyed(await report.appointments_by(session, start, end, "topic"), booking.TOPICS),
        outcomes=_keyed(await report.outcomes(session, start, end), casework.OUTCOMES),
        inside=inside,
        outside=outside,
        appointments=appointments,
        bus=await report.bus_announcements(session, start, end),
        hours_by_activity=_keyed(totals.by_activity, hour_rules.ACTIVITIES),
        pools=[
            await _pool_use(session, pool) for pool in await hours.pools_between(session, period.first, period.last)
        ],
    )


async def _pool_use(session: AsyncSession, pool: PoolDTO) -> PoolUse:
    totals = await hours.totals(session, pool.starts_on, pool.ends_on)
    cases = [m for c, m in totals.by_case.items() if c is not None]
    over = sum(1 for m in cases if pool.cap_minutes is not None and m > pool.cap_minutes)
    return PoolUse(pool, totals.minutes, len(cases), over)


# -- 2. suppression and labels -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str  # as printed
    value: float | None  # for the charts; None when it must not be shown

    @property
    def hidden(self) -> bool:
        return self.value is None


def count_cell(n: int) -> Cell:
    """A count of young people, cases or appointments: 1–4 become "<5"."""
    return Cell(HIDDEN, None) if 0 < n < SMALL else Cell(str(n), float(n))


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cell: Cell
    unit: str
    period: Period | None = None  # a month or a pool's period; None: the report's period


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: list[Row]
    note: str | None = None  # shown instead of (or under) the rows

    def row(self, key: str, period: Period | None = None) -> Row:
        return next(r for r in self.rows if r.key == key and r.period == period)


@dataclass(frozen=True)
class Report:
    title: str
    period: Period
    period_text: str
    created_text: str
    sections: list[Section]
    definitions: list[str]
    language: str  # Babel locale of the texts and numbers

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


class Labels:
    """What each code is called in the report language."""

    def __init__(self, tr: Translator) -> None:
        self.tr = tr
        self._languages = Locale.parse(tr.language.babel_locale).languages

    def hours(self, minutes: int) -> Cell:
        value = minutes / 60
        return Cell(babel_numbers.format_decimal(value, format="0.##", locale=self.tr.language.babel_locale), value)

    def place(self, code: str) -> str:
        return self.tr._("Not stated") if code == NOT_STATED else casework.place_label(self.tr, code)

    def age(self, code: str) -> str:
        return self.tr._(profile.AGE_BANDS[code]) if code in profile.AGE_BANDS else self.tr._("Not stated")

    def language(self, code: str) -> str:
        name = self._languages.get(code) or self._languages.get(_BABEL_LANGUAGE.get(code, code))
        return str(name) if name else CHOICES[code].native_name if code in CHOICES else code

    def source(self, code: str) -> str:
        return self.tr._("Without a link") if code == NO_LINK else code

    def topic(self, code: str) -> str:
        return self.tr._(booking.TOPICS[code]) if code in booking.TOPICS else self.tr._("Not stated")

    def outcome(self, code: str) -> str:
        return self.tr._(casework.OUTCOMES[code]) if code in casework.OUTCOMES else self.tr._("Not stated")

    def activity(self, code: str) -> str:
        return hour_rules.activity_label(self.tr, None if code == NOT_STATED else code)

    def month(self, month: Period) -> str:
        return babel_dates.format_skeleton("yMMM", month.first, locale=self.tr.language.babel_locale)


def _ordered(counts: dict[str, int], fixed: bool) -> list[tuple[str, int]]:
    """Fixed lists in their order; open ones (sources) by size, the hidden ones after, by name (so their order
    tells nothing)."""
    if fixed:
        return list(counts.items())
    shown = sorted(((k, n) for k, n in counts.items() if n >= SMALL), key=lambda kv: (-kv[1], kv[0]))
    return shown + sorted((k, n) for k, n in counts.items() if 0 < n < SMALL)


def build(figures: Figures, tr: Translator, created: datetime) -> Report:
    """Labelled sections in the report language, small counts suppressed."""
    lab, people, cases, appts = Labels(tr), tr._("young people"), tr._("cases"), tr._("appointments")
    h, minutes = tr._("hours"), tr._("minutes")

    def breakdown(
        key: str, title: str, counts: dict[str, int], label: Callable[[str], str], unit: str, fixed: bool = True
    ) -> Section:
        return Section(key, title, [Row(code, label(code), count_cell(n), unit) for code, n in _ordered(counts, fixed)])

    overview = Section(
        "overview",
        tr._("Overview"),
        [
            Row("reached", tr._("Young people reached"), count_cell(figures.reached), people),
            Row("first", tr._("of them new in the period"), count_cell(figures.first), people),
            Row("returning", tr._("of them known from before"), count_cell(figures.returning), people),
            Row("appointments", tr._("Appointments"), count_cell(figures.appointments["booked"]), appts),
            Row(
                "hours",
                tr._("Hours of one-to-one accompaniment"),
                lab.hours(sum(figures.hours_by_activity.values())),
                h,
            ),
        ],
    )
    per_month = Section(
        "contacts_per_month",
        tr._("First and returning contacts per month"),
        [
            row
            for m in figures.months
            for row in (
                Row("first", tr._("First contacts"), count_cell(m.first), people, m.month),
                Row("returning", tr._("Returning contacts"), count_cell(m.returning), people, m.month),
            )
        ],
    )
    answer = Section("answer_time", tr._("Time to the first answer"), _answer_rows(tr, figures, cases, minutes))
    appointment_labels = {
        "booked": tr._("Booked"),
        "attended": tr._("Kept"),
        "no_show": tr._("Not come"),
        "cancelled": tr._("Cancelled"),
        "open": tr._("Not marked yet"),
    }
    appointments = Section(
        "appointments",
        tr._("Appointments"),
        [Row(k, appointment_labels[k], count_cell(figures.appointments[k]), appts) for k in APPOINTMENT_KEYS],
    )
    sections = [
        overview,
        per_month,
        breakdown("age_band", tr._("Age"), figures.age_bands, lab.age, people),
        breakdown("place", tr._("Place"), figures.places, lab.place, people),
        breakdown("language", tr._("Language"), figures.languages, lab.language, people),
        breakdown("source", tr._("Came via: poster or stop"), figures.sources, lab.source, people, fixed=False),
        breakdown("topic", tr._("Topics of the appointments"), figures.topics, lab.topic, appts),
        breakdown("outcome", tr._("Outcomes of closed cases"), figures.outcomes, lab.outcome, cases),
        answer,
        appointments,
        _bus_section(tr, figures.bus),
        Section(
            "hours_activity",
            tr._("Hours by activity"),
            [Row(k, lab.activity(k), lab.hours(m), h) for k, m in figures.hours_by_activity.items()],
        ),
        Section("hours_pool", tr._("Hours pool"), _pool_rows(tr, lab, figures.pools, h, cases)),
    ]
    return Report(
        title=tr._("Anlaufstelle: report for the youth welfare committee"),
        period=figures.period,
        period_text=hour_rules.period_text(tr, figures.period.first, figures.period.last),
        created_text=f"{tr.date(created.astimezone(tr.tz).date(), 'medium')}, {tr.time(created)}",
        sections=sections,
        definitions=definitions(tr),
        language=tr.language.babel_locale,
    )


def _answer_rows(tr: Translator, figures: Figures, cases: str, minutes: str) -> list[Row]:
    rows: list[Row] = []
    for key, label, times in (
        ("inside", tr._("Opened inside office hours"), figures.inside),
        ("outside", tr._("Opened outside office hours"), figures.outside),
    ):
        enough = times.answered >= SMALL
        rows += [
            Row(f"{key}_answered", tr._("{group}: answered", group=label), count_cell(times.answered), cases),
            Row(f"{key}_median", tr._("{group}: median", group=label), _minutes(times.median_minutes, enough), minutes),
            Row(
                f"{key}_p90",
                tr._("{group}: 90th percentile", group=label),
                _minutes(times.p90_minutes, enough),
                minutes,
            ),
        ]
    unanswered = figures.inside.unanswered + figures.outside.unanswered
    rows.append(Row("unanswered", tr._("Not answered yet"), count_cell(unanswered), cases))
    return rows


def _minutes(value: int | None, enough: bool) -> Cell:
    return Cell(str(value), float(value)) if enough and value is not None else Cell("–", None)


def _bus_section(tr: Translator, bus: BusFigures) -> Section:
    messages = tr._("messages")
    return Section(
        "bus",
        tr._("Bus announcements"),
        [
            Row("announcements", tr._("Announcements"), count_cell(bus.announcements), tr._("announcements")),
            Row("deliveries", tr._("Messages they delivered to subscribers"), count_cell(bus.deliveries), messages),
            Row("day_notes", tr._("Day-before notes delivered"), count_cell(bus.day_notes), messages),
        ],
    )


def _pool_rows(tr: Translator, lab: Labels, pools: list[PoolUse], h: str, cases: str) -> list[Row]:
    rows: list[Row] = []
    for use in pools:
        pool = use.pool
        period = Period(pool.starts_on, pool.ends_on)
        rows += [
            Row("budget", tr._("Budget"), lab.hours(pool.budget_minutes), h, period),
            Row("used", tr._("Used"), lab.hours(use.used_minutes), h, period),
            Row("left", tr._("Left"), lab.hours(pool.budget_minutes - use.used_minutes), h, period),
            Row("cases", tr._("Cases with hours"), count_cell(use.cases), cases, period),
        ]
        if pool.cap_minutes is not None:
            rows += [
                Row("cap", tr._("Cap per case"), lab.hours(pool.cap_minutes), h, period),
                Row("over_cap", tr._("Cases over the cap"), count_cell(use.over_cap), cases, period),
            ]
    return rows


def definitions(tr: Translator) -> list[str]:
    office = OFFICE_HOURS
    days = babel_dates.get_day_names("wide", locale=tr.language.babel_locale)
    first_day, last_day = days[min(office.weekdays)], days[max(office.weekdays)]
    return [
        tr._("Counts from 1 to 4 are shown as “<5” so that no young person can be recognised; 0 is shown as 0."),
        tr._("First contact: a young person who accepted the privacy notice in that month."),
        tr._(
            "Returning contact: a young person whose first contact was in an earlier month and who wrote to the "
            "team (which also reopens a closed case) or booked an appointment in that month. Everyone counts once "
            "a month, and once in the whole period."
        ),
        tr._(
            "Young people reached: the first and returning contacts of the period; age, place, language and "
            "source are counted over them."
        ),
        tr._(
            "Time to the first answer: from the opening of a case to the team's first answer, for cases opened in "
            "the period; median and 90th percentile (nearest rank), not shown for fewer than 5 cases. Office hours: "
            "{first}–{last} {opens}–{closes} ({tz}).",
            first=first_day,
            last=last_day,
            opens=office.opens.strftime("%H:%M"),
            closes=office.closes.strftime("%H:%M"),
            tz=office.tz.key,
        ),
        tr._(
            "Outcomes: cases closed in the period and not reopened since. Appointments: those whose time lies in "
            "the period."
        ),
        tr._(
            "Hours: entries for days in the period, deleted entries left out; each pool with its budget and its "
            "use over its whole period."
        ),
        tr._("Young people whose data was deleted still count, from anonymous records without their data."),
    ]


# -- 3. CSV --------------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


async def render_pdf_apart(built: Report, tz: ZoneInfo, default_language: str, language: str) -> bytes:
    """The PDF (bot.report_pdf), drawn in a child process: matplotlib's tens of megabytes and its seconds of holding
    the GIL stay out of the bot, whose loops go on meanwhile (benchmarks/: the report at scale)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.report_pdf",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        pdf, errors = await child.communicate(pickle.dumps((built, tz.key, default_language, language)))
    finally:
        if child.returncode is None:  # cancelled (the bot stops): the child goes too
            child.kill()
            await child.wait()
    if child.returncode != 0 or not pdf.startswith(b"%PDF-"):
        lines = errors.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"drawing the report failed ({child.returncode}): {lines[-1] if lines else ''}")
    return pdf


def to_csv(rep: Report, tr: Translator) -> bytes:
    """One long table: UTF-8 with BOM, `;`-separated, one row per figure (see the module's docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [tr._("section"), tr._("title"), tr._("period"), tr._("key"), tr._("label"), tr._("value"), tr._("unit")]
    )
    about = tr._("About this report")
    writer.writerow(["about", about, rep.period.iso(), "title", tr._("Title"), rep.title, ""])
    writer.writerow(["about", about, rep.period.iso(), "created", tr._("Created"), rep.created_text, ""])
    for number, text in enumerate(rep.definitions, start=1):
        writer.writerow(["about", about, "", f"definition_{number}", tr._("How it is counted"), text, ""])
    for section in rep.sections:
        if section.note:
            writer.writerow([section.key, section.title, "", "note", tr._("Note"), section.note, ""])
        for row in section.rows:
            period = "" if row.period is None else _period_code(row.period, section.key == "contacts_per_month")
            writer.writerow(
                [section.key, section.title, period, _text(row.key), _text(row.label), row.cell.text, row.unit]
            )
    return out.getvalue().encode("utf-8-sig")


def _period_code(period: Period, month: bool) -> str:
    """A month as 2026-11 (also when clipped to the report's period), a pool's period as an ISO interval."""
    return f"{period.first:%Y-%m}" if month else period.iso()


def parse_period(args: list[str]) -> Period | None:
    """Two days (2026-01-01 2026-12-31 or 01.01.2026 31.12.2026), the first not after the second."""
    days = [hour_rules.parse_day(a) for a in args]
    if len(days) != 2 or days[0] is None or days[1] is None or days[0] > days[1]:
        return None
    return Period(days[0], days[1])


def default_period(today: date, pool: PoolDTO | None) -> Period:
    """Without dates: the pool that runs today (up to today), else the last twelve months up to today."""
    if pool is not None and pool.holds(today):
        return Period(pool.starts_on, today)
    months_back = today.year * 12 + today.month - 1 - 11
    return Period(date(months_back // 12, months_back % 12 + 1, 1), today)

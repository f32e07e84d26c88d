"""The queries behind the committee report. Counts only, from structural columns.

Nothing here reads what anybody wrote: no message text, no notes, no nicknames, no encrypted column. Of
``case_messages`` only ``case_id``, ``direction`` and ``created_at`` are used, so the figures stay the same when
retention clears message contents. Young people who deleted their data (or whose data retention deleted) are
counted from the anonymous rows kept for them (storage.anonymous): each figure is the sum over the live tables
and those rows, so deleting someone changes no figure. Every window is a half-open UTC interval ``[start, end)``
computed by the caller from local dates, and every grouping is by a plain column: the SQL is the same on SQLite
and PostgreSQL, and so are the figures. The hours come from ``storage.hours.totals``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Announcement,
    AnonActivity,
    AnonAppointment,
    AnonCase,
    AnonPerson,
    Appointment,
    Case,
    CaseMessage,
    Contact,
)


@dataclass(frozen=True)
class CaseTiming:
    """When a case was opened and when the team first answered it (None: not answered yet)."""

    opened_at: datetime
    first_answer_at: datetime | None


@dataclass(frozen=True)
class BusFigures:
    """Bus announcements sent in the window (the coordinator's, corrections included), the messages they
    delivered, and the day-before notes delivered. Counted from the announcement rows, which keep their counts
    when the recipients' rows are gone (deletion, retention)."""

    announcements: int
    deliveries: int
    day_notes: int


def _active_contact_ids(start: datetime, end: datetime) -> Any:
    """Contacts who did something in the window: wrote to the team (a message into their case, which also
    reopens a closed case) or booked an appointment."""
    wrote = (
        select(Case.contact_id.label("contact_id"))
        .join(CaseMessage, CaseMessage.case_id == Case.id)
        .where(CaseMessage.direction == "in", CaseMessage.created_at >= start, CaseMessage.created_at < end)
    )
    booked = select(Appointment.contact_id.label("contact_id")).where(
        Appointment.created_at >= start, Appointment.created_at < end
    )
    return union(wrote, booked).subquery()


def _merged(*counts: dict[Any, int]) -> dict[Any, int]:
    merged: dict[Any, int] = {}
    for found in counts:
        for key, n in found.items():
            merged[key] = merged.get(key, 0) + n
    return merged


def _anon_active_ids(start: datetime, end: datetime) -> Any:
    return select(AnonActivity.person_id).where(AnonActivity.active_on >= start, AnonActivity.active_on < end)


async def first_contacts(session: AsyncSession, start: datetime, end: datetime) -> int:
    """Contacts created (privacy notice accepted) in the window."""
    query = select(func.count()).select_from(Contact).where(Contact.created_at >= start, Contact.created_at < end)
    anon = (
        select(func.count())
        .select_from(AnonPerson)
        .where(AnonPerson.first_contact_on >= start, AnonPerson.first_contact_on < end)
    )
    return int(await session.scalar(query) or 0) + int(await session.scalar(anon) or 0)


async def returning_contacts(session: AsyncSession, start: datetime, end: datetime) -> int:
    """Contacts created before the window who were active in it."""
    active = _active_contact_ids(start, end)
    query = (
        select(func.count(func.distinct(Contact.id)))
        .join(active, active.c.contact_id == Contact.id)
        .where(Contact.created_at < start)
    )
    anon = (
        select(func.count())
        .select_from(AnonPerson)
        .where(AnonPerson.first_contact_on < start, AnonPerson.id.in_(_anon_active_ids(start, end)))
    )
    return int(await session.scalar(query) or 0) + int(await session.scalar(anon) or 0)


TIMINGS_AT_ONCE = 500  # case rows fetched together by case_timings
REACHED_BY = ("age_band", "place", "language", "source")  # columns of contacts (and of the anonymous rows)


async def reached(session: AsyncSession, start: datetime, end: datetime) -> dict[str, dict[str | None, int]]:
    """Young people reached in the window (first or returning contact), by each column of REACHED_BY: one query
    grouped by all four, counted up here (at scale, finding the active contacts is what takes the time)."""
    columns = [getattr(Contact, c) for c in REACHED_BY]
    active = select(_active_contact_ids(start, end).c.contact_id)
    rows = await session.execute(
        select(*columns, func.count())
        .where(Contact.created_at < end, or_(Contact.created_at >= start, Contact.id.in_(active)))
        .group_by(*columns)
    )
    anon_columns = [getattr(AnonPerson, c) for c in REACHED_BY]
    anon_rows = await session.execute(
        select(*anon_columns, func.count())
        .where(
            AnonPerson.first_contact_on < end,
            or_(AnonPerson.first_contact_on >= start, AnonPerson.id.in_(_anon_active_ids(start, end))),
        )
        .group_by(*anon_columns)
    )
    counts: dict[str, dict[str | None, int]] = {c: {} for c in REACHED_BY}
    for *values, n in [*rows.all(), *anon_rows.all()]:
        for column, value in zip(REACHED_BY, values, strict=True):
            counts[column][value] = counts[column].get(value, 0) + int(n)
    return counts


async def case_timings(session: AsyncSession, start: datetime, end: datetime) -> AsyncIterator[list[CaseTiming]]:
    """Cases opened in the window, with their first answer, a few hundred at a time. At scale a year holds a
    hundred thousand cases: listed at once they took the bot 40 MB, and handled in one go (or row by row through
    the async result, three times slower) they held up the event loop for a second (benchmarks/, /report at
    scale); between these batches the loop gets its turn."""
    for model in (Case, AnonCase):
        rows = await session.stream(
            select(model.opened_at, model.first_answer_at)
            .where(model.opened_at >= start, model.opened_at < end)
            .execution_options(yield_per=TIMINGS_AT_ONCE)
        )
        async for batch in rows.partitions():
            yield [CaseTiming(opened, answered) for opened, answered in batch]


async def outcomes(session: AsyncSession, start: datetime, end: datetime) -> dict[str | None, int]:
    """Cases closed in the window (and still closed), by outcome."""
    rows = await session.execute(
        select(Case.outcome, func.count())
        .where(Case.status == "closed", Case.closed_at >= start, Case.closed_at < end)
        .group_by(Case.outcome)
    )
    anon = await session.execute(
        select(AnonCase.outcome, func.count())
        .where(AnonCase.status == "closed", AnonCase.closed_at >= start, AnonCase.closed_at < end)
        .group_by(AnonCase.outcome)
    )
    return _merged({o: int(n) for o, n in rows.all()}, {o: int(n) for o, n in anon.all()})


async def appointments_by(session: AsyncSession, start: datetime, end: datetime, column: str) -> dict[str | None, int]:
    """Appointments whose time lies in the window, by status or topic."""
    if column not in ("status", "topic"):
        raise ValueError(f"not a reportable column: {column}")
    grouped = Appointment.status if column == "status" else Appointment.topic
    rows = await session.execute(
        select(grouped, func.count())
        .where(Appointment.starts_at >= start, Appointment.starts_at < end)
        .group_by(grouped)
    )
    anon_grouped = AnonAppointment.status if column == "status" else AnonAppointment.topic
    anon = await session.execute(
        select(anon_grouped, func.count())
        .where(AnonAppointment.starts_at >= start, AnonAppointment.starts_at < end)
        .group_by(anon_grouped)
    )
    return _merged({v: int(n) for v, n in rows.all()}, {v: int(n) for v, n in anon.all()})


async def bus_announcements(session: AsyncSession, start: datetime, end: datetime) -> BusFigures:
    """Bus announcements published in the window and how many messages they delivered."""
    sent = (Announcement.published_at >= start) & (Announcement.published_at < end)
    sent &= Announcement.status.in_(("sending", "done"))
    rows = await session.execute(
        select(Announcement.kind, func.count(), func.coalesce(func.sum(Announcement.sent), 0))
        .where(sent)
        .group_by(Announcement.kind)
    )
    announcements = deliveries = day_notes = 0
    for kind, n, delivered in rows.all():
        if kind == "daynote":
            day_notes += int(delivered)
        else:
            announcements, deliveries = announcements + int(n), deliveries + int(delivered)
    return BusFigures(announcements, deliveries, day_notes)

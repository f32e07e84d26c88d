"""The queries behind the committee report. Counts only, from structural columns.

Nothing here reads what anybody wrote: no message text, no notes, no nicknames, no encrypted column. Of
``case_messages`` only ``case_id``, ``direction`` and ``created_at`` are used, so the figures stay the same when
retention clears message contents. Every window is a half-open UTC interval ``[start, end)`` computed by the
caller from local dates, and every grouping is by a plain column: the SQL is the same on SQLite and PostgreSQL,
and so are the figures. The hours come from ``storage.hours.totals``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Appointment, Case, CaseMessage, Contact


@dataclass(frozen=True)
class CaseTiming:
    """When a case was opened and when the team first answered it (None: not answered yet)."""

    opened_at: datetime
    first_answer_at: datetime | None


@dataclass(frozen=True)
class BusFigures:
    """Bus announcements and their reach. Nothing records them yet: ``bus_announcements`` returns None."""

    announcements: int
    recipients: int


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


async def first_contacts(session: AsyncSession, start: datetime, end: datetime) -> int:
    """Contacts created (privacy notice accepted) in the window."""
    query = select(func.count()).select_from(Contact).where(Contact.created_at >= start, Contact.created_at < end)
    return int(await session.scalar(query) or 0)


async def returning_contacts(session: AsyncSession, start: datetime, end: datetime) -> int:
    """Contacts created before the window who were active in it."""
    active = _active_contact_ids(start, end)
    query = (
        select(func.count(func.distinct(Contact.id)))
        .join(active, active.c.contact_id == Contact.id)
        .where(Contact.created_at < start)
    )
    return int(await session.scalar(query) or 0)


async def reached_by(session: AsyncSession, start: datetime, end: datetime, column: str) -> dict[str | None, int]:
    """Young people reached in the window (first or returning contact), by a column of ``contacts``: one of
    age_band, place, language, source."""
    grouped = {"age_band": Contact.age_band, "place": Contact.place, "language": Contact.language}.get(column)
    if grouped is None and column != "source":
        raise ValueError(f"not a reportable column: {column}")
    grouped = Contact.source if grouped is None else grouped
    active = select(_active_contact_ids(start, end).c.contact_id)
    rows = await session.execute(
        select(grouped, func.count())
        .where(Contact.created_at < end, or_(Contact.created_at >= start, Contact.id.in_(active)))
        .group_by(grouped)
    )
    return {value: int(n) for value, n in rows.all()}


async def case_timings(session: AsyncSession, start: datetime, end: datetime) -> list[CaseTiming]:
    """Cases opened in the window, with their first answer."""
    rows = await session.execute(
        select(Case.opened_at, Case.first_answer_at)
        .where(Case.opened_at >= start, Case.opened_at < end)
        .order_by(Case.opened_at, Case.id)
    )
    return [CaseTiming(opened, answered) for opened, answered in rows.all()]


async def outcomes(session: AsyncSession, start: datetime, end: datetime) -> dict[str | None, int]:
    """Cases closed in the window (and still closed), by outcome."""
    rows = await session.execute(
        select(Case.outcome, func.count())
        .where(Case.status == "closed", Case.closed_at >= start, Case.closed_at < end)
        .group_by(Case.outcome)
    )
    return {outcome: int(n) for outcome, n in rows.all()}


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
    return {value: int(n) for value, n in rows.all()}


async def bus_announcements(session: AsyncSession, start: datetime, end: datetime) -> BusFigures | None:
    """Bus announcements in the window and how many young people they reached.

    No table records announcements yet (they come with a later issue); until then this returns None and the
    report shows the section as "not recorded yet". Fill it in here, counting from structural columns only.
    """
    return None

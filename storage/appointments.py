"""Appointments with the mobile office, slot capacity and reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import utcnow
from storage.dialect import insert_ignoring_duplicates
from storage.models import Appointment, Case, Reminder, SlotBooking


@dataclass(frozen=True)
class AppointmentDTO:
    id: int
    contact_id: int
    case_id: int | None
    stop_id: int
    starts_at: datetime
    ends_at: datetime
    topic: str | None
    status: str
    cancel_reason: str | None


@dataclass(frozen=True)
class ReminderDTO:
    id: int
    appointment_id: int
    due_at: datetime
    offset_label: str


def _dto(row: Appointment) -> AppointmentDTO:
    return AppointmentDTO(
        row.id,
        row.contact_id,
        row.case_id,
        row.stop_id,
        row.starts_at,
        row.ends_at,
        row.topic,
        row.status,
        row.cancel_reason,
    )


async def take_place(session: AsyncSession, stop_id: int, starts_at: datetime, capacity: int) -> bool:
    """Take one place in a slot if one is free. One conditional UPDATE: atomic on SQLite and PostgreSQL, so two
    people racing for the last place cannot both get it."""
    await session.execute(
        insert_ignoring_duplicates(
            session, SlotBooking.__table__, [{"stop_id": stop_id, "starts_at": starts_at, "taken": 0}]
        )
    )
    result = await session.execute(
        update(SlotBooking)
        .where(SlotBooking.stop_id == stop_id, SlotBooking.starts_at == starts_at, SlotBooking.taken < capacity)
        .values(taken=SlotBooking.taken + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def free_place(session: AsyncSession, stop_id: int, starts_at: datetime) -> None:
    await session.execute(
        update(SlotBooking)
        .where(SlotBooking.stop_id == stop_id, SlotBooking.starts_at == starts_at, SlotBooking.taken > 0)
        .values(taken=SlotBooking.taken - 1)
    )


async def taken(session: AsyncSession, stop_id: int, first: datetime, last: datetime) -> dict[datetime, int]:
    rows = await session.execute(
        select(SlotBooking.starts_at, SlotBooking.taken).where(
            SlotBooking.stop_id == stop_id, SlotBooking.starts_at >= first, SlotBooking.starts_at <= last
        )
    )
    return {starts: int(n) for starts, n in rows.all()}


async def create(
    session: AsyncSession,
    contact_id: int,
    case_id: int | None,
    stop_id: int,
    starts_at: datetime,
    ends_at: datetime,
    topic: str | None,
) -> AppointmentDTO:
    row = Appointment(
        contact_id=contact_id,
        case_id=case_id,
        stop_id=stop_id,
        starts_at=starts_at,
        ends_at=ends_at,
        topic=topic,
        status="booked",
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return _dto(row)


async def get(session: AsyncSession, appointment_id: int) -> AppointmentDTO | None:
    row = await session.get(Appointment, appointment_id, populate_existing=True)
    return _dto(row) if row else None


async def upcoming_for_contact(session: AsyncSession, contact_id: int, now: datetime) -> list[AppointmentDTO]:
    rows = await session.scalars(
        select(Appointment)
        .where(Appointment.contact_id == contact_id, Appointment.status == "booked", Appointment.ends_at > now)
        .order_by(Appointment.starts_at)
    )
    return [_dto(r) for r in rows]


async def between(session: AsyncSession, first: datetime, last: datetime) -> list[tuple[AppointmentDTO, str | None]]:
    """Appointments starting in a period, with their case alias (for the team's /today and /week)."""
    rows = await session.execute(
        select(Appointment, Case.alias)
        .outerjoin(Case, Case.id == Appointment.case_id)
        .where(Appointment.starts_at >= first, Appointment.starts_at < last, Appointment.status != "cancelled")
        .order_by(Appointment.starts_at)
    )
    return [(_dto(a), alias) for a, alias in rows.all()]


async def booked_at_stop(session: AsyncSession, stop_id: int, first: datetime, last: datetime) -> list[AppointmentDTO]:
    rows = await session.scalars(
        select(Appointment).where(
            Appointment.stop_id == stop_id,
            Appointment.status == "booked",
            Appointment.starts_at >= first,
            Appointment.starts_at < last,
        )
    )
    return [_dto(r) for r in rows]


async def set_status(
    session: AsyncSession, appointment_id: int, status: str, *, reason: str | None = None, by: str | None = None
) -> None:
    await session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id)
        .values(status=status, cancel_reason=reason, cancelled_by=by)
    )


async def move(
    session: AsyncSession, appointment_id: int, starts_at: datetime, ends_at: datetime, stop_id: int
) -> None:
    await session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id)
        .values(starts_at=starts_at, ends_at=ends_at, stop_id=stop_id)
    )


# -- reminders -------------------------------------------------------------------------------------------------


async def add_reminders(
    session: AsyncSession, appointment_id: int, due: list[tuple[datetime, str]]
) -> list[ReminderDTO]:
    rows = [
        Reminder(appointment_id=appointment_id, due_at=at, offset_label=label, status="pending") for at, label in due
    ]
    session.add_all(rows)
    await session.flush()
    return [ReminderDTO(r.id, r.appointment_id, r.due_at, r.offset_label) for r in rows]


async def drop_reminders(session: AsyncSession, appointment_id: int) -> None:
    await session.execute(
        update(Reminder)
        .where(Reminder.appointment_id == appointment_id, Reminder.status == "pending")
        .values(status="dropped")
    )


async def pending_reminders(
    session: AsyncSession, due_before: datetime | None = None, limit: int | None = None
) -> list[ReminderDTO]:
    """Pending reminders, soonest first: those due by `due_before`, at most `limit` of them."""
    query = select(Reminder).where(Reminder.status == "pending").order_by(Reminder.due_at, Reminder.id)
    if due_before is not None:
        query = query.where(Reminder.due_at <= due_before)
    if limit is not None:
        query = query.limit(limit)
    return [ReminderDTO(r.id, r.appointment_id, r.due_at, r.offset_label) for r in await session.scalars(query)]


async def claim_reminder(session: AsyncSession, reminder_id: int, status: str) -> bool:
    """Mark a pending reminder sent or dropped; False when it was not pending any more (sent exactly once)."""
    result = await session.execute(
        update(Reminder).where(Reminder.id == reminder_id, Reminder.status == "pending").values(status=status)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def count_pending_reminders(session: AsyncSession) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(Reminder).where(Reminder.status == "pending")) or 0
    )

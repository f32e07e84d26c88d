"""The day-before notes (one row per day, the truth the scheduler is rebuilt from) and the bus's live position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import BusPosition, DayNote


@dataclass(frozen=True)
class DayNoteDTO:
    id: int
    on_date: date
    due_at: datetime
    status: str


@dataclass(frozen=True)
class PositionDTO:
    latitude: float
    longitude: float
    live_until: datetime
    updated_at: datetime


def _note(row: DayNote) -> DayNoteDTO:
    return DayNoteDTO(row.id, row.on_date, row.due_at, row.status)


async def ensure_notes(session: AsyncSession, wanted: list[tuple[date, datetime]]) -> list[DayNoteDTO]:
    """A row for each (day, due time) that has none yet, and the new time for a pending one whose time changed
    (DAY_NOTE_AT was changed); returns those new or changed."""
    if not wanted:
        return []
    rows = await session.scalars(select(DayNote).where(DayNote.on_date.in_([day for day, _ in wanted])))
    have = {row.on_date: row for row in rows}
    changed: list[DayNote] = []
    for day, due in wanted:
        row = have.get(day)
        if row is None:
            row = DayNote(on_date=day, due_at=due, status="pending")
            session.add(row)
        elif row.status != "pending" or row.due_at == due:
            continue
        row.due_at = due
        changed.append(row)
    await session.flush()
    return [_note(row) for row in changed]


async def pending_notes(session: AsyncSession, due_before: datetime | None = None) -> list[DayNoteDTO]:
    query = select(DayNote).where(DayNote.status == "pending").order_by(DayNote.due_at)
    if due_before is not None:
        query = query.where(DayNote.due_at <= due_before)
    return [_note(r) for r in await session.scalars(query)]


async def claim_note(session: AsyncSession, note_id: int, status: str, announcement_id: int | None = None) -> bool:
    """pending → sent or dropped, once (the job and a start may both try)."""
    result = await session.execute(
        update(DayNote)
        .where(DayNote.id == note_id, DayNote.status == "pending")
        .values(status=status, announcement_id=announcement_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_note_announcement(session: AsyncSession, note_id: int, announcement_id: int) -> None:
    await session.execute(update(DayNote).where(DayNote.id == note_id).values(announcement_id=announcement_id))


async def save_position(
    session: AsyncSession,
    chat_id: int,
    message_id: int,
    latitude: float,
    longitude: float,
    live_until: datetime | None,
    staff_id: int | None,
    at: datetime,
) -> None:
    """A live location shared (live_until given) or moved (None: keep its end)."""
    row = await session.scalar(
        select(BusPosition).where(BusPosition.chat_id == chat_id, BusPosition.message_id == message_id)
    )
    if row is None:
        if live_until is None:
            return  # an edit of a location we never saw live
        row = BusPosition(chat_id=chat_id, message_id=message_id, staff_id=staff_id, live_until=live_until)
        session.add(row)
    row.latitude, row.longitude, row.updated_at = latitude, longitude, at
    if live_until is not None:
        row.live_until = live_until
    await session.flush()


async def end_position(session: AsyncSession, chat_id: int, message_id: int, at: datetime) -> None:
    """The coordinator stopped sharing."""
    await session.execute(
        update(BusPosition)
        .where(BusPosition.chat_id == chat_id, BusPosition.message_id == message_id)
        .values(live_until=at)
    )


async def live_position(session: AsyncSession, now: datetime) -> PositionDTO | None:
    """The newest live location that is still live."""
    row = await session.scalar(
        select(BusPosition)
        .where(BusPosition.live_until > now)
        .order_by(BusPosition.updated_at.desc(), BusPosition.id.desc())
        .limit(1)
    )
    return PositionDTO(row.latitude, row.longitude, row.live_until, row.updated_at) if row else None

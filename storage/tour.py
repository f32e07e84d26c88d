"""The tour plan in the database: stops, their time windows, cancelled days and extra dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Stop, StopCancellation, StopWindow


@dataclass(frozen=True)
class StopDTO:
    id: int
    key: str
    name: str
    place: str
    address: str
    latitude: float
    longitude: float
    capacity: int
    slot_minutes: int
    active: bool


@dataclass(frozen=True)
class WindowDTO:
    stop_id: int
    weekday: int | None
    on_date: date | None
    starts: time
    ends: time
    source: str = "plan"  # plan (from the file) | extra (a one-off date from the command line)


@dataclass(frozen=True)
class StopRow:
    """A stop as the plan file describes it (bot.tour turns the YAML into these)."""

    key: str
    name: str
    place: str
    address: str
    latitude: float
    longitude: float
    capacity: int
    slot_minutes: int
    windows: list[tuple[int | None, date | None, time, time]]


def _dto(row: Stop) -> StopDTO:
    return StopDTO(
        row.id,
        row.key,
        row.name,
        row.place,
        row.address,
        row.latitude,
        row.longitude,
        row.capacity,
        row.slot_minutes,
        row.active,
    )


async def import_plan(session: AsyncSession, rows: list[StopRow]) -> tuple[int, int, int]:
    """Replace the plan: stops are matched by key, their plan windows replaced; stops no longer in the file are
    deactivated (their bookings stay). One-off extras and cancellations are kept. Returns added, updated,
    deactivated."""
    existing = {s.key: s for s in (await session.scalars(select(Stop))).all()}
    added = updated = 0
    for row in rows:
        stop = existing.get(row.key)
        if stop is None:
            stop = Stop(key=row.key)
            session.add(stop)
            added += 1
        else:
            updated += 1
        stop.name, stop.place, stop.address = row.name, row.place, row.address
        stop.latitude, stop.longitude, stop.capacity, stop.slot_minutes = (
            row.latitude,
            row.longitude,
            row.capacity,
            row.slot_minutes,
        )
        stop.active = True
        await session.flush()
        await session.execute(delete(StopWindow).where(StopWindow.stop_id == stop.id, StopWindow.source == "plan"))
        for weekday, on_date, starts, ends in row.windows:
            session.add(
                StopWindow(stop_id=stop.id, weekday=weekday, on_date=on_date, starts=starts, ends=ends, source="plan")
            )
    keys = {row.key for row in rows}
    deactivated = 0
    for key, stop in existing.items():
        if key not in keys and stop.active:
            stop.active = False
            deactivated += 1
    await session.flush()
    return added, updated, deactivated


async def stops(session: AsyncSession, active_only: bool = True) -> list[StopDTO]:
    query = select(Stop).order_by(Stop.name)
    if active_only:
        query = query.where(Stop.active.is_(True))
    return [_dto(s) for s in (await session.scalars(query)).all()]


async def get(session: AsyncSession, stop_id: int) -> StopDTO | None:
    row = await session.get(Stop, stop_id)
    return _dto(row) if row else None


async def by_key(session: AsyncSession, key: str) -> StopDTO | None:
    row = await session.scalar(select(Stop).where(Stop.key == key))
    return _dto(row) if row else None


async def windows(session: AsyncSession) -> list[WindowDTO]:
    rows = await session.scalars(select(StopWindow))
    return [WindowDTO(w.stop_id, w.weekday, w.on_date, w.starts, w.ends, w.source) for w in rows]


async def cancellations(session: AsyncSession, first: date, last: date) -> dict[tuple[int, date], str | None]:
    rows = await session.scalars(
        select(StopCancellation).where(StopCancellation.on_date >= first, StopCancellation.on_date <= last)
    )
    return {(c.stop_id, c.on_date): c.reason for c in rows}


async def cancel_day(session: AsyncSession, stop_id: int, day: date, reason: str | None) -> bool:
    """The bus does not come that day: the plan's windows are off, and extra dates added for it are dropped.
    Returns False when that day was cancelled already."""
    await session.execute(
        delete(StopWindow).where(StopWindow.stop_id == stop_id, StopWindow.on_date == day, StopWindow.source == "extra")
    )
    found = await session.scalar(
        select(StopCancellation).where(StopCancellation.stop_id == stop_id, StopCancellation.on_date == day)
    )
    if found is not None:
        return False
    session.add(StopCancellation(stop_id=stop_id, on_date=day, reason=reason))
    await session.flush()
    return True


async def add_extra(session: AsyncSession, stop_id: int, day: date, starts: time, ends: time) -> None:
    """An extra time at a stop on one day. On a cancelled day it is the only time the bus comes: the
    cancellation of the plan's windows stays (so the extra does not bring back what people were told is off)."""
    session.add(StopWindow(stop_id=stop_id, weekday=None, on_date=day, starts=starts, ends=ends, source="extra"))
    await session.flush()

"""The hours pool (Stundenpool): budgets per period, hour entries on cases, and the audit trail of corrections.

Hours are kept in whole minutes (no floating point in the database). Pool periods are local dates, both days
included, and never overlap; an entry counts against the pool whose period holds its ``worked_on`` day.
Entries are never removed: a deletion sets ``deleted_at`` and, like every correction, leaves a row in
``hour_changes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AnonCaseHours, Case, HourChange, HourEntry, HourNote, HourPool, StaffMember

WARN_LEVELS = (80, 95)


@dataclass(frozen=True)
class PoolDTO:
    id: int
    starts_on: date
    ends_on: date
    budget_minutes: int
    cap_minutes: int | None
    warned_80_at: datetime | None
    warned_95_at: datetime | None

    def holds(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def warned(self, level: int) -> bool:
        return (self.warned_80_at if level == 80 else self.warned_95_at) is not None


@dataclass(frozen=True)
class EntryDTO:
    id: int
    case_id: int | None
    staff_id: int | None
    activity: str | None
    minutes: int
    worked_on: date
    created_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class ChangeDTO:
    id: int
    entry_id: int
    staff_id: int | None
    action: str
    old_minutes: int
    new_minutes: int | None
    note_changed: bool
    changed_at: datetime


@dataclass(frozen=True)
class HourTotals:
    by_activity: dict[str | None, int]  # minutes; None: no activity chosen
    # minutes per case; a negative key: a deleted case (its anonymous number, see storage.anonymous); None: a case
    # deleted before anonymous numbers were kept
    by_case: dict[int | None, int]

    @property
    def minutes(self) -> int:
        return sum(self.by_activity.values())


@dataclass(frozen=True)
class EntryLine:
    """An entry as the team's list shows it."""

    entry: EntryDTO
    author: str | None
    note_enc: bytes | None


class PoolOverlap(Exception):
    """Another pool's period overlaps the one asked for."""

    def __init__(self, other: PoolDTO) -> None:
        super().__init__(f"overlaps the pool {other.starts_on}–{other.ends_on}")
        self.other = other


def _pool(row: HourPool) -> PoolDTO:
    return PoolDTO(
        row.id, row.starts_on, row.ends_on, row.budget_minutes, row.cap_minutes, row.warned_80_at, row.warned_95_at
    )


def _entry(row: HourEntry) -> EntryDTO:
    return EntryDTO(
        row.id, row.case_id, row.staff_id, row.activity, row.minutes, row.worked_on, row.created_at, row.deleted_at
    )


def _change(row: HourChange) -> ChangeDTO:
    return ChangeDTO(
        row.id,
        row.entry_id,
        row.staff_id,
        row.action,
        row.old_minutes,
        row.new_minutes,
        row.note_changed,
        row.changed_at,
    )


# -- pools -------------------------------------------------------------------------------------------------------


async def set_pool(
    session: AsyncSession,
    starts_on: date,
    ends_on: date,
    budget_minutes: int,
    cap_minutes: int | None,
    staff_id: int | None,
    now: datetime,
) -> tuple[PoolDTO, bool]:
    """Create the pool for a period, or change budget and cap of the pool with exactly that period. Returns the
    pool and whether it is new; raises PoolOverlap when another pool's period overlaps."""
    rows = await session.scalars(select(HourPool).where(HourPool.starts_on <= ends_on, HourPool.ends_on >= starts_on))
    found = list(rows)
    same = next((r for r in found if r.starts_on == starts_on and r.ends_on == ends_on), None)
    other = next((r for r in found if r is not same), None)
    if other is not None:
        raise PoolOverlap(_pool(other))
    if same is None:
        same = HourPool(
            starts_on=starts_on,
            ends_on=ends_on,
            budget_minutes=budget_minutes,
            cap_minutes=cap_minutes,
            set_by=staff_id,
            created_at=now,
            updated_at=now,
        )
        session.add(same)
        await session.flush()
        return _pool(same), True
    same.budget_minutes, same.cap_minutes, same.set_by, same.updated_at = budget_minutes, cap_minutes, staff_id, now
    await session.flush()
    return _pool(same), False


async def pool_on(session: AsyncSession, day: date) -> PoolDTO | None:
    row = await session.scalar(select(HourPool).where(HourPool.starts_on <= day, HourPool.ends_on >= day))
    return _pool(row) if row else None


async def current_pool(session: AsyncSession, day: date) -> PoolDTO | None:
    """The pool holding the day; else the last one that began before it; else the next one."""
    held = await pool_on(session, day)
    if held is not None:
        return held
    row = await session.scalar(
        select(HourPool).where(HourPool.starts_on <= day).order_by(HourPool.starts_on.desc()).limit(1)
    )
    if row is None:
        row = await session.scalar(select(HourPool).order_by(HourPool.starts_on).limit(1))
    return _pool(row) if row else None


async def pools_between(session: AsyncSession, first: date, last: date) -> list[PoolDTO]:
    rows = await session.scalars(
        select(HourPool).where(HourPool.starts_on <= last, HourPool.ends_on >= first).order_by(HourPool.starts_on)
    )
    return [_pool(r) for r in rows]


async def mark_warned(session: AsyncSession, pool_id: int, level: int, now: datetime) -> bool:
    """Record that the warning for a level went out; False when it had gone before (each goes once)."""
    column = HourPool.warned_80_at if level == 80 else HourPool.warned_95_at
    result = await session.execute(
        update(HourPool).where(HourPool.id == pool_id, column.is_(None)).values({column.key: now})
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def rearm(session: AsyncSession, pool_id: int, level: int) -> None:
    """Let a warning go again (the budget was raised so that the pool is below that level once more)."""
    column = HourPool.warned_80_at if level == 80 else HourPool.warned_95_at
    await session.execute(update(HourPool).where(HourPool.id == pool_id).values({column.key: None}))


# -- entries -----------------------------------------------------------------------------------------------------


async def log(
    session: AsyncSession,
    *,
    case_id: int,
    staff_id: int,
    activity: str | None,
    minutes: int,
    worked_on: date,
    now: datetime,
    note_enc: bytes | None = None,
    origin: tuple[int, int] | None = None,
) -> EntryDTO:
    row = HourEntry(
        case_id=case_id,
        staff_id=staff_id,
        activity=activity,
        minutes=minutes,
        worked_on=worked_on,
        origin_chat_id=origin[0] if origin else None,
        origin_message_id=origin[1] if origin else None,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    if note_enc is not None:
        session.add(HourNote(entry_id=row.id, case_id=case_id, text_enc=note_enc))
        await session.flush()
    return _entry(row)


async def by_origin(session: AsyncSession, chat_id: int, message_id: int) -> EntryDTO | None:
    row = await session.scalar(
        select(HourEntry).where(HourEntry.origin_chat_id == chat_id, HourEntry.origin_message_id == message_id)
    )
    return _entry(row) if row else None


async def get(session: AsyncSession, entry_id: int) -> EntryDTO | None:
    row = await session.get(HourEntry, entry_id, populate_existing=True)
    return _entry(row) if row else None


async def set_activity(session: AsyncSession, entry_id: int, activity: str) -> bool:
    """Choose the activity of an entry logged without one; False when it has one already (or is deleted)."""
    result = await session.execute(
        update(HourEntry)
        .where(HourEntry.id == entry_id, HourEntry.activity.is_(None), HourEntry.deleted_at.is_(None))
        .values(activity=activity)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def fix(
    session: AsyncSession, entry: EntryDTO, minutes: int, note_enc: bytes | None, staff_id: int, now: datetime
) -> ChangeDTO:
    """Correct the minutes (and the note, when one is given), with a row in the audit trail."""
    await session.execute(update(HourEntry).where(HourEntry.id == entry.id).values(minutes=minutes))
    if note_enc is not None:
        await session.execute(delete(HourNote).where(HourNote.entry_id == entry.id))
        if entry.case_id is not None:
            session.add(HourNote(entry_id=entry.id, case_id=entry.case_id, text_enc=note_enc))
    return await _audit(session, entry, "fix", minutes, note_enc is not None, staff_id, now)


async def remove(session: AsyncSession, entry: EntryDTO, staff_id: int, now: datetime) -> ChangeDTO:
    """Delete an entry: it stops counting, stays in the table, and the deletion is in the audit trail."""
    await session.execute(update(HourEntry).where(HourEntry.id == entry.id).values(deleted_at=now))
    return await _audit(session, entry, "delete", None, False, staff_id, now)


async def _audit(
    session: AsyncSession,
    entry: EntryDTO,
    action: str,
    new_minutes: int | None,
    note_changed: bool,
    staff_id: int,
    now: datetime,
) -> ChangeDTO:
    row = HourChange(
        entry_id=entry.id,
        staff_id=staff_id,
        action=action,
        old_minutes=entry.minutes,
        new_minutes=new_minutes,
        note_changed=note_changed,
        changed_at=now,
    )
    session.add(row)
    await session.flush()
    return _change(row)


async def changes(session: AsyncSession, entry_ids: list[int]) -> list[tuple[ChangeDTO, str | None]]:
    """The audit trail of some entries, oldest first, with the name of who changed them."""
    if not entry_ids:
        return []
    rows = await session.execute(
        select(HourChange, StaffMember.display_name)
        .outerjoin(StaffMember, StaffMember.id == HourChange.staff_id)
        .where(HourChange.entry_id.in_(entry_ids))
        .order_by(HourChange.changed_at, HourChange.id)
    )
    return [(_change(c), name) for c, name in rows.all()]


async def for_case(session: AsyncSession, case_id: int, limit: int = 20) -> list[EntryLine]:
    """The case's newest entries (deleted ones too), newest last."""
    rows = await session.execute(
        select(HourEntry, StaffMember.display_name, HourNote.text_enc)
        .outerjoin(StaffMember, StaffMember.id == HourEntry.staff_id)
        .outerjoin(HourNote, HourNote.entry_id == HourEntry.id)
        .where(HourEntry.case_id == case_id)
        .order_by(HourEntry.id.desc())
        .limit(limit)
    )
    return [EntryLine(_entry(e), name, note) for e, name, note in reversed(rows.all())]


# -- sums --------------------------------------------------------------------------------------------------------


def _counting(first: date, last: date) -> ColumnElement[bool]:
    return and_(HourEntry.deleted_at.is_(None), HourEntry.worked_on >= first, HourEntry.worked_on <= last)


async def used_minutes(session: AsyncSession, first: date, last: date, case_id: int | None = None) -> int:
    query = select(func.coalesce(func.sum(HourEntry.minutes), 0)).where(_counting(first, last))
    if case_id is not None:
        query = query.where(HourEntry.case_id == case_id)
    return int(await session.scalar(query) or 0)


async def totals(session: AsyncSession, first: date, last: date) -> HourTotals:
    """Minutes for days in the period (local dates, both included) by activity and by case; deleted entries left
    out."""
    by_activity = await session.execute(
        select(HourEntry.activity, func.sum(HourEntry.minutes))
        .where(_counting(first, last))
        .group_by(HourEntry.activity)
    )
    case_key = func.coalesce(HourEntry.case_id, -AnonCaseHours.anon_case_id)
    by_case = await session.execute(
        select(case_key, func.sum(HourEntry.minutes))
        .outerjoin(AnonCaseHours, AnonCaseHours.entry_id == HourEntry.id)
        .where(_counting(first, last))
        .group_by(case_key)
    )
    return HourTotals(
        {activity: int(total) for activity, total in by_activity.all()},
        {None if key is None else int(key): int(total) for key, total in by_case.all()},
    )


async def aliases(session: AsyncSession, case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    rows = await session.execute(select(Case.id, Case.alias).where(Case.id.in_(case_ids)))
    return {case_id: alias for case_id, alias in rows.all()}

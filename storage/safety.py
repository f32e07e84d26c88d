"""Urgent cases, who is on duty, the notice outside office hours, and the morning digest's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import later
from storage.models import Case, CaseMessage, Contact, OfficeDigest, StaffMember
from storage.staff import StaffDTO

# -- urgent cases ------------------------------------------------------------------------------------------------


async def mark_urgent(session: AsyncSession, case_id: int, reason: str, at: datetime) -> bool:
    """Mark a case urgent; False when it was urgent already (the team has been alerted then)."""
    result = await session.execute(
        update(Case)
        .where(Case.id == case_id, Case.urgent.is_(False))
        .values(urgent=True, urgent_at=at, urgent_reason=reason)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def clear_urgent(session: AsyncSession, case_id: int) -> bool:
    result = await session.execute(
        update(Case)
        .where(Case.id == case_id, Case.urgent.is_(True))
        .values(urgent=False, urgent_at=None, urgent_reason=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# -- who is on duty ----------------------------------------------------------------------------------------------


def _staff(row: StaffMember) -> StaffDTO:
    return StaffDTO(row.id, row.telegram_user_id, row.display_name, row.role, row.active)


async def set_on_duty(session: AsyncSession, staff_id: int, on_duty: bool) -> None:
    await session.execute(update(StaffMember).where(StaffMember.id == staff_id).values(on_duty=on_duty))


async def on_duty(session: AsyncSession) -> list[StaffDTO]:
    rows = await session.scalars(
        select(StaffMember)
        .where(StaffMember.active.is_(True), StaffMember.on_duty.is_(True))
        .order_by(StaffMember.display_name)
    )
    return [_staff(row) for row in rows]


async def alert_recipients(session: AsyncSession, claimed_by: int | None) -> list[StaffDTO]:
    """Whom a crisis alert names: the worker who has the case and everyone on duty; nobody of those: the whole
    active team, so that an alert never reaches no one."""
    condition: ColumnElement[bool] = StaffMember.on_duty.is_(True)
    if claimed_by is not None:
        condition = or_(condition, StaffMember.id == claimed_by)
    rows = list(
        await session.scalars(
            select(StaffMember).where(StaffMember.active.is_(True), condition).order_by(StaffMember.display_name)
        )
    )
    if not rows:
        rows = list(
            await session.scalars(
                select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.display_name)
            )
        )
    return [_staff(row) for row in rows]


# -- outside office hours ----------------------------------------------------------------------------------------


async def claim_office_notice(session: AsyncSession, contact_id: int, closed_since: datetime, now: datetime) -> bool:
    """True once per closed period and young person: when no notice went to them since the office closed."""
    result = await session.execute(
        update(Contact)
        .where(
            Contact.id == contact_id,
            or_(Contact.office_notice_at.is_(None), Contact.office_notice_at < closed_since),
        )
        .values(office_notice_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Arrival:
    alias: str
    urgent: bool
    messages: int


async def arrivals(session: AsyncSession, start: datetime, end: datetime) -> list[Arrival]:
    """Per case, how many messages young people sent between start and end (edits not counted): no contents."""
    count = func.count(CaseMessage.id)
    rows = await session.execute(
        select(Case.alias, Case.urgent, count)
        .join(Case, Case.id == CaseMessage.case_id)
        .where(
            CaseMessage.direction == "in",
            CaseMessage.kind != "edit",
            CaseMessage.created_at >= start,
            CaseMessage.created_at < end,
        )
        .group_by(Case.id, Case.alias, Case.urgent)
        .order_by(Case.urgent.desc(), count.desc(), Case.alias)
    )
    return [Arrival(alias, bool(urgent), int(n)) for alias, urgent, n in rows.all()]


async def claim_digest(session: AsyncSession, opening_at: datetime, now: datetime) -> bool:
    """True for the first claim of an opening's digest; every later claim (a restart, a second run) is False."""
    if await session.get(OfficeDigest, opening_at) is not None:
        return False
    await later.written(session)  # (before a savepoint)
    try:
        async with session.begin_nested():
            session.add(OfficeDigest(opening_at=opening_at, sent_at=now))
    except IntegrityError:
        return False
    return True

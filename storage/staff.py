"""The team: who may answer young people in the staff group, and with which role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StaffMember

ROLES = ("worker", "coordinator", "admin")


@dataclass(frozen=True)
class StaffDTO:
    id: int
    telegram_user_id: int
    display_name: str
    role: str
    active: bool

    def may(self, role: str) -> bool:
        """Roles are ordered: an admin may do what a coordinator may, a coordinator what a worker may."""
        return self.active and ROLES.index(self.role) >= ROLES.index(role)


def from_row(row: Any) -> StaffDTO:
    """From a loaded StaffMember, or anything with its columns as attributes (storage.senders)."""
    return StaffDTO(row.id, row.telegram_user_id, row.display_name, row.role, row.active)


# Built once (storage.base.table_of).
_BY_TELEGRAM_ID = select(StaffMember).where(StaffMember.telegram_user_id == bindparam("user"))


async def by_telegram_id(session: AsyncSession, telegram_user_id: int) -> StaffDTO | None:
    row = await session.scalar(_BY_TELEGRAM_ID, {"user": telegram_user_id})
    return from_row(row) if row and row.active else None


async def get(session: AsyncSession, staff_id: int) -> StaffDTO | None:
    row = await session.get(StaffMember, staff_id)
    return from_row(row) if row else None


async def by_name(session: AsyncSession, name: str) -> StaffDTO | None:
    row = await session.scalar(
        select(StaffMember).where(
            func.lower(StaffMember.display_name) == name.strip().lower(), StaffMember.active.is_(True)
        )
    )
    return from_row(row) if row else None


async def add(session: AsyncSession, telegram_user_id: int, display_name: str, role: str) -> StaffDTO:
    """Add someone, or update their name and role (and make them active again) if they were there before."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    row = await session.scalar(select(StaffMember).where(StaffMember.telegram_user_id == telegram_user_id))
    if row is None:
        row = StaffMember(telegram_user_id=telegram_user_id, display_name=display_name, role=role, active=True)
        session.add(row)
    else:
        row.display_name, row.role, row.active = display_name, role, True
    await session.flush()
    return from_row(row)


async def remove(session: AsyncSession, telegram_user_id: int) -> bool:
    """Deactivate (their past answers keep their name); returns whether they were active."""
    result = await session.execute(
        update(StaffMember)
        .where(StaffMember.telegram_user_id == telegram_user_id, StaffMember.active.is_(True))
        .values(active=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def all_active(session: AsyncSession) -> list[StaffDTO]:
    rows = await session.scalars(
        select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.display_name)
    )
    return [from_row(r) for r in rows]

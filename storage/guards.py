"""A young person's flood bucket and the team's block (table contact_guards), one row per contact when needed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import later
from storage.base import table_of
from storage.models import ContactGuard


@dataclass(frozen=True)
class GuardDTO:
    contact_id: int
    tokens: float
    checked_at: datetime
    told: int
    blocked_at: datetime | None
    block_told: bool

    @property
    def blocked(self) -> bool:
        return self.blocked_at is not None


# The flood bucket is read with the sender (storage.senders) and written on the table, with a statement built once
# (storage.base.table_of): every message to the team passes here. Whatever changes a guard through the ORM (block,
# unblock) flushes at once, so that read sees it; the objects those load may hold an older bucket, which they never
# write back (and loading them writes the waiting bucket first: storage.later).
_GUARDS = table_of(ContactGuard)
_SAVE_BUCKET = (
    update(_GUARDS)
    .where(_GUARDS.c.contact_id == bindparam("contact"))
    .values(tokens=bindparam("tokens"), checked_at=bindparam("at"), told=bindparam("told"))
)


def waiting_bucket(session: AsyncSession, guard: GuardDTO) -> GuardDTO:
    """The guard as read, with the bucket an update of the same batch saved and that is still waiting."""
    mine = [params for params in later.waiting(session, _SAVE_BUCKET) if params["contact"] == guard.contact_id]
    if not mine:
        return guard
    return replace(guard, tokens=mine[-1]["tokens"], checked_at=mine[-1]["at"], told=mine[-1]["told"])


def from_row(row: Any) -> GuardDTO:
    """From a row of the table, or anything with its columns as attributes (storage.senders)."""
    return GuardDTO(row.contact_id, row.tokens, row.checked_at, row.told, row.blocked_at, row.block_told)


async def _row(session: AsyncSession, contact_id: int, now: datetime, full: float) -> ContactGuard:
    row = await session.get(ContactGuard, contact_id)
    if row is None:
        row = ContactGuard(contact_id=contact_id, tokens=full, checked_at=now, told=0, block_told=False)
        session.add(row)
    return row


async def save_bucket(
    session: AsyncSession, contact_id: int, tokens: float, at: datetime, told: int, exists: bool = False
) -> None:
    """`exists`: the caller has just read the row (one UPDATE then, without reading it again, which waits for the
    commit with the batch's others: storage.later; `waiting_bucket` tells what it will be)."""
    if exists:
        await later.add(session, _SAVE_BUCKET, [{"contact": contact_id, "tokens": tokens, "at": at, "told": told}])
        return
    row = await _row(session, contact_id, at, tokens)
    row.tokens, row.checked_at, row.told = tokens, at, told
    await session.flush()


async def block(session: AsyncSession, contact_id: int, staff_id: int, now: datetime, full: float) -> bool:
    """Returns False when they were blocked already."""
    row = await _row(session, contact_id, now, full)
    if row.blocked_at is not None:
        return False
    row.blocked_at, row.blocked_by, row.block_told = now, staff_id, False
    await session.flush()
    return True


async def unblock(session: AsyncSession, contact_id: int) -> bool | None:
    """None when they were not blocked; else whether they had been told that nothing is passed on."""
    row = await session.get(ContactGuard, contact_id)
    if row is None or row.blocked_at is None:
        return None
    told = row.block_told
    row.blocked_at, row.blocked_by, row.block_told = None, None, False
    await session.flush()
    return told


async def mark_block_told(session: AsyncSession, contact_id: int) -> None:
    row = await session.get(ContactGuard, contact_id)
    if row is not None:
        row.block_told = True
        await session.flush()

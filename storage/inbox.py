"""The durable inbox: raw updates stored (encrypted) before Telegram is told we have them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import table_of, utcnow
from storage.dialect import insert_ignoring_duplicates
from storage.models import InboxUpdate

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class PendingUpdate:
    update_id: int
    payload_enc: bytes
    attempts: int


async def store(session: AsyncSession, updates: Sequence[tuple[int, bytes]]) -> None:
    """Store updates by id; one seen before (Telegram re-sent it) is ignored."""
    if not updates:
        return
    now = utcnow()
    rows = [
        {"update_id": uid, "payload_enc": payload, "status": "pending", "attempts": 0, "received_at": now}
        for uid, payload in updates
    ]
    await session.execute(insert_ignoring_duplicates(session, InboxUpdate.__table__, rows))


async def next_offset(session: AsyncSession) -> int | None:
    """The getUpdates offset that acknowledges everything stored: highest update_id + 1."""
    highest = await session.scalar(select(func.max(InboxUpdate.update_id)))
    return None if highest is None else int(highest) + 1


PENDING_AT_ONCE = 100  # updates read for handling at a time


async def pending(session: AsyncSession, limit: int = PENDING_AT_ONCE) -> list[PendingUpdate]:
    rows = await session.execute(
        select(InboxUpdate.update_id, InboxUpdate.payload_enc, InboxUpdate.attempts)
        .where(InboxUpdate.status == "pending")
        .order_by(InboxUpdate.update_id)
        .limit(limit)
    )
    return [PendingUpdate(uid, payload or b"", attempts) for uid, payload, attempts in rows.all()]


async def mark_done(session: AsyncSession, update_id: int) -> None:
    """Done, and the raw update (with names and ids in it) is gone."""
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id)
        .values(status="done", payload_enc=None, processed_at=utcnow())
    )


async def record_failure(session: AsyncSession, update_id: int, error: str) -> bool:
    """Count a failed attempt; after MAX_ATTEMPTS the update is set aside. Returns whether it was set aside."""
    row = await session.get(InboxUpdate, update_id)
    if row is None:
        return True
    row.attempts += 1
    row.error = error[:120]
    if row.attempts >= MAX_ATTEMPTS:
        row.status, row.payload_enc, row.processed_at = "failed", None, utcnow()
        return True
    return False


_UPDATES = table_of(InboxUpdate)
_CLAIM = (  # built once (storage.base.table_of); on the table: the processor loads no inbox rows as ORM objects
    update(_UPDATES)
    .where(_UPDATES.c.update_id.in_(bindparam("updates", expanding=True)), _UPDATES.c.status == "pending")
    .values(status="done", payload_enc=None, processed_at=bindparam("now"))
    .returning(_UPDATES.c.update_id)
)


async def claim(session: AsyncSession, update_ids: Sequence[int]) -> set[int]:
    """Mark pending updates done as the first step of the transaction that handles them (a failure rolls this back
    with the rest): one statement for all of them, instead of a read before and a write after each. Returns those
    that were still pending; any other has been settled meanwhile: its sender deleted their data (bot.erasure), and
    it is not handled."""
    result = await session.execute(_CLAIM, {"updates": list(update_ids), "now": utcnow()})
    return {int(update_id) for update_id in result.scalars()}


async def is_pending(session: AsyncSession, update_id: int) -> bool:
    status = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.update_id == update_id))
    return status == "pending"


async def erase(session: AsyncSession, update_ids: Sequence[int]) -> None:
    """Updates that must not be handled any more (their sender deleted their data): settled, payload gone."""
    if update_ids:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_(update_ids), InboxUpdate.status == "pending")
            .values(status="done", payload_enc=None, processed_at=utcnow())
        )


async def counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(InboxUpdate.status, func.count()).group_by(InboxUpdate.status))
    return {status: int(n) for status, n in rows.all()}

"""The outbox: Bot API calls written with the change that causes them, sent later by one sender."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import later
from storage.base import table_of, utcnow
from storage.models import OutboxMessage


@dataclass(frozen=True)
class OutboxRow:
    id: int
    priority: int
    lane: str
    method: str
    payload_enc: bytes
    contact_id: int | None
    attempts: int
    case_id: int | None = None
    case_message_id: int | None = None
    kind: str = "reply"
    announcement_id: int | None = None


@dataclass(frozen=True)
class NewOutboxRow:
    priority: int
    lane: str
    method: str
    payload_enc: bytes
    contact_id: int | None
    user_key: str | None
    case_id: int | None = None
    case_message_id: int | later.Key | None = None  # (a waiting case message: storage.later.add_row)
    kind: str = "reply"
    announcement_id: int | None = None  # a bus announcement's message to one subscriber
    not_before: datetime | None = None  # held back until then (None: at once)


_OUTBOX = table_of(OutboxMessage)
_ADD = _OUTBOX.insert()  # built once (storage.base.table_of); on the table: nothing of it is loaded as ORM objects


async def add(session: AsyncSession, rows: list[NewOutboxRow]) -> None:
    if not rows:
        return
    now = utcnow()
    values = [
        {
            "priority": row.priority,
            "lane": row.lane,
            "method": row.method,
            "payload_enc": row.payload_enc,
            "contact_id": row.contact_id,
            "user_key": row.user_key,
            "case_id": row.case_id,
            "case_message_id": row.case_message_id,
            "kind": row.kind,
            "announcement_id": row.announcement_id,
            "status": "pending",
            "attempts": 0,
            "not_before": row.not_before or now,
            "created_at": now,
        }
        for row in rows
    ]
    await later.add(session, _ADD, values)  # at the commit at the latest, with the batch's other rows


async def due(
    session: AsyncSession, limit: int = 200, per_lane: int = 30, per_case_lanes: tuple[str, ...] = ()
) -> list[OutboxRow]:
    """Pending rows whose time has come, most urgent first; within a priority the chat (or case) waiting longest
    first, and its rows together, in order of writing.

    At most `per_lane` rows of each lane (the sender can send only the first few of a chat anyway), so that a long
    backlog for one chat (the staff group waiting for its budget) never hides the messages for other chats. In the
    `per_case_lanes` (the staff group) the cap is per case, so one young person's backlog never hides another's.
    A case's rows come together so that the sender can copy a young person's waiting texts in one call
    (bot.delivery.sender): by order of writing alone, a batch under load held one text of each of 200 people.
    """
    result = await session.execute(_due_statement(limit, per_lane, per_case_lanes), {"now": utcnow()})
    return [_row(r) for r in result.scalars()]


@functools.cache
def _due_statement(limit: int, per_lane: int, per_case_lanes: tuple[str, ...]) -> Select[tuple[OutboxMessage]]:
    """Built once for each shape: the sender asks it after every message, and SQLAlchemy works out the cache key
    of a statement object once (for this one, with its window, that took longer than running it)."""
    order = (OutboxMessage.priority, OutboxMessage.id)
    partition: list[Any] = [OutboxMessage.lane]
    if per_case_lanes:
        partition.append(case((OutboxMessage.lane.in_(per_case_lanes), OutboxMessage.case_id), else_=None))
    ranked = (
        select(
            OutboxMessage.id.label("id"),
            func.row_number().over(partition_by=partition, order_by=order).label("place"),
            func.min(OutboxMessage.id).over(partition_by=[*partition, OutboxMessage.priority]).label("waiting_since"),
        )
        .where(OutboxMessage.status == "pending", OutboxMessage.not_before <= bindparam("now"))
        .subquery()
    )
    return (
        select(OutboxMessage)
        .join(ranked, ranked.c.id == OutboxMessage.id)
        .where(ranked.c.place <= per_lane)
        .order_by(OutboxMessage.priority, ranked.c.waiting_since, OutboxMessage.id)
        .limit(limit)
    )


def _row(r: OutboxMessage) -> OutboxRow:
    return OutboxRow(
        r.id,
        r.priority,
        r.lane,
        r.method,
        r.payload_enc,
        r.contact_id,
        r.attempts,
        r.case_id,
        r.case_message_id,
        r.kind,
        r.announcement_id,
    )


async def next_due_at(session: AsyncSession) -> datetime | None:
    earliest: datetime | None = await session.scalar(
        select(func.min(OutboxMessage.not_before)).where(OutboxMessage.status == "pending")
    )
    return earliest


async def earlier_pending_in_lane(session: AsyncSession, lane: str, before_id: int) -> bool:
    """Whether an older message of the same chat is still waiting (it must go first)."""
    found = await session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.lane == lane, OutboxMessage.status == "pending", OutboxMessage.id < before_id)
        .limit(1)
    )
    return found is not None


MARK_SENT = (  # built once (storage.base.table_of); on the table: the sender loads no ORM objects to change
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row"))
    .values(status="sent", sent_at=bindparam("now"), payload_enc=b"", user_key=None, attempts=_OUTBOX.c.attempts + 1)
)


async def mark_sent(session: AsyncSession, *row_ids: int) -> None:
    """Sent; the payload (texts, chat id) is not kept."""
    if not row_ids:
        return
    now = utcnow()
    await session.execute(MARK_SENT, [{"row": row_id, "now": now} for row_id in row_ids])


async def mark_failed(session: AsyncSession, row_id: int, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status="failed", error=error[:200], payload_enc=b"", user_key=None, attempts=OutboxMessage.attempts + 1)
    )


async def retry_later(session: AsyncSession, row_id: int, delay: float, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(
            not_before=utcnow() + timedelta(seconds=delay),
            error=error[:200],
            attempts=OutboxMessage.attempts + 1,
        )
    )


async def drop_pending_in_lane(session: AsyncSession, lane: str, error: str) -> int:
    """Give up on everything waiting for one chat (the person blocked the bot)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.lane == lane, OutboxMessage.status == "pending")
        .values(status="failed", error=error[:200], payload_enc=b"")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def purge_finished(session: AsyncSession, older_than: timedelta) -> int:
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status != "pending",
            or_(OutboxMessage.sent_at.is_(None), OutboxMessage.sent_at < utcnow() - older_than),
            OutboxMessage.created_at < utcnow() - older_than,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_lane(session: AsyncSession, lane: str) -> int:
    """Every row of one chat, sent or not: a private lane's name is derived from the person's pseudonym."""
    result = await session.execute(delete(OutboxMessage).where(OutboxMessage.lane == lane))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: int(n) for status, n in rows.all()}


async def merge(session: AsyncSession, into: OutboxRow, payload_enc: bytes, merged_ids: list[int]) -> None:
    """Combine several pending rows into one: the first carries the combined payload, the others point to it."""
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == into.id).values(method="sendMessage", payload_enc=payload_enc)
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(merged_ids), OutboxMessage.status == "pending")
        .values(status="merged", merged_into=into.id, payload_enc=b"", user_key=None)
    )


async def merged_case_messages(session: AsyncSession, row_id: int) -> list[int]:
    """The case messages a (possibly combined) row delivers."""
    ids = await session.scalars(
        select(OutboxMessage.case_message_id).where(
            or_(OutboxMessage.id == row_id, OutboxMessage.merged_into == row_id),
            OutboxMessage.case_message_id.is_not(None),
        )
    )
    return [int(i) for i in ids if i is not None]


async def pending_in_lane(session: AsyncSession, lane: str, limit: int = 500) -> list[OutboxRow]:
    result = await session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.lane == lane, OutboxMessage.status == "pending")
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return [_row(r) for r in result.scalars()]


# -- bus announcements: their rows are the plan of a broadcast, and its progress is counted from them ----------


async def announcement_counts(session: AsyncSession, announcement_id: int) -> dict[str, int]:
    """How many of an announcement's messages are sent, failed, pending."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.announcement_id == announcement_id)
        .group_by(OutboxMessage.status)
    )
    return {status: int(n) for status, n in rows.all()}


async def announcement_pending(session: AsyncSession, announcement_id: int) -> bool:
    found = await session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.announcement_id == announcement_id, OutboxMessage.status == "pending")
        .limit(1)
    )
    return found is not None


async def announcements_pending_in_lane(session: AsyncSession, lane: str) -> set[int]:
    """The announcements with a message still waiting for one chat (before the chat's messages are dropped)."""
    ids = await session.scalars(
        select(OutboxMessage.announcement_id)
        .where(
            OutboxMessage.lane == lane,
            OutboxMessage.status == "pending",
            OutboxMessage.announcement_id.is_not(None),
        )
        .distinct()
    )
    return {int(i) for i in ids if i is not None}


async def drop_pending_of_announcement(session: AsyncSession, announcement_id: int, error: str) -> int:
    """A correction replaces an announcement still being sent: what has not gone yet is not sent any more."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.announcement_id == announcement_id, OutboxMessage.status == "pending")
        .values(status="dropped", error=error[:200], payload_enc=b"", user_key=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def drop_pending_kind(session: AsyncSession, lane: str, kind: str) -> int:
    """Forget a chat's waiting calls of one kind (an edit that a newer edit of the same message replaces)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.lane == lane, OutboxMessage.kind == kind, OutboxMessage.status == "pending")
        .values(status="dropped", payload_enc=b"", user_key=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]

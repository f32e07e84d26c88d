"""Cases and the map between a young person's messages and their copies in the case topic."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, bindparam, func, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import later, outbox
from storage.base import flushed, table_of, utcnow
from storage.models import Case, CaseMessage, Contact, StaffMember


@dataclass(frozen=True)
class CaseDTO:
    id: int
    alias: str
    contact_id: int
    status: str
    topic_id: int | None
    urgent: bool
    claimed_by: int | None
    outcome: str | None
    waiting_since: datetime | None
    first_answer_at: datetime | None
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class QueueEntry:
    case: CaseDTO
    language: str
    place: str | None
    worker: str | None
    contact_status: str


def from_row(row: Any) -> CaseDTO:
    """From a loaded Case, or a row of its table."""
    return CaseDTO(
        row.id,
        row.alias,
        row.contact_id,
        row.status,
        row.topic_id,
        row.urgent,
        row.claimed_by,
        row.outcome,
        row.waiting_since,
        row.first_answer_at,
        row.opened_at,
        row.closed_at,
    )


async def get(session: AsyncSession, case_id: int) -> CaseDTO | None:
    row = await session.get(Case, case_id, populate_existing=True)
    return from_row(row) if row else None


# Built once (storage.base.table_of).
_CASES = table_of(Case)
# "open" written into the statement, not bound: SQLite uses the partial index of the open cases
# (uq_cases_one_open_per_contact) only when the statement itself says status = 'open'; with a bound value it
# prepared the statement again at every run, to see whether it may (60 µs of every relayed message, benchmarks/).
OPEN: ColumnClause[str] = literal_column("'open'")
_OPEN_FOR_CONTACT = select(_CASES).where(_CASES.c.contact_id == bindparam("contact"), _CASES.c.status == OPEN)
_MESSAGES = table_of(CaseMessage)
# Waits for the commit (storage.later.add_row): a batch's relayed messages are written with one statement, their
# outbox rows given the ids.
_NEW_MESSAGE = _MESSAGES.insert().returning(_MESSAGES.c.id, sort_by_parameter_order=True)
_LANDED = {
    column: update(_MESSAGES).where(_MESSAGES.c.id == bindparam("case_message")).values({column: bindparam("landed")})
    for column in ("staff_message_id", "youth_message_id")
}
# PostgreSQL: where a copy landed and its outbox row's mark with one statement (a data-modifying WITH).
_LANDED_AND_SENT = {column: outbox.MARK_SENT.add_cte(statement.cte("landed")) for column, statement in _LANDED.items()}


async def open_for_contact(session: AsyncSession, contact_id: int) -> CaseDTO | None:
    """Read on the table; a case the ORM holds opened or closed in this session counts (storage.base.flushed)."""
    await flushed(session)
    row = (await session.execute(_OPEN_FOR_CONTACT, {"contact": contact_id})).first()
    return from_row(row) if row else None


async def latest_for_contact(session: AsyncSession, contact_id: int) -> CaseDTO | None:
    row = await session.scalar(select(Case).where(Case.contact_id == contact_id).order_by(Case.id.desc()).limit(1))
    return from_row(row) if row else None


async def all_for_contact(session: AsyncSession, contact_id: int) -> list[CaseDTO]:
    rows = await session.scalars(select(Case).where(Case.contact_id == contact_id).order_by(Case.id))
    return [from_row(row) for row in rows.all()]


async def by_topic(session: AsyncSession, topic_id: int) -> CaseDTO | None:
    row = await session.scalar(select(Case).where(Case.topic_id == topic_id).order_by(Case.id.desc()).limit(1))
    return from_row(row) if row else None


async def create(session: AsyncSession, contact_id: int, new_alias: Callable[[], str]) -> CaseDTO:
    """A new open case. A second open case for the same person is refused by the database (partial unique
    index); then the one that won is returned. An alias that happens to exist already is drawn again."""
    await later.written(session)  # (before a savepoint)
    for _attempt in range(10):
        try:
            async with session.begin_nested():
                row = Case(
                    alias=new_alias(),
                    contact_id=contact_id,
                    status="open",
                    opened_at=utcnow(),
                    urgent=False,
                    reopened_count=0,
                )
                session.add(row)
            return from_row(row)
        except IntegrityError:
            existing = await open_for_contact(session, contact_id)
            if existing is not None:
                return existing
    raise RuntimeError("could not draw a free case alias")


async def reopen(session: AsyncSession, case_id: int) -> None:
    await session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(status="open", closed_at=None, outcome=None, reopened_count=Case.reopened_count + 1)
    )


async def set_topic(session: AsyncSession, case_id: int, topic_id: int | None) -> None:
    await session.execute(update(Case).where(Case.id == case_id).values(topic_id=topic_id))


async def youth_wrote(session: AsyncSession, case_id: int) -> None:
    """The young person is waiting for an answer from now on (unless they were already)."""
    await session.execute(
        update(Case).where(Case.id == case_id).values(waiting_since=func.coalesce(Case.waiting_since, utcnow()))
    )


async def staff_answered(session: AsyncSession, case_id: int) -> None:
    await session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(waiting_since=None, first_answer_at=func.coalesce(Case.first_answer_at, utcnow()))
    )


async def claim(session: AsyncSession, case_id: int, staff_id: int) -> None:
    await session.execute(update(Case).where(Case.id == case_id).values(claimed_by=staff_id))


async def close(session: AsyncSession, case_id: int, outcome: str) -> None:
    await session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(status="closed", outcome=outcome, closed_at=utcnow(), waiting_since=None)
    )


async def mark_urgent(session: AsyncSession, case_id: int, urgent: bool = True) -> None:
    await session.execute(update(Case).where(Case.id == case_id).values(urgent=urgent))


async def open_queue(session: AsyncSession) -> list[QueueEntry]:
    rows = await session.execute(
        select(Case, Contact.language, Contact.place, Contact.status, StaffMember.display_name)
        .join(Contact, Contact.id == Case.contact_id)
        .outerjoin(StaffMember, StaffMember.id == Case.claimed_by)
        .where(Case.status == OPEN)
    )
    return [QueueEntry(from_row(case), lang, place, worker, status) for case, lang, place, status, worker in rows.all()]


# -- the message map -----------------------------------------------------------------------------------------


async def record_message(
    session: AsyncSession,
    case_id: int,
    direction: str,
    kind: str,
    *,
    youth_message_id: int | None = None,
    staff_message_id: int | None = None,
    staff_id: int | None = None,
    text_enc: bytes | None = None,
    created_at: datetime | None = None,  # the bot's clock (the morning digest counts by it); default: now
) -> later.Key:
    """Its id, once the row is written: by the commit at the latest, before anything reads the table (storage.later).
    An INSERT on the table: nothing of it is loaded as an ORM object."""
    values = {
        "case_id": case_id,
        "direction": direction,
        "kind": kind,
        "youth_message_id": youth_message_id,
        "staff_message_id": staff_message_id,
        "staff_id": staff_id,
        "text_enc": text_enc,
        "created_at": created_at or utcnow(),
    }
    return await later.add_row(session, _NEW_MESSAGE, values)


async def staff_copy_of(session: AsyncSession, case_id: int, youth_message_id: int) -> int | None:
    """The message in the topic that shows (or is shown as) this message in the young person's chat."""
    found = await session.scalar(
        select(CaseMessage.staff_message_id)
        .where(CaseMessage.case_id == case_id, CaseMessage.youth_message_id == youth_message_id)
        .where(CaseMessage.staff_message_id.is_not(None))
        .limit(1)
    )
    return int(found) if found is not None else None


async def youth_copy_of(session: AsyncSession, case_id: int, staff_message_id: int) -> int | None:
    found = await session.scalar(
        select(CaseMessage.youth_message_id)
        .where(CaseMessage.case_id == case_id, CaseMessage.staff_message_id == staff_message_id)
        .where(CaseMessage.youth_message_id.is_not(None))
        .limit(1)
    )
    return int(found) if found is not None else None


async def map_sent(session: AsyncSession, landed: Sequence[tuple[int, int | None, int | None]]) -> None:
    """Record where relayed messages landed, once the sender knows: (case message, its message in the staff
    topic, its message in the young person's chat), None where it did not go."""
    for column, place in (("staff_message_id", 1), ("youth_message_id", 2)):
        values = [{"case_message": item[0], "landed": item[place]} for item in landed if item[place] is not None]
        if values:
            await session.execute(_LANDED[column], values)


async def sent_where(session: AsyncSession, column: str, sent: Sequence[tuple[int, int, int]]) -> None:
    """Copies sent: their outbox rows marked sent, and where each landed kept in its case message's `column`
    (staff_message_id: its message in the staff topic; youth_message_id: in the young person's chat): (outbox row,
    case message, message id). On PostgreSQL one statement, one round trip; elsewhere the map, then the mark."""
    if not sent:
        return
    if session.get_bind().dialect.name == "postgresql":
        now = utcnow()
        values = [{"row": row, "case_message": message, "landed": landed, "now": now} for row, message, landed in sent]
        await session.execute(_LANDED_AND_SENT[column], values)
    else:
        await session.execute(_LANDED[column], [{"case_message": m, "landed": landed} for _r, m, landed in sent])
        await outbox.mark_sent(session, *(row for row, _m, _landed in sent))


async def staff_message_recorded(session: AsyncSession, case_id: int, staff_message_id: int) -> bool:
    """Whether a message of the topic is in the case's map already (a prepared reply sent from it)."""
    found = await session.scalar(
        select(CaseMessage.id)
        .where(CaseMessage.case_id == case_id, CaseMessage.staff_message_id == staff_message_id)
        .limit(1)
    )
    return found is not None

"""What retention deletes, found by age: the contents of cases closed long ago, and contacts inactive for long.

The rules (how long, and that anonymous counts stay) are in bot.retention; here are only the queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Appointment, Case, CaseMessage, Contact, HourNote, OutboxMessage


@dataclass(frozen=True)
class ClosedCase:
    """A case closed before the cut-off whose contents are still there."""

    id: int
    topic_id: int | None
    notes: int  # the team's notes on the case and on its hours


@dataclass(frozen=True)
class InactiveContact:
    id: int
    user_key: str
    cases: int
    topics: list[int]
    appointments: int


def _contents_due(closed_before: datetime) -> ColumnElement[bool]:
    return and_(Case.status == "closed", Case.closed_at < closed_before, Case.contents_deleted_at.is_(None))


async def closed_cases_due(session: AsyncSession, closed_before: datetime) -> list[ClosedCase]:
    notes = (
        select(func.count())
        .select_from(CaseMessage)
        .where(CaseMessage.case_id == Case.id, CaseMessage.text_enc.is_not(None))
        .scalar_subquery()
    )
    hour_notes = select(func.count()).select_from(HourNote).where(HourNote.case_id == Case.id).scalar_subquery()
    rows = await session.execute(
        select(Case.id, Case.topic_id, notes, hour_notes).where(_contents_due(closed_before)).order_by(Case.id)
    )
    return [ClosedCase(case_id, topic, int(n) + int(h)) for case_id, topic, n, h in rows.all()]


async def clear_case_contents(session: AsyncSession, case_id: int, now: datetime) -> None:
    """The case stays (its dates and outcome are counted), its contents go: the notes, the team's answers in the
    message map, the ids of the copies (their topic is deleted), the notes on its hours, the topic id, and
    whatever still waits in the outbox for the topic."""
    await session.execute(delete(CaseMessage).where(CaseMessage.case_id == case_id, CaseMessage.direction != "in"))
    await session.execute(
        update(CaseMessage)
        .where(CaseMessage.case_id == case_id)
        .values(youth_message_id=None, staff_message_id=None, text_enc=None)
    )
    await session.execute(delete(HourNote).where(HourNote.case_id == case_id))
    # Anything still waiting for the topic would wait for ever.
    await session.execute(
        delete(OutboxMessage).where(OutboxMessage.case_id == case_id, OutboxMessage.status == "pending")
    )
    await session.execute(update(Case).where(Case.id == case_id).values(topic_id=None, contents_deleted_at=now))


async def inactive_contacts(session: AsyncSession, inactive_since: datetime) -> list[InactiveContact]:
    """Contacts who have not written since the cut-off, whose cases had no message since, and who have no
    appointment booked since or lying after it (an appointment ahead keeps them)."""
    recent_message = (
        exists()
        .where(CaseMessage.case_id == Case.id, Case.contact_id == Contact.id)
        .where(CaseMessage.created_at >= inactive_since)
    )
    recent_appointment = exists().where(
        Appointment.contact_id == Contact.id,
        or_(Appointment.created_at >= inactive_since, Appointment.starts_at >= inactive_since),
    )
    rows = await session.execute(
        select(Contact.id, Contact.user_key)
        .where(Contact.last_seen_at < inactive_since, ~recent_message, ~recent_appointment)
        .order_by(Contact.id)
    )
    found = []
    for contact_id, user_key in rows.all():
        case_rows = (await session.execute(select(Case.topic_id).where(Case.contact_id == contact_id))).all()
        appointments = await session.scalar(
            select(func.count()).select_from(Appointment).where(Appointment.contact_id == contact_id)
        )
        topics = [int(topic) for (topic,) in case_rows if topic is not None]
        found.append(InactiveContact(contact_id, user_key, len(case_rows), topics, int(appointments or 0)))
    return found

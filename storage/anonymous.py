"""What stays for the statistics when a young person's data is deleted: anonymous rows (see the models AnonPerson,
AnonActivity, AnonCase, AnonCaseHours, AnonAppointment).

``keep_counts`` copies exactly what the committee report counts (storage.report) out of a contact's rows, before
they are deleted, into rows with no link back: no contact or case id, no alias, no pseudonym, nothing anybody
wrote. Moments the report only needs to the day (the first contact, the days someone wrote or booked) are kept as
the local day; the report's windows start at local midnight, so the figures stay exactly the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AnonActivity,
    AnonAppointment,
    AnonCase,
    AnonCaseHours,
    AnonPerson,
    Appointment,
    Case,
    CaseMessage,
    Contact,
    HourEntry,
)


def local_day(moment: datetime, tz: ZoneInfo) -> datetime:
    """The local midnight that begins the moment's day, in UTC."""
    day = moment.astimezone(tz).date()
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


async def keep_counts(session: AsyncSession, contact_id: int, tz: ZoneInfo) -> bool:
    """Write the anonymous rows for one contact (call it before deleting the contact). False: no such contact."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        return False
    person = AnonPerson(
        first_contact_on=local_day(contact.created_at, tz),
        language=contact.language,
        age_band=contact.age_band,
        place=contact.place,
        source=contact.source,
    )
    session.add(person)
    await session.flush()
    wrote = await session.scalars(
        select(CaseMessage.created_at)
        .join(Case, Case.id == CaseMessage.case_id)
        .where(Case.contact_id == contact_id, CaseMessage.direction == "in")
    )
    appointments = list((await session.scalars(select(Appointment).where(Appointment.contact_id == contact_id))).all())
    days = {local_day(moment, tz) for moment in [*wrote.all(), *(a.created_at for a in appointments)]}
    session.add_all(AnonActivity(person_id=person.id, active_on=day) for day in sorted(days))
    session.add_all(AnonAppointment(starts_at=a.starts_at, status=a.status, topic=a.topic) for a in appointments)
    for case in (await session.scalars(select(Case).where(Case.contact_id == contact_id).order_by(Case.id))).all():
        kept = AnonCase(
            status=case.status,
            outcome=case.outcome,
            opened_at=case.opened_at,
            first_answer_at=case.first_answer_at,
            closed_at=case.closed_at,
        )
        session.add(kept)
        await session.flush()
        entries = await session.scalars(select(HourEntry.id).where(HourEntry.case_id == case.id))
        session.add_all(AnonCaseHours(entry_id=entry, anon_case_id=kept.id) for entry in entries.all())
    await session.flush()
    return True


async def people(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AnonPerson)) or 0)

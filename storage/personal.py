"""Everything stored about one young person, read for their copy (/mydata, see bot.mydata).

Encrypted fields are returned as they are stored; bot.mydata decrypts them for the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import contacts, conversations
from storage.contacts import ContactDTO
from storage.conversations import ConversationDTO
from storage.models import (
    AnnouncementRecipient,
    Appointment,
    Case,
    CaseMessage,
    HourEntry,
    HourNote,
    Reminder,
    StaffMember,
    Stop,
    Subscription,
)


@dataclass(frozen=True)
class MessageRecord:
    created_at: datetime
    direction: str  # in | out | note
    content_kind: str
    text_enc: bytes | None  # the team's notes; relayed messages are copied, their contents not kept
    staff_name: str | None


@dataclass(frozen=True)
class HoursRecord:
    worked_on: date
    minutes: int
    activity: str | None
    deleted: bool
    note_enc: bytes | None


@dataclass(frozen=True)
class CaseRecord:
    alias: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    urgent: bool
    worker: str | None
    contents_deleted_at: datetime | None
    messages: list[MessageRecord]
    hours: list[HoursRecord]


@dataclass(frozen=True)
class ReminderRecord:
    due_at: datetime
    offset_label: str
    status: str


@dataclass(frozen=True)
class AppointmentRecord:
    starts_at: datetime
    ends_at: datetime
    stop_name: str
    stop_address: str
    topic: str | None
    status: str
    cancel_reason: str | None
    created_at: datetime
    reminders: list[ReminderRecord]


@dataclass(frozen=True)
class PersonalData:
    contact: ContactDTO | None
    conversation: ConversationDTO | None
    cases: list[CaseRecord]
    appointments: list[AppointmentRecord]
    subscriptions: list[tuple[str, datetime]]  # (place code, since)
    announcements: int  # bus announcements written for them

    @property
    def empty(self) -> bool:
        return self.contact is None and self.conversation is None


async def collect(session: AsyncSession, user_key: str) -> PersonalData:
    contact = await contacts.find_by_user_key(session, user_key)
    conversation = await conversations.load(session, user_key)
    if contact is None:
        return PersonalData(None, conversation, [], [], [], 0)
    subscriptions = await session.execute(
        select(Subscription.place, Subscription.created_at)
        .where(Subscription.contact_id == contact.id)
        .order_by(Subscription.created_at)
    )
    announcements = await session.scalar(
        select(func.count()).select_from(AnnouncementRecipient).where(AnnouncementRecipient.contact_id == contact.id)
    )
    return PersonalData(
        contact,
        conversation,
        await _cases(session, contact.id),
        await _appointments(session, contact.id),
        [(place, since) for place, since in subscriptions.all()],
        int(announcements or 0),
    )


async def _cases(session: AsyncSession, contact_id: int) -> list[CaseRecord]:
    found = []
    rows = await session.execute(
        select(Case, StaffMember.display_name)
        .outerjoin(StaffMember, StaffMember.id == Case.claimed_by)
        .where(Case.contact_id == contact_id)
        .order_by(Case.id)
    )
    for case, worker in rows.all():
        messages = await session.execute(
            select(CaseMessage, StaffMember.display_name)
            .outerjoin(StaffMember, StaffMember.id == CaseMessage.staff_id)
            .where(CaseMessage.case_id == case.id)
            .order_by(CaseMessage.created_at, CaseMessage.id)
        )
        entries = await session.execute(
            select(HourEntry, HourNote.text_enc)
            .outerjoin(HourNote, HourNote.entry_id == HourEntry.id)
            .where(HourEntry.case_id == case.id)
            .order_by(HourEntry.worked_on, HourEntry.id)
        )
        found.append(
            CaseRecord(
                alias=case.alias,
                status=case.status,
                opened_at=case.opened_at,
                closed_at=case.closed_at,
                outcome=case.outcome,
                urgent=case.urgent,
                worker=worker,
                contents_deleted_at=case.contents_deleted_at,
                messages=[
                    MessageRecord(m.created_at, m.direction, m.kind, m.text_enc, name) for m, name in messages.all()
                ],
                hours=[
                    HoursRecord(e.worked_on, e.minutes, e.activity, e.deleted_at is not None, note)
                    for e, note in entries.all()
                ],
            )
        )
    return found


async def _appointments(session: AsyncSession, contact_id: int) -> list[AppointmentRecord]:
    rows = await session.execute(
        select(Appointment, Stop.name, Stop.address)
        .join(Stop, Stop.id == Appointment.stop_id)
        .where(Appointment.contact_id == contact_id)
        .order_by(Appointment.starts_at, Appointment.id)
    )
    found = []
    for appointment, name, address in rows.all():
        reminders = await session.scalars(
            select(Reminder).where(Reminder.appointment_id == appointment.id).order_by(Reminder.due_at)
        )
        found.append(
            AppointmentRecord(
                appointment.starts_at,
                appointment.ends_at,
                name,
                address,
                appointment.topic,
                appointment.status,
                appointment.cancel_reason,
                appointment.created_at,
                [ReminderRecord(r.due_at, r.offset_label, r.status) for r in reminders.all()],
            )
        )
    return found

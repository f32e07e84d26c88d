"""The tables. Identifying data is never stored in the clear: user ids only as keyed hashes, chat ids and raw
updates only encrypted (see bot.privacy)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow


class Contact(Base):
    """A young person who agreed to the privacy notice."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_key: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC of the Telegram user id
    chat_id_enc: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet of the private chat id
    language: Mapped[str] = mapped_column(String(8))
    nickname: Mapped[str | None] = mapped_column(String(64))
    age_band: Mapped[str | None] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | unreachable
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationState(Base):
    """Where a person is in a multi-step journey, and the draft of what they answered so far.

    Keyed by the pseudonym, not the contact, so that intake can run before anyone has agreed to be stored:
    until then only this row exists, and declining deletes it.
    """

    __tablename__ = "conversation_states"

    user_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32))
    draft: Mapped[str] = mapped_column(Text, default="{}")  # JSON of the journey's typed draft
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxUpdate(Base):
    """Every update from Telegram, committed before it is acknowledged."""

    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # cleared once processed
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(120))  # exception class only, never content
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_inbox_pending", "status", "update_id"),)


class OutboxMessage(Base):
    """A Bot API call to make, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    priority: Mapped[int] = mapped_column(Integer)  # lower is sooner
    lane: Mapped[str] = mapped_column(String(40))  # per-chat ordering and pacing; no raw id
    method: Mapped[str] = mapped_column(String(40))
    payload_enc: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet of the JSON parameters
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    user_key: Mapped[str | None] = mapped_column(String(64))  # for deletion before a contact exists
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    case_message_id: Mapped[int | None] = mapped_column(ForeignKey("case_messages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="reply")  # what the result is recorded as
    merged_into: Mapped[int | None] = mapped_column(Integer)  # combined into that row when the group is busy
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_outbox_pending", "status", "priority", "id"),)


class StaffMember(Base):
    """A member of the team, allow-listed by Telegram user id. Young people see only the display name."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # worker | coordinator | admin
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Case(Base):
    """One young person's conversation with the team, shown as one topic in the staff group."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alias: Mapped[str] = mapped_column(String(16), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | closed
    topic_id: Mapped[int | None] = mapped_column(BigInteger)  # message_thread_id once created
    urgent: Mapped[bool] = mapped_column(default=False)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # oldest unanswered youth message
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        # At most one open case per young person, whatever races: the database says no to a second.
        Index(
            "uq_cases_one_open_per_contact",
            "contact_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_cases_topic", "topic_id"),
    )


class CaseMessage(Base):
    """The map between a message in the young person's chat and its copy in the case topic (and notes)."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))  # in (from the young person) | out (from staff) | note
    kind: Mapped[str] = mapped_column(String(16))  # text, photo, …, note
    youth_message_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="SET NULL"))
    text_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # notes only; relays are copied, not kept
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_case_messages_youth", "case_id", "youth_message_id"),
        Index("ix_case_messages_staff", "case_id", "staff_message_id"),
    )


class Stop(Base):
    """A place where the bus stops, from the tour plan (tour.yaml)."""

    __tablename__ = "stops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)  # the plan's id, e.g. "peine-markt"
    name: Mapped[str] = mapped_column(String(120))
    place: Mapped[str] = mapped_column(String(32))  # a code of bot.profile.PLACES
    address: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float]
    longitude: Mapped[float]
    capacity: Mapped[int] = mapped_column(Integer, default=1)  # conversations at the same time
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    active: Mapped[bool] = mapped_column(default=True)  # a stop dropped from the plan keeps its bookings


class StopWindow(Base):
    """When the bus is at a stop: on weekdays (0 = Monday) or on one date, from a local time to a local time."""

    __tablename__ = "stop_windows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id", ondelete="CASCADE"))
    weekday: Mapped[int | None] = mapped_column(Integer)
    on_date: Mapped[date | None]
    starts: Mapped[time]
    ends: Mapped[time]
    source: Mapped[str] = mapped_column(String(8), default="plan")  # plan (from the file) | extra (one-off)


class StopCancellation(Base):
    """A day on which the bus does not come to a stop, whatever the plan says."""

    __tablename__ = "stop_cancellations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id", ondelete="CASCADE"))
    on_date: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("uq_stop_cancellations_day", "stop_id", "on_date", unique=True),)


class SlotBooking(Base):
    """How many of a slot's places are taken. One atomic conditional UPDATE per booking keeps the capacity on
    both databases, whoever races for the last place."""

    __tablename__ = "slot_bookings"

    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id", ondelete="CASCADE"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    topic: Mapped[str | None] = mapped_column(String(32))  # a code of bot.booking.TOPICS
    status: Mapped[str] = mapped_column(String(12), default="booked")  # booked|cancelled|attended|no_show
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    cancelled_by: Mapped[str | None] = mapped_column(String(12))  # young_person | staff | plan
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_appointments_start", "starts_at"), Index("ix_appointments_contact", "contact_id"))


class Reminder(Base):
    """A reminder to send at a moment; the scheduler's jobs are rebuilt from these rows at every start."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    offset_label: Mapped[str] = mapped_column(String(8))  # "24h", "1h"
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | dropped

    __table_args__ = (Index("ix_reminders_pending", "status", "due_at"),)


class HourPool(Base):
    """The hours pool (Stundenpool): a budget of hours for one-to-one accompaniment in a period (local dates,
    both included). Periods do not overlap; an hour entry belongs to the pool whose period holds its day."""

    __tablename__ = "hour_pools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    budget_minutes: Mapped[int] = mapped_column(Integer)
    cap_minutes: Mapped[int | None] = mapped_column(Integer)  # per case, optional
    set_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="SET NULL"))
    warned_80_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # each warning goes once per period
    warned_95_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HourEntry(Base):
    """Time a worker spent on one case. Never shown to young people. When a young person deletes everything,
    the entry stays (the pool's hours were spent) but loses its case, and its note goes with the case."""

    __tablename__ = "hour_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="SET NULL"))  # the author
    activity: Mapped[str | None] = mapped_column(String(16))  # a code of bot.hours.ACTIVITIES; None: not chosen
    minutes: Mapped[int] = mapped_column(Integer)
    worked_on: Mapped[date]  # the local day the work was logged for
    origin_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the message that logged it: a double tap
    origin_message_id: Mapped[int | None] = mapped_column(BigInteger)  # on a button logs once
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # entries are never removed: audited

    __table_args__ = (
        Index("ix_hour_entries_day", "worked_on"),
        Index("ix_hour_entries_case", "case_id"),
        Index("uq_hour_entries_origin", "origin_chat_id", "origin_message_id", unique=True),
    )


class HourNote(Base):
    """The internal note of an hour entry, encrypted; deleted with the case (the entry itself stays)."""

    __tablename__ = "hour_notes"

    entry_id: Mapped[int] = mapped_column(ForeignKey("hour_entries.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    text_enc: Mapped[bytes] = mapped_column(LargeBinary)


class HourChange(Base):
    """The audit trail of corrections: who changed which entry when, from what to what (notes only as a flag)."""

    __tablename__ = "hour_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("hour_entries.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(8))  # fix | delete
    old_minutes: Mapped[int] = mapped_column(Integer)
    new_minutes: Mapped[int | None] = mapped_column(Integer)  # None: deleted
    note_changed: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_hour_changes_entry", "entry_id"),)

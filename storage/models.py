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
    chat_id_enc: Mapped[bytes] = mapped_column(LargeBinary)  # the private chat id, encrypted (bot.privacy)
    language: Mapped[str] = mapped_column(String(8))
    nickname: Mapped[str | None] = mapped_column(String(64))
    age_band: Mapped[str | None] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | unreachable
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    office_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last "we are closed" notice


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
    payload_enc: Mapped[bytes] = mapped_column(LargeBinary)  # the JSON parameters, encrypted
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
    announcement_id: Mapped[int | None] = mapped_column(Integer)  # a bus announcement's message to one subscriber

    __table_args__ = (
        Index("ix_outbox_pending", "status", "priority", "id"),
        Index("ix_outbox_announcement", "announcement_id", "status"),
        # A chat's waiting messages (the sender, combining); and what is deleted with a person, a case or a message
        # (erasure, retention: without these each deleted row searches the whole outbox).
        Index("ix_outbox_lane", "lane", "status", "id"),
        Index("ix_outbox_user_key", "user_key"),
        Index("ix_outbox_contact", "contact_id"),
        Index("ix_outbox_case", "case_id"),
        Index("ix_outbox_case_message", "case_message_id"),
    )


class StaffMember(Base):
    """A member of the team, allow-listed by Telegram user id. Young people see only the display name."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # worker | coordinator | admin
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    on_duty: Mapped[bool] = mapped_column(default=False)  # /duty: mentioned in crisis alerts


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
    urgent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # since when urgent (None: not urgent)
    urgent_reason: Mapped[str | None] = mapped_column(String(16))  # a crisis category, "button" or "staff"
    contents_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # retention cleared topic and notes

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
        Index("ix_cases_contact", "contact_id"),  # a person's cases, closed ones too (erasure, retention)
    )


class OfficeDigest(Base):
    """A morning digest sent to the staff group: one per opening, whatever restarts happen around it."""

    __tablename__ = "office_digests"

    opening_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


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

    __table_args__ = (
        Index("ix_appointments_start", "starts_at"),
        Index("ix_appointments_contact", "contact_id"),
        Index("ix_appointments_case", "case_id"),
    )


class Reminder(Base):
    """A reminder to send at a moment; the scheduler's jobs are rebuilt from these rows at every start."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    offset_label: Mapped[str] = mapped_column(String(8))  # "24h", "1h"
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | dropped

    __table_args__ = (
        Index("ix_reminders_pending", "status", "due_at"),
        Index("ix_reminders_appointment", "appointment_id"),
    )


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
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
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


# -- what stays for the statistics when a young person's data is deleted (by /delete or by retention) ------------
# No link to Telegram, to the contact, the case, its alias, or anything anybody wrote: only what the committee
# report counts (storage.report), with days instead of moments where a day is all the report needs.


class AnonPerson(Base):
    """A young person whose data was deleted: the day of their first contact and the answers the report groups by."""

    __tablename__ = "anon_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_contact_on: Mapped[datetime] = mapped_column(UTCDateTime)  # local midnight (in UTC) of the day
    language: Mapped[str] = mapped_column(String(8))
    age_band: Mapped[str | None] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(64))


class AnonActivity(Base):
    """A day on which such a person wrote to the team or booked an appointment (for returning contacts)."""

    __tablename__ = "anon_activity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("anon_people.id", ondelete="CASCADE"))
    active_on: Mapped[datetime] = mapped_column(UTCDateTime)  # local midnight (in UTC) of the day

    __table_args__ = (Index("uq_anon_activity_day", "person_id", "active_on", unique=True),)


class AnonCase(Base):
    """A deleted case: when it was opened, first answered and closed, and how it ended."""

    __tablename__ = "anon_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AnonCaseHours(Base):
    """Which hour entries were spent on the same deleted case (the entries stay, see HourEntry), so that the pool
    still counts the cases with hours and those over the cap."""

    __tablename__ = "anon_case_hours"

    entry_id: Mapped[int] = mapped_column(ForeignKey("hour_entries.id", ondelete="CASCADE"), primary_key=True)
    anon_case_id: Mapped[int] = mapped_column(ForeignKey("anon_cases.id", ondelete="CASCADE"))


class AnonAppointment(Base):
    """A deleted appointment: its time, status and topic."""

    __tablename__ = "anon_appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12))
    topic: Mapped[str | None] = mapped_column(String(32))


# -- the bus: subscriptions, announcements, day-before notes, the live position (bot.bus, bot.broadcast) ---------


class Subscription(Base):
    """A young person wants to hear where the bus is in a place (a town code of bot.profile.PLACES)."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    place: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("uq_subscriptions_contact_place", "contact_id", "place", unique=True),
        Index("ix_subscriptions_place", "place"),
    )


class Announcement(Base):
    """A bus announcement: a coordinator's draft (built by buttons), then its broadcast, then its reach. The day-
    before note is one too (kind daynote, without a coordinator). Free text is stored encrypted."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str | None] = mapped_column(String(12))  # here | late | cancelled | free | daynote
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | sending | done | discarded
    step: Mapped[str] = mapped_column(String(12), default="kind")  # where the draft's panel is
    place: Mapped[str | None] = mapped_column(String(32))  # whose subscribers; "*" for everyone
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id", ondelete="SET NULL"))
    on_date: Mapped[date | None]  # the local day it is about
    until_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # "we are here until"
    minutes: Mapped[int | None] = mapped_column(Integer)  # "running n minutes late"
    text_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # free text, as written
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="SET NULL"))
    panel_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the coordinator's panel: the staff group or
    panel_message_id: Mapped[int | None] = mapped_column(BigInteger)  # their private chat with the bot
    panel_lane: Mapped[str | None] = mapped_column(String(40))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)  # kept when the outbox rows are gone
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the panel's last progress edit
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_announcements_status", "status", "created_at"),)


class AnnouncementRecipient(Base):
    """Who an announcement was written for: nobody twice, and a correction reaches the same people."""

    __tablename__ = "announcement_recipients"

    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_announcement_recipients_contact", "contact_id"),)


class DayNote(Base):
    """The day-before note for one day ("tomorrow the bus is in …"); the scheduler's jobs are rebuilt from these
    rows at every start. What it says is taken from the plan when it is sent."""

    __tablename__ = "day_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    on_date: Mapped[date] = mapped_column(unique=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | dropped
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_day_notes_pending", "status", "due_at"),)


class BusPosition(Base):
    """A live location a coordinator shares with the bot; /bus shows the newest while it is live."""

    __tablename__ = "bus_positions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="SET NULL"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    latitude: Mapped[float]
    longitude: Mapped[float]
    live_until: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("uq_bus_positions_message", "chat_id", "message_id", unique=True),)


# -- abuse and liveness (bot.flood, bot.liveness) -------------------------------------------------------------------


class ContactGuard(Base):
    """How fast a young person is writing (a token bucket, bot.flood) and whether the team blocked them. It goes
    with the contact: after /delete a person starts afresh, as anyone new does."""

    __tablename__ = "contact_guards"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    tokens: Mapped[float]  # what is left of the burst; below zero: messages are held back for later
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    told: Mapped[int] = mapped_column(Integer, default=0)  # 0, 1 "slower" said, 2 "not passed on" said
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="SET NULL"))
    block_told: Mapped[bool] = mapped_column(default=False)  # the neutral "not passed on" notice went out


class InstanceLease(Base):
    """Which running instance may poll, process and send: one row, renewed by a heartbeat, taken over once it has
    expired (or at once when its process is gone on the same machine)."""

    __tablename__ = "instance_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    instance: Mapped[str] = mapped_column(String(32))  # random per start
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    process_started: Mapped[int | None] = mapped_column(BigInteger)  # tells a reused pid from the holder
    mode: Mapped[str] = mapped_column(String(16))  # polling | webhook
    key_id: Mapped[str] = mapped_column(String(16))  # which SECRET_KEY comes first there (for rotate-key)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

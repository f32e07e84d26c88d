"""The tables. Identifying data is never stored in the clear: user ids only as keyed hashes, chat ids and raw
updates only encrypted (see bot.privacy)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
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
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_outbox_pending", "status", "priority", "id"),)

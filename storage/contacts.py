"""Contacts: young people who agreed to be stored, found by the keyed hash of their Telegram user id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.appointments import free_place
from storage.base import utcnow
from storage.models import Appointment, Contact, ConversationState, OutboxMessage


@dataclass(frozen=True)
class ContactDTO:
    id: int
    user_key: str
    chat_id_enc: bytes
    language: str
    nickname: str | None
    age_band: str | None
    place: str | None
    source: str | None
    status: str
    consent_at: datetime
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class NewContact:
    user_key: str
    chat_id_enc: bytes
    language: str
    source: str | None
    nickname: str | None = None
    age_band: str | None = None
    place: str | None = None


def from_row(row: Any) -> ContactDTO:
    """From a loaded Contact, or anything with its columns as attributes (storage.senders)."""
    return ContactDTO(
        id=row.id,
        user_key=row.user_key,
        chat_id_enc=row.chat_id_enc,
        language=row.language,
        nickname=row.nickname,
        age_band=row.age_band,
        place=row.place,
        source=row.source,
        status=row.status,
        consent_at=row.consent_at,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
    )


# Built once (storage.base.table_of).
_BY_USER_KEY = select(Contact).where(Contact.user_key == bindparam("user_key"))


async def find_by_user_key(session: AsyncSession, user_key: str) -> ContactDTO | None:
    row = await session.scalar(_BY_USER_KEY, {"user_key": user_key})
    return from_row(row) if row else None


async def get(session: AsyncSession, contact_id: int) -> ContactDTO | None:
    row = await session.get(Contact, contact_id)
    return from_row(row) if row else None


async def create(session: AsyncSession, new: NewContact, consent_at: datetime | None = None) -> ContactDTO:
    now = utcnow()
    row = Contact(
        user_key=new.user_key,
        chat_id_enc=new.chat_id_enc,
        language=new.language,
        source=new.source,
        nickname=new.nickname,
        age_band=new.age_band,
        place=new.place,
        status="active",
        consent_at=consent_at or now,
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    await session.flush()
    return from_row(row)


async def update_profile(
    session: AsyncSession,
    contact_id: int,
    *,
    nickname: str | None,
    age_band: str | None,
    place: str | None,
) -> None:
    await session.execute(
        update(Contact).where(Contact.id == contact_id).values(nickname=nickname, age_band=age_band, place=place)
    )


async def set_language(session: AsyncSession, contact_id: int, language: str) -> None:
    await session.execute(update(Contact).where(Contact.id == contact_id).values(language=language))


async def touch(session: AsyncSession, contact_id: int, chat_id_enc: bytes | None = None) -> None:
    """Record that the person wrote; a seen chat id revives an unreachable contact (they unblocked us)."""
    values: dict[str, object] = {"last_seen_at": utcnow(), "status": "active"}
    if chat_id_enc is not None:
        values["chat_id_enc"] = chat_id_enc
    await session.execute(update(Contact).where(Contact.id == contact_id).values(**values))


async def mark_unreachable(session: AsyncSession, contact_id: int) -> None:
    await session.execute(update(Contact).where(Contact.id == contact_id).values(status="unreachable"))


async def delete_everything(session: AsyncSession, user_key: str) -> bool:
    """Delete all we keep about one person. Returns whether a contact existed.

    Rows that reference the contact go by ON DELETE CASCADE (cases, appointments and their reminders); rows
    keyed only by the pseudonym go here. The places their booked appointments took are given back first.
    """
    booked = await session.execute(
        select(Appointment.stop_id, Appointment.starts_at)
        .join(Contact, Contact.id == Appointment.contact_id)
        .where(Contact.user_key == user_key, Appointment.status == "booked")
    )
    for stop_id, starts_at in booked.all():
        await free_place(session, stop_id, starts_at)
    await session.execute(delete(ConversationState).where(ConversationState.user_key == user_key))
    await session.execute(delete(OutboxMessage).where(OutboxMessage.user_key == user_key))
    result = await session.execute(delete(Contact).where(Contact.user_key == user_key))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Contact)) or 0)

"""Who wants to hear where the bus is, by place; and who an announcement goes to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import utcnow
from storage.models import Contact, Subscription


@dataclass(frozen=True)
class Recipient:
    """What sending to a young person needs: the pseudonym (their lane), the encrypted chat id, the language."""

    contact_id: int
    user_key: str
    chat_id_enc: bytes
    language: str


def _recipient(row: Contact) -> Recipient:
    return Recipient(row.id, row.user_key, row.chat_id_enc, row.language)


async def places_of(session: AsyncSession, contact_id: int) -> list[str]:
    rows = await session.scalars(
        select(Subscription.place).where(Subscription.contact_id == contact_id).order_by(Subscription.place)
    )
    return list(rows.all())


async def toggle(session: AsyncSession, contact_id: int, place: str) -> bool:
    """Subscribe to a place, or unsubscribe if subscribed; returns whether subscribed now."""
    found = await session.scalar(
        select(Subscription).where(Subscription.contact_id == contact_id, Subscription.place == place)
    )
    if found is not None:
        await session.delete(found)
        await session.flush()
        return False
    session.add(Subscription(contact_id=contact_id, place=place, created_at=utcnow()))
    await session.flush()
    return True


async def remove_all(session: AsyncSession, contact_id: int) -> int:
    result = await session.execute(delete(Subscription).where(Subscription.contact_id == contact_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def counts_by_place(session: AsyncSession) -> dict[str, int]:
    """Subscribers per place (people who can be reached)."""
    rows = await session.execute(
        select(Subscription.place, func.count())
        .join(Contact, Contact.id == Subscription.contact_id)
        .where(Contact.status == "active")
        .group_by(Subscription.place)
    )
    return {place: int(n) for place, n in rows.all()}


async def count_people(session: AsyncSession) -> int:
    """Subscribers, each counted once however many places they chose."""
    return int(
        await session.scalar(
            select(func.count(func.distinct(Subscription.contact_id)))
            .join(Contact, Contact.id == Subscription.contact_id)
            .where(Contact.status == "active")
        )
        or 0
    )


async def recipients(session: AsyncSession, places: list[str] | None) -> list[Recipient]:
    """Everyone subscribed to any of the places (None: to any place), once each, who can be reached."""
    chosen = select(Subscription.contact_id)
    if places is not None:
        chosen = chosen.where(Subscription.place.in_(places))
    rows = await session.scalars(
        select(Contact).where(Contact.id.in_(chosen), Contact.status == "active").order_by(Contact.id)
    )
    return [_recipient(row) for row in rows]


async def recipients_with_places(session: AsyncSession, places: list[str]) -> list[tuple[Recipient, list[str]]]:
    """Everyone subscribed to any of the places, with which of them they chose."""
    rows = await session.execute(
        select(Contact, Subscription.place)
        .join(Subscription, Subscription.contact_id == Contact.id)
        .where(Subscription.place.in_(places), Contact.status == "active")
        .order_by(Contact.id, Subscription.place)
    )
    found: dict[int, tuple[Recipient, list[str]]] = {}
    for contact, place in rows.all():
        found.setdefault(contact.id, (_recipient(contact), []))[1].append(place)
    return list(found.values())

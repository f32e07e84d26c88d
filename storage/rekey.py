"""Key rotation in the database: every encrypted column re-encrypted, every pseudonym re-hashed.

The columns are found, not listed: every LargeBinary column whose name ends in ``_enc`` holds an encrypted value
(bot.privacy), and every column named ``user_key`` holds a pseudonym (the keyed hash of a Telegram user id). A
table added later that follows these names is rotated too. Each value is replaced only if it is still the value
that was read, so the running bot may go on writing meanwhile.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from sqlalchemy import Column, LargeBinary, Table, and_, delete, func, literal, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.base import Base
from storage.models import Contact, ConversationState, OutboxMessage

BATCH = 200


def encrypted_columns() -> list[tuple[Table, Column[bytes]]]:
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_enc") and isinstance(column.type, LargeBinary)
    ]


def pseudonym_tables() -> list[Table]:
    return [table for table in Base.metadata.sorted_tables if "user_key" in table.columns]


@dataclass(frozen=True)
class Stored:
    table: Table
    column: Column[bytes]
    key: tuple[object, ...]  # the row's primary key
    value: bytes


async def stored_values(
    sessions: async_sessionmaker[AsyncSession], table: Table, column: Column[bytes]
) -> AsyncIterator[list[Stored]]:
    """The non-empty values of one column, in batches, in primary-key order (a fresh transaction each)."""
    pk = list(table.primary_key.columns)
    after: tuple[object, ...] | None = None
    while True:
        query = select(*pk, column).where(column.is_not(None), func.length(column) > 0)
        if after is not None:
            later = tuple_(*pk) > tuple_(*(literal(v) for v in after)) if len(pk) > 1 else pk[0] > after[0]
            query = query.where(later)
        async with sessions() as session:
            rows = (await session.execute(query.order_by(*pk).limit(BATCH))).all()
        if not rows:
            return
        yield [Stored(table, column, tuple(row[:-1]), bytes(row[-1])) for row in rows]
        after = tuple(rows[-1][:-1])


async def replace_value(session: AsyncSession, stored: Stored, new: bytes) -> bool:
    """Write the new value if the row still holds the one that was read; returns whether it did."""
    pk = list(stored.table.primary_key.columns)
    same_row = and_(*(c == v for c, v in zip(pk, stored.key, strict=True)))
    result = await session.execute(
        update(stored.table).where(same_row, stored.column == stored.value).values({stored.column.name: new})
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def contact_pseudonyms(session: AsyncSession) -> list[tuple[int, str, bytes]]:
    """(contact id, user_key, encrypted chat id) of every contact: a private chat's id is the user's id."""
    rows = await session.execute(select(Contact.id, Contact.user_key, Contact.chat_id_enc).order_by(Contact.id))
    return [(int(i), str(k), bytes(c)) for i, k, c in rows.all()]


async def rename_user_key(session: AsyncSession, old: str, new: str, lane_of: Callable[[str], str]) -> None:
    """One person's pseudonym, everywhere it is stored (and the outbox lane named after it)."""
    if old == new:
        return
    if await session.get(ConversationState, new) is not None:  # begun again under the new key: that one counts
        await session.execute(delete(ConversationState).where(ConversationState.user_key == old))
    for table in pseudonym_tables():
        await session.execute(update(table).where(table.c.user_key == old).values(user_key=new))
    await session.execute(update(OutboxMessage).where(OutboxMessage.lane == lane_of(old)).values(lane=lane_of(new)))


async def adopt(session: AsyncSession, old_keys: list[str], new: str, lane_of: Callable[[str], str]) -> bool:
    """Someone writes while a rotation is under way and is known only under an older pseudonym: re-hash them now.
    Returns whether they were found."""
    for old in old_keys:
        known = await session.scalar(select(Contact.id).where(Contact.user_key == old)) is not None
        if known or await session.get(ConversationState, old) is not None:
            await rename_user_key(session, old, new, lane_of)
            return True
    return False


async def unfinished_signups(session: AsyncSession) -> int:
    """Journeys of people who have not agreed to be stored yet: no chat id is kept for them, so the rotation cannot
    re-hash them; they are re-hashed when they write again while the old key is still listed."""
    contacts = select(Contact.user_key)
    found = await session.scalar(
        select(func.count()).select_from(ConversationState).where(ConversationState.user_key.not_in(contacts))
    )
    return int(found or 0)

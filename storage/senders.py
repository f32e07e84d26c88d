"""Who sent an update and where they stand, with one read: their contact, their conversation, their place in the
team, and, for a young person, their flood guard and their open case.

The processor needs the first three for every update in a private chat (bot.context.UnitOfWork.open), the relay
the other two for every message (handlers.relay); five reads, four of them of ORM objects, had been a third of
the CPU of a relayed message (benchmarks/). One statement on the tables (storage.base.table_of) joins them to a
row that is always there, so that each may be missing. A batch of updates (bot.delivery.intake) reads all its
senders with one statement ahead (`read_ahead`), which `find` answers from until anything is written.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, String, Table, and_, bindparam, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage import cases, contacts, conversations, guards, later, staff
from storage.base import flushed, table_of
from storage.cases import CaseDTO
from storage.contacts import ContactDTO
from storage.conversations import ConversationDTO
from storage.guards import GuardDTO
from storage.models import Case, Contact, ContactGuard, ConversationState, StaffMember
from storage.staff import StaffDTO


@dataclass(frozen=True)
class Sender:
    contact: ContactDTO | None
    conversation: ConversationDTO | None
    staff: StaffDTO | None  # only an active member of the team
    guard: GuardDTO | None
    open_case: CaseDTO | None


_CONTACTS, _CONVERSATIONS, _STAFF = table_of(Contact), table_of(ConversationState), table_of(StaffMember)
_GUARDS, _CASES = table_of(ContactGuard), table_of(Case)
_ONE = select(literal(1).label("one")).subquery("one")
_FIND = (
    select(_CONTACTS, _CONVERSATIONS, _STAFF, _GUARDS, _CASES)
    .select_from(_ONE)
    .outerjoin(_CONTACTS, _CONTACTS.c.user_key == bindparam("user_key"))
    .outerjoin(_CONVERSATIONS, _CONVERSATIONS.c.user_key == bindparam("user_key"))
    .outerjoin(_STAFF, _STAFF.c.telegram_user_id == bindparam("user"))
    .outerjoin(_GUARDS, _GUARDS.c.contact_id == _CONTACTS.c.id)
    .outerjoin(_CASES, and_(_CASES.c.contact_id == _CONTACTS.c.id, _CASES.c.status == cases.OPEN))  # one at most
)


async def find(session: AsyncSession, user_key: str, telegram_user_id: int) -> Sender:
    await flushed(session)  # (an update of the same batch may have changed this person's conversation)
    known = later.ahead(session, _AHEAD)  # (forgotten as soon as anything is written)
    row = known.get((user_key, telegram_user_id)) if known else None
    if row is not None:
        parts = _PARTS_AHEAD
    else:
        row, parts = (await session.execute(_FIND, {"user_key": user_key, "user": telegram_user_id})).one(), _PARTS
    contact, conversation, member, guard, case = (part.of(row) for part in parts)
    return Sender(
        contacts.from_row(contact) if contact is not None else None,
        conversations.from_row(conversation) if conversation is not None else None,
        staff.from_row(member) if member is not None and member.active else None,
        guards.waiting_bucket(session, guards.from_row(guard)) if guard is not None else None,
        cases.from_row(case) if case is not None else None,
    )


async def read_ahead(session: AsyncSession, people: Iterable[tuple[str, int]]) -> None:
    """Read who sent each of a batch's updates (user key, Telegram id) with one statement, for `find` to answer from
    until the session writes anything (storage.later.read_ahead): on PostgreSQL a round trip each fewer."""
    wanted, found = list(dict.fromkeys(people)), dict[tuple[str, int], Any]()
    await flushed(session)
    for start in range(0, len(wanted), _AHEAD_AT_ONCE):
        part = wanted[start : start + _AHEAD_AT_ONCE]
        params = {
            f"{name}{n}": value for n, person in enumerate(part) for name, value in zip("ku", person, strict=True)
        }
        found.update(((row[0], row[1]), row) for row in await session.execute(_find_many(len(part)), params))
    later.read_ahead(session, _AHEAD, found)


_AHEAD, _AHEAD_AT_ONCE = "senders", 20  # (a statement for each number of people up to this)


@functools.cache
def _find_many(count: int) -> Select[Any]:
    """_FIND for `count` people (k0, u0, k1, u1 …), each row led by the two it was read for."""
    wanted = union_all(
        *(
            select(
                bindparam(f"k{n}", type_=String).label("user_key"), bindparam(f"u{n}", type_=BigInteger).label("user")
            )
            for n in range(count)
        )
    ).subquery("wanted")
    statement = (
        select(wanted.c.user_key, wanted.c.user, _CONTACTS, _CONVERSATIONS, _STAFF, _GUARDS, _CASES)
        .select_from(wanted)
        .outerjoin(_CONTACTS, _CONTACTS.c.user_key == wanted.c.user_key)
        .outerjoin(_CONVERSATIONS, _CONVERSATIONS.c.user_key == wanted.c.user_key)
        .outerjoin(_STAFF, _STAFF.c.telegram_user_id == wanted.c.user)
        .outerjoin(_GUARDS, _GUARDS.c.contact_id == _CONTACTS.c.id)
        .outerjoin(_CASES, and_(_CASES.c.contact_id == _CONTACTS.c.id, _CASES.c.status == cases.OPEN))
    )
    later.leaves_alone(statement)
    return statement


class _Part:
    """One table's columns in the joined row (they come in the order of the select), as a named tuple, which the
    from_row functions read by name; None when that table had no row to join. Sliced by position: looking each
    column up by name in the row had cost as much as the statement itself."""

    def __init__(self, table: Table, start: int) -> None:
        names = [column.name for column in table.c]
        self.start, self.end = start, start + len(names)
        self.key = start + names.index(table.primary_key.columns.values()[0].name)
        columns: Any = namedtuple(table.name, names)  # type: ignore[misc]  # (made from the table)
        self.make = columns._make

    def of(self, row: Any) -> Any:
        return None if row[self.key] is None else self.make(row[self.start : self.end])


def _parts(*tables: Table, start: int = 0) -> tuple[_Part, ...]:
    parts = []
    for table in tables:
        parts.append(_Part(table, start))
        start = parts[-1].end
    return tuple(parts)


_PARTS = _parts(_CONTACTS, _CONVERSATIONS, _STAFF, _GUARDS, _CASES)
_PARTS_AHEAD = _parts(_CONTACTS, _CONVERSATIONS, _STAFF, _GUARDS, _CASES, start=2)  # (after the key and the id)
assert _PARTS[-1].end == len(_FIND.selected_columns) == _PARTS_AHEAD[-1].end - 2
later.leaves_alone(_FIND)  # (its guard is read with the bucket still waiting: guards.waiting_bucket)

"""Who sent an update and where they stand, with one read: their contact, their conversation, their place in the
team, and, for a young person, their flood guard and their open case.

The processor needs the first three for every update in a private chat (bot.context.UnitOfWork.open), the relay
the other two for every message (handlers.relay); five reads, four of them of ORM objects, had been a third of
the CPU of a relayed message (benchmarks/). One statement on the tables (storage.base.table_of) joins them to a
row that is always there, so that each may be missing.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, bindparam, literal, select
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
    row = (await session.execute(_FIND, {"user_key": user_key, "user": telegram_user_id})).one()
    contact, conversation, member, guard, case = (part.of(row) for part in _PARTS)
    return Sender(
        contacts.from_row(contact) if contact is not None else None,
        conversations.from_row(conversation) if conversation is not None else None,
        staff.from_row(member) if member is not None and member.active else None,
        guards.waiting_bucket(session, guards.from_row(guard)) if guard is not None else None,
        cases.from_row(case) if case is not None else None,
    )


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


def _parts(*tables: Table) -> tuple[_Part, ...]:
    parts, start = [], 0
    for table in tables:
        parts.append(_Part(table, start))
        start = parts[-1].end
    return tuple(parts)


_PARTS = _parts(_CONTACTS, _CONVERSATIONS, _STAFF, _GUARDS, _CASES)
assert _PARTS[-1].end == len(_FIND.selected_columns)
later.leaves_alone(_FIND)  # (its guard is read with the bucket still waiting: guards.waiting_bucket)

"""Who sent an update and where they stand, with one read: their contact, their conversation, their place in the
team, and, for a young person, their flood guard and their open case.

The processor needs the first three for every update in a private chat (bot.context.UnitOfWork.open), the relay
the other two for every message (handlers.relay); five reads, four of them of ORM objects, had been a third of
the CPU of a relayed message (benchmarks/). One statement on the tables (storage.base.table_of) joins them to a
row that is always there, so that each may be missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, Table, and_, bindparam, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import cases, contacts, conversations, guards, staff
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
    contact, conversation, member, guard, case = (
        _part(row, table) for table in (_CONTACTS, _CONVERSATIONS, _STAFF, _GUARDS, _CASES)
    )
    return Sender(
        contacts.from_row(contact) if contact is not None else None,
        conversations.from_row(conversation) if conversation is not None else None,
        staff.from_row(member) if member is not None and member.active else None,
        guards.from_row(guard) if guard is not None else None,
        cases.from_row(case) if case is not None else None,
    )


def _part(row: Row[Any], table: Table) -> SimpleNamespace | None:
    """One table's columns of the joined row, by name; None when that table had no row to join."""
    values = {column.name: row._mapping[column] for column in table.c}
    key = table.primary_key.columns.values()[0].name
    return None if values[key] is None else SimpleNamespace(**values)

"""The hours pool in storage: pools that do not overlap, entries, the audit trail, warnings once, and what stays when
a young person deletes everything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import contacts, hours, staff
from storage.engine import create_engine, session_factory
from storage.models import Case, HourChange, HourEntry, HourNote

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        yield session
    await engine.dispose()


async def a_case(session: AsyncSession, key: str = "k1") -> int:
    contact = await contacts.create(session, contacts.NewContact(key, b"chat", "de", None))
    case = Case(alias=f"K-{key}", contact_id=contact.id, status="open", urgent=False, reopened_count=0, opened_at=NOW)
    session.add(case)
    await session.flush()
    return case.id


async def test_pools_are_set_changed_and_never_overlap(session: AsyncSession) -> None:
    sam = await staff.add(session, 1, "Sam", "coordinator")
    pool, created = await hours.set_pool(session, date(2026, 11, 1), date(2027, 5, 31), 400 * 60, None, sam.id, NOW)
    assert created and pool.holds(date(2026, 11, 1)) and pool.holds(date(2027, 5, 31))
    again, created = await hours.set_pool(session, date(2026, 11, 1), date(2027, 5, 31), 450 * 60, 1200, sam.id, NOW)
    assert not created and again.id == pool.id and (again.budget_minutes, again.cap_minutes) == (450 * 60, 1200)
    with pytest.raises(hours.PoolOverlap) as overlap:
        await hours.set_pool(session, date(2027, 5, 31), date(2027, 12, 31), 100, None, sam.id, NOW)
    assert overlap.value.other.id == pool.id
    later, _ = await hours.set_pool(session, date(2027, 6, 1), date(2027, 12, 31), 100 * 60, None, sam.id, NOW)
    assert (await hours.pool_on(session, date(2027, 6, 1))) == later
    assert (await hours.current_pool(session, date(2028, 1, 5))) == later  # the last one that began before
    assert (await hours.current_pool(session, date(2026, 1, 5))) == again  # none yet: the first one
    assert [p.id for p in await hours.pools_between(session, date(2027, 5, 1), date(2027, 6, 1))] == [pool.id, later.id]


async def test_warnings_are_marked_once_and_can_be_rearmed(session: AsyncSession) -> None:
    pool, _ = await hours.set_pool(session, date(2026, 11, 1), date(2027, 5, 31), 600, None, None, NOW)
    assert await hours.mark_warned(session, pool.id, 80, NOW)
    assert not await hours.mark_warned(session, pool.id, 80, NOW)
    assert await hours.mark_warned(session, pool.id, 95, NOW)
    await hours.rearm(session, pool.id, 95)
    assert await hours.mark_warned(session, pool.id, 95, NOW)


async def test_corrections_and_deletions_leave_an_audit_trail(session: AsyncSession) -> None:
    sam, alex = await staff.add(session, 1, "Sam", "worker"), await staff.add(session, 2, "Alex", "coordinator")
    case_id = await a_case(session)
    day = date(2026, 11, 20)
    entry = await hours.log(
        session, case_id=case_id, staff_id=sam.id, activity=None, minutes=90, worked_on=day, now=NOW, origin=(-100, 7)
    )
    assert await hours.by_origin(session, -100, 7) == entry
    assert await hours.by_origin(session, -200, 7) is None  # another group's message 7 is another message
    assert await hours.set_activity(session, entry.id, "forms")
    assert not await hours.set_activity(session, entry.id, "call"), "only while none is chosen"
    other = await hours.log(
        session, case_id=case_id, staff_id=sam.id, activity="call", minutes=30, worked_on=day, now=NOW
    )
    assert await hours.used_minutes(session, day, day) == 120

    current = await hours.get(session, entry.id)
    assert current is not None
    fixed = await hours.fix(session, current, 60, b"encrypted note", alex.id, NOW)
    assert (fixed.action, fixed.old_minutes, fixed.new_minutes, fixed.note_changed) == ("fix", 90, 60, True)
    current = await hours.get(session, other.id)
    assert current is not None
    removed = await hours.remove(session, current, sam.id, NOW)
    assert (removed.action, removed.old_minutes, removed.new_minutes) == ("delete", 30, None)

    assert await hours.used_minutes(session, day, day) == 60
    assert (await hours.totals(session, day, day)).by_activity == {"forms": 60}
    trail = await hours.changes(session, [entry.id, other.id])
    assert [(c.entry_id, c.action, who) for c, who in trail] == [(entry.id, "fix", "Alex"), (other.id, "delete", "Sam")]
    listed = await hours.for_case(session, case_id)
    assert [(line.entry.id, line.entry.minutes, line.author, line.note_enc) for line in listed] == [
        (entry.id, 60, "Sam", b"encrypted note"),
        (other.id, 30, "Sam", None),
    ]
    assert listed[1].entry.deleted_at is not None


async def test_deleting_a_young_person_keeps_the_hours_but_not_the_notes(session: AsyncSession) -> None:
    sam = await staff.add(session, 1, "Sam", "worker")
    case_id = await a_case(session, "k-delete")
    day = date(2026, 11, 20)
    await hours.log(
        session, case_id=case_id, staff_id=sam.id, activity="home_visit", minutes=120, worked_on=day, now=NOW,
        note_enc=b"visited at home",
    )  # fmt: skip
    assert await session.scalar(select(func.count()).select_from(HourNote)) == 1

    assert await contacts.delete_everything(session, "k-delete")
    session.expire_all()
    [entry] = (await session.scalars(select(HourEntry))).all()
    assert entry.case_id is None and entry.minutes == 120, "the pool's hours were spent: they stay, without the case"
    assert await session.scalar(select(func.count()).select_from(HourNote)) == 0, "the note was about the person"
    assert await hours.used_minutes(session, day, day) == 120
    assert (await hours.totals(session, day, day)).by_case == {None: 120}
    assert await session.scalar(select(func.count()).select_from(HourChange)) == 0

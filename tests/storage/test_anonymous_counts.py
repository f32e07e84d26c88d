"""The committee report gives the same figures after young people deleted their data and after retention: over the
generated year, a third of the people are deleted (the anonymous rows kept for them, then everything else) and the
contents of half the closed cases are cleared, and the CSV, for the year and for a period cut inside months, stays
the same to the byte. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from year_of_activity import BERLIN, generate

from bot import report
from bot.i18n import Catalogs
from storage import anonymous, contacts, hours, retention
from storage.engine import session_factory
from storage.models import AnonPerson, Case, Contact, HourEntry

PERIODS = (report.Period(date(2026, 1, 1), date(2026, 12, 31)), report.Period(date(2026, 3, 15), date(2026, 8, 10)))
CREATED = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


async def csvs(engine: AsyncEngine) -> list[bytes]:
    tr = Catalogs(BERLIN, "de").translator("de")
    found = []
    async with session_factory(engine)() as session:
        for period in PERIODS:
            figures = await report.collect(session, period, BERLIN)
            found.append(report.to_csv(report.build(figures, tr, CREATED), tr))
    return found


async def test_the_figures_stay_when_people_are_deleted_and_case_contents_cleared(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        world = await generate(session)
    before = await csvs(engine)
    deleted = world.contacts[::3]
    async with session_factory(engine)() as session, session.begin():
        for person in deleted:
            user_key = await session.scalar(select(Contact.user_key).where(Contact.id == person.id))
            assert user_key is not None
            assert await anonymous.keep_counts(session, person.id, BERLIN)
            assert await contacts.delete_everything(session, user_key)
        due = await retention.closed_cases_due(session, datetime(2027, 6, 1, tzinfo=UTC))
        for case in due[::2]:
            await retention.clear_case_contents(session, case.id, CREATED)
    async with session_factory(engine)() as session:
        assert await anonymous.people(session) == len(deleted)
        assert await session.scalar(select(func.count()).select_from(Contact)) == len(world.contacts) - len(deleted)
        assert await session.scalar(select(func.count()).select_from(AnonPerson)) == len(deleted)
        assert await session.scalar(select(func.count()).select_from(Case).where(Case.contents_deleted_at.is_not(None)))
        orphaned = await session.scalar(select(func.count()).select_from(HourEntry).where(HourEntry.case_id.is_(None)))
        assert orphaned, "some of the deleted people had hours on their cases"
        totals = await hours.totals(session, PERIODS[0].first, PERIODS[0].last)
        assert None not in totals.by_case and any(key < 0 for key in totals.by_case if key is not None)
    assert await csvs(engine) == before

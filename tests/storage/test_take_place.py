"""No double booking where it is decided: `take_place` called at the same time from separate sessions (two and
three engines, like two bot processes) gives the last place of a slot to exactly one of them. On PostgreSQL the
transactions really overlap (the second waits on the first's row); on SQLite the write lock orders them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.cli_tour import plan_rows
from storage import appointments, tour
from storage.engine import create_engine, session_factory
from storage.models import SlotBooking

PLAN = Path(__file__).resolve().parents[2] / "tour.example.yaml"

TUESDAY_15 = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # Edemissen, Rathausplatz: one at a time


async def _setup(database_url: str) -> int:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        await tour.import_plan(session, plan_rows(PLAN))
        stop = await tour.by_key(session, "edemissen-rathaus")
    await engine.dispose()
    assert stop is not None and stop.capacity == 1
    return stop.id


@pytest.mark.parametrize("contenders", [2, 3])
@pytest.mark.parametrize("slot_row", ["new", "freed"])
async def test_concurrent_take_place_gives_the_last_place_once(
    database_url: str, contenders: int, slot_row: str
) -> None:
    """'new': nobody booked the slot yet (its counter row is created in the race); 'freed': someone booked and
    cancelled before, so the row exists with nothing taken and only the conditional UPDATE decides."""
    stop_id = await _setup(database_url)
    engines = [create_engine(database_url) for _ in range(contenders)]
    try:
        for engine in engines:  # connected before the race, so that the statements really overlap
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        if slot_row == "freed":
            async with session_factory(engines[0])() as session, session.begin():
                for n in range(8):
                    starts_at = TUESDAY_15 + timedelta(minutes=30 * (n % 6), days=7 * (n // 6))
                    assert await appointments.take_place(session, stop_id, starts_at, capacity=1)
                    await appointments.free_place(session, stop_id, starts_at)
        barrier = asyncio.Barrier(contenders)

        async def contend(engine, starts_at: datetime) -> bool:  # type: ignore[no-untyped-def]
            async with session_factory(engine)() as session:
                await barrier.wait()
                async with session.begin():
                    taken = await appointments.take_place(session, stop_id, starts_at, capacity=1)
                    await asyncio.sleep(0.01)  # keep the transaction open a moment: the others must wait for it
                return taken

        for n in range(8):
            starts_at = TUESDAY_15 + timedelta(minutes=30 * (n % 6), days=7 * (n // 6))
            results = await asyncio.gather(*(contend(engine, starts_at) for engine in engines))
            assert sorted(results) == [False] * (contenders - 1) + [True], (n, results)

        async with session_factory(engines[0])() as session:
            taken = {row.starts_at: row.taken for row in await session.scalars(select(SlotBooking))}
        assert len(taken) == 8 and set(taken.values()) == {1}
    finally:
        for engine in engines:
            await engine.dispose()


async def test_capacity_two_gives_two_places_and_freeing_gives_one_back(database_url: str) -> None:
    await _setup(database_url)
    engines = [create_engine(database_url) for _ in range(3)]
    starts_at = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # Peine, Marktplatz: two at a time
    try:
        async with session_factory(engines[0])() as session:
            stop = await tour.by_key(session, "peine-markt")
        assert stop is not None and stop.capacity == 2

        async def contend(engine) -> bool:  # type: ignore[no-untyped-def]
            async with session_factory(engine)() as session, session.begin():
                return await appointments.take_place(session, stop.id, starts_at, stop.capacity)

        assert sorted(await asyncio.gather(*(contend(e) for e in engines))) == [False, True, True]
        async with session_factory(engines[0])() as session, session.begin():
            await appointments.free_place(session, stop.id, starts_at)
        assert await contend(engines[1]) is True
        assert await contend(engines[2]) is False
    finally:
        for engine in engines:
            await engine.dispose()

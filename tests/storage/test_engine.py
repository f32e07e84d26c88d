"""The engine's sessions: a snapshot for long reads sees one state of the database and holds up no writer; on
PostgreSQL a pooled connection that lay unused is checked before use and replaced when its server side is gone, one
used a moment ago is not (storage.engine.ping_after_idling: why)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import engine as engines
from storage import staff
from storage.engine import create_engine, loop_session_factory, session_factory, snapshot_session_factory
from storage.models import StaffMember


async def _pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT pg_backend_pid()")))


async def _terminate(database_url: str, pid: int) -> None:
    other = create_engine(database_url)
    try:
        async with other.connect() as conn:
            assert await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()


async def test_a_connection_left_idle_is_pinged_and_replaced_one_just_used_is_not(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        # Idle longer than the limit (0 here): pinged at checkout, found dead, replaced; the statement never fails.
        monkeypatch.setattr(engines, "IDLE_BEFORE_PING", 0.0)
        gone = await _pid(engine)
        await _terminate(database_url, gone)
        assert await _pid(engine) != gone

        # Used a moment ago: no ping (no round trip), so a connection lost meanwhile fails its statement, once.
        monkeypatch.setattr(engines, "IDLE_BEFORE_PING", 3600.0)
        gone = await _pid(engine)
        await _terminate(database_url, gone)
        with pytest.raises(DBAPIError):
            await _pid(engine)
        assert await _pid(engine) != gone
    finally:
        await engine.dispose()


async def test_a_snapshot_sees_one_state_and_writers_go_on_meanwhile(database_url: str) -> None:
    engine = create_engine(database_url)
    count = select(func.count()).select_from(StaffMember)
    try:
        async with snapshot_session_factory(engine)() as snapshot:
            before = int(await snapshot.scalar(count) or 0)
            # Both kinds of writing session commit at once: the snapshot holds no lock they would wait for.
            for telegram_id, sessions in ((990_001, session_factory(engine)), (990_002, loop_session_factory(engine))):
                async with sessions() as session, session.begin():
                    await staff.add(session, telegram_id, "Kim", "worker")
            assert await snapshot.scalar(count) == before, "the same snapshot"
        async with snapshot_session_factory(engine)() as snapshot:
            assert await snapshot.scalar(count) == before + 2
    finally:
        await engine.dispose()

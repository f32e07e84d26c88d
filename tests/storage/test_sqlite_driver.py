"""SQLite through storage.sqlite_driver: one trip to the database thread per statement, and the transactions of one
process taking turns at the write lock on an asyncio lock (SQLite-only; PostgreSQL has its own row locks)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import sqlite_driver
from storage.base import utcnow
from storage.engine import BUSY_TIMEOUT, create_engine, loop_session_factory, read_session_factory, session_factory
from storage.models import InboxUpdate

GUARD = 30.0  # seconds: only against a hang, never a measure of speed


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    if not database_url.startswith("sqlite"):
        pytest.skip("the driver is SQLite's")
    created = create_engine(database_url)
    yield created
    await created.dispose()


def row(update_id: int) -> dict[str, object]:
    return {"update_id": update_id, "payload_enc": b"x", "status": "pending", "attempts": 0, "received_at": utcnow()}


async def test_the_writers_of_one_process_take_turns(engine: AsyncEngine) -> None:
    """Each transaction counts the rows and adds one, and yields to the others in between: with turns, every
    transaction saw a different count, and none failed with "database is locked"."""
    sessions = session_factory(engine)
    seen: list[int] = []

    async def writer(n: int) -> None:
        for i in range(10):
            async with sessions() as session, session.begin():
                seen.append(await session.scalar(select(func.count()).select_from(InboxUpdate)) or 0)
                await asyncio.sleep(0)
                await session.execute(insert(InboxUpdate).values(row(1000 * n + i)))

    await asyncio.wait_for(asyncio.gather(*(writer(n) for n in range(6))), GUARD)
    assert sorted(seen) == list(range(60))


async def test_a_read_does_not_wait_for_a_writer(engine: AsyncEngine) -> None:
    sessions, reads = session_factory(engine), read_session_factory(engine)
    async with sessions() as writing, writing.begin():
        await writing.execute(insert(InboxUpdate).values(row(1)))
        async with reads() as reading:  # would wait for the turn, and so for ever, if it took one
            count = await asyncio.wait_for(reading.scalar(select(func.count()).select_from(InboxUpdate)), GUARD)
        assert count == 0  # the write is not committed yet
    async with reads() as reading:
        assert await reading.scalar(select(func.count()).select_from(InboxUpdate)) == 1


async def test_results_come_back_as_sqlite_gives_them(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(insert(InboxUpdate), [row(i) for i in range(1, 6)])  # executemany
        changed = await session.execute(update(InboxUpdate).where(InboxUpdate.update_id > 2).values(status="done"))
        assert changed.rowcount == 3  # type: ignore[attr-defined]
        returned = await session.execute(
            update(InboxUpdate).where(InboxUpdate.status == "done").values(attempts=1).returning(InboxUpdate.update_id)
        )
        assert sorted(returned.scalars()) == [3, 4, 5]
        statuses = await session.execute(select(InboxUpdate.status, func.count()).group_by(InboxUpdate.status))
        assert dict(statuses.all()) == {"done": 3, "pending": 2}  # type: ignore[arg-type]


async def test_a_failed_transaction_gives_its_turn_back(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(insert(InboxUpdate).values(row(7)))
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await session.execute(insert(InboxUpdate).values(row(7)))  # the same update_id again
    async with sessions() as session, session.begin():  # would wait for ever for a turn never given back
        await asyncio.wait_for(session.execute(insert(InboxUpdate).values(row(8))), GUARD)


async def test_waiting_longer_than_the_busy_timeout_fails_as_sqlite_would(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the driver is SQLite's")
    engine = create_engine(database_url, module=sqlite_driver.dbapi(busy_timeout=0.2))
    sessions = session_factory(engine)
    try:
        async with sessions() as holding, holding.begin():
            await holding.execute(insert(InboxUpdate).values(row(1)))
            with pytest.raises(OperationalError, match="database is locked"):
                async with sessions() as waiting, waiting.begin():
                    await waiting.execute(insert(InboxUpdate).values(row(2)))
        async with sessions() as after, after.begin():  # the turns go on
            await after.execute(insert(InboxUpdate).values(row(3)))
    finally:
        await engine.dispose()


async def test_the_loops_sessions_run_their_statements_on_the_event_loops_thread(engine: AsyncEngine) -> None:
    """The poll, process and send loops' statements skip the trip to the database thread; everything else (a purge,
    a report) still makes it, also on a connection that a loop's session used just before."""

    begins: list[int] = []  # the threads that ran a BEGIN IMMEDIATE

    @event.listens_for(engine.sync_engine, "connect")
    def _thread_function(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("thread_of_statement", 0, threading.get_ident)
        dbapi_connection.driver_connection._conn.set_trace_callback(
            lambda sql: begins.append(threading.get_ident()) if sql == sqlite_driver.BEGIN else None
        )

    here = threading.get_ident()
    asking = select(func.thread_of_statement())
    for n in range(2):  # the pool hands the same connection to all of them in turn
        async with loop_session_factory(engine)() as session, session.begin():
            assert await session.scalar(asking) == here
            await session.execute(insert(InboxUpdate).values(row(1 + n)))
        assert begins.pop() == here  # nobody else held the write lock: no need to wait for it on another thread
        async with read_session_factory(engine)() as session:
            assert await session.scalar(asking) == here
        async with session_factory(engine)() as session, session.begin():
            assert await session.scalar(asking) != here
        assert begins.pop() != here
        async with engine.connect() as connection:
            assert await connection.scalar(asking) != here
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 2  # committed inline


async def test_a_loops_transaction_waits_for_another_process_off_the_event_loop(
    engine: AsyncEngine, database_url: str
) -> None:
    """Another process (here: another connection) holds SQLite's write lock. A loop's BEGIN IMMEDIATE must not wait
    for it on the event loop's thread, in SQLite's busy handler: the loop would stand still for up to the busy
    timeout. So SQLite is told not to wait there, and the wait happens on the database thread."""
    here = threading.get_ident()
    waits: dict[int, int] = {}  # per thread: the busy timeout in force, as the driver last set it
    loop_begins: list[int] = []  # the busy timeout in force at each BEGIN IMMEDIATE on the event loop's thread

    def traced(sql: str) -> None:
        if sql.startswith("PRAGMA busy_timeout="):
            waits[threading.get_ident()] = int(sql.partition("=")[2])
        elif sql == sqlite_driver.BEGIN and threading.get_ident() == here:
            loop_begins.append(waits.get(here, -1))

    @event.listens_for(engine.sync_engine, "connect")
    def _trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection._conn.set_trace_callback(traced)

    other = sqlite3.connect(str(make_url(database_url).database), isolation_level=None, check_same_thread=False)
    try:
        other.execute(sqlite_driver.BEGIN)

        async def write() -> None:
            async with loop_session_factory(engine)() as session, session.begin():
                await session.execute(insert(InboxUpdate).values(row(1)))

        writing = asyncio.create_task(write())
        for _ in range(20):  # the loop keeps turning while the transaction waits
            await asyncio.sleep(0.01)
        assert not writing.done()
        assert loop_begins == [0]  # tried here without waiting; the wait is on the database thread
        other.execute("ROLLBACK")
        await asyncio.wait_for(writing, GUARD)
    finally:
        other.close()
    async with loop_session_factory(engine)() as session, session.begin():
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 1
        assert await session.scalar(text("PRAGMA busy_timeout")) == int(BUSY_TIMEOUT * 1000)  # given back

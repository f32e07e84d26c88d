"""SQLAlchemy's aiosqlite adapter, changed in two ways that the relay's speed depends on (benchmarks/).

One trip to the database thread per statement instead of four. aiosqlite runs each SQLite call on a thread of
its own and hands the result back to the event loop; SQLAlchemy's adapter makes four such trips for every
statement (open a cursor, execute, fetch, close), and on a small machine a trip costs more than the statement
itself (about 1.3 ms of CPU per statement against 0.5 ms). Here the four steps run as one function there.

Writers queue in the event loop, not in SQLite. Every transaction starts with BEGIN IMMEDIATE (storage.engine),
so the poll loop, the processor and the sender take turns at SQLite's write lock. Left to SQLite, a transaction
that finds the lock taken sleeps in its busy handler (1, 2, 5, 10 … 100 ms) and the turns leave gaps of idle
milliseconds between them; here the transactions of this process wait for each other on an asyncio lock, handed
on the moment the previous one ends. Other processes (the command-line tools) still meet SQLite's busy timeout.

No trip at all for the loops' statements. Even one trip costs more CPU than SQLAlchemy's own work for a short
statement (about 0.5 ms of CPU per statement against 0.25 ms). The sessions of the poll, process and send loops
(storage.engine.INLINE) run their statements on the event loop's own thread, as a synchronous driver would:
short statements on indexed rows, each far shorter than the trip. Their BEGIN IMMEDIATE is tried there too,
with SQLite told not to wait: when another process holds the write lock, SQLite answers "busy" at once and the
BEGIN goes to the database thread, where it waits as long as the busy timeout allows without holding up the
loop. Everything else (the scheduled jobs, the command-line tools) runs on the database thread, so a long
statement never holds up the loop either.

Everything else — the dialect, the pool, the transactions — is SQLAlchemy's own.

Used through ``create_async_engine(url, module=dbapi())`` (storage.engine), so URLs stay ``sqlite+aiosqlite://``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util import await_only

BEGIN = "BEGIN IMMEDIATE"
Outcome = tuple[Any, list[Any] | None, int | None, int]  # description, rows, lastrowid, rowcount


def _execute(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """On the database thread: the whole of a statement, from opening the cursor to closing it."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), None, -1
        return None, None, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def _run(self, operation: str, parameters: Any, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            if self._adapt_connection.inline:  # type: ignore[attr-defined]
                outcome: Outcome = _execute(connection._conn, operation, parameters, many)
            else:
                call = connection._execute(_execute, connection._conn, operation, parameters, many)  # type: ignore[no-untyped-call]
                outcome = self.await_(call)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        description, rows, lastrowid, rowcount = outcome
        self.description = description
        if rows is not None:
            self._rows.clear()
            self._rows.extend(rows)
            self.lastrowid = self.rowcount = -1
        else:
            self.lastrowid, self.rowcount = lastrowid, rowcount  # type: ignore[assignment]

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._run(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._run(operation, seq_of_parameters, many=True)


class WriteTurns:
    """The turns of this process's connections at SQLite's write lock, in the order they asked (asyncio.Lock is
    fair). Waiting longer than SQLite's busy timeout fails as SQLite would have."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:  # an engine used from a later event loop (tests, tools)
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock

    async def take(self) -> asyncio.Lock:
        lock = self.lock()
        try:
            await asyncio.wait_for(lock.acquire(), self.timeout)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        return lock


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_busy_timeout", "_turn", "inline")

    def __init__(self, dbapi: OneTripDBAPI, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._turn: asyncio.Lock | None = None  # held from BEGIN IMMEDIATE to COMMIT or ROLLBACK
        self.inline = False  # statements on the event loop's thread (set for each transaction by storage.engine)
        self._busy_timeout: int | None = None  # milliseconds, once read

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return AsyncAdapt_aiosqlite_ss_cursor(self) if server_side else OneTripCursor(self)

    def begin_immediate(self, inline: bool = False) -> None:
        """Wait for this process's turn, then take SQLite's write lock; `inline`: on the event loop's thread when
        the lock is free at once. Fails as SQLAlchemy's own BEGIN would (sqlalchemy.exc.OperationalError
        "database is locked") when the wait is longer than the busy timeout."""
        self.inline = False  # (a wait for another process belongs on the database thread)
        try:
            turns: WriteTurns = self.dbapi.turns
            if self._turn is None:
                self._turn = self.await_(turns.take())
            if not (inline and self._begin_without_waiting()):
                self.cursor().execute(BEGIN)
        except BaseException as error:
            self._end_turn()
            if isinstance(error, sqlite3.Error):
                raise DBAPIError.instance(BEGIN, None, error, sqlite3.Error) from error
            raise

    def _begin_without_waiting(self) -> bool:
        """BEGIN IMMEDIATE here, on the event loop's thread, if no other process holds the write lock; False when
        one does (SQLite, with a busy timeout of 0, says so at once instead of waiting)."""
        connection: sqlite3.Connection = self._connection._conn
        if self._busy_timeout is None:  # the connection's own, given back afterwards
            self._busy_timeout = int(connection.execute("PRAGMA busy_timeout").fetchone()[0])
        connection.execute("PRAGMA busy_timeout=0")
        try:
            connection.execute(BEGIN)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:
                return False
            raise
        finally:
            connection.execute(f"PRAGMA busy_timeout={self._busy_timeout}")
        return True

    def _end_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None and turn.locked():
            turn.release()

    # Only BEGIN IMMEDIATE starts a transaction (the connection is in autocommit mode, storage.engine): outside one
    # there is nothing to end, and the trip to the database thread is saved (the sessions that only read).

    def _in_transaction(self) -> bool:
        if self._turn is not None:
            return True
        try:  # a COMMIT that failed leaves the transaction open with the turn given back: it is rolled back still
            return bool(self._connection._conn.in_transaction)
        except ValueError:  # closed
            return False

    def commit(self) -> None:
        self._end_transaction(self._inline_commit if self.inline else super().commit)

    def rollback(self) -> None:
        self._end_transaction(self._inline_rollback if self.inline else super().rollback)

    def _inline_commit(self) -> None:
        try:
            self._connection._conn.commit()
        except Exception as error:
            self._handle_exception(error)

    def _inline_rollback(self) -> None:
        try:
            self._connection._conn.rollback()
        except Exception as error:
            self._handle_exception(error)

    def _end_transaction(self, end: Callable[[], None]) -> None:
        if not self._in_transaction():
            return
        try:
            end()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()

    def terminate(self) -> None:
        try:
            super().terminate()
        finally:
            self._end_turn()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, busy_timeout: float) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.turns = WriteTurns(busy_timeout)

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy does: a connection never keeps the process alive
        return OneTripConnection(self, await_only(connection))


def dbapi(busy_timeout: float) -> OneTripDBAPI:
    """A DB-API module for one engine: its connections share their turns at the write lock."""
    return OneTripDBAPI(busy_timeout)

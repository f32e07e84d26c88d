"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage import sqlite_driver

BUSY_TIMEOUT = 30.0  # seconds a transaction waits for SQLite's write lock before "database is locked"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE transactions.

    BEGIN IMMEDIATE takes SQLite's write lock at the start of each transaction, so concurrent writers (the poll
    loop, the processor and the sender) never fail with "database is locked" when a read transaction tries to
    upgrade to a write: within this process they take turns on an asyncio lock, other processes wait on SQLite's
    busy timeout (storage.sqlite_driver).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_async_engine(url, **kwargs)
        ping_after_idling(engine)
        return engine

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("module", sqlite_driver.dbapi(BUSY_TIMEOUT))  # storage.sqlite_driver: why
    # Every session and connection ends its transaction itself (commit, or rollback on close): the pool's own
    # rollback when a connection comes back would be one more trip to the database thread for nothing.
    kwargs.setdefault("pool_reset_on_return", None)
    # check_same_thread: the loops' sessions use a connection on the event loop's thread, never while its own
    # thread is using it (a connection serves one statement at a time).
    connect_args = {"timeout": BUSY_TIMEOUT, "check_same_thread": False}
    engine = create_async_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        dbapi_connection = conn.connection.dbapi_connection
        inline = bool(options.get(INLINE))  # storage.sqlite_driver: why
        if options.get(SNAPSHOT):  # a deferred BEGIN: one snapshot for its reads, no write lock taken
            dbapi_connection.inline = False
            dbapi_connection.cursor().execute("BEGIN")
        elif not options.get(READS_ONLY):  # (else each statement is its own transaction: read_session_factory)
            dbapi_connection.begin_immediate(inline)  # after the other transactions of this process
        # Set anew at each start, so a connection a loop's session used goes back to the thread for the next user.
        dbapi_connection.inline = inline

    return engine


IDLE_BEFORE_PING = 5.0  # seconds a pooled PostgreSQL connection may lie unused before it is checked
_LAST_USED = "anlaufstelle_last_used"


def ping_after_idling(engine: AsyncEngine) -> None:
    """SQLAlchemy's pool_pre_ping, but only for a connection that lay in the pool longer than IDLE_BEFORE_PING: the
    one that meets a PostgreSQL restarted overnight is replaced before its transaction starts. The loops take a
    connection many times a second, and a ping each time was a round trip per transaction (about 15 % of the CPU
    of a relayed message, benchmarks/). A connection used a moment ago that is gone now (PostgreSQL restarted
    under load) fails its statement instead: SQLAlchemy then drops the pool's connections, and the update is
    tried again (bot.delivery.intake), the message sent again (bot.delivery.sender)."""
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_LAST_USED, 0.0) <= IDLE_BEFORE_PING:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool replaces the connection and tries again
            raise DisconnectionError("a pooled connection did not answer its ping") from exc

    @event.listens_for(engine.sync_engine, "checkin")
    def _used(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


READS_ONLY = "anlaufstelle_reads_only"
SNAPSHOT = "anlaufstelle_snapshot"
INLINE = "anlaufstelle_inline"


def loop_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions of the poll, process and send loops: on SQLite their statements run on the event loop's thread
    instead of a trip to the database thread each (storage.sqlite_driver), which halves their cost. For short
    statements only: a session that may run a long one (a purge, a report) belongs to `session_factory`."""
    return async_sessionmaker(engine.execution_options(**{INLINE: True}), expire_on_commit=False)


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for a read of one statement — what the poll, process and send loops ask again and again.

    On SQLite such a session starts no transaction: the statement is its own (in WAL mode a read never waits for a
    writer), and it neither takes a turn at the write lock nor costs a BEGIN and a ROLLBACK. A session from here
    must not write; reads of several statements that must agree with each other belong in
    `snapshot_session_factory`'s sessions (or, with writes, in `session_factory`'s). Like `loop_session_factory`'s,
    its statements run on the event loop's thread. On PostgreSQL the same holds through autocommit: no BEGIN and
    ROLLBACK, two round trips fewer per read.
    """
    if engine.dialect.name != "sqlite":
        return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
    return async_sessionmaker(engine.execution_options(**{READS_ONLY: True, INLINE: True}), expire_on_commit=False)


def record_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for a few writes each of which is safe alone, in an order that makes a crash between them harmless:
    the sender's record of a message it sent (bot.delivery.results). On PostgreSQL through autocommit, each
    statement its own transaction: a BEGIN and a COMMIT are a round trip each, and they had been half of the
    round trips of recording a sent message. On SQLite a transaction costs no trip: `loop_session_factory`'s
    sessions."""
    if engine.dialect.name != "sqlite":
        return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
    return loop_session_factory(engine)


def snapshot_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for long reads that must agree with each other (the committee report: seconds at scale, and its
    figures add up): one snapshot of the database and no write lock, so the loops go on writing meanwhile. On
    SQLite a deferred BEGIN on the database thread (WAL keeps the snapshot while others write), on PostgreSQL
    REPEATABLE READ. A session from here must not write."""
    if engine.dialect.name != "sqlite":
        return async_sessionmaker(engine.execution_options(isolation_level="REPEATABLE READ"), expire_on_commit=False)
    return async_sessionmaker(engine.execution_options(**{SNAPSHOT: True}), expire_on_commit=False)

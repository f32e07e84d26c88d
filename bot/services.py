"""The long-lived things every update needs, built once at start and closed at shutdown."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import Catalogs
from bot.privacy import Keyring
from bot.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    keyring: Keyring
    catalogs: Catalogs
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    # Sessions that only read, one statement at a time (the loops' "anything to do?"): on SQLite without a
    # transaction or a turn at the write lock (storage.engine.read_session_factory); elsewhere like `sessions`.
    reads: async_sessionmaker[AsyncSession]
    # The sessions of the poll, process and send loops: short statements, on SQLite run on the event loop's thread
    # (storage.engine.loop_session_factory); elsewhere like `sessions`.
    loops: async_sessionmaker[AsyncSession]
    # The sender's record of a sent message: statements each safe alone, on PostgreSQL each its own transaction
    # (storage.engine.record_session_factory); on SQLite like `loops`.
    records: async_sessionmaker[AsyncSession]
    # Long reads that must agree (the committee report): one snapshot, no write lock, on SQLite off the event loop's
    # thread (storage.engine.snapshot_session_factory).
    snapshots: async_sessionmaker[AsyncSession]


def build_services(settings: Settings, secret_key: str, clock: Clock | None = None) -> Services:
    """The services for a settings object: used by the running bot and by command-line actions."""
    from bot.clock import SystemClock
    from storage.engine import (
        create_engine,
        loop_session_factory,
        read_session_factory,
        record_session_factory,
        session_factory,
        snapshot_session_factory,
    )

    engine = create_engine(settings.effective_database_url)
    return Services(
        settings=settings,
        keyring=Keyring.from_setting(secret_key),
        catalogs=Catalogs(settings.tz, settings.default_language),
        engine=engine,
        sessions=session_factory(engine),
        clock=clock or SystemClock(),
        reads=read_session_factory(engine),
        loops=loop_session_factory(engine),
        records=record_session_factory(engine),
        snapshots=snapshot_session_factory(engine),
    )

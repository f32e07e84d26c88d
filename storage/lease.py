"""The instance lease: one row saying which running instance may poll, process and send (bot.liveness).

Taking it over is a compare-and-set on the holder seen before, so of two instances starting at once exactly one
wins, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignoring_duplicates
from storage.models import InstanceLease

NAME = "bot"


@dataclass(frozen=True)
class Holder:
    instance: str
    host: str
    pid: int
    process_started: int | None
    mode: str
    key_id: str


@dataclass(frozen=True)
class LeaseDTO:
    holder: Holder
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


def _dto(row: InstanceLease) -> LeaseDTO:
    holder = Holder(row.instance, row.host, row.pid, row.process_started, row.mode, row.key_id)
    return LeaseDTO(holder, row.acquired_at, row.heartbeat_at, row.expires_at)


async def current(session: AsyncSession) -> LeaseDTO | None:
    row = await session.scalar(
        select(InstanceLease).where(InstanceLease.name == NAME).execution_options(populate_existing=True)
    )
    return _dto(row) if row else None


def _values(me: Holder, now: datetime, ttl: float) -> dict[str, object]:
    return {
        "instance": me.instance,
        "host": me.host[:255],
        "pid": me.pid,
        "process_started": me.process_started,
        "mode": me.mode,
        "key_id": me.key_id,
        "acquired_at": now,
        "heartbeat_at": now,
        "expires_at": now + timedelta(seconds=ttl),
    }


async def take(session: AsyncSession, me: Holder, now: datetime, ttl: float, replacing: str | None) -> bool:
    """Take the lease: a fresh one (replacing None) or over from the instance `replacing`. False: someone else was
    quicker."""
    values = _values(me, now, ttl)
    if replacing is None:
        result = await session.execute(
            insert_ignoring_duplicates(session, InstanceLease.__table__, [{"name": NAME, **values}])
        )
    else:
        result = await session.execute(
            update(InstanceLease)
            .where(InstanceLease.name == NAME, InstanceLease.instance == replacing)
            .values(**values)
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def renew(session: AsyncSession, instance: str, now: datetime, ttl: float) -> bool:
    """The heartbeat; False when the lease is no longer ours."""
    result = await session.execute(
        update(InstanceLease)
        .where(InstanceLease.name == NAME, InstanceLease.instance == instance)
        .values(heartbeat_at=now, expires_at=now + timedelta(seconds=ttl))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, instance: str) -> None:
    await session.execute(delete(InstanceLease).where(InstanceLease.name == NAME, InstanceLease.instance == instance))

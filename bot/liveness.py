"""One instance per database, and a poll loop that keeps receiving.

**The lease.** Two instances against the same database would fight over the updates (Telegram answers the
second getUpdates with 409 Conflict) and both send the outbox. So an instance first takes the lease row in the
database (storage.lease) and renews it with a heartbeat; a second instance finds it held and refuses to start,
saying why in one line. A crashed instance's lease expires after INSTANCE_LEASE_SECONDS; on the same machine it
is taken over at once when the holder's process is gone. An instance that finds its lease taken (it hung for
longer than the lease) stops.

**The watchdog.** A long poll finishes at least every POLL_TIMEOUT_SECONDS. When none has finished for
POLL_WATCHDOG_SECONDS, because the request hangs or keeps failing, the poll loop is cancelled and started again
with a new connection.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage import lease
from storage.lease import Holder, LeaseDTO

log = logging.getLogger(__name__)
RELEASE_TIMEOUT = 5.0  # seconds a stopping bot waits to give its claim back

_RUNNING: set[str] = set()  # instances holding the lease in this process (tests run several in one)


class LeaseRefused(Exception):
    """Another instance holds the database; the message is one line for the admin."""


class LeaseLost(Exception):
    """This instance's lease is gone: it must stop."""


def process_started(pid: int) -> int | None:
    """When a process started (clock ticks since boot, from /proc), to tell a reused pid from the holder."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def this_process(mode: str, key_id: str) -> Holder:
    pid = os.getpid()
    return Holder(uuid.uuid4().hex[:16], socket.gethostname(), pid, process_started(pid), mode, key_id)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def gone(holder: Holder) -> bool:
    """Whether the holder's process has certainly ended. Only on this machine; elsewhere the lease must expire."""
    if holder.host != socket.gethostname():
        return False
    if holder.pid == os.getpid() and holder.process_started == process_started(holder.pid):
        return holder.instance not in _RUNNING  # an earlier run in this very process that did not let go
    started = process_started(holder.pid)
    if started is None:
        return not _pid_alive(holder.pid)
    return holder.process_started is not None and started != holder.process_started


def refusal(held: LeaseDTO, now: datetime) -> str:
    h = held.holder
    seen = max(int((now - held.heartbeat_at).total_seconds()), 0)
    left = max(int((held.expires_at - now).total_seconds()), 0)
    return (
        f"another instance is running against this database ({h.mode}, pid {h.pid} on {h.host}, last heartbeat "
        f"{seen} s ago), so this one does not poll; stop that one first (if it crashed, its claim expires in {left} s)."
    )


async def claim(sessions: async_sessionmaker[AsyncSession], me: Holder, now: datetime, ttl: float) -> None:
    """Take the lease, or raise LeaseRefused naming the holder."""
    for _attempt in range(3):
        async with sessions() as session, session.begin():
            held = await lease.current(session)
            if held is not None and held.holder.instance != me.instance:
                if held.expires_at > now and not gone(held.holder):
                    raise LeaseRefused(refusal(held, now))
                log.warning("taking over the database from an instance that is gone (pid %s)", held.holder.pid)
            if await lease.take(session, me, now, ttl, held.holder.instance if held else None):
                _RUNNING.add(me.instance)
                return
    raise LeaseRefused("another instance started at the same moment and holds this database; this one does not poll.")


class LeaseKeeper:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], me: Holder, clock: Clock, ttl: float) -> None:
        self._sessions, self.me, self._clock, self._ttl = sessions, me, clock, ttl

    async def run_forever(self) -> None:
        """Renew the lease four times per lease period; raise LeaseLost when it is gone or cannot be renewed."""
        renewed = time.monotonic()
        while True:
            await asyncio.sleep(self._ttl / 4)
            try:
                async with self._sessions() as session, session.begin():
                    ours = await lease.renew(session, self.me.instance, self._clock.now(), self._ttl)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("could not renew the claim on the database (%s)", type(exc).__name__)
                if time.monotonic() - renewed > self._ttl:
                    _RUNNING.discard(self.me.instance)
                    raise LeaseLost("the database could not be reached to renew this instance's claim") from exc
                continue
            if not ours:
                _RUNNING.discard(self.me.instance)
                raise LeaseLost("another instance took over the database (this one did not renew its claim in time)")
            renewed = time.monotonic()

    async def release(self) -> None:
        _RUNNING.discard(self.me.instance)
        try:
            # Bounded: a connection left in a cancelled transaction can hold the row; the claim expires anyway.
            async with asyncio.timeout(RELEASE_TIMEOUT):
                async with self._sessions() as session, session.begin():
                    await lease.release(session, self.me.instance)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("could not release the claim on the database (%s); it expires by itself", type(exc).__name__)


def stalled(last_received: float, now: float, limit: float) -> bool:
    return now - last_received > limit


class PollWatchdog:
    """Restarts the poll loop when no getUpdates has finished for `limit` seconds."""

    def __init__(
        self, last_received: Callable[[], float], polls: Callable[[], int], restart: Callable[[], None], limit: float
    ) -> None:
        self._last_received, self._polls, self._restart, self.limit = last_received, polls, restart, limit
        self.restarts = 0
        self._in_a_row = 0
        self._polls_at_restart = -1

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(min(self.limit / 4, 5.0))
            if not stalled(self._last_received(), time.monotonic(), self.limit):
                continue
            self._in_a_row = self._in_a_row + 1 if self._polls() == self._polls_at_restart else 1
            self._polls_at_restart = self._polls()
            self.restarts += 1
            level = logging.ERROR if self._in_a_row >= 3 else logging.WARNING
            log.log(
                level,
                "no getUpdates finished for %.0f s (hanging or failing); restarting the poll loop (%d in a row)%s",
                self.limit,
                self._in_a_row,
                ": check the network and TELEGRAM_API_URL" if level == logging.ERROR else "",
            )
            self._restart()

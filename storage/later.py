"""Writes that wait for the end of the transaction, to go as one statement each instead of one per update.

The processor handles a batch of updates in one transaction (bot.delivery.intake), and a relayed message writes
rows nobody reads before the commit: its outgoing copy (storage.outbox), the case message that copy refers to
(storage.cases) and the young person's flood bucket (storage.guards). Each was a statement of its own (about 40 µs
of CPU on SQLite, a round trip on PostgreSQL); waiting, the batch's rows go together, with the DB-API's
executemany.

What waits is written before anything could see it missing: before the commit, before the ORM flushes, and
before any statement of the session that is not known to leave it alone (`leaves_alone`: a statement that reads
none of these tables, or whose caller accounts for what waits, as storage.senders does for the bucket). On a
rollback it is dropped with everything else of the transaction. Nothing may wait when a savepoint begins
(`written` first: what waited would otherwise be written inside it, and lost with its rollback), and nothing
waits inside one. A session that never writes anything this way pays one dictionary lookup per statement.

A new row whose id another waiting row needs waits too (`add_row`, for the case message that a relayed copy's
outbox row refers to): its id is a `Key`, filled in when the row is written, and written rows that were given it
get its value. Such rows are written first, with one INSERT … RETURNING (SQLAlchemy's "insertmanyvalues", which
keeps their order); they may not refer to a key themselves.

Reads ahead rest on the same rule, the other way round: what a batch will read (`read_ahead`, storage.senders
reads who sent each of its updates at once) holds until the session writes anything. It is forgotten at the first
statement not known to leave it alone (a read on the allow-list changes nothing), at an ORM flush, when what waits
is written (the flood bucket read ahead would be stale), and when the transaction ends.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql import Executable

_WAITING = "anlaufstelle.later"  # in Session.info: statement -> the parameters waiting for it, in order
_KEYS = "anlaufstelle.later.keys"  # in Session.info: an add_row statement -> the keys of its waiting rows, in order
_AHEAD = "anlaufstelle.ahead"  # in Session.info: name -> what was read ahead under it (read_ahead)
_LEAVE_ALONE: set[int] = set()  # ids of statements built once, at import


async def add(session: AsyncSession, statement: Executable, params: list[dict[str, Any]]) -> None:
    """Run `statement` with these parameters before the session's transaction commits."""
    if not params:
        return
    if session.in_nested_transaction():
        await session.execute(statement, params)
        return
    session.info.setdefault(_WAITING, {}).setdefault(statement, []).extend(params)


async def written(session: AsyncSession) -> None:
    """Write what waits, now (before a savepoint)."""
    if _WAITING in session.info:
        await session.run_sync(_write)


class Key:
    """The id of a row whose INSERT waits (add_row): None until it is written. A waiting row may be given it as a
    parameter's value."""

    __slots__ = ("id",)

    def __init__(self, row_id: int | None = None) -> None:
        self.id = row_id


async def add_row(session: AsyncSession, statement: Executable, values: dict[str, Any]) -> Key:
    """Insert a row before the transaction commits. `statement`: an INSERT … RETURNING its id only, built once with
    sort_by_parameter_order=True."""
    if session.in_nested_transaction():
        return Key(int((await session.execute(statement, values)).scalar_one()))
    key = Key()
    session.info.setdefault(_WAITING, {}).setdefault(statement, []).append(values)
    session.info.setdefault(_KEYS, {}).setdefault(statement, []).append(key)
    return key


def waiting(session: AsyncSession, statement: Executable) -> list[dict[str, Any]]:
    """The parameters still waiting for `statement`, oldest first."""
    return list(session.info.get(_WAITING, {}).get(statement, ()))


def read_ahead(session: AsyncSession, name: str, found: dict[Any, Any]) -> None:
    """Keep what was read ahead under `name` until the session writes anything."""
    session.info.setdefault(_AHEAD, {})[name] = found


def ahead(session: AsyncSession, name: str) -> dict[Any, Any] | None:
    """What was read ahead under `name`, if nothing was written since."""
    kept = session.info.get(_AHEAD)
    return kept.get(name) if kept else None


def leaves_alone(*statements: Executable) -> None:
    """These statements (built once) may run while writes wait: they read none of the tables written this way, or
    their callers account for what waits. Only reads: what was read ahead stays as it is across them."""
    _LEAVE_ALONE.update(id(statement) for statement in statements)


def _write(session: Session) -> None:
    session.info.pop(_AHEAD, None)
    batches = session.info.pop(_WAITING, None)
    keyed = session.info.pop(_KEYS, None)
    if not batches:
        return
    connection = session.connection()
    for statement, keys in (keyed or {}).items():  # rows that others refer to first
        ids = connection.execute(statement, batches.pop(statement)).scalars().all()
        for key, row_id in zip(keys, ids, strict=True):
            key.id = row_id
    for params in batches.values():  # then the others, given the ids (also of rows written before)
        for row in params:
            for name, item in row.items():
                if isinstance(item, Key):
                    if item.id is None:
                        raise RuntimeError("a waiting row refers to a row that was not written")
                    row[name] = item.id
    for statement, params in batches.items():
        connection.execute(statement, params)


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    info = state.session.info
    if (_WAITING in info or _AHEAD in info) and id(state.statement) not in _LEAVE_ALONE:
        _write(state.session)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    _write(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _write(session)


@event.listens_for(Session, "after_transaction_create")
def _savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested and _WAITING in session.info:
        raise RuntimeError("writes wait for the commit: storage.later.written before a savepoint")


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:  # (what waits is older than any savepoint: nothing waits while one is open, see add)
        session.info.pop(_WAITING, None)
        session.info.pop(_KEYS, None)
    session.info.pop(_AHEAD, None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_AHEAD, None)

"""What the sender records when a relayed copy went (storage.cases.sent_where), on both databases: the outbox row
is marked sent and loses its payload, and where the copy landed is in its case message; on PostgreSQL with one
statement."""

from __future__ import annotations

import itertools

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.outgoing import STAFF_LANE
from storage import cases, contacts, outbox
from storage.engine import session_factory
from storage.models import CaseMessage, OutboxMessage

ALIASES = (f"K-S{i:03d}" for i in itertools.count())


async def test_a_sent_copy_is_marked_and_mapped(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        person = await contacts.create(session, contacts.NewContact("k1", b"chat", "en", None))
        case = await cases.create(session, person.id, lambda: next(ALIASES))
        keys = [await cases.record_message(session, case.id, "in", "text", youth_message_id=n) for n in (1, 2, 3)]
        rows = [outbox.NewOutboxRow(10, STAFF_LANE, "copyMessage", b"x", person.id, None, case.id, k) for k in keys]
        await outbox.add(session, rows)
    async with session_factory(engine)() as session:
        ids = (await session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id))).all()
    messages = [key.id for key in keys]
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    async with session_factory(engine)() as session, session.begin():
        await cases.sent_where(session, "staff_message_id", [(ids[0], messages[0], 501), (ids[1], messages[1], 502)])
        await cases.sent_where(session, "staff_message_id", [])  # (nothing: no statement)
    assert len(statements) == (1 if engine.dialect.name == "postgresql" else 2)
    async with session_factory(engine)() as session:
        sent = (await session.execute(select(OutboxMessage.status, OutboxMessage.payload_enc).order_by("id"))).all()
        landed = (await session.scalars(select(CaseMessage.staff_message_id).order_by(CaseMessage.id))).all()
    assert [tuple(row) for row in sent] == [("sent", b""), ("sent", b""), ("pending", b"x")]
    assert landed == [501, 502, None]

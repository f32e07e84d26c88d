"""The outbox on both databases: one young person's backlog in the staff group never hides another's message from
the sender, and a message held back (bot.flood) is not due before its time."""

from __future__ import annotations

import itertools
from datetime import timedelta

from bot.delivery.outgoing import STAFF_LANE
from storage import cases, contacts, outbox
from storage.base import utcnow
from storage.engine import create_engine, session_factory

ALIASES = (f"K-F{i:03d}" for i in itertools.count())


def relay(case_id: int, held_for: float = 0.0) -> outbox.NewOutboxRow:
    not_before = utcnow() + timedelta(seconds=held_for) if held_for else None
    return outbox.NewOutboxRow(10, STAFF_LANE, "copyMessage", b"x", None, None, case_id, not_before=not_before)


async def test_a_long_backlog_of_one_case_leaves_room_for_the_others(database_url: str) -> None:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        ids = []
        for n in range(3):
            person = await contacts.create(session, contacts.NewContact(f"key{n}", b"chat", "en", None))
            ids.append((await cases.create(session, person.id, lambda: next(ALIASES))).id)
        flooding, calm, patient = ids
        await outbox.add(session, [relay(flooding) for _ in range(60)])
        await outbox.add(session, [relay(patient, held_for=3600)])  # held back: not due for an hour
        await outbox.add(session, [relay(calm)])
    async with session_factory(engine)() as session:
        fair = await outbox.due(session, per_lane=30, per_case_lanes=(STAFF_LANE,))
        plain = await outbox.due(session, per_lane=30)
    await engine.dispose()
    assert [r.case_id for r in fair].count(flooding) == 30
    assert calm in [r.case_id for r in fair]
    assert patient not in [r.case_id for r in fair]
    assert calm not in [r.case_id for r in plain]  # without the per-case cap the flood hid it

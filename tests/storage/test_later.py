"""Writes that wait for the end of the transaction (storage.later), on both databases: the outbox's new rows, the
case messages they refer to and the flood bucket. Nothing that waits is lost or seen missing: not by a read in the
same transaction, not by a deletion that should take it along, not after a savepoint's rollback; a rollback drops
it; and a batch's rows go together. And what a batch reads ahead (who sent its updates) is never read stale."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.outgoing import STAFF_LANE, private_lane
from storage import cases, contacts, conversations, guards, later, outbox, senders
from storage.base import utcnow
from storage.engine import session_factory
from storage.models import CaseMessage, ContactGuard, OutboxMessage

ALIASES = (f"K-L{i:03d}" for i in itertools.count())


def reply_to(user_key: str) -> outbox.NewOutboxRow:
    return outbox.NewOutboxRow(20, private_lane(user_key), "sendMessage", b"x", None, user_key)


async def waiting_rows(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_new_outbox_rows_are_seen_in_the_transaction_and_kept_by_the_commit(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        await outbox.add(session, [reply_to("k1"), reply_to("k1")])
        assert await outbox.pending_in_lane(session, private_lane("k1")) != []  # a read writes them first
        await outbox.add(session, [reply_to("k2")])
    assert await waiting_rows(engine) == 3


async def test_a_rollback_drops_them_and_a_savepoints_rollback_does_not(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session:
        await session.begin()
        await outbox.add(session, [reply_to("k1")])
        await session.rollback()  # (the update failed)
    assert await waiting_rows(engine) == 0
    async with session_factory(engine)() as session, session.begin():
        await outbox.add(session, [reply_to("k1")])
        with pytest.raises(RuntimeError, match="before a savepoint"):
            await session.begin_nested()  # what waits would be written inside it
        await later.written(session)
        nested = await session.begin_nested()
        await outbox.add(session, [reply_to("k2")])  # inside the savepoint: written at once, dropped with it
        await nested.rollback()
    async with session_factory(engine)() as session:
        lanes = (await session.scalars(select(OutboxMessage.lane))).all()
    assert lanes == [private_lane("k1")]


async def test_a_deletion_in_the_same_transaction_takes_the_waiting_rows_along(engine: AsyncEngine) -> None:
    """Someone writes and then deletes their data, both in one batch of updates (bot.erasure)."""
    async with session_factory(engine)() as session, session.begin():
        await contacts.create(session, contacts.NewContact("k1", b"chat", "en", None))
    async with session_factory(engine)() as session, session.begin():
        await outbox.add(session, [reply_to("k1")])
        assert await contacts.delete_everything(session, "k1")
    assert await waiting_rows(engine) == 0


async def test_the_flood_bucket_saved_by_an_earlier_update_is_what_the_next_one_reads(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        person = await contacts.create(session, contacts.NewContact("k1", b"chat", "en", None))
        await guards.save_bucket(session, person.id, 5.0, utcnow(), 0)  # (a new row: written at once)
    later_on = utcnow() + timedelta(seconds=1)
    async with session_factory(engine)() as session, session.begin():
        await guards.save_bucket(session, person.id, 4.0, utcnow(), 0, exists=True)
        await guards.save_bucket(session, person.id, 3.0, later_on, 1, exists=True)
        found = await senders.find(session, "k1", 1)
        assert found.guard is not None and (found.guard.tokens, found.guard.checked_at, found.guard.told) == (
            3.0,
            later_on,
            1,
        )
    async with session_factory(engine)() as session:
        stored = await session.get(ContactGuard, person.id)
    assert stored is not None and stored.tokens == 3.0 and stored.told == 1


async def test_a_batch_of_relayed_messages_writes_its_outbox_rows_and_buckets_together(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        people = [await contacts.create(session, contacts.NewContact(f"k{n}", b"chat", "en", None)) for n in range(3)]
        for person in people:
            await guards.save_bucket(session, person.id, 5.0, utcnow(), 0)
            await cases.create(session, person.id, lambda: next(ALIASES))
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.split()[0] + " " + statement.split()[2 if statement.startswith("INSERT") else 1])

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    async with session_factory(engine)() as session, session.begin():
        await senders.read_ahead(session, [(f"k{n}", n) for n in range(3)])  # (bot.delivery.intake)
        for n, person in enumerate(people):  # what handlers.relay does for each text
            found = await senders.find(session, f"k{n}", n)
            assert found.open_case is not None and found.guard is not None
            await guards.save_bucket(session, person.id, found.guard.tokens - 1, utcnow(), 0, exists=True)
            entry = await cases.record_message(session, found.open_case.id, "in", "text", youth_message_id=n)
            row = outbox.NewOutboxRow(10, STAFF_LANE, "copyMessage", b"x", person.id, None, found.open_case.id, entry)
            await outbox.add(session, [row])
    event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert [statement for statement in statements if statement.startswith("SELECT")] == ["SELECT wanted.user_key,"]
    assert statements.count("INSERT outbox") == 1 and statements.count("UPDATE contact_guards") == 1
    # (SQLite's RETURNING keeps no order SQLAlchemy relies on: there it inserts the case messages one at a time)
    assert statements.count("INSERT case_messages") == (1 if engine.dialect.name == "postgresql" else 3)
    assert statements.index("INSERT case_messages") < statements.index("INSERT outbox")
    assert await waiting_rows(engine) == 3
    async with session_factory(engine)() as session:  # each copy refers to its own case message
        copies = select(OutboxMessage.contact_id, CaseMessage.youth_message_id).join(
            CaseMessage, CaseMessage.id == OutboxMessage.case_message_id
        )
        assert sorted(tuple(row) for row in await session.execute(copies)) == [(p.id, n) for n, p in enumerate(people)]


async def test_a_waiting_case_message_gets_its_id_before_anything_reads_it(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        person = await contacts.create(session, contacts.NewContact("k1", b"chat", "en", None))
        case = await cases.create(session, person.id, lambda: next(ALIASES))
    async with session_factory(engine)() as session, session.begin():
        first = await cases.record_message(session, case.id, "in", "text", youth_message_id=7)
        assert first.id is None  # waiting
        assert await cases.staff_copy_of(session, case.id, 7) is None  # a read of the table writes it first
        assert first.id is not None
        await outbox.add(
            session, [outbox.NewOutboxRow(10, STAFF_LANE, "copyMessage", b"x", person.id, None, case.id, first)]
        )
        assert await outbox.pending_in_lane(session, STAFF_LANE) != []  # (written with no new key waiting)
        second = await cases.record_message(session, case.id, "in", "text", youth_message_id=8)
        await outbox.add(
            session, [outbox.NewOutboxRow(10, STAFF_LANE, "copyMessage", b"x", person.id, None, case.id, second)]
        )
    assert first.id is not None and second.id == first.id + 1  # (in the order written)
    async with session_factory(engine)() as session:
        written = (await session.scalars(select(OutboxMessage.case_message_id).order_by(OutboxMessage.id))).all()
        assert written == [first.id, second.id]
    async with session_factory(engine)() as session:
        await session.begin()
        dropped = await cases.record_message(session, case.id, "in", "text", youth_message_id=9)
        await outbox.add(
            session, [outbox.NewOutboxRow(10, STAFF_LANE, "copyMessage", b"x", person.id, None, case.id, dropped)]
        )
        await session.rollback()
    assert dropped.id is None
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(CaseMessage)) == 2


async def test_who_sent_a_batch_is_read_ahead_and_read_again_once_anything_is_written(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        known = await contacts.create(session, contacts.NewContact("k0", b"chat", "en", None))
        await guards.save_bucket(session, known.id, 5.0, utcnow(), 0)
        await cases.create(session, known.id, lambda: next(ALIASES))
        await contacts.create(session, contacts.NewContact("k1", b"chat", "uk", None))
    people = [("k0", 10), ("k1", 11), ("k2", 12), ("k0", 10)]  # k2: not known yet; k0 wrote twice
    async with session_factory(engine)() as session:
        plain = [await senders.find(session, *person) for person in people]
    assert plain[0].open_case is not None and plain[2].contact is None
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    async with session_factory(engine)() as session:
        async with session.begin():
            await senders.read_ahead(session, people)
            assert [await senders.find(session, *person) for person in people] == plain
            assert len(statements) == 1  # the read ahead, and nothing else
            await guards.save_bucket(session, known.id, 4.0, utcnow(), 1, exists=True)  # waits
            again = await senders.find(session, "k0", 10)
            assert again.guard is not None and again.guard.tokens == 4.0 and len(statements) == 1
            await conversations.save(session, "k1", conversations.ConversationDTO("intake", "age"))  # the ORM
            assert (await senders.find(session, "k1", 11)).conversation == conversations.ConversationDTO(
                "intake", "age"
            )
            await senders.read_ahead(session, people)
            await contacts.touch(session, known.id)  # a statement: what was read ahead is forgotten
            read = len(statements)
            touched = await senders.find(session, "k0", 10)
            assert len(statements) == read + 1 and touched.contact is not None and plain[0].contact is not None
            assert touched.contact.last_seen_at > plain[0].contact.last_seen_at
            assert touched.guard is not None and touched.guard.tokens == 4.0  # (the bucket was written with it)
            await senders.read_ahead(session, people)
        read = len(statements)
        async with session.begin():  # the next transaction reads anew
            await senders.find(session, "k0", 10)
        assert len(statements) == read + 1
    event.remove(engine.sync_engine, "before_cursor_execute", seen)

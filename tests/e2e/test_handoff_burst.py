"""One young person, one open case, one topic: a burst of first messages opens exactly one, and two database
sessions racing to create a case for the same person end up with the same one (the partial unique index)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import pytest
from handoff_helpers import all_cases, no_forwards, text_of
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from test_intake import wait_text

from bot.runtime import BotRuntime
from sandbox import Emulator
from storage import cases, contacts
from storage.base import utcnow
from storage.engine import create_engine, session_factory
from storage.models import Case

pytestmark = pytest.mark.usefixtures("never_forwards")

BURST = [f"message {i} of the burst" for i in range(1, 7)]


async def test_a_burst_of_first_messages_right_after_intake_opens_one_case_and_one_topic(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Amira", language_code="en")
    user.send_command("start")
    await wait_text(emulator, user, "Anlaufstelle")
    user.press("English")
    await emulator.wait_for(lambda: "in:yes" in str(user.last_message.get("reply_markup")))
    user.press("in:yes")
    await emulator.wait_for(lambda: "in:anon" in str(user.last_message.get("reply_markup")))
    user.press("in:anon")
    await emulator.wait_for(lambda: "in:age:15-17" in str(user.last_message.get("reply_markup")))
    user.press("in:age:18-21")
    await emulator.wait_for(lambda: "in:place:peine" in str(user.last_message.get("reply_markup")))
    user.press("in:place:ilsede")
    for text in BURST:  # at once, without waiting for the last step of the intake to be answered
        user.send_text(text)

    def all_arrived() -> bool:
        texts = [text_of(m) for m in staff_group.messages()]
        return all(any(t in x for x in texts) for t in BURST)

    await emulator.wait_for(all_arrived, timeout=20)
    topics = [t for t in staff_group.topics.values() if not t.deleted]
    assert len(topics) == 1, topics
    assert len([c for c in emulator.calls_to("createForumTopic") if c.status == 200]) == 1
    thread = topics[0].message_thread_id
    in_topic = "\n".join(text_of(m) for m in staff_group.messages(thread_id=thread))
    positions = [in_topic.index(t) for t in BURST]
    assert positions == sorted(positions), "in the order they were written"
    [case] = await all_cases(bot)
    assert (case.status, case.topic_id) == ("open", thread)
    await wait_text(emulator, user, "has arrived")
    assert sum("has arrived" in text_of(m) for m in user.messages) == 1
    no_forwards(emulator)


def aliases(*values: str) -> Callable[[], str]:
    """Draws these aliases in turn, then fresh ones."""
    fresh = (f"K-T{i:03d}" for i in itertools.count())
    it = itertools.chain(values, fresh)
    return lambda: next(it)


async def new_contact(database_url: str, key: str) -> int:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        contact = await contacts.create(session, contacts.NewContact(key.ljust(64, "0"), b"enc", "en", None))
    await engine.dispose()
    return contact.id


async def open_cases(database_url: str) -> list[tuple[int, int, str]]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        rows = (await session.execute(select(Case.id, Case.contact_id, Case.status).order_by(Case.id))).all()
    await engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.parametrize("racers", [2, 5])
async def test_sessions_racing_to_create_a_case_for_one_person_get_the_same_case(
    database_url: str, racers: int
) -> None:
    contact_id = await new_contact(database_url, "racer")
    engines = [create_engine(database_url) for _ in range(racers)]
    first_inserted = asyncio.Event()

    async def race(index: int) -> int:
        """Each in its own engine and transaction; the first holds its transaction open for a moment after its
        insert, so the others insert (or wait to) while it is not committed yet."""
        if index > 0:
            await first_inserted.wait()
        async with session_factory(engines[index])() as session, session.begin():
            case = await cases.create(session, contact_id, aliases(f"K-R{index:03d}"))
            if index == 0:
                first_inserted.set()
                await asyncio.sleep(0.3)
        return case.id

    try:
        ids = await asyncio.wait_for(asyncio.gather(*(race(i) for i in range(racers))), timeout=30)
    finally:
        for engine in engines:
            await engine.dispose()
    assert len(set(ids)) == 1, ids
    assert await open_cases(database_url) == [(ids[0], contact_id, "open")]


async def test_sessions_racing_without_a_head_start_get_the_same_case(database_url: str) -> None:
    contact_id = await new_contact(database_url, "plain-racer")
    engines = [create_engine(database_url) for _ in range(4)]

    async def race(index: int) -> int:
        async with session_factory(engines[index])() as session, session.begin():
            return (await cases.create(session, contact_id, aliases(f"K-P{index:03d}"))).id

    try:
        ids = await asyncio.wait_for(asyncio.gather(*(race(i) for i in range(4))), timeout=30)
    finally:
        for engine in engines:
            await engine.dispose()
    assert len(set(ids)) == 1, ids
    assert len(await open_cases(database_url)) == 1


async def test_the_index_allows_one_open_case_per_person_and_any_number_of_closed_ones(database_url: str) -> None:
    one, other = await new_contact(database_url, "one"), await new_contact(database_url, "other")
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            first = await cases.create(session, one, aliases("K-SAME"))
            await cases.close(session, first.id, "advice")
            second = await cases.create(session, one, aliases("K-SAME"))  # the alias is taken: drawn again
            await cases.close(session, second.id, "other")
            third = await cases.create(session, one, aliases())
            # Another person's case never collides with this one's.
            theirs = await cases.create(session, other, aliases())
        assert len({first.alias, second.alias, third.alias}) == 3
        async with sessions() as session:
            with pytest.raises(IntegrityError):
                async with session.begin():
                    session.add(Case(alias="K-DUPE", contact_id=one, status="open", opened_at=utcnow()))
        async with sessions() as session:
            count = await session.scalar(select(func.count()).select_from(Case).where(Case.status == "open"))
        assert count == 2 and theirs.contact_id == other
    finally:
        await engine.dispose()

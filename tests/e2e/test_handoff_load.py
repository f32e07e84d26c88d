"""Twenty young people writing at once, with Telegram's limits on in the emulator: every text reaches its case
topic (combined when the group's budget of 20 messages a minute is used up), the bot is never answered with 429
or 400, and the team's answers reach young people while the group's backlog is still waiting."""

from __future__ import annotations

import asyncio

import pytest
from handoff_helpers import all_cases, no_forwards, text_of
from test_intake import go_through_intake, wait_text

from bot.delivery.limits import Pacer
from bot.delivery.outgoing import STAFF_LANE, Priority, private_lane
from bot.runtime import BotRuntime
from sandbox import Emulator, Limits
from storage import outbox
from storage.engine import create_engine, session_factory

pytestmark = pytest.mark.usefixtures("never_forwards")

PEOPLE = 20
TEXTS = 3


def written(person: int, n: int) -> str:
    return f"person {person:02d} writes message {n}"


@pytest.mark.slow
async def test_twenty_people_at_once_within_the_limits(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    assert emulator.limits == Limits(), "Telegram's limits, as the emulator keeps them by default"
    users = [emulator.add_user(first_name=f"Young {i}", language_code="en") for i in range(PEOPLE)]
    await asyncio.gather(*(go_through_intake(emulator, u, nickname=None) for u in users))

    for i, user in enumerate(users):
        for n in range(1, TEXTS + 1):
            user.send_text(written(i, n))
    expected = {written(i, n) for i in range(PEOPLE) for n in range(1, TEXTS + 1)}

    def arrived() -> set[str]:
        texts = "\n".join(text_of(m) for m in staff_group.messages())
        return {t for t in expected if t in texts}

    def topic_of(text: str) -> int | None:
        return next(
            (m.get("message_thread_id") for m in staff_group.messages() if text in text_of(m)),
            None,
        )

    # While most of the backlog is still waiting for the group's budget, the worker answers the first few
    # cases whose topics exist; those answers go to private chats and do not wait behind the group.
    await emulator.wait_for(lambda: len({topic_of(written(i, 1)) for i in range(PEOPLE)} - {None}) >= 3, timeout=30)
    answered = [i for i in range(PEOPLE) if topic_of(written(i, 1)) is not None][:3]
    for i in answered:
        worker.send_text(f"Hello person {i:02d}", chat=staff_group, thread_id=topic_of(written(i, 1)))
    for i in answered:
        await wait_text(emulator, users[i], f"Hello person {i:02d}", timeout=15)
    assert len(arrived()) < len(expected), "the answers came while the group's backlog was still waiting"

    await emulator.wait_for(lambda: arrived() == expected, timeout=240)

    for i in range(PEOPLE):
        threads = {topic_of(written(i, n)) for n in range(1, TEXTS + 1)}
        assert len(threads) == 1 and None not in threads, (i, threads)
    assert len({topic_of(written(i, 1)) for i in range(PEOPLE)}) == PEOPLE, "one topic per person"
    assert len(await all_cases(bot)) == PEOPLE
    for i in range(PEOPLE):  # within a topic, in the order written
        thread = topic_of(written(i, 1))
        joined = "\n".join(text_of(m) for m in staff_group.messages(thread_id=thread))
        positions = [joined.index(written(i, n)) for n in range(1, TEXTS + 1)]
        assert positions == sorted(positions), joined

    assert [c for c in emulator.calls if c.status == 429] == [], "the bot kept within Telegram's limits"
    assert [(c.method, c.description) for c in emulator.errors()] == []
    no_forwards(emulator)


async def test_a_long_backlog_for_the_group_does_not_hide_messages_for_young_people(database_url: str) -> None:
    """The sender takes the due rows in batches; the group's backlog fills no batch on its own."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            group = [outbox.NewOutboxRow(int(Priority.RELAY), STAFF_LANE, "copyMessage", b"x", None, None)] * 300
            person = private_lane("k" * 64)
            answer = outbox.NewOutboxRow(int(Priority.RELAY), person, "sendMessage", b"y", None, None)
            await outbox.add(session, [*group, answer])
        async with session_factory(engine)() as session:
            batch = await outbox.due(session)
    finally:
        await engine.dispose()
    lanes = [row.lane for row in batch]
    assert person in lanes, "the answer to a young person is in the batch"
    assert lanes.count(STAFF_LANE) < 300
    ids = [row.id for row in batch if row.lane == STAFF_LANE]
    assert ids == sorted(ids) and ids[0] == min(row.id for row in batch), "the group's oldest rows come first"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_pacer_keeps_the_group_to_twenty_in_any_minute() -> None:
    """A bucket of twenty refilled at one every three seconds would send a 21st message three seconds after a
    burst of twenty; Telegram (and the emulator) count twenty in any sixty seconds."""
    clock = Clock()
    pacer = Pacer(1.0, 3, group_per_minute=20, global_per_second=30, clock=clock)
    for _ in range(20):
        assert pacer.wait_time(STAFF_LANE) == 0
        pacer.take(STAFF_LANE)
        clock.now += 0.125
    assert pacer.wait_time(STAFF_LANE) == 57.5
    assert pacer.budget_wait_time(STAFF_LANE) == 57.5
    clock.now += 57.25
    assert pacer.wait_time(STAFF_LANE) == 0.25
    clock.now += 0.25
    assert pacer.wait_time(STAFF_LANE) == 0, "the first of the twenty is a minute old"


def test_the_pacer_keeps_the_bot_to_thirty_in_any_second_without_touching_the_groups_budget() -> None:
    clock = Clock()
    pacer = Pacer(1.0, 3, group_per_minute=20, global_per_second=30, clock=clock)
    for n in range(30):
        pacer.take(private_lane(f"{n:064d}"))
        clock.now += 0.03125
    assert pacer.wait_time(STAFF_LANE) == 0.0625
    assert pacer.budget_wait_time(STAFF_LANE) == 0, "a full second is no reason to combine the group's texts"
    clock.now += 0.0625
    assert pacer.wait_time(STAFF_LANE) == 0


def test_the_pacer_lets_a_private_chat_burst_three_then_one_a_second() -> None:
    clock = Clock()
    pacer = Pacer(1.0, 3, group_per_minute=20, global_per_second=30, clock=clock)
    lane = private_lane("a" * 64)
    for _ in range(3):
        assert pacer.wait_time(lane) == 0
        pacer.take(lane)
    assert pacer.wait_time(lane) == 1.0
    clock.now += 1.0
    assert pacer.wait_time(lane) == 0
    pacer.pause(lane, 5)  # a 429 with retry_after 5
    assert pacer.wait_time(lane) == 5.0 and pacer.budget_wait_time(lane) == 5.0


def test_the_pacer_counts_each_message_of_texts_copied_together() -> None:
    """copyMessages makes one message in the group for each text: each counts against the group's twenty a minute
    and the bot's thirty a second, and no more go together than those allow."""
    clock = Clock()
    pacer = Pacer(1.0, 3, group_per_minute=20, global_per_second=30, clock=clock)
    assert pacer.allowance(STAFF_LANE) == 20
    pacer.take(STAFF_LANE, count=15)
    assert pacer.allowance(STAFF_LANE) == 5
    for n in range(12):
        pacer.take(private_lane(f"{n:064d}"))
    assert pacer.allowance(STAFF_LANE) == 3, "the bot's second has three left"
    clock.now += 1.0
    assert pacer.allowance(STAFF_LANE) == 5
    pacer.pause(STAFF_LANE, 5)
    assert pacer.allowance(STAFF_LANE) == 0
    clock.now += 60.0
    assert pacer.allowance(STAFF_LANE) == 20

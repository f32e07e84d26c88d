"""The relay under SIGKILL: young people (intake done earlier) and a worker keep writing while the bot process is
killed at random moments and started again. In the end every accepted message has arrived where it belongs (the
case topic, or the young person's chat) at least once, at most one message went twice per kill (the one in
flight), and no update is left unhandled."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
from handoff_helpers import STAFF_NAME, open_case, text_of
from sqlalchemy import select
from test_intake import go_through_intake

from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage.engine import create_engine, session_factory
from storage.models import InboxUpdate, OutboxMessage

pytestmark = pytest.mark.usefixtures("never_forwards")

KILLS = 4
WITH_CASE = 4  # young people whose case topic exists before the crashes
WITHOUT_CASE = 2  # young people whose first message (and so their topic) comes during the crashes
DELIVERING = ("sendMessage", "copyMessage", "createForumTopic")


async def start_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def deliveries(emu: Emulator) -> int:
    return sum(1 for c in emu.calls if c.method in DELIVERING and c.status == 200)


@pytest.mark.slow
async def test_sigkill_during_relaying_loses_nothing(
    emulator: Emulator,
    staff_group,
    worker,
    settings: Settings,
    bot_env: dict[str, str],
    database_url: str,
    tmp_path: Path,
) -> None:
    rng = random.Random(20261123)
    users = [emulator.add_user(first_name=f"Young {i}", language_code="en") for i in range(WITH_CASE + WITHOUT_CASE)]
    threads: dict[int, int] = {}
    async with BotRuntime(settings):  # intake (and some first messages) with the bot in this process
        for i, user in enumerate(users):
            if i < WITH_CASE:
                threads[user.id] = await open_case(emulator, user, staff_group, f"young {i} opens the case")
            else:
                await go_through_intake(emulator, user)
    topics_before = len(staff_group.topics)

    # No combining of texts here (every message is counted on its own): the group's budget is lifted.
    emulator.limits.group_per_minute = 10_000
    env = {**bot_env, "RATE_GROUP_PER_MINUTE": "10000"}
    to_topic: list[tuple[int, str]] = []  # (user id, text) a young person wrote
    to_person: list[tuple[int, str]] = []  # (user id, text) the worker wrote to them
    counter = iter(range(10_000))

    def wave() -> None:
        for i, user in enumerate(users):
            for _ in range(rng.randint(1, 2)):
                text = f"young {i} writes {next(counter)}"
                user.send_text(text)
                to_topic.append((user.id, text))
        for user in users[:WITH_CASE]:
            if rng.random() < 0.7:
                text = f"worker answers {next(counter)}"
                worker.send_text(text, chat=staff_group, thread_id=threads[user.id])
                to_person.append((user.id, text))

    for _ in range(KILLS):
        wave()
        process = await start_bot(env, tmp_path)
        try:
            target = deliveries(emulator) + rng.randint(1, 10)
            with contextlib.suppress(TimeoutError):  # if everything is through already, kill it anyway
                await emulator.wait_for(lambda t=target: deliveries(emulator) >= t, timeout=15)
            wave()  # more while it runs
            await asyncio.sleep(rng.uniform(0.0, 0.4))
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()

    wave()
    process = await start_bot(env, tmp_path)

    def youth_copies() -> Counter[str]:
        texts = Counter(text_of(m) for m in staff_group.messages())
        return Counter({t: texts[t] for _u, t in to_topic})

    def worker_copies() -> Counter[str]:
        found: Counter[str] = Counter()
        for user_id, text in to_person:
            found[text] += emulator.user(user_id).texts().count(f"{STAFF_NAME}:\n{text}")
        return found

    try:
        await emulator.wait_for(
            lambda: all(youth_copies().values()) and all(worker_copies().values()),
            timeout=45,
        )
        await asyncio.sleep(1.0)  # anything still in flight would show now
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()

    copies, answers = youth_copies(), worker_copies()
    missing = [t for t, n in copies.items() if n == 0] + [t for t, n in answers.items() if n == 0]
    assert not missing, f"lost: {missing}"
    for user_id, text in to_topic:  # in the young person's own topic
        if user_id in threads:
            assert text in [text_of(m) for m in staff_group.messages(thread_id=threads[user_id])], text
    for user_id, text in to_person:  # to the right young person
        assert f"{STAFF_NAME}:\n{text}" in emulator.user(user_id).texts()
    extra_topics = len(staff_group.topics) - topics_before - WITHOUT_CASE
    duplicates = sum(n - 1 for n in copies.values()) + sum(n - 1 for n in answers.values()) + extra_topics
    assert 0 <= duplicates <= KILLS, f"{duplicates} messages went twice (topics: {extra_topics})"
    assert emulator.updates_pending() == 0

    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        inbox = Counter((await session.scalars(select(InboxUpdate.status))).all())
        outbox = Counter((await session.scalars(select(OutboxMessage.status))).all())
    await engine.dispose()
    assert set(inbox) == {"done"}, f"updates left in the inbox: {inbox}"
    assert outbox["pending"] == 0, outbox
    assert len(to_topic) + len(to_person) > 40, "enough traffic to kill into"

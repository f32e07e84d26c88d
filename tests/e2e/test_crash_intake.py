"""The durable inbox under SIGKILL: the bot process is killed at random moments while a burst of updates is in
flight; after restarts every update is handled exactly once, and every reply reaches Telegram (at most once more
for the one message in flight at each kill)."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.delivery.outgoing import STAFF_LANE
from sandbox import Emulator
from storage.engine import create_engine, session_factory
from storage.models import InboxUpdate, OutboxMessage

USERS = 30
UPDATES_PER_USER = 3
KILLS = 3


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


def sent_messages(emu: Emulator) -> int:
    """Replies sent to the young people (not what the staff group may get meanwhile)."""
    return sum(1 for c in emu.calls if c.method == "sendMessage" and c.status == 200 and int(c.params["chat_id"]) > 0)


@pytest.mark.slow
async def test_sigkill_during_a_burst_loses_nothing_and_handles_nothing_twice(
    emulator: Emulator,
    database_url: str,
    tmp_path: Path,
    bot_env: dict[str, str],
) -> None:
    rng = random.Random(20261122)
    first_update = emulator.state.next_update_id
    users = [emulator.add_user(first_name=f"P{i}", language_code="en") for i in range(USERS)]
    for user in users:
        user.send_command("start")
    for round_ in range(UPDATES_PER_USER - 1):
        for user in users:
            user.send_text(f"hello {round_}")
    total = USERS * UPDATES_PER_USER
    updates = emulator.state.next_update_id - first_update
    assert updates == total

    for _ in range(KILLS):
        process = await start_bot(bot_env, tmp_path)
        target = sent_messages(emulator) + rng.randint(1, 25)
        try:
            await emulator.wait_for(lambda t=target: sent_messages(emulator) >= t, timeout=60)
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()

    process = await start_bot(bot_env, tmp_path)
    try:
        await emulator.wait_for(lambda: sent_messages(emulator) >= total, timeout=120)
        await asyncio.sleep(1.0)  # anything still in flight would show now
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()

    per_user = Counter(c.params["chat_id"] for c in emulator.calls if c.method == "sendMessage" and c.status == 200)
    assert all(per_user[str(u.chat_id)] + per_user[u.chat_id] >= UPDATES_PER_USER for u in users), per_user
    duplicates = sent_messages(emulator) - total
    assert 0 <= duplicates <= KILLS, f"{duplicates} messages went twice"
    assert emulator.updates_pending() == 0

    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        rows = (await session.execute(select(InboxUpdate.update_id, InboxUpdate.status))).all()
        written = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.lane != STAFF_LANE)
        )
    await engine.dispose()
    burst = {uid: status for uid, status in rows if uid >= first_update}
    assert sorted(burst) == list(range(first_update, first_update + total)), "an update was lost"
    assert set(burst.values()) == {"done"}
    # Each update wrote exactly one reply in its own transaction: handled exactly once.
    assert written == total

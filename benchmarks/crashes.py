"""4. Crashes: the bot is killed with SIGKILL at random moments while young people write, the team answers,
reminders come due and a bus announcement goes out; it is started again at once each time. Afterwards: what never
arrived (must be nothing), what arrived twice (at most the one message in flight at each kill), and how long each
restart took until the bot delivered again.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from benchmarks.databases import Databases
from benchmarks.harness import UNLIMITED, VAR, Process, World, bot_env, start_bot, until_ready, wait_until, world
from benchmarks.limits import announce_to_everyone
from benchmarks.people import add_reminders, add_team_member, add_young_people, day_notes_sent, import_plan
from benchmarks.relay import warm_up
from sandbox import UserHandle
from storage.engine import create_engine, session_factory
from storage.models import InboxUpdate, OutboxMessage

ANNOUNCEMENT = "The bus is at the market square until six today."


@dataclass(frozen=True)
class CrashRun:
    kills: int
    people: int  # young people writing (their cases are open before the first kill)
    rate: float  # their messages a second, all through the run
    subscribers: int  # the announcement's recipients
    reminders: int  # reminders coming due during the run
    up: float  # the bot runs up to this many seconds (at random) after it is ready, before it is killed


class Load:
    """Young people writing at a steady rate, and the worker answering every fourth of them, until stopped."""

    def __init__(self, w: World, people: list[UserHandle], worker: UserHandle, threads: list[int], rate: float) -> None:
        self.w, self.people, self.worker, self.threads, self.rate = w, people, worker, threads, rate
        self.youth: list[str] = []
        self.answers: list[str] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        started, n = time.perf_counter(), 0
        while True:
            await asyncio.sleep(max(0.0, started + n / self.rate - time.perf_counter()))
            person = n % len(self.people)
            text = f"crash run message {n:06d}"
            self.people[person].send_text(text)
            self.youth.append(text)
            if n % 4 == 0:
                self.worker.send_text(f"answer {n:06d}", chat=self.w.group, thread_id=self.threads[person])
                self.answers.append(f"Sam:\nanswer {n:06d}")
            n += 1

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def thread_of(w: World, text: str) -> int:
    return next(int(m["message_thread_id"]) for m in w.group.messages() if m.get("text") == text)


def first_delivery_after(w: World, moment: float) -> float | None:
    times = sorted(t for chat in w.tap.by_chat.values() for t in chat)
    at = bisect.bisect_left(times, moment)
    return times[at] if at < len(times) else None


def copies(counts: Counter[str], expected: list[str]) -> dict[str, int]:
    return {
        "expected": len(expected),
        "lost": sum(1 for t in expected if counts[t] == 0),
        "duplicated": sum(counts[t] - 1 for t in expected if counts[t] > 1),
    }


async def leftovers(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            inbox = await session.scalar(
                select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status != "done")
            )
            outbox = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
    finally:
        await engine.dispose()
    return {"inbox_not_done": int(inbox or 0), "outbox_pending": int(outbox or 0)}


async def crashes(dbs: Databases, kind: str, run: CrashRun) -> dict[str, Any]:
    rng = random.Random(50)
    async with world(limits=False) as w:
        url = await dbs.fresh(kind, f"crash_{kind}")
        await import_plan(url)
        await day_notes_sent(url)
        people = await add_young_people(w.emu, url, run.people)
        reminded = await add_young_people(w.emu, url, run.reminders, prefix="Reminded")
        subscribers = await add_young_people(w.emu, url, run.subscribers, prefix="Sub", subscribe_to="peine")
        worker = await add_team_member(w.emu, w.group, url, "Sam")
        coordinator = await add_team_member(w.emu, w.group, url, "Kim", role="coordinator")
        expected_seconds = run.kills * (run.up / 2 + 2.5)
        now = datetime.now(UTC)
        lead = min(15.0, 3.0 + expected_seconds / 4)  # the first comes due about when the killing starts
        due = [
            now + timedelta(seconds=lead + expected_seconds * i / max(run.reminders, 1)) for i in range(run.reminders)
        ]
        appointments = await add_reminders(url, reminded, due)
        env = bot_env(w.emu, url, w.group.id, dbs.run_dir / f"crash-{kind}", **UNLIMITED)
        env["BROADCAST_PER_SECOND"] = str(max(5, int(run.subscribers / max(expected_seconds / 2, 1))))
        log = VAR / "logs" / f"crash-{kind}.log"

        process = await start_bot(env, log)
        await until_ready(w.tap, process)
        await warm_up(w, people, timeout=120)
        threads = [thread_of(w, f"warm-up {i}") for i in range(len(people))]
        await announce_to_everyone(w, coordinator, ANNOUNCEMENT)
        load = Load(w, people, worker, threads, run.rate)
        load.start()
        recoveries: list[float] = []
        started = time.perf_counter()
        try:
            for _ in range(run.kills):
                await asyncio.sleep(rng.uniform(0.0, run.up))
                await process.kill()
                process = await start_bot(env, log)
                await until_ready(w.tap, process)
                restarted = process.spawned
                if await wait_until(lambda r=restarted: first_delivery_after(w, r) is not None, w.emu, 60):  # type: ignore[misc]
                    recoveries.append((first_delivery_after(w, restarted) or restarted) - restarted)
            await load.stop()
            result = await settle(w, run, load, appointments, subscribers, process)
        finally:
            await load.stop()
            await process.stop()
        kinds = ("young_people_to_staff", "staff_to_young_people", "reminders", "announcement")
        result.update(
            lost=sum(result[k]["lost"] for k in kinds),
            duplicated=sum(result[k]["duplicated"] for k in kinds),
            kills=run.kills,
            seconds=round(time.perf_counter() - started, 1),
            recovery_seconds={
                "median": round(statistics.median(recoveries), 2) if recoveries else None,
                "max": round(max(recoveries), 2) if recoveries else None,
            },
            left_over=await leftovers(url),
            extra_topics=len([c for c in w.emu.calls if c.method == "createForumTopic" and c.status == 200])
            - run.people,
        )
    return result


async def settle(
    w: World,
    run: CrashRun,
    load: Load,
    appointments: dict[int, int],
    subscribers: list[UserHandle],
    process: Process,
) -> dict[str, Any]:
    """Wait until everything has arrived (or a deadline), then count."""
    pending = w.tap.expect(load.youth + load.answers)

    def reminder_counts() -> Counter[int]:
        found: Counter[int] = Counter()
        for appointment, user_id in appointments.items():
            marker = f"ap:yes:{appointment}"
            found[appointment] = sum(1 for m in w.emu.user(user_id).messages if marker in str(m.get("reply_markup")))
        return found

    def announcement_counts() -> Counter[int]:
        return Counter({user.id: len(user.messages) for user in subscribers})

    def complete() -> bool:
        return not pending and all(reminder_counts().values()) and all(announcement_counts().values())

    await wait_until(complete, w.emu, timeout=180)
    await asyncio.sleep(1.0)  # anything still in flight would show now
    counts = Counter({text: w.tap.count(text) for text in load.youth + load.answers})
    reminders, announcements = reminder_counts(), announcement_counts()
    return {
        "young_people_to_staff": copies(counts, load.youth),
        "staff_to_young_people": copies(counts, load.answers),
        "reminders": {
            "expected": len(appointments),
            "lost": sum(1 for n in reminders.values() if n == 0),
            "duplicated": sum(n - 1 for n in reminders.values() if n > 1),
        },
        "announcement": {
            "expected": len(subscribers),
            "lost": sum(1 for n in announcements.values() if n == 0),
            "duplicated": sum(n - 1 for n in announcements.values() if n > 1),
        },
        "memory": process.memory(),
    }

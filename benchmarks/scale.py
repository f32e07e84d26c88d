"""3. At scale (benchmarks.scale_data): how long the bot takes to start (to its first getUpdates), how much memory
it keeps, how fast the team's /queue and a young person's booking answer, the relay's latency, how long the
committee report takes and what young people's messages wait meanwhile, and how long the daily purge
(`anlaufstelle purge`) takes."""

from __future__ import annotations

import asyncio
import itertools
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from benchmarks import relay
from benchmarks.databases import Databases
from benchmarks.harness import (
    UNLIMITED,
    VAR,
    World,
    bot_env,
    percentiles_ms,
    refused,
    spawn,
    start_bot,
    until_ready,
    world,
)
from benchmarks.people import add_team_member, add_young_people
from benchmarks.scale_data import ScaleData, database_at_scale
from sandbox import UserHandle


@dataclass(frozen=True)
class ScaleRun:
    data: ScaleData
    starts: int  # start-ups measured
    queries: int  # /queue commands
    bookings: int  # young people booking, one after another
    relay_seconds: float
    purge_limit: float = 300.0  # seconds the purge may take before it is stopped


def _has_button(message: dict[str, Any], pattern: re.Pattern[str]) -> str | None:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return next(
        (b["callback_data"] for row in rows for b in row if pattern.fullmatch(b.get("callback_data", ""))), None
    )


async def measured(result: dict[str, Any], key: str, job: Callable[[], Awaitable[Any]]) -> None:
    """One figure; when it fails, the reason instead, and the other figures are still measured."""
    try:
        found = await job()
        result[key] = percentiles_ms(found) if isinstance(found, list) else found
    except Exception as exc:
        result[key] = {"error": f"{type(exc).__name__}: {exc}"[:400]}


async def queue_latency(w: World, worker: UserHandle, runs: int) -> list[float]:
    delays = []
    arrived = w.tap.by_chat[w.group.id]
    for _ in range(runs):
        before = len(arrived)
        sent = time.perf_counter()
        worker.send_command("queue", chat=w.group)
        await w.emu.wait_for(lambda b=before: len(arrived) > b, timeout=60)  # type: ignore[misc]
        delays.append(arrived[before] - sent)
    return delays


async def book(w: World, user: UserHandle) -> list[float]:
    """/appointment, then the first place, day and time, no topic, and "yes": the time each answer took."""
    steps = [r"bk:stop:\d+", r"bk:day:[\d-]+", r"bk:slot:\d+", r"bk:topic:none", r"bk:ok", None]
    delays = []
    sent = time.perf_counter()
    user.send_command("appointment")
    first = re.compile(steps[0] or "")
    message: dict[str, Any] = await w.emu.wait_for(
        lambda: next((m for m in user.messages if _has_button(m, first)), {}), 60
    )
    delays.append(time.perf_counter() - sent)
    message_id = message["message_id"]
    for now, following in itertools.pairwise(steps):
        assert now is not None
        data = _has_button(message, re.compile(now))
        assert data is not None, f"no button {now} in {message.get('text')!r}"
        sent = time.perf_counter()
        user.press(data, message_id=message_id)
        pattern = re.compile(following) if following else None

        def answered(
            before: str = str(message.get("text")), wanted: re.Pattern[str] | None = pattern
        ) -> dict[str, Any]:
            current = next(m for m in user.messages if m["message_id"] == message_id)
            if wanted is not None:
                return current if _has_button(current, wanted) else {}
            return current if current.get("text") != before and not _has_button(current, re.compile("bk:ok")) else {}

        message = await w.emu.wait_for(answered, 60)
        delays.append(time.perf_counter() - sent)
    return delays


async def report_while_relaying(w: World, coordinator: UserHandle, people: list[UserHandle], seconds: float) -> Any:
    """/report over the last twelve months, and young people writing 20 messages a second meanwhile: the seconds
    until the summary and both files are in the group, and the relay's latency during that time."""

    def documents() -> int:
        return len([m for m in w.group.messages() if m.get("document")])

    before = documents()
    sent = time.perf_counter()
    coordinator.send_command("report", chat=w.group)
    meanwhile = asyncio.create_task(relay.latency(w, people, 20.0, seconds, prefix="during the report"))
    try:
        await w.emu.wait_for(lambda: documents() >= before + 2, timeout=600)
        took = time.perf_counter() - sent
    finally:
        relayed = await meanwhile
    return {"seconds": round(took, 2), "relay_meanwhile_ms": relayed["latency_ms"]}


async def purge(env: dict[str, str], log_name: str, limit: float) -> dict[str, Any]:
    """`anlaufstelle purge`, as the daily job does it; stopped after `limit` seconds."""
    process = await spawn(["-m", "bot", "purge"], env, VAR / "logs" / log_name)
    try:
        await asyncio.wait_for(process.proc.wait(), limit)
    except TimeoutError:
        await process.kill()
        return {"seconds": None, "stopped_after_seconds": limit, "exit": None, "summary": []}
    took = time.perf_counter() - process.spawned
    lines = (VAR / "logs" / log_name).read_text(encoding="utf-8", errors="replace").strip().splitlines()[-8:]
    return {"seconds": round(took, 2), "exit": process.proc.returncode, "summary": lines}


async def at_scale(dbs: Databases, kind: str, run: ScaleRun, say: Callable[[str], None]) -> dict[str, Any]:
    url, made = await database_at_scale(dbs, kind, run.data, lambda line: say(f"  {kind}: {line}"))
    result: dict[str, Any] = {"data": {**run.data.__dict__, "reminders": run.data.reminders, **made}}
    async with world(limits=False) as w:
        people = await add_young_people(w.emu, url, max(run.bookings, 10), prefix="Booker")
        worker = await add_team_member(w.emu, w.group, url, "Sam")
        coordinator = await add_team_member(w.emu, w.group, url, "Cora", role="coordinator")
        env = bot_env(w.emu, url, w.group.id, dbs.run_dir / f"scale-{kind}", **UNLIMITED)
        log = VAR / "logs" / f"scale-{kind}.log"
        startups: list[float] = []
        for n in range(run.starts):
            process = await start_bot(env, log)
            startups.append(await until_ready(w.tap, process, timeout=600))
            result["memory_after_start"] = process.memory()
            if n < run.starts - 1:
                await process.stop()
        result["startup_seconds"] = {
            "median": round(statistics.median(startups), 2),
            "all": [round(s, 2) for s in startups],
        }

        async def bookings() -> dict[str, Any]:
            steps: list[float] = []
            for user in people[: run.bookings]:
                steps += await book(w, user)
            return percentiles_ms(steps)

        async def relaying() -> dict[str, Any]:
            await relay.warm_up(w, people, timeout=120)
            return (await relay.latency(w, people, 20.0, run.relay_seconds))["latency_ms"]  # type: ignore[no-any-return]

        try:
            await asyncio.sleep(1.0)
            await measured(result, "queue_ms", lambda: queue_latency(w, worker, run.queries))
            await measured(result, "booking_step_ms", bookings)
            await measured(result, "relay_at_20_per_second_ms", relaying)
            await measured(result, "report", lambda: report_while_relaying(w, coordinator, people, run.relay_seconds))
            result["memory_after_work"] = process.memory()
            result["refused"] = refused(w.emu)
        finally:
            await process.stop()
        result["purge"] = await purge(env, f"purge-{kind}.log", run.purge_limit)
    return result
